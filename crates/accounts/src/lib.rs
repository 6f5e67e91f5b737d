//! Accounts: registration with e-mail verification, sign-in on the portal handed over to gmina
//! hosts, sign-out (here or everywhere), password reset, the account page.
//!
//! One person has one account for the region. Passwords are typed only on the portal; a gmina
//! host sends the browser there and gets the sign-in back through a one-time code, which also works
//! for custom domains that a parent-domain cookie could never reach.

mod emails;
mod login;
mod oidc;
mod privacy;
mod profile;
mod register;
mod sign_in;

use axum::routing::{get, post};
use pestor_kit::AppState;
use pestor_kit::auth::password;
use pestor_kit::auth::throttle::{ClientIp, limit_per_ip};
use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::Asset;
use pestor_kit::error::AppResult;
use pestor_kit::forms::{Form, TokenQuery, valid_email};
use pestor_kit::module::{Module, Retention};
use pestor_kit::templates;

/// What the account forms (registration, password, e-mail, deletion) submit; each reads its own
/// fields, and a missing one is empty so it gets the form's Polish message.
#[derive(serde::Deserialize)]
struct AccountForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    /// The present password, confirming a change or the deletion.
    #[serde(default)]
    current: String,
    #[serde(default)]
    current_email: String,
    #[serde(default)]
    consent: String,
    #[serde(default)]
    token: String,
}

/// Accounts as a module of the app. Accounts are regional: a gmina's data holds only its people's
/// roles and invitations, which the panel keeps.
pub struct Accounts;

impl Module for Accounts {
    fn name(&self) -> &'static str {
        "accounts"
    }

    fn routes(&self, routes: Routes) -> Routes {
        self::routes(routes)
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "accounts/register.html",
            "accounts/login.html",
            "accounts/unverified.html",
            "accounts/forgot.html",
            "accounts/reset.html",
            "accounts/account.html",
            "accounts/delete.html",
        ]
    }

    fn retention(&self) -> Option<Retention> {
        Some(Retention {
            rule: "konta bez potwierdzonego adresu (po auth.unverified_account_hours), zużyte i wygasłe linki i kody, logowania zakończone ponad dobę temu, nieaktywne sesje, stare liczniki prób",
            purge: |state| {
                Box::pin(async move {
                    let p = pestor_kit::auth::retention::purge(
                        state.db.platform(),
                        &state.settings.auth,
                    )
                    .await?;
                    Ok(p.unverified_accounts + p.tokens + p.logins)
                })
            },
        })
    }
}

fn routes(r: Routes) -> Routes {
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

/// Whether `typed` is the account's current password (accounts without one never match).
async fn password_ok(state: &AppState, account: i64, typed: &str) -> AppResult<bool> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
            .bind(account)
            .fetch_one(state.db.platform())
            .await?;
    Ok(match stored {
        Some(h) => password::verify(typed.to_owned(), h).await,
        None => false,
    })
}
