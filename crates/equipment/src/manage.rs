//! Looking after an item: its giver (or the gmina's staff) withdraws it, after a confirmation;
//! staff hide one with a reason and show it again. Each change is in the gmina's audit log.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_db::TenantTx;
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{Choice, Decision, Form};
use pestor_kit::letters::Letter;
use pestor_kit::page::{Gmina, Page};
use pestor_kit::state::AppState;
use serde_json::json;

use crate::shared::{manages, tell};

/// The item `id` (from the path) with its giver and status; 404 for anything else.
async fn load(gmina: &Gmina, id: &str) -> AppResult<(i64, String, Option<i64>, String)> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mut tx = gmina.begin().await?;
    let row =
        sqlx::query_as("SELECT id, name, giver_id, status FROM equipment_items WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

/// `GET …/wycofanie`: what withdrawing does, and the button.
pub async fn confirm_withdrawal(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (id, name, giver, status) = load(&gmina, &id).await?;
    if !manages(&page, giver) {
        return Err(AppError::Forbidden);
    }
    Ok(page
        .render(
            &state,
            "equipment/withdraw.html",
            json!({ "id": id, "name": name, "active": status == "active" }),
        )?
        .into_response())
}

/// `POST …/status`: `withdraw` (giver or staff), `hide` with a reason or `show` (staff).
pub async fn set_status(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    Form(decision): Form<Decision>,
) -> AppResult<Response> {
    let (id, name, giver, _) = load(&gmina, &id).await?;
    let ((from, to, action, notice), reason) = decision.choose(
        &[
            Choice::plain(
                "withdraw",
                ("active", "withdrawn", "equipment.withdrawn", "wycofano"),
            ),
            Choice::with_reason(
                "hide",
                ("active", "hidden", "equipment.hidden", "ukryto"),
                "ukrycia",
                "zobaczy je osoba przekazująca",
            ),
            Choice::plain(
                "show",
                ("hidden", "active", "equipment.shown", "przywrocono"),
            ),
        ],
        "Wybierz: wycofaj, ukryj albo przywróć przedmiot.",
    )?;
    let allowed = if to == "withdrawn" {
        manages(&page, giver)
    } else {
        page.is_staff()
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    // The status the change starts from is part of the update: two clicks at once change it once.
    let changed = sqlx::query(
        "UPDATE equipment_items SET status = $3, status_reason = $4, updated_at = now()
         WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(&reason)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(AppError::BadRequest(
            "Przedmiot ma już inny status — odśwież stronę. Nic nie zostało zmienione.".into(),
        ));
    }
    if to != "active" {
        close_open_requests(&mut tx, &state, &page, id, &name).await?;
    }
    audit::record(
        &mut tx,
        me,
        action,
        json!({ "przedmiot": id, "nazwa": name, "powód": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/bank-sprzetu/{id}?komunikat={notice}")).into_response())
}

/// An item leaving the bank ends what was still open about it: requests and loans not yet handed
/// out are declined and their requesters told (a lent unit still comes back as usual).
async fn close_open_requests(
    tx: &mut TenantTx,
    state: &AppState,
    page: &Page,
    id: i64,
    name: &str,
) -> AppResult<()> {
    let note = "Przedmiot został wycofany z banku sprzętu.";
    let closed: Vec<(String, Option<i64>)> = sqlx::query_as(
        "WITH r AS (UPDATE equipment_requests SET status = 'declined', decided_at = now(), decision_note = $2
                    WHERE item_id = $1 AND status IN ('pending', 'accepted') RETURNING organisation_name, requested_by),
              l AS (UPDATE equipment_loans SET status = 'declined', decided_at = now(), decision_note = $2
                    WHERE item_id = $1 AND status IN ('requested', 'approved') RETURNING organisation_name, requested_by)
         SELECT * FROM r UNION ALL SELECT * FROM l",
    )
    .bind(id)
    .bind(note)
    .fetch_all(&mut **tx)
    .await?;
    for (org, account) in closed {
        let letter = Letter {
            subject: format!("Przedmiot wycofany: {name}"),
            paragraphs: vec![
                format!(
                    "przedmiot „{name}”, o który prosiła {org}, nie jest już w banku sprzętu — prośba została zamknięta."
                ),
                "W banku sprzętu są też inne przedmioty.".into(),
            ],
            action: Some((
                "Zobacz bank sprzętu".into(),
                format!(
                    "{}/bank-sprzetu",
                    state
                        .settings
                        .host_url(Some(page.gmina()?.tenant.gmina().slug.as_str()))
                ),
            )),
        };
        tell(tx, state, &page.site, account, &letter).await?;
    }
    Ok(())
}
