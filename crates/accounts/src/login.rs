//! Sign-in on the portal, its handover to gmina hosts, and sign-out.
//!
//! A gmina's `/logowanie` sends the browser to the portal's `/logowanie?do=<host>&powrot=<path>`.
//! If the portal already has a session, no password is asked: the portal issues a one-time code
//! for that host and redirects to `<host>/logowanie/przekaz?kod=…`, which opens a session there
//! belonging to the same sign-in. Signing out anywhere ends that sign-in on every host.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_kit::input::Query;
use serde_json::json;

use super::sign_in::{
    LoginQuery, clear_session_cookie, finish_sign_in, gmina_at, hand_over, host_base, with_cookie,
};
use super::{ClientIp, Form};
use pestor_kit::auth::access::{safe_return_path, urlencode};
use pestor_kit::auth::session::{self, RequestHost, SESSION_COOKIE, set_cookie};
use pestor_kit::auth::{password, throttle};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::page::Page;
use pestor_kit::site::{Site, TenantSite};
use pestor_kit::state::AppState;

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
        && port.parse::<u16>().ok() != state.settings.server.link_port()
    {
        return Err(AppError::BadRequest(
            "Nie ma aktywnego serwisu gminy pod tym adresem.".into(),
        ));
    }
    let host = pestor_kit::routing::normalise_host(target).unwrap_or_default();
    match gmina_at(state, &host).await? {
        Some(site) => Ok(Some((host, site))),
        None => Err(AppError::BadRequest(
            "Nie ma aktywnego serwisu gminy pod tym adresem.".into(),
        )),
    }
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
    let providers: Vec<_> = super::oidc::providers_for(state, target.map(|t| t.tenant.gmina()))
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
        if let Ok(v) = HeaderValue::from_str(&pestor_kit::csp::csp_with_form_target(&origin)) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    Ok(response)
}

/// The sign-in form: the address and password, and where to go next (as in the query).
#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(flatten)]
    then: LoginQuery,
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    RequestHost(host): RequestHost,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    if !matches!(page.site, Site::Portal) {
        // Passwords are typed on the portal only.
        return Ok(
            Redirect::to(&format!("{}/logowanie", state.settings.host_url(None))).into_response(),
        );
    }
    let q = f.then;
    let target = checked_target(&state, &q.target).await?;
    let target_site = target.as_ref().map(|t| t.1.as_ref());
    let email = f.email.trim().to_owned();
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
        if throttle::exhausted(
            state.db.platform(),
            key,
            limit,
            auth.throttle_window_minutes,
        )
        .await?
        {
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
    .fetch_optional(state.db.platform())
    .await?;
    // An unknown address costs the same hashing time as a known one.
    let stored = found
        .as_ref()
        .and_then(|f| f.1.clone())
        .unwrap_or_else(|| password::decoy_hash().to_owned());
    let ok = password::verify(f.password, stored).await && found.is_some();
    let Some((account, _, verified)) = found.filter(|_| ok) else {
        for (key, limit) in limits {
            throttle::hit(
                state.db.platform(),
                key,
                limit,
                auth.throttle_window_minutes,
            )
            .await?;
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
    throttle::clear(state.db.platform(), &account_key).await?;
    let target = target.map(|t| t.0).unwrap_or_default();
    finish_sign_in(&state, &headers, &host, account, &target, &q.powrot).await
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
    let mut tx = pestor_db::begin(state.db.platform()).await?;
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
        let mut conn = state.db.platform().acquire().await?;
        session::end_login(&mut conn, a.login_id).await?;
    }
    Ok(clear_session_cookie(
        &state,
        Redirect::to("/").into_response(),
    ))
}
