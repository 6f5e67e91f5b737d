//! `/mapa`: the registry on a map — Leaflet from our own assets, markers from the GeoJSON
//! endpoint, clustered, filtered by area; tiles from the gmina's configured server.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use pestor_core::pes::public_benefit_areas;
use pestor_kit::input::Query;
use pestor_kit::maps::{settings, with_map_csp};
use serde_json::json;

use super::directory::{self, Filters, Window};
use pestor_kit::error::AppResult;
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

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
