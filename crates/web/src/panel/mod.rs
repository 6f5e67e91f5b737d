//! `/panel`: the gmina admin panel — people and their roles, invitations by e-mail, the gmina's
//! branding, and the audit log. Every change is written to the audit log in its own transaction.

mod branding;
mod people;

use crate::input::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::auth::{Access, Hosts, Routes};
use crate::error::{AppError, AppResult};
use crate::pages::Page;
use crate::site::{Site, TenantSite};
use crate::state::AppState;

pub fn routes(r: Routes) -> Routes {
    use Access::*;
    use Hosts::*;
    r.add("/panel", &["GET"], Gmina, Admin, get(people::overview))
        .add(
            "/panel/zaproszenia",
            &["POST"],
            Gmina,
            Admin,
            post(people::invite),
        )
        .add(
            "/panel/role/{id}",
            &["POST"],
            Gmina,
            Admin,
            post(people::change_role),
        )
        .add(
            "/panel/role/{id}/usun",
            &["GET", "POST"],
            Gmina,
            Admin,
            get(people::confirm_revoke).post(people::revoke),
        )
        .add(
            "/panel/wyglad",
            &["GET", "POST"],
            Gmina,
            Admin,
            get(branding::form).post(branding::save),
        )
        .add(
            "/panel/wyglad/logo",
            &["POST"],
            Gmina,
            Admin,
            post(branding::upload_logo).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .add("/panel/dziennik", &["GET"], Gmina, Admin, get(audit_log))
        .add(
            "/zaproszenie",
            &["GET"],
            Gmina,
            Anyone,
            get(people::invitation),
        )
        .add(
            "/zaproszenie/przyjmij",
            &["POST"],
            Gmina,
            SignedIn,
            post(people::accept),
        )
}

/// The gmina of a panel request (panel routes exist only on gmina hosts).
pub(crate) fn gmina(page: &Page) -> AppResult<&TenantSite> {
    match &page.site {
        Site::Tenant(t) => Ok(t),
        Site::Portal => Err(AppError::NotFound),
    }
}

const LOG_PAGE: i64 = 50;

#[derive(serde::Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    strona: Option<String>,
}

async fn audit_log(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<LogQuery>,
) -> AppResult<Response> {
    let t = gmina(&page)?;
    let number = crate::pages::page_number(q.strona.as_deref().unwrap_or_default());
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE teryt = $1")
        .bind(t.tenant.gmina.teryt.as_str())
        .fetch_one(&state.db.pool)
        .await?;
    let rows: Vec<(time::OffsetDateTime, String, String, serde_json::Value)> = sqlx::query_as(
        "SELECT at, actor, action, details FROM audit_log WHERE teryt = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(t.tenant.gmina.teryt.as_str())
    .bind(LOG_PAGE)
    .bind((number - 1) * LOG_PAGE)
    .fetch_all(&state.db.pool)
    .await?;
    let entries: Vec<_> = rows
        .into_iter()
        .map(|(at, actor, action, details)| {
            json!({
                "at": format!("{} {:02}:{:02}", crate::pages::polish_date(at.date()), at.hour(), at.minute()),
                "actor": actor,
                "action": crate::audit::action_label(&action),
                "details": details.to_string(),
            })
        })
        .collect();
    let pages = ((total + LOG_PAGE - 1) / LOG_PAGE).max(1);
    Ok(page
        .render(
            &state,
            "panel/log.html",
            json!({ "entries": entries, "total": total, "page": number, "pages": pages }),
        )?
        .into_response())
}
