//! The region's indicator page on the portal (`/klauzule-spoleczne-w-regionie`): each year's
//! figures summed over every active gmina's register, computed by the same statement as a
//! gmina's page, one gmina at a time (`pestor_kit::fleet`), and kept for five minutes.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use moka::future::Cache;
use pestor_core::TenantStatus;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::fleet;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;
use serde_json::json;

use crate::indicators::{Year, csv_of, rows_and_bars, years};

/// The fleet job's name, in logs and in the failure metric.
const JOB: &str = "clause-indicators-region";

/// The region's years and how many gminas they sum.
type Summed = (Vec<Year>, usize);

/// Every active gmina's years, summed by year; how many gminas counted. Kept per database: one
/// process may serve several (the tests do).
async fn summed(state: &AppState) -> AppResult<Arc<Summed>> {
    static CACHE: OnceLock<Cache<String, Arc<Summed>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        Cache::builder()
            .time_to_live(Duration::from_secs(300))
            .build()
    });
    let database = state
        .db
        .platform()
        .connect_options()
        .get_database()
        .unwrap_or_default()
        .to_owned();
    cache
        .try_get_with(database, async {
            let report = fleet::for_each_gmina(state, JOB, |t| async move {
                if t.tenant.status() != TenantStatus::Active {
                    return Ok(None);
                }
                let mut tx = state.db.tenant(&t.tenant).begin().await?;
                let ys = years(&mut tx).await?;
                tx.commit().await?;
                Ok(Some(ys))
            })
            .await?;
            let mut by_year: BTreeMap<i32, Year> = BTreeMap::new();
            let mut gminas = 0;
            for (_, ys) in report.done {
                let Some(ys) = ys else { continue };
                gminas += 1;
                for y in ys {
                    by_year.entry(y.year).and_modify(|s| s.add(&y)).or_insert(y);
                }
            }
            Ok::<_, AppError>(Arc::new((by_year.into_values().collect(), gminas)))
        })
        .await
        // The caller that ran the work owns its error; the others get its text.
        .map_err(|e: Arc<AppError>| {
            Arc::try_unwrap(e)
                .unwrap_or_else(|e| AppError::Sqlx(sqlx::Error::Protocol(e.to_string())))
        })
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
