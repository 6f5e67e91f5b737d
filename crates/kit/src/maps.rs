//! Pages with a map (Leaflet and `map.js` from our own assets): the map element's settings from
//! the gmina's branding, and the page's CSP widened to the gmina's tile server.

use axum::http::header;
use axum::response::Response;
use pestor_core::Branding;
use serde_json::{Value, json};

/// What a map element needs from the gmina's branding (`data-tiles`, `data-centre`, …).
pub fn settings(b: &Branding) -> Value {
    json!({
        "tiles": b.map_tiles, "attribution": b.map_attribution,
        "centre": format!("{},{}", b.map_centre.0, b.map_centre.1), "zoom": b.map_zoom,
    })
}

/// A page with a map: the tile server's images are allowed by its CSP.
pub fn with_map_csp(b: &Branding, response: Response) -> Response {
    let mut response = response;
    if let Ok(v) = crate::csp::csp_with_tiles(&b.map_tiles_origin()).parse() {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}
