//! Sign-in on the portal, its handover to gmina hosts, and sign-out.
//!
//! A gmina's `/logowanie` sends the browser to the portal's `/logowanie?do=<host>&powrot=<path>`.
//! If the portal already has a session, no password is asked: the portal issues a one-time code
//! for that host and redirects to `<host>/logowanie/przekaz?kod=…`, which opens a session there
//! belonging to the same sign-in. Signing out anywhere ends that sign-in on every host.

use std::sync::Arc;

use crate::input::Query;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::{ClientIp, Fields, field};
use crate::auth::access::{safe_return_path, urlencode};
use crate::auth::session::{
    self, RequestHost, SESSION_COOKIE, cookie_name, read_cookie, set_cookie,
};
use crate::auth::{password, throttle};
use crate::error::{AppError, AppResult};
use crate::pages::Page;
use crate::routing::{Resolution, resolve};
use crate::site::{Site, TenantSite};
use crate::state::AppState;

#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    /// The gmina host to sign in to (portal only).
    #[serde(default, rename = "do")]
    pub(crate) target: String,
    #[serde(default)]
    pub(crate) powrot: String,
}

/// The base URL of a host of this deployment, as links between hosts are written.
fn host_base(state: &AppState, host: &str) -> String {
    let s = &state.settings.server;
    match s.public_port {
        0 => format!("{}://{host}", s.public_scheme),
        p => format!("{}://{host}:{p}", s.public_scheme),
    }
}

/// The active gmina served on `host`, or `None` if the host is not one.
pub(crate) async fn gmina_at(state: &AppState, host: &str) -> AppResult<Option<Arc<TenantSite>>> {
    let Some(host) = crate::routing::normalise_host(host) else {
        return Ok(None);
    };
    Ok(match resolve(state, &host).await? {
        Resolution::Site(Site::Tenant(t)) => Some(t),
        _ => None,
    })
}

/// The checked sign-in target: the lower-cased gmina host and its site; `None` for the portal.
async fn checked_target(
    state: &AppState,
    target: &str,
) -> AppResult<Option<(String, Arc<TenantSite>)>> {
    if target.is_empty() {
        return Ok(None);
    }
    // `host:port` only with the port the platform's links use: any other would end up in the
    // hand-over URL and the page's CSP.
    if let Some((_, port)) = target.rsplit_once(':')
        && port.parse::<u16>().ok() != Some(state.settings.server.public_port).filter(|p| *p != 0)
    {
        return Err(AppError::BadRequest(
            "Nie ma aktywnego serwisu gminy pod tym adresem.".into(),
        ));
    }
    let host = crate::routing::normalise_host(target).unwrap_or_default();
    match gmina_at(state, &host).await? {
        Some(site) => Ok(Some((host, site))),
        None => Err(AppError::BadRequest(
            "Nie ma aktywnego serwisu gminy pod tym adresem.".into(),
        )),
    }
}

pub(crate) fn with_cookie(mut response: Response, cookie: String) -> Response {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Portal → gmina: a one-time code for `target`, and the redirect that redeems it.
async fn hand_over(
    state: &AppState,
    login_id: i64,
    target: &str,
    back: &str,
) -> AppResult<Response> {
    let mut conn = state.db.pool.acquire().await?;
    let code = session::handover_code(&mut conn, login_id, target).await?;
    let url = format!(
        "{}/logowanie/przekaz?kod={code}&powrot={}",
        host_base(state, target),
        urlencode(back)
    );
    Ok(Redirect::to(&url).into_response())
}

pub async fn form(
    State(state): State<AppState>,
    page: Page,
    RequestHost(host): RequestHost,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    let back = safe_return_path(Some(&q.powrot));
    if let Site::Tenant(_) = page.site {
        if page.viewer.0.is_some() {
            return Ok(Redirect::to(&back).into_response());
        }
        let url = format!(
            "{}/logowanie?do={}&powrot={}",
            state.settings.host_url(None),
            urlencode(&host),
            urlencode(&back)
        );
        return Ok(Redirect::to(&url).into_response());
    }
    let target = checked_target(&state, &q.target).await?;
    if let Some(account) = &page.viewer.0 {
        return match target {
            Some((t, _)) => hand_over(&state, account.login_id, &t, &back).await,
            None => Ok(Redirect::to(&back).into_response()),
        };
    }
    render_form(
        &state,
        &page,
        &q,
        target.as_ref().map(|t| t.1.as_ref()),
        "",
        None,
        StatusCode::OK,
    )
}

fn render_form(
    state: &AppState,
    page: &Page,
    q: &LoginQuery,
    target: Option<&TenantSite>,
    email: &str,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    let providers: Vec<_> = super::oidc::providers_for(state, target.map(|t| &t.tenant.gmina))
        .into_iter()
        .map(|p| {
            json!({
                "label": p.label,
                "href": format!("/logowanie/oidc/{}?do={}&powrot={}", urlencode(&p.id), urlencode(&q.target),
                                urlencode(&safe_return_path(Some(&q.powrot)))),
            })
        })
        .collect();
    let html = page.render(
        state,
        "accounts/login.html",
        json!({
            "target": q.target,
            "target_name": target.map(|t| &t.branding.display_name),
            "powrot": safe_return_path(Some(&q.powrot)),
            "email": email,
            "error": error,
            "providers": providers,
        }),
    )?;
    let mut response = (status, html).into_response();
    // Only a target already checked to be an active gmina reaches the policy.
    if target.is_some() {
        let origin = host_base(state, &q.target.to_ascii_lowercase());
        if let Ok(v) = HeaderValue::from_str(&crate::csp_with_form_target(&origin)) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    Ok(response)
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    RequestHost(host): RequestHost,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    if !matches!(page.site, Site::Portal) {
        // Passwords are typed on the portal only.
        return Ok(
            Redirect::to(&format!("{}/logowanie", state.settings.host_url(None))).into_response(),
        );
    }
    let q = LoginQuery {
        target: field(&f, "do").to_owned(),
        powrot: field(&f, "powrot").to_owned(),
    };
    let target = checked_target(&state, &q.target).await?;
    let target_site = target.as_ref().map(|t| t.1.as_ref());
    let email = field(&f, "email").trim().to_owned();
    let auth = &state.settings.auth;
    let (ip_key, account_key) = (
        format!("login:ip:{ip}"),
        format!("login:acct:{}", email.to_lowercase()),
    );
    let limits = [
        (&ip_key, auth.max_failed_logins_per_ip),
        (&account_key, auth.max_failed_logins),
    ];
    for (key, limit) in limits {
        if throttle::exhausted(&state.db.pool, key, limit, auth.throttle_window_minutes).await? {
            return render_form(
                &state,
                &page,
                &q,
                target_site,
                &email,
                Some(
                    "Zbyt wiele nieudanych prób logowania. Odczekaj 15 minut albo ustaw nowe hasło.",
                ),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
    }
    let found: Option<(i64, Option<String>, bool)> = sqlx::query_as(
        "SELECT id, password_hash, email_verified_at IS NOT NULL FROM accounts WHERE lower(email) = lower($1)",
    )
    .bind(&email)
    .fetch_optional(&state.db.pool)
    .await?;
    // An unknown address costs the same hashing time as a known one.
    let stored = found
        .as_ref()
        .and_then(|f| f.1.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let ok = password::verify(field(&f, "password").to_owned(), stored).await && found.is_some();
    let Some((account, _, verified)) = found.filter(|_| ok) else {
        for (key, limit) in limits {
            throttle::hit(&state.db.pool, key, limit, auth.throttle_window_minutes).await?;
        }
        return render_form(
            &state,
            &page,
            &q,
            target_site,
            &email,
            Some("Nieprawidłowy adres e-mail lub hasło."),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    if !verified {
        return page.respond(
            &state,
            "accounts/unverified.html",
            json!({ "email": email }),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    throttle::clear(&state.db.pool, &account_key).await?;
    let target = target.map(|t| t.0).unwrap_or_default();
    finish_sign_in(&state, &headers, &host, account, &target, &q.powrot).await
}

/// After the password (or the identity provider) proved who it is: a new login and session on the
/// portal, then back to the page — or, for a gmina target, on to that gmina with a handover code.
pub(crate) async fn finish_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    host: &str,
    account: i64,
    target: &str,
    back: &str,
) -> AppResult<Response> {
    let old = read_cookie(headers, &cookie_name(state, SESSION_COOKIE));
    let mut tx = pestor_db::begin(&state.db.pool).await?;
    let (token, login_id) = session::sign_in(&mut tx, state, account, host, old.as_deref()).await?;
    tx.commit().await?;
    let back = safe_return_path(Some(back));
    let response = if target.is_empty() {
        Redirect::to(&back).into_response()
    } else {
        hand_over(state, login_id, target, &back).await?
    };
    let response = with_cookie(response, set_cookie(state, SESSION_COOKIE, &token, None));
    Ok(with_cookie(response, session::hint_cookie(state, true)))
}

/// `/logowanie/sprawdz?do=&powrot=` (portal): a gmina subdomain asks whether this browser is signed
/// in. Yes: hand the sign-in over. No (it ended elsewhere): drop the stale hint and go back.
pub async fn check(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    let back = safe_return_path(Some(&q.powrot));
    let Some((target, _)) = checked_target(&state, &q.target).await.ok().flatten() else {
        // Not a gmina of ours: nothing to hand over; the portal's own session stays.
        return Ok(Redirect::to("/").into_response());
    };
    match &page.viewer.0 {
        Some(account) => hand_over(&state, account.login_id, &target, &back).await,
        None => Ok(with_cookie(
            Redirect::to(&format!("{}{back}", host_base(&state, &target))).into_response(),
            session::hint_cookie(&state, false),
        )),
    }
}

#[derive(serde::Deserialize)]
pub struct ReceiveQuery {
    #[serde(default)]
    kod: String,
    #[serde(default)]
    powrot: String,
}

/// Gmina side of the handover: redeem the code, open a session here, go back to the page.
pub async fn receive(
    State(state): State<AppState>,
    RequestHost(host): RequestHost,
    Query(q): Query<ReceiveQuery>,
) -> AppResult<Response> {
    let mut tx = pestor_db::begin(&state.db.pool).await?;
    let Some(login_id) = session::redeem_handover(&mut tx, &q.kod, &host).await? else {
        tx.commit().await?; // the code is spent even when refused
        return Err(AppError::BadRequest(
            "Link logowania wygasł albo został już użyty. Zaloguj się ponownie.".into(),
        ));
    };
    let token = session::open_session(&mut tx, login_id, &host).await?;
    tx.commit().await?;
    let back = safe_return_path(Some(&q.powrot));
    Ok(with_cookie(
        Redirect::to(&back).into_response(),
        set_cookie(&state, SESSION_COOKIE, &token, None),
    ))
}

/// Ends this sign-in on every host (the portal and every gmina it reached).
pub async fn sign_out(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    if let Some(a) = &page.viewer.0 {
        let mut conn = state.db.pool.acquire().await?;
        session::end_login(&mut conn, a.login_id).await?;
    }
    Ok(clear_session_cookie(
        &state,
        Redirect::to("/").into_response(),
    ))
}

/// Signs this browser out on this host and drops the regional hint.
pub(crate) fn clear_session_cookie(state: &AppState, response: Response) -> Response {
    let response = with_cookie(response, set_cookie(state, SESSION_COOKIE, "", Some(0)));
    with_cookie(response, session::hint_cookie(state, false))
}

pub(crate) fn session_cookie(state: &AppState, response: Response, token: &str) -> Response {
    with_cookie(response, set_cookie(state, SESSION_COOKIE, token, None))
}
