//! Baza PES — the registry of social economy entities of each gmina (issue 4): registration by
//! residents and direct entry by staff, verification, editing by the organisation's members,
//! hiding, claims of staff-made cards, the 12-month re-verification, the list and the card page.

mod card;
mod claims;
pub mod directory;
mod form;
pub(crate) use form::RawForm;
mod import;
mod list;
mod manage;
mod map;
mod open_data;
mod register;
pub mod store;
mod verify;

use axum::routing::{get, post};
use sqlx::PgConnection;

use crate::accounts::emails::{self, Letter};
use crate::auth::{Access, GminaRole, Hosts, Routes};
use crate::error::{AppError, AppResult};
use crate::pages::Page;
use crate::panel::gmina;
use crate::state::AppState;

pub fn routes(r: Routes) -> Routes {
    r.add(
        "/podmioty/nowy",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::SignedIn,
        get(register::form).post(register::submit),
    )
    .add(
        "/podmioty/weryfikacja",
        &["GET"],
        Hosts::Gmina,
        Access::Staff,
        get(verify::queue),
    )
    .add(
        "/podmioty/{id}",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(card::show),
    )
    .add(
        "/podmioty",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(list::list),
    )
    .add(
        "/podmioty/{id}/weryfikacja",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(verify::decide),
    )
    .add(
        "/podmioty/{id}/edycja",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::MemberOrStaff,
        get(manage::edit_form).post(manage::edit),
    )
    .add(
        "/podmioty/{id}/potwierdzenie",
        &["POST"],
        Hosts::Gmina,
        Access::MemberOrStaff,
        post(manage::confirm),
    )
    .add(
        "/podmioty/{id}/widocznosc",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(manage::visibility),
    )
    .add(
        "/podmioty/{id}/przejecie",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::SignedIn,
        get(claims::form).post(claims::submit),
    )
    .add(
        "/podmioty/przejecia/{id}",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(claims::decide),
    )
    .add(
        "/podmioty/import",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::Staff,
        get(import::form).post(import::submit),
    )
    .add(
        "/mapa",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(map::show),
    )
    .add(
        "/api/v1/podmioty",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(open_data::list),
    )
    .add(
        "/api/v1/podmioty.geojson",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(open_data::geojson),
    )
    .add(
        "/api/v1/podmioty.csv",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(open_data::csv),
    )
    .add(
        "/api/v1/openapi.json",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(open_data::openapi),
    )
    .add(
        "/podmioty/przypomnienia",
        &["POST"],
        Hosts::Gmina,
        Access::Staff,
        post(verify::remind),
    )
}

/// An id from the path; anything but a number is a page that does not exist.
pub(crate) fn path_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// The reason given with a staff decision that `reader` will receive: at least 10 characters,
/// or nothing is changed.
pub(crate) fn required_reason(reason: &str, what: &str, reader: &str) -> AppResult<String> {
    let reason = reason.trim();
    if reason.chars().count() < 10 {
        return Err(AppError::BadRequest(format!(
            "Podaj uzasadnienie {what} (co najmniej 10 znaków) — {reader}. Nic nie zostało zmienione."
        )));
    }
    Ok(reason.to_owned())
}

/// Staff or admin of this gmina, or an operator.
pub(crate) fn is_staff(page: &Page) -> bool {
    page.viewer
        .0
        .as_ref()
        .is_some_and(|a| a.is_operator() || a.has(GminaRole::Staff) || a.has(GminaRole::Admin))
}

/// Whether the viewer is a member of organisation `id` of this gmina.
pub(crate) async fn is_member(state: &AppState, page: &Page, id: i64) -> AppResult<bool> {
    let Some(a) = &page.viewer.0 else {
        return Ok(false);
    };
    let t = gmina(page)?;
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM gmina_roles WHERE account_id = $1 AND teryt = $2
                         AND role = 'pes_member' AND organisation_id = $3)",
    )
    .bind(a.id)
    .bind(t.tenant.gmina.teryt.as_str())
    .bind(id)
    .fetch_one(&state.db.pool)
    .await?)
}

/// E-mail addresses of organisation `id`'s members.
pub(crate) async fn member_emails(
    conn: &mut PgConnection,
    teryt: &str,
    id: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT a.email FROM public.gmina_roles r JOIN public.accounts a ON a.id = r.account_id
         WHERE r.teryt = $1 AND r.role = 'pes_member' AND r.organisation_id = $2 ORDER BY 1",
    )
    .bind(teryt)
    .bind(id)
    .fetch_all(conn)
    .await
}

/// What staff hid or showed again: `kind` names it in the audit log (`organisation`, `offer`),
/// `organisation` owns it and its members read the reason.
pub(crate) struct Visibility<'a> {
    pub kind: &'a str,
    pub id: i64,
    pub name: &'a str,
    pub organisation: i64,
    pub hidden: bool,
    pub reason: &'a str,
}

/// The rest of a staff hide/show decision, in its transaction: the audit entry and, for a hide,
/// `letter` (which states the reason) to the organisation's members.
pub(crate) async fn record_visibility(
    conn: &mut PgConnection,
    state: &AppState,
    page: &Page,
    teryt: &str,
    v: &Visibility<'_>,
    letter: Letter,
) -> AppResult<()> {
    let me = page.account()?;
    let action = format!("{}.{}", v.kind, if v.hidden { "hidden" } else { "shown" });
    crate::audit::record(
        &mut *conn,
        me,
        Some(teryt),
        &action,
        serde_json::json!({ "id": v.id, "name": v.name, "reason": v.reason }),
    )
    .await?;
    if v.hidden {
        let members = member_emails(&mut *conn, teryt, v.organisation).await?;
        send_to(conn, state, page, &members, &letter).await?;
    }
    Ok(())
}

/// Queues `letter` to every address, in the caller's transaction.
pub(crate) async fn send_to(
    conn: &mut PgConnection,
    state: &AppState,
    page: &Page,
    addresses: &[String],
    letter: &Letter,
) -> AppResult<()> {
    for address in addresses {
        pestor_mail::enqueue(
            &mut *conn,
            &emails::compose(state, &page.site, address, letter)?,
        )
        .await?;
    }
    Ok(())
}
