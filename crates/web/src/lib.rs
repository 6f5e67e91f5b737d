//! The web application: one router for every host. A request flows
//! request id → trace span → metrics → host routing (portal or gmina) → handler → branded page.

pub mod accessibility;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod demo;
pub mod error;
pub mod input;
pub mod metrics;
pub mod offers;
pub mod ops;
pub mod organisations;
pub mod pages;
pub mod panel;
pub mod photos;
pub mod routing;
pub mod server;
pub mod site;
pub mod state;

use std::future::Future;
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

pub use error::{AppError, AppResult};
pub use state::AppState;

/// Content Security Policy of every page (a handler may widen `form-action`, see
/// [`csp_with_form_target`]).
pub(crate) const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// No page uses the camera, microphone, location or payment features; a script injected into one
/// cannot ask for them either (the map locates nobody: markers come from the cards).
const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";

/// The page CSP, also allowing forms to end at `origin`: Chrome applies `form-action` to the
/// redirects that follow a submission, and sign-in on the portal redirects to the gmina's host.
pub(crate) fn csp_with_form_target(origin: &str) -> String {
    CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {origin}"),
    )
}

/// The page CSP, also allowing map tiles from `tiles_origin` (the gmina's configured tile server).
pub(crate) fn csp_with_tiles(tiles_origin: &str) -> String {
    CSP.replace(
        "img-src 'self' data:",
        &format!("img-src 'self' data: {tiles_origin}"),
    )
}

/// Every page route with its access rule, in one table (also walked by the authorisation test).
pub fn routes() -> auth::Routes {
    use auth::{Access, Hosts};
    let r = auth::Routes::default()
        .add("/", &["GET"], Hosts::Both, Access::Anyone, get(pages::home))
        .add(
            "/branding/theme.css",
            &["GET"],
            Hosts::Gmina,
            Access::Anyone,
            get(pages::theme_css),
        )
        .add(
            "/branding/logo",
            &["GET"],
            Hosts::Gmina,
            Access::Anyone,
            get(pages::logo),
        );
    accessibility::routes(offers::routes(organisations::routes(panel::routes(
        accounts::routes(r),
    ))))
}

pub fn app(state: AppState) -> Router {
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
    let (pages, _) = routes().into_parts();
    pages
        .route("/static/{*name}", get(pages::static_asset))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(metrics::render))
        .fallback(routing::not_found)
        .layer(from_fn_with_state(state.clone(), auth::session::load_viewer))
        .layer(from_fn_with_state(state.clone(), auth::csrf::protect))
        .layer(axum::middleware::from_fn(input::refuse_unstorable_text))
        .layer(from_fn_with_state(state.clone(), routing::route_by_host))
        .layer(from_fn_with_state(state.clone(), metrics::count_requests))
        .layer(axum::middleware::from_fn(routing::refuse_unknown_methods))
        .layer(axum::middleware::from_fn(run_to_completion))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            server_error()
        }))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
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
    let mut listener = pestor_db::listener(&state.db.pool, pestor_db::TENANT_CHANNEL).await?;
    Ok(tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => state.invalidate_tenants(),
                // The connection dropped and sqlx reconnects: changes may have been missed, so forget everything.
                Ok(None) => state.invalidate_tenants(),
                Err(_) if state.db.pool.is_closed() => break,
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

/// Starts the background tasks: tenant-cache invalidation, the e-mail sender, hourly retention,
/// removal of deleted photos from the store, and the daily offer digests.
pub async fn start_workers(state: &AppState) -> Result<Workers, AppError> {
    let invalidation = start_cache_invalidation(state.clone()).await?;
    let sender = pestor_mail::Sender::new(state.db.pool.clone(), &state.settings.mail)?;
    let mail = tokio::spawn(sender.run(std::future::pending()));
    let retention_state = state.clone();
    let retention = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match auth::retention::purge(&retention_state.db.pool, &retention_state.settings.auth)
                .await
            {
                Ok(p) => tracing::info!(?p, "retention purge"),
                Err(e) => tracing::warn!(error = %e, "retention purge failed"),
            }
        }
    });
    let photos_state = state.clone();
    let photos = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        let mut tick_count: u64 = 0;
        loop {
            tick.tick().await;
            if let Err(e) = photos::purge_deleted(&photos_state).await {
                tracing::warn!(error = %e, "removing deleted photos failed");
            }
            // Hourly: each subscription gets at most one digest a day.
            if tick_count.is_multiple_of(60)
                && let Err(e) = offers::notices::send_digests(&photos_state).await
            {
                tracing::warn!(error = %e, "daily offer digests failed");
            }
            tick_count += 1;
        }
    });
    Ok(Workers(vec![invalidation, mail, retention, photos]))
}

/// Serves until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = server::ConnectionLimits::from(&state.settings.server);
    server::run(listener, app(state), limits, shutdown).await
}
