//! The region's coordinators: the operator appoints the first (`pestor coordinators add`), then
//! coordinators appoint and remove each other here. Every change goes to the audit log (with no
//! gmina: these are the region's own actions) in the transaction that makes it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_db::Database;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::input::Query;
use pestor_kit::page::{Notice, Page, page_number, polish_datetime};
use pestor_kit::state::AppState;
use serde_json::json;
use time::OffsetDateTime;

/// Why an appointment or a removal cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum CoordinatorError {
    #[error("Nie ma konta o adresie {0}. Osoba musi najpierw założyć konto na portalu.")]
    NoAccount(String),
    #[error("Konto {0} nie ma jeszcze potwierdzonego adresu e-mail.")]
    NotVerified(String),
    #[error("{0} jest już koordynatorem.")]
    AlreadyCoordinator(String),
    #[error("{0} jest operatorem platformy; ta rola obejmuje uprawnienia koordynatora.")]
    Operator(String),
    #[error("Nie możesz odwołać samego siebie — poproś o to innego koordynatora.")]
    Oneself,
    #[error("Ta osoba nie jest koordynatorem.")]
    NotACoordinator,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<CoordinatorError> for AppError {
    fn from(e: CoordinatorError) -> Self {
        match e {
            CoordinatorError::Database(e) => AppError::from(e),
            CoordinatorError::NotACoordinator => AppError::NotFound,
            other => AppError::BadRequest(other.to_string()),
        }
    }
}

/// Who makes a change, as the audit log names them.
pub struct Actor {
    pub account: Option<i64>,
    pub label: String,
}

impl Actor {
    /// The operator at the command line.
    pub fn command_line() -> Self {
        Self {
            account: None,
            label: "operator (wiersz poleceń)".into(),
        }
    }

    pub(crate) fn of(page: &Page) -> AppResult<Self> {
        let a = page.account()?;
        Ok(Self {
            account: Some(a.id),
            label: format!("{} <{}>", a.display_name, a.email),
        })
    }
}

/// Writes a region-log entry (no gmina) in `tx`, the transaction of the change it records.
pub(crate) async fn record(
    tx: &mut sqlx::PgConnection,
    actor: &Actor,
    action: &str,
    details: serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO audit_log (teryt, account_id, actor, action, details) VALUES (NULL, $1, $2, $3, $4)")
        .bind(actor.account)
        .bind(&actor.label)
        .bind(action)
        .bind(details)
        .execute(tx)
        .await?;
    Ok(())
}

/// Makes the account with `email` a coordinator; returns its id.
pub async fn appoint(db: &Database, email: &str, actor: &Actor) -> Result<i64, CoordinatorError> {
    let email = email.trim();
    let mut tx = pestor_db::begin(db.platform()).await?;
    let found: Option<(i64, String, Option<String>, Option<OffsetDateTime>)> = sqlx::query_as(
        "SELECT id, email, region_role, email_verified_at FROM accounts WHERE lower(email) = lower($1) FOR UPDATE",
    )
    .bind(email)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, email, role, verified)) = found else {
        return Err(CoordinatorError::NoAccount(email.to_owned()));
    };
    match role.as_deref() {
        Some("coordinator") => return Err(CoordinatorError::AlreadyCoordinator(email)),
        Some("operator") => return Err(CoordinatorError::Operator(email)),
        _ if verified.is_none() => return Err(CoordinatorError::NotVerified(email)),
        _ => {}
    }
    sqlx::query("UPDATE accounts SET region_role = 'coordinator' WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        actor,
        "region.coordinator_appointed",
        json!({ "konto": id, "email": email }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes the coordinator role from `account` (never from oneself: the region keeps someone who
/// can appoint).
pub async fn remove(db: &Database, account: i64, actor: &Actor) -> Result<(), CoordinatorError> {
    if actor.account == Some(account) {
        return Err(CoordinatorError::Oneself);
    }
    let mut tx = pestor_db::begin(db.platform()).await?;
    let email: Option<String> = sqlx::query_scalar(
        "UPDATE accounts SET region_role = NULL WHERE id = $1 AND region_role = 'coordinator' RETURNING email",
    )
    .bind(account)
    .fetch_optional(&mut *tx)
    .await?;
    let email = email.ok_or(CoordinatorError::NotACoordinator)?;
    record(
        &mut tx,
        actor,
        "region.coordinator_removed",
        json!({ "konto": account, "email": email }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The region's coordinators and operators: (id, name, e-mail, role), by name.
pub async fn all(db: &Database) -> sqlx::Result<Vec<(i64, String, String, String)>> {
    sqlx::query_as(
        "SELECT id, display_name, email, region_role FROM accounts
         WHERE region_role IS NOT NULL ORDER BY region_role, public.polish_key(display_name), id",
    )
    .fetch_all(db.platform())
    .await
}

async fn render_list(
    state: &AppState,
    page: &Page,
    notice: Option<&str>,
    typed: &str,
    error: Option<String>,
) -> AppResult<Response> {
    let people: Vec<_> = all(&state.db)
        .await?
        .into_iter()
        .map(|(id, name, email, role)| {
            json!({ "id": id, "name": name, "email": email,
                    "operator": role == "operator", "me": page.viewer.0.as_ref().is_some_and(|a| a.id == id) })
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.respond(
        state,
        "region/coordinators.html",
        json!({ "people": people, "notice": notice, "typed": typed, "error": error }),
        status,
    )
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    let notice = match n.komunikat.as_str() {
        "powolano" => Some("Nowy koordynator ma już dostęp do pulpitu."),
        "odwolano" => Some("Koordynator został odwołany."),
        _ => None,
    };
    render_list(&state, &page, notice, "", None).await
}

#[derive(serde::Deserialize)]
pub struct AppointForm {
    #[serde(default)]
    email: String,
}

pub async fn appoint_form(
    State(state): State<AppState>,
    page: Page,
    axum::Form(f): axum::Form<AppointForm>,
) -> AppResult<Response> {
    if f.email.trim().is_empty() {
        return render_list(
            &state,
            &page,
            None,
            "",
            Some("Podaj adres e-mail konta.".into()),
        )
        .await;
    }
    match appoint(&state.db, &f.email, &Actor::of(&page)?).await {
        Ok(_) => Ok(Redirect::to("/koordynator/koordynatorzy?komunikat=powolano").into_response()),
        Err(CoordinatorError::Database(e)) => Err(e.into()),
        Err(e) => render_list(&state, &page, None, f.email.trim(), Some(e.to_string())).await,
    }
}

pub async fn confirm_removal(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let person = all(&state.db)
        .await?
        .into_iter()
        .find(|(pid, _, _, role)| *pid == id && role == "coordinator")
        .ok_or(AppError::NotFound)?;
    Ok(page
        .render(
            &state,
            "region/remove.html",
            json!({ "id": id, "name": person.1, "email": person.2,
                    "oneself": page.account()?.id == id }),
        )?
        .into_response())
}

pub async fn remove_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    remove(&state.db, id, &Actor::of(&page)?).await?;
    Ok(Redirect::to("/koordynator/koordynatorzy?komunikat=odwolano").into_response())
}

const LOG_PAGE: i64 = 50;

/// What a log entry was about, in a line: the gmina, the person, the reason or the error.
fn summary(details: &serde_json::Value) -> String {
    ["gmina", "email", "powód", "błąd"]
        .iter()
        .filter_map(|k| {
            details
                .get(*k)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
        })
        .collect::<Vec<_>>()
        .join(" — ")
}

#[derive(serde::Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    strona: String,
}

/// What coordinators did, newest first.
pub async fn log(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<LogQuery>,
) -> AppResult<Response> {
    let number = page_number(&q.strona);
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE teryt IS NULL")
        .fetch_one(state.db.platform())
        .await?;
    let rows: Vec<(OffsetDateTime, String, String, serde_json::Value)> = sqlx::query_as(
        "SELECT at, actor, action, details FROM audit_log WHERE teryt IS NULL
         ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(LOG_PAGE)
    .bind((number - 1) * LOG_PAGE)
    .fetch_all(state.db.platform())
    .await?;
    let entries: Vec<_> = rows
        .into_iter()
        .map(|(at, actor, action, details)| {
            json!({
                "at": polish_datetime(at),
                "actor": actor, "action": state.catalogue.audit_label(&action),
                "details": summary(&details),
            })
        })
        .collect();
    let pages = pestor_kit::page::page_count(total, LOG_PAGE);
    Ok(page
        .render(
            &state,
            "region/log.html",
            json!({ "entries": entries, "total": total, "page": number, "pages": pages }),
        )?
        .into_response())
}
