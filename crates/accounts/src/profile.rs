//! `/konto` (name, password, sign out everywhere) and password reset by e-mail.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_kit::input::Query;
use serde_json::json;

use super::register::{consume_token, insert_token};
use super::sign_in::{clear_session_cookie, session_cookie};
use super::{AccountForm, ClientIp, Form, TokenQuery, emails};
use pestor_kit::auth::session::{self, RequestHost};
use pestor_kit::auth::{password, tokens};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

const RESET_HOURS: i32 = 1;

#[derive(serde::Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    zmieniono: String,
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    render_account(
        &state,
        &page,
        &n.zmieniono,
        &serde_json::Map::new(),
        StatusCode::OK,
    )
    .await
}

async fn render_account(
    state: &AppState,
    page: &Page,
    notice: &str,
    errors: &serde_json::Map<String, serde_json::Value>,
    status: StatusCode,
) -> AppResult<Response> {
    let a = page.account()?;
    let roles: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT t.name, t.slug, r.role FROM gmina_roles r JOIN tenants t ON t.teryt = r.teryt
         WHERE r.account_id = $1 ORDER BY t.name_key, r.role",
    )
    .bind(a.id)
    .fetch_all(state.db.platform())
    .await?;
    let roles: Vec<_> = roles
        .into_iter()
        .map(|(name, slug, role)| {
            json!({
                "gmina": name,
                "url": state.settings.host_url(Some(&slug)),
                "role": pestor_kit::auth::GminaRole::parse(&role).map_or(role.clone(), |r| r.label().to_owned()),
            })
        })
        .collect();
    let notice = match notice {
        "nazwa" => Some("Zapisano nową nazwę."),
        "haslo" => Some("Hasło zostało zmienione. Inne urządzenia zostały wylogowane."),
        "email" => Some("Wysłaliśmy link na nowy adres. Adres zmieni się po jego otwarciu."),
        _ => None,
    };
    page.respond(
        state,
        "accounts/account.html",
        json!({ "account": a, "roles": roles, "notice": notice, "errors": errors }),
        status,
    )
}

pub async fn change_name(
    State(state): State<AppState>,
    page: Page,
    Form(f): Form<AccountForm>,
) -> AppResult<Response> {
    let a = page.account()?;
    let name = f.display_name.as_str().trim();
    let problem = if name.is_empty() {
        Some("Nazwa nie może być pusta.")
    } else if name.chars().count() > 120 {
        Some("Nazwa może mieć najwyżej 120 znaków.")
    } else {
        None
    };
    if let Some(p) = problem {
        let mut errors = serde_json::Map::new();
        errors.insert("display_name".into(), json!(p));
        return render_account(&state, &page, "", &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    sqlx::query("UPDATE accounts SET display_name = $2 WHERE id = $1")
        .bind(a.id)
        .bind(name)
        .execute(state.db.platform())
        .await?;
    Ok(Redirect::to("/konto?zmieniono=nazwa").into_response())
}

pub async fn change_password(
    State(state): State<AppState>,
    page: Page,
    RequestHost(host): RequestHost,
    Form(f): Form<AccountForm>,
) -> AppResult<Response> {
    let a = page.account()?;
    let current_ok = super::password_ok(&state, a.id, f.current.as_str()).await?;
    let new = f.password.as_str();
    let mut errors = serde_json::Map::new();
    if !current_ok {
        errors.insert("current".into(), json!("Obecne hasło jest nieprawidłowe."));
    } else if let Some(p) = password::check_new(new, &a.email) {
        errors.insert("password".into(), json!(p));
    } else if new != f.password2.as_str() {
        errors.insert("password2".into(), json!("Hasła nie są takie same."));
    }
    if !errors.is_empty() {
        return render_account(&state, &page, "", &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let hash = password::hash(new.to_owned()).await;
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
        .bind(a.id)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    // Whoever knew the old password is out; this browser gets a fresh sign-in.
    session::end_all_logins(&mut tx, a.id).await?;
    let (token, _) = session::sign_in(&mut tx, &state, a.id, &host, None).await?;
    let mail =
        pestor_kit::letters::compose(&state, &page.site, &a.email, &emails::password_changed())?;
    pestor_mail::enqueue(&mut tx, &mail).await?;
    tx.commit().await?;
    Ok(session_cookie(
        &state,
        Redirect::to("/konto?zmieniono=haslo").into_response(),
        &token,
    ))
}

pub async fn sign_out_everywhere(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let a = page.account()?;
    let mut conn = state.db.platform().acquire().await?;
    session::end_all_logins(&mut conn, a.id).await?;
    Ok(clear_session_cookie(
        &state,
        Redirect::to("/").into_response(),
    ))
}

pub async fn forgot_form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    Ok(page
        .render(
            &state,
            "accounts/forgot.html",
            json!({ "error": null, "email": "" }),
        )?
        .into_response())
}

pub async fn forgot_submit(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(f): Form<AccountForm>,
) -> AppResult<Response> {
    let email = f.email.as_str().trim().to_owned();
    if !super::valid_email(&email) {
        return page.respond(
            &state,
            "accounts/forgot.html",
            json!({ "error": "Podaj poprawny adres e-mail.", "email": email }),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    super::limit_per_ip(&state, "reset", &ip).await?;
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let found: Option<(i64, String)> =
        sqlx::query_as("SELECT id, email FROM accounts WHERE lower(email) = lower($1)")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((id, address)) = found {
        let token = tokens::random_token();
        insert_token(&mut tx, id, "reset_password", &token, RESET_HOURS, None).await?;
        let link = format!("{}/haslo/nowe?token={token}", state.settings.host_url(None));
        let mail = pestor_kit::letters::compose(
            &state,
            &page.site,
            &address,
            &emails::reset_password(link),
        )?;
        pestor_mail::enqueue(&mut tx, &mail).await?;
    }
    tx.commit().await?;
    let sent = format!(
        "Jeśli konto z adresem {email} istnieje, wysłaliśmy na nie link do ustawienia nowego hasła. Link jest ważny przez godzinę."
    );
    Ok(page
        .message(&state, "Sprawdź skrzynkę e-mail", &[sent], None)?
        .into_response())
}

async fn token_is_live(state: &AppState, token: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM account_tokens WHERE token_hash = $1 AND purpose = 'reset_password'
                        AND used_at IS NULL AND expires_at > now())",
    )
    .bind(tokens::hash(token))
    .fetch_one(state.db.platform())
    .await
}

fn dead_link() -> AppError {
    AppError::BadRequest(
        "Link do ustawienia hasła jest nieprawidłowy, wygasł albo został już użyty. Poproś o nowy na stronie „Nie pamiętam hasła”.".into(),
    )
}

pub async fn reset_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    if !token_is_live(&state, &q.token).await? {
        return Err(dead_link());
    }
    Ok(page
        .render(
            &state,
            "accounts/reset.html",
            json!({ "token": q.token, "errors": {} }),
        )?
        .into_response())
}

pub async fn reset_submit(
    State(state): State<AppState>,
    page: Page,
    Form(f): Form<AccountForm>,
) -> AppResult<Response> {
    let token = f.token.as_str();
    let new = f.password.as_str();
    let problem = password::check_new(new, "")
        .or((new != f.password2.as_str()).then_some("Hasła nie są takie same."));
    if let Some(p) = problem {
        if !token_is_live(&state, token).await? {
            return Err(dead_link());
        }
        return page.respond(
            &state,
            "accounts/reset.html",
            json!({ "token": token, "errors": { "password": p } }),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let hash = password::hash(new.to_owned()).await;
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let Some((account, _)) = consume_token(&mut tx, "reset_password", token).await? else {
        return Err(dead_link());
    };
    // The link proves the mailbox, so it also verifies the address.
    sqlx::query(
        "UPDATE accounts SET password_hash = $2, email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1",
    )
    .bind(account)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    session::end_all_logins(&mut tx, account).await?;
    tx.commit().await?;
    Ok(page
        .message(
            &state,
            "Hasło zostało zmienione",
            &["Nowe hasło jest zapisane. Ze względów bezpieczeństwa wylogowaliśmy Cię ze wszystkich urządzeń."],
            Some(("/logowanie", "Zaloguj się")),
        )?
        .into_response())
}
