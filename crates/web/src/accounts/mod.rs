//! Accounts: registration with e-mail verification, sign-in on the portal handed over to gmina
//! hosts, sign-out (here or everywhere), password reset, the account page.
//!
//! One person has one account for the region. Passwords are typed only on the portal; a gmina
//! host sends the browser there and gets the sign-in back through a one-time code, which also works
//! for custom domains that a parent-domain cookie could never reach.

pub(crate) mod emails;
mod login;
mod oidc;
mod privacy;
mod profile;
mod register;

use std::collections::HashMap;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::{get, post};

use crate::AppState;
use crate::auth::{Access, Hosts, Routes};
use crate::auth::{password, throttle};
use crate::error::{AppError, AppResult};

pub fn routes(r: Routes) -> Routes {
    use Access::*;
    use Hosts::*;
    r.add(
        "/rejestracja",
        &["GET", "POST"],
        Portal,
        Anyone,
        get(register::form).post(register::submit),
    )
    .add(
        "/weryfikacja",
        &["GET"],
        Portal,
        Anyone,
        get(register::verify),
    )
    .add(
        "/weryfikacja/ponow",
        &["POST"],
        Portal,
        Anyone,
        post(register::resend),
    )
    .add(
        "/logowanie",
        &["GET", "POST"],
        Both,
        Anyone,
        get(login::form).post(login::submit),
    )
    .add(
        "/logowanie/przekaz",
        &["GET"],
        Gmina,
        Anyone,
        get(login::receive),
    )
    .add("/wyloguj", &["POST"], Both, SignedIn, post(login::sign_out))
    .add(
        "/haslo/nie-pamietam",
        &["GET", "POST"],
        Portal,
        Anyone,
        get(profile::forgot_form).post(profile::forgot_submit),
    )
    .add(
        "/haslo/nowe",
        &["GET", "POST"],
        Portal,
        Anyone,
        get(profile::reset_form).post(profile::reset_submit),
    )
    .add("/konto", &["GET"], Portal, SignedIn, get(profile::page))
    .add(
        "/konto/nazwa",
        &["POST"],
        Portal,
        SignedIn,
        post(profile::change_name),
    )
    .add(
        "/konto/haslo",
        &["POST"],
        Portal,
        SignedIn,
        post(profile::change_password),
    )
    .add(
        "/konto/email",
        &["POST"],
        Portal,
        SignedIn,
        post(privacy::change_email),
    )
    .add(
        "/konto/email/potwierdz",
        &["GET"],
        Portal,
        Anyone,
        get(privacy::confirm_email),
    )
    .add(
        "/konto/dane",
        &["GET"],
        Portal,
        SignedIn,
        get(privacy::export),
    )
    .add(
        "/konto/usun",
        &["GET", "POST"],
        Portal,
        SignedIn,
        get(privacy::confirm_delete).post(privacy::delete),
    )
    .add(
        "/logowanie/sprawdz",
        &["GET"],
        Portal,
        Anyone,
        get(login::check),
    )
    .add(
        "/logowanie/oidc/powrot",
        &["GET"],
        Portal,
        Anyone,
        get(oidc::callback),
    )
    .add(
        "/logowanie/oidc/{provider}",
        &["GET"],
        Portal,
        Anyone,
        get(oidc::start),
    )
    .add(
        "/konto/wyloguj-wszedzie",
        &["POST"],
        Portal,
        SignedIn,
        post(profile::sign_out_everywhere),
    )
}

/// A submitted form as text fields; missing fields read as empty, so bad input gets our message
/// rather than a generic 422.
pub(crate) type Fields = axum::Form<HashMap<String, String>>;

pub(crate) fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map_or("", |v| v.as_str())
}

/// `?token=…` of a link sent by e-mail.
#[derive(serde::Deserialize)]
pub(crate) struct TokenQuery {
    #[serde(default)]
    pub(crate) token: String,
}

/// A plausible e-mail address (the real check is the link we send to it).
pub(crate) fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    e.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',')
}

/// Counts one request of kind `what` from `ip`; refuses it once the window's limit is used up.
pub(crate) async fn limit_per_ip(state: &AppState, what: &str, ip: &str) -> AppResult<()> {
    let auth = &state.settings.auth;
    let key = format!("{what}:ip:{ip}");
    if throttle::hit(
        &state.db.pool,
        &key,
        auth.max_requests_per_ip,
        auth.throttle_window_minutes,
    )
    .await?
    {
        Ok(())
    } else {
        Err(AppError::TooManyRequests)
    }
}

/// Whether `typed` is the account's current password (accounts without one never match).
pub(crate) async fn password_ok(state: &AppState, account: i64, typed: &str) -> AppResult<bool> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
            .bind(account)
            .fetch_one(&state.db.pool)
            .await?;
    Ok(match stored {
        Some(h) => password::verify(typed.to_owned(), h).await,
        None => false,
    })
}

/// The client's IP address, for rate limits: the TCP peer, or behind a trusted proxy the last
/// `X-Forwarded-For` entry (the one the proxy itself added).
pub(crate) struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let trusted = peer.is_some_and(|ip| state.settings.server.trusted_proxies.contains(&ip));
        let forwarded = trusted
            .then(|| parts.headers.get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
            .map(|v| v.trim().to_owned());
        Ok(ClientIp(forwarded.unwrap_or_else(|| {
            peer.map_or_else(|| "unknown".into(), |ip| ip.to_string())
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        for ok in ["ala@torun.pl", "a.b+pes@fundacja.org.pl"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "ala",
            "@torun.pl",
            "ala@torun",
            "ala @torun.pl",
            "a@b.pl, c@d.pl",
            "a@.pl",
            "<a@b.pl>",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}
