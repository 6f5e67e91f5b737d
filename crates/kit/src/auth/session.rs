//! Server-side sessions. The cookie holds a random token; the database holds its hash, the host it
//! was issued for, and the sign-in ("login") it belongs to. A login spans hosts: the portal and each
//! gmina it was handed over to have their own session rows, and ending the login ends them all.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::PgConnection;

use super::access::{Account, GminaRole, RegionRole, Viewer};
use super::tokens;
use crate::site::Site;
use crate::state::AppState;

/// The host this request was resolved for (normalised, without port).
#[derive(Debug, Clone)]
pub struct RequestHost(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestHost {
    type Rejection = crate::error::AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestHost>()
            .cloned()
            .ok_or(crate::error::AppError::BadHost)
    }
}

/// Name of a cookie: `__Host-` prefixed (host-only, Secure, Path=/ enforced by browsers) over HTTPS.
pub fn cookie_name(state: &AppState, base: &str) -> String {
    if state.settings.server.public_scheme == "https" {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

/// A `Set-Cookie` value: host-only (no Domain), HttpOnly, SameSite=Lax, Secure behind HTTPS.
pub fn set_cookie(state: &AppState, base: &str, value: &str, max_age_secs: Option<u64>) -> String {
    let mut c = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax",
        cookie_name(state, base)
    );
    if state.settings.server.public_scheme == "https" {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub const SESSION_COOKIE: &str = "pestor_session";

/// A hint, on the base domain and so visible to every gmina subdomain, that this browser has a
/// regional sign-in. It grants nothing: it only tells a gmina host to ask the portal for a handover
/// instead of showing the visitor as anonymous. Custom domains cannot see it (sign-in there takes
/// one click on "Zaloguj się").
pub const HINT_COOKIE: &str = "pestor_region";

/// `Set-Cookie` for the hint: set for the length of a sign-in, or cleared.
pub fn hint_cookie(state: &AppState, signed_in: bool) -> String {
    let https = state.settings.server.public_scheme == "https";
    let name = if https {
        "__Secure-pestor_region"
    } else {
        HINT_COOKIE
    };
    let age = if signed_in {
        state.settings.auth.session_absolute_hours * 3600
    } else {
        0
    };
    format!(
        "{name}=1; Domain={}; Path=/; HttpOnly; SameSite=Lax{}; Max-Age={age}",
        state.settings.server.base_domain,
        if https { "; Secure" } else { "" }
    )
}

fn has_hint(state: &AppState, headers: &HeaderMap) -> bool {
    let name = if state.settings.server.public_scheme == "https" {
        "__Secure-pestor_region"
    } else {
        HINT_COOKIE
    };
    read_cookie(headers, name).is_some()
}

/// Whether an anonymous request on a gmina subdomain should first ask the portal for the
/// browser's regional sign-in: a page (not an asset) opened by a browser that carries the hint.
fn should_ask_portal(state: &AppState, req: &Request, host: &str) -> bool {
    let path = req.uri().path();
    req.method() == axum::http::Method::GET
        && host.ends_with(&format!(".{}", state.settings.server.base_domain))
        && !path.starts_with("/logowanie")
        && !path.starts_with("/branding/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
        && has_hint(state, req.headers())
}

/// Layer: finds the session of this host, if any, and puts a [`Viewer`] into the request.
pub async fn load_viewer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let (Some(site), Some(host)) = (
        req.extensions().get::<Site>().cloned(),
        req.extensions().get::<RequestHost>().cloned(),
    ) else {
        return next.run(req).await;
    };
    let token = read_cookie(req.headers(), &cookie_name(&state, SESSION_COOKIE));
    let viewer = match token {
        Some(t) => match find(&state, &site, &host.0, &t).await {
            Ok(v) => v,
            Err(e) => {
                // With the database gone, answering as if signed out would send a signed-in
                // person to the sign-in page (or refuse their form): say the service is down.
                let e = crate::error::AppError::from(e);
                if e.database_unavailable() {
                    return e.into_response();
                }
                tracing::error!(error = %e, "session lookup failed");
                Viewer(None)
            }
        },
        None => Viewer(None),
    };
    if let Some(a) = &viewer.0 {
        tracing::Span::current().record("account", a.id);
    } else if matches!(site, Site::Tenant(_)) && should_ask_portal(&state, &req, &host.0) {
        let back = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let url = format!(
            "{}/logowanie/sprawdz?do={}&powrot={}",
            state.settings.host_url(None),
            super::access::urlencode(&host.0),
            super::access::urlencode(back)
        );
        return axum::response::Redirect::to(&url).into_response();
    }
    let signed_in = viewer.0.is_some();
    let private_area = ["/panel", "/konto"]
        .iter()
        .any(|p| req.uri().path().starts_with(p));
    req.extensions_mut().insert(viewer);
    let mut response = next.run(req).await;
    // A page made for one signed-in person is kept by no cache, not even the browser's history.
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if (signed_in && is_page) || private_area {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    response
}

type SessionRow = (i64, i64, String, String, Option<String>, bool);

async fn find(state: &AppState, site: &Site, host: &str, token: &str) -> sqlx::Result<Viewer> {
    let auth = &state.settings.auth;
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT a.id, l.id, a.email, a.display_name, a.region_role,
                s.last_seen_at < now() - interval '1 minute'
         FROM sessions s JOIN logins l ON l.id = s.login_id JOIN accounts a ON a.id = l.account_id
         WHERE s.token_hash = $1 AND s.host = $2 AND l.ended_at IS NULL AND l.expires_at > now()
           AND s.last_seen_at > now() - make_interval(mins => $3)",
    )
    .bind(tokens::hash(token))
    .bind(host)
    .bind(auth.session_idle_minutes as i32)
    .fetch_optional(state.db.platform())
    .await?;
    let Some((id, login_id, email, display_name, region_role, stale)) = row else {
        return Ok(Viewer(None));
    };
    if stale {
        // Touch at most once a minute: idle expiry needs no write per request.
        sqlx::query("UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1")
            .bind(tokens::hash(token))
            .execute(state.db.platform())
            .await?;
    }
    let roles = match site {
        Site::Portal => Vec::new(),
        Site::Tenant(t) => roles_in(&state.db.tenant(&t.tenant), id).await?,
    };
    Ok(Viewer(Some(Account {
        id,
        email,
        display_name,
        region_role: region_role.as_deref().and_then(RegionRole::parse),
        roles,
        login_id,
    })))
}

pub async fn roles_in(db: &pestor_db::TenantDb, account: i64) -> sqlx::Result<Vec<GminaRole>> {
    use pestor_db::GminaScoped;
    let names: Vec<String> = db
        .scoped_scalar("SELECT DISTINCT role FROM gmina_roles WHERE teryt = $1 AND account_id = $2")
        .bind(account)
        .fetch_all(db.platform())
        .await?;
    Ok(names.iter().filter_map(|n| GminaRole::parse(n)).collect())
}

/// Starts a login for `account` and its first session on `host`; returns the cookie token and the login.
/// Any session the browser already had on this host is dropped (the id is rotated at sign-in).
pub async fn sign_in(
    conn: &mut PgConnection,
    state: &AppState,
    account: i64,
    host: &str,
    old_token: Option<&str>,
) -> sqlx::Result<(String, i64)> {
    if let Some(old) = old_token {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(tokens::hash(old))
            .execute(&mut *conn)
            .await?;
    }
    let login_id: i64 = sqlx::query_scalar(
        "INSERT INTO logins (account_id, expires_at)
         VALUES ($1, now() + make_interval(hours => $2)) RETURNING id",
    )
    .bind(account)
    .bind(state.settings.auth.session_absolute_hours as i32)
    .fetch_one(&mut *conn)
    .await?;
    Ok((open_session(conn, login_id, host).await?, login_id))
}

/// A new session of an existing login on `host` (after a handover).
pub async fn open_session(
    conn: &mut PgConnection,
    login_id: i64,
    host: &str,
) -> sqlx::Result<String> {
    let token = tokens::random_token();
    sqlx::query("INSERT INTO sessions (token_hash, login_id, host) VALUES ($1, $2, $3)")
        .bind(tokens::hash(&token))
        .bind(login_id)
        .bind(host)
        .execute(&mut *conn)
        .await?;
    Ok(token)
}

/// Ends one login on every host.
pub async fn end_login(conn: &mut PgConnection, login_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE logins SET ended_at = now() WHERE id = $1 AND ended_at IS NULL")
        .bind(login_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE login_id = $1")
        .bind(login_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends every login of an account ("sign out everywhere", password change).
pub async fn end_all_logins(conn: &mut PgConnection, account: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE logins SET ended_at = now() WHERE account_id = $1 AND ended_at IS NULL")
        .bind(account)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM sessions WHERE login_id IN (SELECT id FROM logins WHERE account_id = $1)",
    )
    .bind(account)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Issues a single-use code that opens a session of `login_id` on `host`, valid for a minute.
pub async fn handover_code(
    conn: &mut PgConnection,
    login_id: i64,
    host: &str,
) -> sqlx::Result<String> {
    let code = tokens::random_token();
    sqlx::query(
        "INSERT INTO handover_codes (code_hash, login_id, host, expires_at)
         VALUES ($1, $2, $3, now() + interval '60 seconds')",
    )
    .bind(tokens::hash(&code))
    .bind(login_id)
    .bind(host)
    .execute(&mut *conn)
    .await?;
    Ok(code)
}

/// Redeems a handover code for `host`: the login it names, if the code is valid, unused, meant for
/// this host and the login still open. The code is consumed either way.
pub async fn redeem_handover(
    conn: &mut PgConnection,
    code: &str,
    host: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "WITH used AS (DELETE FROM handover_codes WHERE code_hash = $1 RETURNING login_id, host, expires_at)
         SELECT u.login_id FROM used u JOIN logins l ON l.id = u.login_id
         WHERE u.host = $2 AND u.expires_at > now() AND l.ended_at IS NULL AND l.expires_at > now()",
    )
    .bind(tokens::hash(code))
    .bind(host)
    .fetch_optional(&mut *conn)
    .await
}
