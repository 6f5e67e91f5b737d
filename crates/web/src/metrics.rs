//! Prometheus metrics in the text exposition format: requests by route, status and tenant; pool
//! gauges; tenants by status. Small enough to keep in-house rather than pull an exporter stack.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppResult;
use crate::routing::TenantLabel;
use crate::state::AppState;

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16, String), u64>>,
}

impl Metrics {
    fn record(&self, route: String, status: u16, tenant: String) {
        let mut map = self.requests.lock().expect("metrics lock");
        *map.entry((route, status, tenant)).or_default() += 1;
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

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub async fn render(State(state): State<AppState>) -> AppResult<Response> {
    let mut out = String::new();
    out.push_str("# HELP pestor_http_requests_total HTTP requests by route, status and tenant.\n");
    out.push_str("# TYPE pestor_http_requests_total counter\n");
    for ((route, status, tenant), n) in state.metrics.requests.lock().expect("metrics lock").iter()
    {
        let _ = writeln!(
            out,
            "pestor_http_requests_total{{route=\"{}\",status=\"{status}\",tenant=\"{}\"}} {n}",
            escape(route),
            escape(tenant)
        );
    }
    let pool = &state.db.pool;
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
