//! Tenant routing: `Host` → portal or gmina, through a moka cache that every tenant change invalidates.
//!
//! The tenant comes from the `Host` header (or the HTTP/2 authority), checked against the registry.
//! `X-Forwarded-Host` counts only when the peer is a configured trusted proxy.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pestor_core::{TenantStatus, is_reserved_subdomain};
use pestor_db::tenants::SlugLookup;

use crate::error::{AppError, ErrorPage};
use crate::page;
use crate::site::{Resolution, Site, TenantSite};
use crate::state::AppState;

/// Paths answered the same on every host, without a registry lookup.
fn is_host_independent(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/static/")
}

/// Lower-cases the host and strips the port; `None` if it is not a plausible DNS name.
pub fn normalise_host(raw: &str) -> Option<String> {
    let raw = raw.trim();
    // An IPv6 literal (`[::1]:8080`) is kept bracketed; it never names a site, but its visitor
    // gets the page that says which name to open.
    if let Some(rest) = raw.strip_prefix('[') {
        let (addr, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        let addr: std::net::Ipv6Addr = addr.parse().ok()?;
        return port_ok.then(|| format!("[{addr}]"));
    }
    let host = match raw.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        Some(_) => return None,
        None => raw,
    };
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    valid.then_some(host)
}

/// `127.0.0.1`, `[::1]`: an address where a name was expected.
fn is_ip_literal(host: &str) -> bool {
    host.parse::<std::net::Ipv4Addr>().is_ok()
        || host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .is_some_and(|h| h.parse::<std::net::Ipv6Addr>().is_ok())
}

fn request_host(headers: &HeaderMap, req: &Request, state: &AppState) -> Option<String> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted = peer.is_some_and(|ip| state.settings.server.trusted_proxies.contains(&ip));
    let forwarded = trusted
        .then(|| headers.get("x-forwarded-host"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next());
    // RFC 9112 §3.2: two `Host` headers are a bad request, and the host of an absolute-form
    // request line (HTTP/2: the authority) wins over the header.
    if headers.get_all(header::HOST).iter().nth(1).is_some() {
        return None;
    }
    let raw = forwarded
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .or_else(|| headers.get(header::HOST).and_then(|v| v.to_str().ok()))?;
    normalise_host(raw)
}

pub async fn resolve(state: &AppState, host: &str) -> Result<Resolution, AppError> {
    if let Some(hit) = state.hosts.get(host).await {
        return Ok(hit);
    }
    let resolution = lookup(state, host).await?;
    state
        .hosts
        .insert(host.to_owned(), resolution.clone())
        .await;
    Ok(resolution)
}

async fn lookup(state: &AppState, host: &str) -> Result<Resolution, AppError> {
    let base = &state.settings.server.base_domain;
    if host == base {
        return Ok(Resolution::Site(Site::Portal));
    }
    let tenant = match host
        .strip_suffix(base.as_str())
        .and_then(|p| p.strip_suffix('.'))
    {
        Some("www") => return Ok(Resolution::Redirect(state.settings.host_url(None))),
        Some(label) if label.contains('.') || is_reserved_subdomain(label) => {
            return Ok(Resolution::Unknown);
        }
        Some(label) => match state.tenants.lookup_slug(label).await? {
            SlugLookup::Tenant(t) => *t,
            SlugLookup::MovedTo(slug) => {
                return Ok(Resolution::Redirect(
                    state.settings.host_url(Some(slug.as_str())),
                ));
            }
            SlugLookup::Unknown => return Ok(Resolution::Unknown),
        },
        None => match state.tenants.lookup_domain(host).await? {
            Some(t) => t,
            None => return Ok(Resolution::Unknown),
        },
    };
    Ok(match tenant.status() {
        TenantStatus::Active => Resolution::Site(Site::Tenant(Arc::new(TenantSite::build(
            tenant,
            &state.settings.tenants.dir,
            &state.catalogue,
        )))),
        TenantStatus::Suspended => Resolution::Suspended(Arc::new(TenantSite::build(
            tenant,
            &state.settings.tenants.dir,
            &state.catalogue,
        ))),
        TenantStatus::Registered | TenantStatus::Archived => {
            Resolution::NotProvisioned(tenant.gmina().default_display_name())
        }
    })
}

/// The tenant label of a response, for metrics.
#[derive(Clone)]
pub struct TenantLabel(pub String);

/// The routing layer: resolves the site, hands it to handlers as an extension, and renders error pages
/// with the site's branding.
pub async fn route_by_host(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if is_host_independent(req.uri().path()) {
        return next.run(req).await;
    }
    let Some(host) = request_host(req.headers(), &req, &state) else {
        return finish(&state, &Site::Portal, AppError::BadHost.into_response());
    };
    let resolution = match resolve(&state, &host).await {
        Ok(r) => r,
        Err(e) => return finish(&state, &Site::Portal, e.into_response()),
    };
    let site = match resolution {
        Resolution::Site(site) => site,
        Resolution::Redirect(base) => {
            let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
            // 301 rather than axum's 308: old links and bookmarks are GETs, and 301 is what crawlers expect.
            return (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, format!("{base}{path}"))],
            )
                .into_response();
        }
        Resolution::Unknown if is_ip_literal(&host) => {
            let portal = state.settings.host_url(None);
            return finish(
                &state,
                &Site::Portal,
                AppError::IpAddressHost(portal).into_response(),
            );
        }
        Resolution::Unknown => {
            return finish(&state, &Site::Portal, AppError::UnknownHost.into_response());
        }
        Resolution::NotProvisioned(name) => {
            return finish(
                &state,
                &Site::Portal,
                AppError::NotProvisioned(name).into_response(),
            );
        }
        Resolution::Suspended(t) => {
            let name = t.branding.display_name.clone();
            let reason = t.tenant.status_reason().trim().to_owned();
            let mut response = finish(
                &state,
                &Site::Tenant(t),
                AppError::Suspended(name, reason).into_response(),
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_static("3600"),
            );
            return response;
        }
    };
    let label = match &site {
        Site::Portal => "portal".to_owned(),
        Site::Tenant(t) => t.tenant.gmina().slug.to_string(),
    };
    tracing::Span::current().record("tenant", label.as_str());
    req.extensions_mut().insert(site.clone());
    req.extensions_mut()
        .insert(crate::auth::session::RequestHost(host));
    let api = state.catalogue.is_api(req.uri().path());
    let response = next.run(req).await;
    let mut response = if api {
        finish_api(response)
    } else {
        finish(&state, &site, response)
    };
    response.extensions_mut().insert(TenantLabel(label));
    response
}

/// Replaces the plain body of an error response with the site's error page.
fn finish(state: &AppState, site: &Site, response: Response) -> Response {
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let status = response.status();
    match page::render_error(state, site, &page) {
        Ok(html) => {
            let (mut parts, _) = response.into_parts();
            parts.headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("text/html; charset=utf-8"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, axum::body::Body::from(html))
        }
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (status, page.message).into_response()
        }
    }
}

/// Errors of the open-data API are JSON for programs, not pages: `{"error": {"title", "message"}}`.
fn finish_api(response: Response) -> Response {
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::json!({ "error": page }).to_string();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// TRACE, CONNECT and methods no route knows answer 405 before any other layer looks at them
/// (the CSRF layer would otherwise refuse them as unsafe with 403).
pub async fn refuse_unknown_methods(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    use axum::http::Method;
    let known = [Method::GET, Method::HEAD, Method::POST, Method::OPTIONS];
    // The open-data API only reads.
    let api = state.catalogue.is_api(req.uri().path());
    if known.contains(req.method()) && !(api && req.method() == Method::POST) {
        return next.run(req).await;
    }
    let allow = if api {
        "GET, HEAD, OPTIONS"
    } else {
        "GET, HEAD, POST, OPTIONS"
    };
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [
            (header::ALLOW, allow),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        "Metoda niedozwolona.",
    )
        .into_response()
}

/// Fallback for paths no module serves.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
