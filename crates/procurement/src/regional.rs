//! The region's indicator page on the portal (`/klauzule-spoleczne-w-regionie`): each year's
//! figures summed over every active gmina's register, read from the figures' store
//! (`pestor_kit::figures::by_year`), where the module's figures by day keep them.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pestor_core::TenantStatus;
use pestor_kit::error::AppResult;
use pestor_kit::figures;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;
use serde_json::json;

use crate::indicators::{Year, csv_of, rows_and_bars};

/// The region's years and how many gminas they sum.
type Summed = (Vec<Year>, usize);

/// Every active gmina's years, summed by year; how many gminas counted.
async fn summed(state: &AppState) -> AppResult<Summed> {
    let tenants = state.tenants.list().await?;
    let active: Vec<&pestor_db::Tenant> = tenants
        .iter()
        .filter(|t| t.status() == TenantStatus::Active)
        .collect();
    let years = state
        .regional(async |conn| figures::by_year(conn, &Year::FIGURES, &active).await)
        .await?;
    let years = years
        .into_iter()
        .map(|(year, values)| Year::of_figures(year, &values))
        .collect();
    Ok((years, active.len()))
}

/// `/klauzule-spoleczne-w-regionie` (portal).
pub async fn page(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let all = summed(&state).await?;
    let (rows, bars) = rows_and_bars(&all.0);
    Ok(page
        .render(
            &state,
            "procurement/region.html",
            json!({ "years": rows, "bars": bars, "gminas": all.1 }),
        )?
        .into_response())
}

/// `/klauzule-spoleczne-w-regionie.csv` (portal).
pub async fn csv(State(state): State<AppState>) -> AppResult<Response> {
    let all = summed(&state).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"klauzule-spoleczne-region.csv\"",
            ),
        ],
        csv_of(&all.0),
    )
        .into_response())
}
