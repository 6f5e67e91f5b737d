//! GDPR rights on `/konto`: a copy of my data as JSON, changing my e-mail address (re-verified),
//! and deleting my account. Organisations' content stays with them; personal data goes.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_kit::input::Query;
use serde_json::json;

use super::register::{consume_token, insert_token};
use super::sign_in::clear_session_cookie;
use super::{AccountForm, Form, TokenQuery, password_ok, valid_email};
use pestor_kit::auth::tokens;
use pestor_kit::error::{AppError, AppResult, OnConstraint};
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

const CHANGE_EMAIL_HOURS: i32 = 24;

/// Everything the platform keeps about me, as one JSON document.
pub async fn export(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let a = page.account()?;
    let doc: serde_json::Value = sqlx::query_scalar(
        "SELECT json_build_object(
           'konto', (SELECT json_build_object('email', email, 'nazwa', display_name, 'utworzono', created_at,
                                               'potwierdzono_email', email_verified_at, 'rola_regionalna', region_role)
                     FROM accounts WHERE id = $1),
           'role', coalesce((SELECT json_agg(json_build_object('gmina', t.name, 'teryt', r.teryt, 'rola', r.role,
                                                                'organizacja', r.organisation_id, 'nadano', r.granted_at) ORDER BY r.id)
                             FROM gmina_roles r JOIN tenants t ON t.teryt = r.teryt WHERE r.account_id = $1), '[]'),
           'tozsamosci', coalesce((SELECT json_agg(json_build_object('dostawca', provider, 'email', email, 'polaczono', linked_at))
                                   FROM account_identities WHERE account_id = $1), '[]'),
           'logowania', coalesce((SELECT json_agg(json_build_object('od', created_at, 'wygasa', expires_at, 'zakonczono', ended_at) ORDER BY id)
                                  FROM logins WHERE account_id = $1), '[]'),
           'dzialania', coalesce((SELECT json_agg(json_build_object('kiedy', at, 'gmina', teryt, 'co', action, 'szczegoly', details) ORDER BY id)
                                  FROM audit_log WHERE account_id = $1), '[]'),
           'wiadomosci', coalesce((SELECT json_agg(json_build_object('temat', subject, 'utworzono', created_at, 'wyslano', sent_at) ORDER BY id)
                                   FROM outbox WHERE lower(to_address) = lower((SELECT email FROM accounts WHERE id = $1))), '[]'))",
    )
    .bind(a.id)
    .fetch_one(state.db.platform())
    .await?;
    let body = serde_json::to_string_pretty(&doc).unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"moje-dane-platforma-pes.json\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

pub async fn confirm_delete(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    page.account()?;
    Ok(page
        .render(&state, "accounts/delete.html", json!({ "error": null }))?
        .into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    page: Page,
    Form(f): Form<AccountForm>,
) -> AppResult<Response> {
    let a = page.account()?;
    if !password_ok(&state, a.id, f.current.as_str()).await? {
        return page.respond(
            &state,
            "accounts/delete.html",
            json!({ "error": "Hasło jest nieprawidłowe. Konto nie zostało usunięte." }),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let pseudonym = format!("konto usunięte #{}", a.id);
    // The log keeps what was done, not who it was.
    sqlx::query("UPDATE audit_log SET actor = $2 WHERE account_id = $1")
        .bind(a.id)
        .bind(&pseudonym)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM outbox WHERE sent_at IS NULL AND lower(to_address) = lower($1)")
        .bind(&a.email)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM invitations WHERE lower(email) = lower($1) AND accepted_at IS NULL")
        .bind(&a.email)
        .execute(&mut *tx)
        .await?;
    // Logins, sessions, tokens and roles go with the account (ON DELETE CASCADE).
    sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(a.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO audit_log (actor, action, details) VALUES ($1, 'account.delete', '{}')",
    )
    .bind(&pseudonym)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let html = page.message(
        &state,
        "Konto zostało usunięte",
        &["Usunęliśmy Twoje konto i dane osobowe. Treści organizacji, które współtworzyłeś, pozostały przy nich."],
        None,
    )?;
    Ok(clear_session_cookie(&state, html.into_response()))
}

pub async fn change_email(
    State(state): State<AppState>,
    page: Page,
    Form(f): Form<AccountForm>,
) -> AppResult<Response> {
    let a = page.account()?;
    let new = f.email.as_str().trim().to_owned();
    let problem = if !valid_email(&new) {
        Some("Podaj poprawny nowy adres e-mail.")
    } else if new.eq_ignore_ascii_case(&a.email) {
        Some("To jest Twój obecny adres.")
    } else if !password_ok(&state, a.id, f.current_email.as_str()).await? {
        Some("Hasło jest nieprawidłowe.")
    } else {
        None
    };
    if let Some(p) = problem {
        return Err(AppError::BadRequest(format!(
            "{p} Adres nie został zmieniony."
        )));
    }
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let token = tokens::random_token();
    insert_token(
        &mut tx,
        a.id,
        "change_email",
        &token,
        CHANGE_EMAIL_HOURS,
        Some(&new),
    )
    .await?;
    let link = format!(
        "{}/konto/email/potwierdz?token={token}",
        state.settings.host_url(None)
    );
    let letter = pestor_kit::letters::Letter {
        subject: "Potwierdź nowy adres e-mail — Platforma PES".into(),
        paragraphs: vec![
            "poproszono o zmianę adresu e-mail konta na Platformie PES na ten adres.".into(),
            "Adres zmieni się dopiero po otwarciu linku (ważny 24 godziny). Jeśli to nie Ty, zignoruj tę wiadomość.".into(),
        ],
        action: Some(("Potwierdź nowy adres".into(), link)),
    };
    pestor_mail::enqueue(
        &mut tx,
        &pestor_kit::letters::compose(&state, &page.site, &new, &letter)?,
    )
    .await?;
    let warning = pestor_kit::letters::Letter {
        subject: "Prośba o zmianę adresu e-mail — Platforma PES".into(),
        paragraphs: vec![format!(
            "poproszono o zmianę adresu e-mail Twojego konta na {new}. Jeśli to nie Ty, zmień hasło i skontaktuj się z administratorem."
        )],
        action: None,
    };
    pestor_mail::enqueue(
        &mut tx,
        &pestor_kit::letters::compose(&state, &page.site, &a.email, &warning)?,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/konto?zmieniono=email").into_response())
}

pub async fn confirm_email(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let Some((account, Some(new))) = consume_token(&mut tx, "change_email", &q.token).await? else {
        return Err(AppError::BadRequest(
            "Link jest nieprawidłowy, wygasł albo został już użyty. Adres nie został zmieniony."
                .into(),
        ));
    };
    sqlx::query("UPDATE accounts SET email = $2, email_verified_at = now() WHERE id = $1")
        .bind(account)
        .bind(&new)
        .execute(&mut *tx)
        .await
        .on_constraint("accounts_email_key", |_| {
            AppError::BadRequest(
                "Ten adres jest już używany przez inne konto. Adres nie został zmieniony.".into(),
            )
        })?;
    tx.commit().await?;
    Ok(page
        .message(
            &state,
            "Adres e-mail zmieniony",
            &[format!("Od teraz logujesz się adresem {new}.")],
            Some(("/konto", "Moje konto")),
        )?
        .into_response())
}
