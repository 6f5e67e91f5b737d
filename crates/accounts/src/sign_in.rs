//! Completing a sign-in, shared by the password form and the identity providers: the new session
//! and its cookies, and the handover of the sign-in to the gmina host it was meant for.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_kit::auth::access::{safe_return_path, urlencode};
use pestor_kit::auth::session::{self, SESSION_COOKIE, cookie_name, read_cookie, set_cookie};
use pestor_kit::error::AppResult;
use pestor_kit::routing::resolve;
use pestor_kit::site::Resolution;
use pestor_kit::site::{Site, TenantSite};
use pestor_kit::state::AppState;

#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    /// The gmina host to sign in to (portal only).
    #[serde(default, rename = "do")]
    pub(crate) target: String,
    #[serde(default)]
    pub(crate) powrot: String,
}

/// The base URL of a host of this deployment, as links between hosts are written.
pub(crate) fn host_base(state: &AppState, host: &str) -> String {
    state.settings.server.url_of(host)
}

/// The active gmina served on `host`, or `None` if the host is not one.
pub(crate) async fn gmina_at(state: &AppState, host: &str) -> AppResult<Option<Arc<TenantSite>>> {
    let Some(host) = pestor_kit::routing::normalise_host(host) else {
        return Ok(None);
    };
    Ok(match resolve(state, &host).await? {
        Resolution::Site(Site::Tenant(t)) => Some(t),
        _ => None,
    })
}

pub(crate) fn with_cookie(mut response: Response, cookie: String) -> Response {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Portal → gmina: a one-time code for `target`, and the redirect that redeems it.
pub(crate) async fn hand_over(
    state: &AppState,
    login_id: i64,
    target: &str,
    back: &str,
) -> AppResult<Response> {
    let mut conn = state.db.platform().acquire().await?;
    let code = session::handover_code(&mut conn, login_id, target).await?;
    let url = format!(
        "{}/logowanie/przekaz?kod={code}&powrot={}",
        host_base(state, target),
        urlencode(back)
    );
    Ok(Redirect::to(&url).into_response())
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
    let mut tx = pestor_db::begin(state.db.platform()).await?;
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

/// Signs this browser out on this host and drops the regional hint.
pub(crate) fn clear_session_cookie(state: &AppState, response: Response) -> Response {
    let response = with_cookie(response, set_cookie(state, SESSION_COOKIE, "", Some(0)));
    with_cookie(response, session::hint_cookie(state, false))
}

pub(crate) fn session_cookie(state: &AppState, response: Response, token: &str) -> Response {
    with_cookie(response, set_cookie(state, SESSION_COOKIE, token, None))
}
