//! Work over every gmina (digests, reminders, later exports and figures): one gmina at a time per
//! slot, a few slots at once, and a gmina that fails is logged, counted in the metrics and skipped —
//! it never stops the gminas after it.

use std::future::Future;
use std::sync::Arc;

use futures::StreamExt;

use crate::error::{AppError, AppResult};
use crate::site::TenantSite;
use crate::state::AppState;

/// Gminas worked on at once: each holds one pooled connection for its transaction, and the
/// request handlers need the rest of the pool.
pub const CONCURRENCY: usize = 4;

/// What a fleet job did: each gmina's result, and the gminas where it failed (by TERYT).
pub struct Report<T> {
    pub done: Vec<(String, T)>,
    pub failed: Vec<(String, AppError)>,
}

/// Runs `work` for every gmina that has a schema (active, suspended or archived alike: what a job
/// does for which is its own decision), at most [`CONCURRENCY`] at a time. Fails only when the list
/// of gminas cannot be read.
pub async fn for_each_gmina<T, F, Fut>(
    state: &AppState,
    job: &'static str,
    work: F,
) -> AppResult<Report<T>>
where
    F: Fn(Arc<TenantSite>) -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    let gminas: Vec<Arc<TenantSite>> = state
        .tenants
        .list()
        .await?
        .iter()
        .filter(|t| t.schema_version().is_some())
        .map(|t| {
            Arc::new(TenantSite::build(
                t.clone(),
                &state.settings.tenants.dir,
                &state.catalogue,
            ))
        })
        .collect();
    let results: Vec<(String, AppResult<T>)> = futures::stream::iter(gminas)
        .map(|site| {
            let teryt = site.tenant.gmina().teryt.as_str().to_owned();
            let run = work(site);
            async move { (teryt, run.await) }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut report = Report {
        done: Vec::new(),
        failed: Vec::new(),
    };
    for (teryt, result) in results {
        match result {
            Ok(v) => report.done.push((teryt, v)),
            Err(e) => {
                tracing::warn!(job, teryt, error = %e, "fleet job failed for one gmina");
                state.metrics.record_fleet_failure(job, &teryt);
                report.failed.push((teryt, e));
            }
        }
    }
    report.done.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(report)
}
