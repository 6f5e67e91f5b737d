//! The app put together: the module list with its catalogue, the router with the shared layers, the
//! background workers, serving. A request flows request id → trace span → security headers →
//! timeout → its own task → metrics → host routing (portal or gmina) → NUL check → CSRF → session →
//! the route's access rule → handler → branded page.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Routes;
use crate::catalogue::{Catalogue, Clash, Contribution};
use crate::error::AppError;
use crate::module::{Module, Retention};
use crate::state::AppState;
use crate::{assets, auth, csp, input, ops, routing, server};

/// The app's modules, in menu order, with the [`Catalogue`] built from them.
#[derive(Clone)]
pub struct Modules {
    list: Arc<[&'static dyn Module]>,
    catalogue: Arc<Catalogue>,
}

impl Modules {
    /// The kit's own part comes first; then `list` in order. Two modules claiming one template,
    /// static file or audit action is an error.
    pub fn new(list: &[&'static dyn Module]) -> Result<Self, Clash> {
        let mut all: Vec<&'static dyn Module> = vec![&crate::kit::Kit];
        all.extend_from_slice(list);
        let mut catalogue = Catalogue::default();
        for m in &all {
            catalogue.add(Contribution {
                module: m.name(),
                templates: m.templates(),
                static_files: m.static_files(),
                nav: m.nav(),
                audit_labels: m.audit_labels(),
                csrf_exempt: m.csrf_exempt(),
                figures: m.gmina_figures(),
                search_sources: m.search_sources(),
                api_doc: m.api_doc(),
                gmina_data: m.gmina_data(),
            })?;
        }
        let mut modules = Self {
            list: all.into(),
            catalogue: Arc::new(Catalogue::default()),
        };
        let (_, rules) = modules.routes().into_parts();
        catalogue.set_api_paths(&rules);
        modules.catalogue = Arc::new(catalogue);
        Ok(modules)
    }

    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.catalogue.clone()
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static dyn Module> + '_ {
        self.list.iter().copied()
    }

    /// Every module's routes in one table.
    pub fn routes(&self) -> Routes {
        self.iter()
            .fold(Routes::default(), |r, m| m.routes(r.module(m.name())))
    }
}

/// The whole app: every module's routes behind the shared layers.
pub fn router(state: AppState, modules: &Modules) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let timeout = Duration::from_secs(state.settings.server.request_timeout_secs);
    // Browsers remember HSTS for a year: sent only where the platform really is on https.
    let hsts = (state.settings.server.public_scheme == "https")
        .then(|| {
            format!(
                "max-age={}; includeSubDomains",
                state.settings.server.hsts_max_age_secs
            )
        })
        .and_then(|v| HeaderValue::from_str(&v).ok())
        .map(|v| SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, v));
    let (pages, _) = modules.routes().into_parts();
    pages
        .route("/static/{*name}", get(assets::static_asset))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(routing::not_found)
        .layer(from_fn_with_state(state.clone(), auth::session::load_viewer))
        .layer(from_fn_with_state(state.clone(), auth::csrf::protect))
        .layer(from_fn_with_state(state.clone(), input::refuse_unstorable_text))
        .layer(from_fn_with_state(state.clone(), routing::route_by_host))
        .layer(from_fn_with_state(state.clone(), ops::count_requests))
        .layer(from_fn_with_state(state.clone(), routing::refuse_unknown_methods))
        .layer(axum::middleware::from_fn(run_to_completion))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            server_error()
        }))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp::CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(csp::PERMISSIONS_POLICY),
        ))
        .layer(tower::util::option_layer(hsts))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id, tenant = tracing::field::Empty, account = tracing::field::Empty)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Runs the rest of the request in a task of its own, so a client that disconnects, or the
/// timeout above, abandons only the wait for the answer and never the work: no handler stops between
/// a write and its commit, or with a transaction half begun. The work stays bounded by the database's
/// `statement_timeout` and the photo store's timeouts.
async fn run_to_completion(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use tracing::Instrument;
    let work = tokio::spawn(next.run(req).instrument(tracing::Span::current()));
    match work.await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "handler panicked");
            server_error()
        }
    }
}

fn server_error() -> axum::response::Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Błąd serwera.",
    )
        .into_response()
}

/// Listens for tenant changes from any instance (CLI, other replicas) and drops cached hosts.
/// Returns once listening, so a change made after this call is never missed.
pub async fn start_cache_invalidation(
    state: AppState,
) -> Result<tokio::task::JoinHandle<()>, sqlx::Error> {
    let mut listener = pestor_db::listener(state.db.platform(), pestor_db::TENANT_CHANNEL).await?;
    Ok(tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => state.invalidate_tenants(),
                // The connection dropped and sqlx reconnects: changes may have been missed, so forget everything.
                Ok(None) => state.invalidate_tenants(),
                Err(_) if state.db.platform().is_closed() => break,
                Err(e) => {
                    tracing::warn!(error = %e, "tenant change listener failed; retrying");
                    state.invalidate_tenants();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }))
}

/// The background tasks of a running server; dropping this stops them.
pub struct Workers(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Workers {
    fn drop(&mut self) {
        for h in &self.0 {
            h.abort();
        }
    }
}

/// Starts the background tasks: tenant-cache invalidation, the e-mail sender, the modules'
/// retention rules (hourly) and every module's workers, each on its own schedule.
pub async fn start_workers(state: &AppState, modules: &Modules) -> Result<Workers, AppError> {
    let invalidation = start_cache_invalidation(state.clone()).await?;
    let sender = pestor_mail::Sender::new(state.db.platform().clone(), &state.settings.mail)?;
    let mut tasks = vec![
        invalidation,
        tokio::spawn(sender.run(std::future::pending())),
        tokio::spawn(crate::figures::run(state.clone())),
    ];
    let rules: Vec<(&'static str, Retention)> = modules
        .iter()
        .filter_map(|m| m.retention().map(|r| (m.name(), r)))
        .collect();
    let retention_state = state.clone();
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            for (module, rule) in &rules {
                match (rule.purge)(retention_state.clone()).await {
                    Ok(n) => tracing::info!(module, rows = n, rule = rule.rule, "retention purge"),
                    Err(e) => tracing::warn!(module, error = %e, "retention purge failed"),
                }
            }
        }
    }));
    for m in modules.iter() {
        for worker in m.workers() {
            let state = state.clone();
            let module = m.name();
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(worker.every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if let Err(e) = (worker.run)(state.clone()).await {
                        tracing::warn!(module, worker = worker.name, error = %e, "background job failed");
                    }
                }
            }));
        }
    }
    Ok(Workers(tasks))
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    modules: &Modules,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = server::ConnectionLimits::from(&state.settings.server);
    server::run(listener, router(state, modules), limits, shutdown).await
}
