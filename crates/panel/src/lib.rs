//! `/panel`: the gmina admin panel — people and their roles, invitations by e-mail, the gmina's
//! branding, and the audit log. Every change is written to the audit log in its own transaction.

mod accessibility;
mod branding;
mod people;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pestor_kit::input::Query;
use serde_json::json;

use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::catalogue::Asset;
use pestor_kit::error::AppResult;
use pestor_kit::module::{Count, Figure, GminaData, Module};
use pestor_kit::page::Page;
use pestor_kit::state::AppState;
use pestor_kit::templates;

/// The panel as a module of the app.
pub struct Panel;

impl Module for Panel {
    fn name(&self) -> &'static str {
        "panel"
    }

    fn routes(&self, routes: Routes) -> Routes {
        accessibility::routes(self::routes(routes))
    }

    fn templates(&self) -> &'static [Asset] {
        templates![
            "panel/people.html",
            "panel/revoke.html",
            "panel/branding.html",
            "panel/log.html",
            "panel/invitation.html",
            "accessibility/statement.html",
            "accessibility/form.html",
        ]
    }

    fn gmina_figures(&self) -> &'static [Figure] {
        &[Figure {
            key: "accounts_with_role",
            label: "konta z rolą w gminie",
            count: Count::Now(
                "SELECT count(DISTINCT account_id) FROM public.gmina_roles WHERE teryt = '{teryt}'",
            ),
            public: false,
        }]
    }

    fn audit_labels(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("role.invite", "zaproszenie do roli"),
            ("role.grant", "nadanie roli"),
            ("role.change", "zmiana roli"),
            ("role.revoke", "odebranie roli"),
            ("branding.update", "zmiana wyglądu serwisu"),
            ("branding.logo", "wgranie logo"),
            ("accessibility.update", "zmiana deklaracji dostępności"),
        ]
    }

    fn gmina_data(&self) -> GminaData {
        GminaData {
            tenant_tables: &["accessibility_statement"],
            public_tables: &[("gmina_roles", "teryt"), ("invitations", "teryt")],
            object_prefixes: &["logo/"],
            transient_tables: &[],
            account_columns: &[],
        }
    }
}

fn routes(r: Routes) -> Routes {
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
        .upload(
            "/panel/wyglad/logo",
            &["POST"],
            Gmina,
            Admin,
            post(branding::upload_logo),
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

const LOG_PAGE: i64 = 50;

#[derive(serde::Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    strona: Option<String>,
}

async fn audit_log(
    State(state): State<AppState>,
    page: Page,
    gmina: pestor_kit::page::Gmina,
    Query(q): Query<LogQuery>,
) -> AppResult<Response> {
    use pestor_db::GminaScoped;
    let db = &gmina.db;
    let number = pestor_kit::page::page_number(q.strona.as_deref().unwrap_or_default());
    let total: i64 = db
        .scoped_scalar("SELECT count(*) FROM audit_log WHERE teryt = $1")
        .fetch_one(db.platform())
        .await?;
    let rows: Vec<(time::OffsetDateTime, String, String, serde_json::Value)> = db
        .scoped_as(
            "SELECT at, actor, action, details FROM audit_log WHERE teryt = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(LOG_PAGE)
        .bind((number - 1) * LOG_PAGE)
        .fetch_all(db.platform())
        .await?;
    let entries: Vec<_> = rows
        .into_iter()
        .map(|(at, actor, action, details)| {
            json!({
                "at": pestor_kit::page::polish_datetime(at),
                "actor": actor,
                "action": state.catalogue.audit_label(&action),
                "details": details.to_string(),
            })
        })
        .collect();
    let pages = pestor_kit::page::page_count(total, LOG_PAGE);
    Ok(page
        .render(
            &state,
            "panel/log.html",
            json!({ "entries": entries, "total": total, "page": number, "pages": pages }),
        )?
        .into_response())
}
