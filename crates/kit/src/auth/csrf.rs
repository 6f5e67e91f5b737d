//! CSRF protection for every state-changing request, in one layer so no form can forget it.
//!
//! Signed double-submit: the browser holds a random, host-only, HttpOnly cookie; every form carries
//! `HMAC(secret, host, cookie, session cookie)` in a hidden `csrf` field (multipart forms: in the action's query
//! string; scripts: the `X-CSRF-Token` header). A POST whose token does not match, or whose
//! `Origin` is another site, is refused with 403 before any handler runs.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::session::{RequestHost, SESSION_COOKIE, cookie_name, read_cookie, set_cookie};
use super::tokens;
use crate::error::AppError;
use crate::input::MAX_FORM_BYTES;
use crate::state::AppState;

pub const CSRF_COOKIE: &str = "pestor_csrf";
pub const FIELD: &str = "csrf";

/// The token to put into forms on this page.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// The token forms carry on `host` for a browser with these CSRF and session cookie values (the
/// session value is empty when signed out).
pub fn token_for(state: &AppState, host: &str, csrf_cookie: &str, session_cookie: &str) -> String {
    tokens::sign(&state.secret, &[host, csrf_cookie, session_cookie])
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(host) = req.extensions().get::<RequestHost>().cloned() else {
        return next.run(req).await; // probes and static files: no forms there
    };
    let name = cookie_name(&state, CSRF_COOKIE);
    let cookie = read_cookie(req.headers(), &name).filter(|c| c.len() == 43);
    // Bound to the session too: a CSRF cookie planted before sign-in cannot vouch for a signed-in
    // browser's forms, and signing in (a new session cookie) rotates every token.
    let session =
        read_cookie(req.headers(), &cookie_name(&state, SESSION_COOKIE)).unwrap_or_default();
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe {
        let (cookie, fresh) = match cookie {
            Some(c) => (c, false),
            None => (tokens::random_token(), true),
        };
        let mut req = req;
        let token = token_for(&state, &host.0, &cookie, &session);
        req.extensions_mut().insert(CsrfToken(token));
        let mut response = next.run(req).await;
        // Only pages get the cookie: an asset with `Set-Cookie` could be cached by a shared cache
        // and hand one browser's cookie to everyone.
        let is_page = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
        if fresh
            && is_page
            && let Ok(v) = HeaderValue::from_str(&set_cookie(&state, CSRF_COOKIE, &cookie, None))
        {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
        return response;
    }
    // Paths a module exempts (the one-click unsubscribe of RFC 8058: mail programs post the link
    // without cookies or token; the secret in the link is the proof).
    if state.catalogue.csrf_exempt(req.uri().path()) {
        return next.run(req).await;
    }
    if cross_site(&req, &host.0) {
        return AppError::CsrfRejected.into_response();
    }
    let Some(cookie) = cookie else {
        return AppError::CsrfRejected.into_response();
    };
    let (req, submitted) = match submitted_token(req).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    match submitted {
        Some(t) if tokens::verify(&state.secret, &[&host.0, &cookie, &session], &t) => {
            let mut req = req;
            let token = token_for(&state, &host.0, &cookie, &session);
            req.extensions_mut().insert(CsrfToken(token));
            next.run(req).await
        }
        _ => AppError::CsrfRejected.into_response(),
    }
}

/// `Origin` (or `Sec-Fetch-Site`) naming another site. Absent headers are not proof of an attack
/// (older browsers, privacy settings); the token still has to match.
fn cross_site(req: &Request, host: &str) -> bool {
    if req
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return true;
    }
    match req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        None => false,
        Some("null") => true,
        Some(origin) => {
            let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
            let origin_host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
            !origin_host.eq_ignore_ascii_case(host)
        }
    }
}

/// The token from the header, the query string, or an urlencoded body (which is buffered and put back).
async fn submitted_token(req: Request) -> Result<(Request, Option<String>), Response> {
    if let Some(t) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let t = t.to_owned();
        return Ok((req, Some(t)));
    }
    if let Some(t) = req
        .uri()
        .query()
        .and_then(|q| form_field(q.as_bytes(), FIELD))
    {
        return Ok((req, Some(t)));
    }
    if !crate::input::is_urlencoded_form(req.headers()) {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::PayloadTooLarge.into_response())?;
    let token = form_field(&bytes, FIELD);
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
