//! Endpoints for the operator: liveness and readiness probes, Prometheus metrics (and the layer
//! that counts requests for them).

use std::fmt::Write;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppResult;
use crate::routing::TenantLabel;
use crate::state::AppState;

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers within two seconds.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(state.db.platform());
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(1)) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

pub async fn count_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("fallback", |m| m.as_str())
        .to_owned();
    let response = next.run(req).await;
    let tenant = response
        .extensions()
        .get::<TenantLabel>()
        .map_or("-", |t| t.0.as_str())
        .to_owned();
    state
        .metrics
        .record(route, response.status().as_u16(), tenant);
    response
}

pub async fn metrics(State(state): State<AppState>) -> AppResult<Response> {
    let mut out = String::new();
    state.metrics.write_counters(&mut out);
    let pool = state.db.platform();
    out.push_str("# HELP pestor_db_pool_connections Connections of the database pool by state.\n");
    out.push_str("# TYPE pestor_db_pool_connections gauge\n");
    let idle = pool.num_idle() as u32;
    let _ = writeln!(out, "pestor_db_pool_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(
        out,
        "pestor_db_pool_connections{{state=\"in_use\"}} {}",
        pool.size().saturating_sub(idle)
    );
    let _ = writeln!(
        out,
        "pestor_db_pool_max_connections {}",
        pool.options().get_max_connections()
    );
    out.push_str("# HELP pestor_db_connections_discarded_in_transaction_total Connections closed because they came back to the pool inside a transaction.\n");
    out.push_str("# TYPE pestor_db_connections_discarded_in_transaction_total counter\n");
    let _ = writeln!(
        out,
        "pestor_db_connections_discarded_in_transaction_total {}",
        pestor_db::pool::discarded_in_transaction()
    );
    out.push_str(
        "# HELP pestor_tenants Gminas by lifecycle status.\n# TYPE pestor_tenants gauge\n",
    );
    let counts = state.tenants.count_by_status().await?;
    for status in pestor_core::TenantStatus::ALL {
        let n = counts
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| *n);
        let _ = writeln!(out, "pestor_tenants{{status=\"{status}\"}} {n}");
    }
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}
