//! `/mapa`: the registry on a map — Leaflet from our own assets, markers from the GeoJSON
//! endpoint, clustered, filtered by area; tiles from the gmina's configured server.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pestor_core::Branding;
use pestor_core::pes::public_benefit_areas;
use pestor_kit::input::Query;
use serde_json::{Value, json};

use super::directory::{self, Filters, Window};
use pestor_kit::error::AppResult;
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

/// What a map element needs from the gmina's branding.
pub(crate) fn settings(b: &Branding) -> Value {
    json!({
        "tiles": b.map_tiles, "attribution": b.map_attribution,
        "centre": format!("{},{}", b.map_centre.0, b.map_centre.1), "zoom": b.map_zoom,
    })
}

/// A page with a map: the tile server's images are allowed by its CSP.
pub(crate) fn with_map_csp(b: &Branding, response: Response) -> Response {
    let mut response = response;
    if let Ok(v) = pestor_kit::csp::csp_with_tiles(&b.map_tiles_origin()).parse() {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    // Only the area filter applies here; other choices are the list's.
    let f = Filters {
        sfera: f.sfera,
        ..Filters::default()
    };
    let located = directory::search(
        state.db.platform(),
        t.tenant.gmina().teryt.as_str(),
        &f,
        Window::Page { n: 1, size: 1 },
        true,
    )
    .await?
    .total;
    let mut ctx = settings(&t.branding);
    ctx["filters"] = json!({ "sfera": f.sfera });
    ctx["areas"] = json!(public_benefit_areas());
    ctx["located"] = json!(located);
    let html = page.render(&state, "organisations/map.html", ctx)?;
    Ok(with_map_csp(&t.branding, html.into_response()))
}
