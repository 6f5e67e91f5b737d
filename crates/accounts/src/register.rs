//! `/rejestracja` and `/weryfikacja`: a new account, unverified until its e-mail link is opened.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pestor_kit::input::Query;
use serde_json::json;

use super::{AccountForm, ClientIp, Form, TokenQuery, emails, valid_email};
use pestor_kit::auth::{password, tokens};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

/// How long a verification link works.
const VERIFY_HOURS: i32 = 24;

pub async fn form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    Ok(page
        .render(
            &state,
            "accounts/register.html",
            json!({ "values": { "email": "", "display_name": "", "consent": "" }, "errors": {} }),
        )?
        .into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(f): Form<AccountForm>,
) -> AppResult<Response> {
    let email = f.email.as_str().trim().to_owned();
    let name = f.display_name.as_str().trim().to_owned();
    let pass = f.password.as_str();
    let mut errors = BTreeMap::new();
    if !valid_email(&email) {
        errors.insert(
            "email",
            "Podaj poprawny adres e-mail, np. jan.kowalski@example.pl.",
        );
    }
    if name.is_empty() {
        errors.insert(
            "display_name",
            "Podaj imię i nazwisko lub nazwę, pod którą będziesz widoczny.",
        );
    } else if name.chars().count() > 120 {
        errors.insert("display_name", "Nazwa może mieć najwyżej 120 znaków.");
    }
    if let Some(problem) = password::check_new(pass, &email) {
        errors.insert("password", problem);
    } else if pass != f.password2.as_str() {
        errors.insert("password2", "Hasła nie są takie same.");
    }
    if f.consent.as_str() != "tak" {
        errors.insert(
            "consent",
            "Zapoznaj się z informacją o przetwarzaniu danych i zaznacz zgodę.",
        );
    }
    if !errors.is_empty() {
        let values = json!({ "email": email, "display_name": name, "consent": f.consent.as_str() });
        return page.respond(
            &state,
            "accounts/register.html",
            json!({ "values": values, "errors": errors }),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    super::limit_per_ip(&state, "register", &ip).await?;
    let hash = password::hash(pass.to_owned()).await;
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let created: Option<i64> = sqlx::query_scalar(
        "INSERT INTO accounts (email, display_name, password_hash) VALUES ($1, $2, $3)
         ON CONFLICT ((lower(email))) DO NOTHING RETURNING id",
    )
    .bind(&email)
    .bind(&name)
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?;
    let portal = state.settings.host_url(None);
    let letter = match created {
        Some(id) => {
            let token = tokens::random_token();
            insert_token(&mut tx, id, "verify_email", &token, VERIFY_HOURS, None).await?;
            emails::verify_email(format!("{portal}/weryfikacja?token={token}"))
        }
        // The page says the same either way; only the mailbox owner learns the address is taken.
        None => emails::already_registered(
            format!("{portal}/logowanie"),
            format!("{portal}/haslo/nie-pamietam"),
        ),
    };
    pestor_mail::enqueue(
        &mut tx,
        &pestor_kit::letters::compose(&state, &page.site, &email, &letter)?,
    )
    .await?;
    tx.commit().await?;
    Ok(check_your_mail(&state, &page, &email)?.into_response())
}

fn check_your_mail(
    state: &AppState,
    page: &Page,
    email: &str,
) -> AppResult<axum::response::Html<String>> {
    let paragraphs = [
        format!("Wysłaliśmy wiadomość na adres {email}. Otwórz link z wiadomości, aby dokończyć rejestrację."),
        "Link jest ważny przez 24 godziny. Jeśli wiadomość nie dotrze w ciągu kilku minut, sprawdź folder spam.".into(),
    ];
    page.message(state, "Sprawdź skrzynkę e-mail", &paragraphs, None)
}

pub(crate) async fn insert_token(
    conn: &mut sqlx::PgConnection,
    account: i64,
    purpose: &str,
    token: &str,
    hours: i32,
    new_email: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, account_id, purpose, new_email, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5))",
    )
    .bind(tokens::hash(token))
    .bind(account)
    .bind(purpose)
    .bind(new_email)
    .bind(hours)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Uses up a token of `purpose`: the account it belongs to, if it is valid, unused and unexpired.
pub(crate) async fn consume_token(
    conn: &mut sqlx::PgConnection,
    purpose: &str,
    token: &str,
) -> sqlx::Result<Option<(i64, Option<String>)>> {
    sqlx::query_as(
        "UPDATE account_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING account_id, new_email",
    )
    .bind(tokens::hash(token))
    .bind(purpose)
    .fetch_optional(&mut *conn)
    .await
}

pub async fn verify(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let Some((account, _)) = consume_token(&mut tx, "verify_email", &q.token).await? else {
        return Err(AppError::BadRequest(
            "Link potwierdzający jest nieprawidłowy, wygasł albo został już użyty. Zaloguj się — jeśli adres nie jest potwierdzony, wyślemy nowy link.".into(),
        ));
    };
    sqlx::query(
        "UPDATE accounts SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1",
    )
    .bind(account)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(page
        .message(
            &state,
            "Adres e-mail potwierdzony",
            &["Dziękujemy! Konto jest aktywne — możesz się zalogować."],
            Some(("/logowanie", "Zaloguj się")),
        )?
        .into_response())
}

/// Sends a new verification link to an unverified account; answers the same for any address.
pub async fn resend(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(f): Form<AccountForm>,
) -> AppResult<Response> {
    let email = f.email.as_str().trim().to_owned();
    super::limit_per_ip(&state, "register", &ip).await?;
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let unverified: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, email FROM accounts WHERE lower(email) = lower($1) AND email_verified_at IS NULL",
    )
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((id, address)) = unverified {
        let token = tokens::random_token();
        insert_token(&mut tx, id, "verify_email", &token, VERIFY_HOURS, None).await?;
        let link = format!(
            "{}/weryfikacja?token={token}",
            state.settings.host_url(None)
        );
        pestor_mail::enqueue(
            &mut tx,
            &pestor_kit::letters::compose(
                &state,
                &page.site,
                &address,
                &emails::verify_email(link),
            )?,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(check_your_mail(&state, &page, &email)?.into_response())
}
