//! Giving away. A member of a verified PES (of this gmina, or of one that works here) asks for an
//! item with a short justification; the giver (or staff) accepts one request — a piece is set
//! aside for it, and when none is left every other open request is declined with a letter — then
//! marks it handed over. The requester may withdraw while it is open. Every change starts from the
//! item locked and the request's present state, so double clicks and two accepts of the last
//! piece at once end with exactly one change; the other is told why.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_db::TenantTx;
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult, OnConstraint};
use pestor_kit::forms::{Choice, Decision, Fields, Form, field};
use pestor_kit::letters::Letter;
use pestor_kit::page::{Gmina, Page};
use pestor_kit::state::AppState;
use serde_json::json;

use crate::page::{RequestForm, render_item};
use crate::shared::{
    ItemRef, askers, chosen, id_of, item, item_url, lock_item, manages, my_requesters, refusal,
    tell,
};

/// A justification: what the organisation needs the thing for.
pub(crate) fn justification_error(text: &str) -> Option<String> {
    let n = text.chars().count();
    (!(10..=1000).contains(&n)).then(|| {
        "Napisz krótko, do czego organizacja potrzebuje przedmiotu (od 10 do 1000 znaków).".into()
    })
}

/// `POST /bank-sprzetu/{id}/prosby`: a request for a gift.
pub async fn request(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let id = id_of(&id)?;
    let current = item(&gmina, id).await?;
    if current.kind != "gift" {
        return Err(AppError::Conflict(
            "Ten przedmiot jest do wypożyczenia — wybierz dni w formularzu wypożyczenia.".into(),
        ));
    }
    let askers = askers(&state, &page, &current).await?;
    if let Some(why) = refusal(&page, &current, &askers) {
        return Err(AppError::Conflict(format!(
            "{why} Nic nie zostało zapisane."
        )));
    }
    let justification = field(&f, "justification").trim().to_owned();
    let org = chosen(&askers.orgs, field(&f, "organisation"));
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    if org.is_none() {
        errors.insert(
            "organisation",
            "Wybierz organizację, dla której prosisz.".into(),
        );
    }
    if let Some(e) = justification_error(&justification) {
        errors.insert("justification", e);
    }
    let (Some(org), true) = (org, errors.is_empty()) else {
        let form = RequestForm::typed(&f, &["organisation", "justification"], errors);
        return render_item(
            &state,
            &page,
            &gmina,
            id,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    let item = lock_item(&mut tx, id).await?;
    if item.status != "active" || item.available == 0 {
        return Err(AppError::Conflict(
            "Wszystkie sztuki tego przedmiotu zostały już przyznane. Nic nie zostało zapisane."
                .into(),
        ));
    }
    let request: i64 = sqlx::query_scalar(
        "INSERT INTO equipment_requests (item_id, organisation_teryt, organisation_id, organisation_name,
                                         requested_by, justification)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id)
    .bind(&org.teryt)
    .bind(org.id)
    .bind(&org.name)
    .bind(me.id)
    .bind(&justification)
    .fetch_one(&mut *tx)
    .await
    .on_constraint("equipment_requests_open", |_| {
        AppError::Conflict(format!(
            "{} już prosi o ten przedmiot — jej prośba czeka na decyzję. Nic nowego nie zostało zapisane.",
            org.name
        ))
    })?;
    let letter = Letter {
        subject: format!("Prośba o przedmiot: {}", item.name),
        paragraphs: vec![
            format!(
                "{} prosi o przedmiot „{}” z banku sprzętu.",
                org.name, item.name
            ),
            format!("Uzasadnienie: {justification}"),
            "Przyjmij prośbę albo ją odrzuć na stronie przedmiotu.".into(),
        ],
        action: Some(("Zobacz prośby".into(), item_url(&state, &page.site, id))),
    };
    tell(&mut tx, &state, &page.site, item.giver_id, &letter).await?;
    tx.commit().await?;
    tracing::info!(item = id, request, "equipment requested");
    Ok(Redirect::to(&format!("/bank-sprzetu/{id}?komunikat=poproszono#prosby")).into_response())
}

#[derive(sqlx::FromRow)]
struct Request {
    id: i64,
    organisation_teryt: String,
    organisation_id: i64,
    organisation_name: String,
    requested_by: Option<i64>,
    status: String,
}

/// A request's state in words, for messages.
fn state_words(status: &str) -> &'static str {
    match status {
        "pending" => "czeka na decyzję",
        "accepted" => "została już przyjęta",
        "declined" => "została odrzucona",
        "handed_over" => "jest zakończona — przedmiot przekazano",
        _ => "została wycofana",
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Accept,
    Decline,
    HandOver,
    Withdraw,
}

/// `POST /bank-sprzetu/{id}/prosby/{request}`: accept, decline (with an optional note), hand
/// over (the giver or staff), withdraw (the requesting organisation's member).
pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((id, request)): Path<(String, String)>,
    Form(d): Form<Decision>,
) -> AppResult<Response> {
    let (id, request) = (id_of(&id)?, id_of(&request)?);
    let (step, _) = d.choose(
        &[
            Choice::plain("accept", Step::Accept),
            Choice::plain("decline", Step::Decline),
            Choice::plain("hand_over", Step::HandOver),
            Choice::plain("withdraw", Step::Withdraw),
        ],
        "Wybierz: przyjmij, odrzuć, przekazano albo wycofaj prośbę.",
    )?;
    let note = d.reason.trim().to_owned();
    if note.chars().count() > 500 {
        return Err(AppError::BadRequest(
            "Uzasadnienie może mieć najwyżej 500 znaków. Nic nie zostało zmienione.".into(),
        ));
    }
    let current = item(&gmina, id).await?;
    let orgs = my_requesters(&state, &page, current.reach()).await?;
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    let item = lock_item(&mut tx, id).await?;
    let r: Request = sqlx::query_as(
        "SELECT id, organisation_teryt, organisation_id, organisation_name, requested_by, status
         FROM equipment_requests WHERE id = $1 AND item_id = $2 FOR UPDATE",
    )
    .bind(request)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let requester = orgs
        .iter()
        .any(|o| o.teryt == r.organisation_teryt && o.id == r.organisation_id);
    let allowed = match step {
        Step::Withdraw => requester,
        _ => manages(&page, current.giver_id),
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let refuse = |why: String| {
        Err(AppError::Conflict(format!(
            "{why} Nic nie zostało zmienione."
        )))
    };
    let url = item_url(&state, &page.site, id);
    let (to, action, notice) = match step {
        Step::Accept => {
            if r.status == "pending" && item.available == 0 {
                return refuse("Wszystkie sztuki zostały już przyznane innym prośbom.".into());
            }
            if r.status != "pending" {
                return refuse(format!("Ta prośba {}.", state_words(&r.status)));
            }
            if item.status != "active" {
                return refuse("Przedmiot nie jest już w banku sprzętu.".into());
            }
            ("accepted", "equipment.request_accepted", "przyjeto")
        }
        Step::Decline if r.status != "pending" => {
            return refuse(format!("Ta prośba {}.", state_words(&r.status)));
        }
        Step::Decline => ("declined", "equipment.request_declined", "odrzucono"),
        Step::HandOver if r.status != "accepted" => {
            return refuse(if r.status == "pending" {
                "Najpierw przyjmij prośbę, potem oznacz przekazanie.".into()
            } else {
                format!("Ta prośba {}.", state_words(&r.status))
            });
        }
        Step::HandOver => ("handed_over", "equipment.handed_over", "przekazano"),
        Step::Withdraw if !matches!(r.status.as_str(), "pending" | "accepted") => {
            return refuse(format!("Ta prośba {}.", state_words(&r.status)));
        }
        Step::Withdraw => (
            "withdrawn",
            "equipment.request_withdrawn",
            "wycofano-prosbe",
        ),
    };
    sqlx::query(
        "UPDATE equipment_requests SET status = $2,
                decision_note = CASE WHEN $3 = '' THEN decision_note ELSE $3 END,
                decided_at = CASE WHEN $2 IN ('accepted', 'declined') THEN $4 ELSE decided_at END,
                handed_over_at = CASE WHEN $2 = 'handed_over' THEN $4 END
         WHERE id = $1",
    )
    .bind(r.id)
    .bind(to)
    .bind(&note)
    // The app's clock, so "given away this year" follows the same day as the pages.
    .bind(state.clock.now())
    .execute(&mut *tx)
    .await?;
    // A piece is set aside on acceptance and comes back when an accepted request is withdrawn.
    let pieces = match (step, r.status.as_str()) {
        (Step::Accept, _) => -1,
        (Step::Withdraw, "accepted") => 1,
        _ => 0,
    };
    if pieces != 0 {
        sqlx::query("UPDATE equipment_items SET available = available + $2, updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(pieces)
            .execute(&mut *tx)
            .await?;
    }
    let letter = match step {
        Step::Accept => Some(Letter {
            subject: format!("Prośba przyjęta: {}", item.name),
            paragraphs: vec![
                format!(
                    "prośba {} o przedmiot „{}” została przyjęta.",
                    r.organisation_name, item.name
                ),
                format!("Odbiór: {}{}.", item.pickup_place, hours(&item)),
                "Po odbiorze osoba przekazująca oznaczy przedmiot jako przekazany.".into(),
            ],
            action: Some(("Zobacz przedmiot".into(), url.clone())),
        }),
        Step::Decline => Some(Letter {
            subject: format!("Prośba odrzucona: {}", item.name),
            paragraphs: declined_paragraphs(&r.organisation_name, &item.name, &note),
            action: Some(("Zobacz bank sprzętu".into(), url.clone())),
        }),
        _ => None,
    };
    if let Some(letter) = letter {
        tell(&mut tx, &state, &page.site, r.requested_by, &letter).await?;
    }
    if step == Step::Accept && item.available == 1 {
        decline_the_rest(&mut tx, &state, &page, &item, &url).await?;
    }
    if step != Step::Withdraw {
        audit::record(
            &mut tx,
            me,
            action,
            json!({ "przedmiot": id, "nazwa": item.name, "prośba": r.id, "organizacja": r.organisation_name }),
        )
        .await?;
    }
    tx.commit().await?;
    let back = if step == Step::Withdraw {
        "/bank-sprzetu/moje-prosby".to_owned()
    } else {
        format!("/bank-sprzetu/{id}")
    };
    Ok(Redirect::to(&format!("{back}?komunikat={notice}")).into_response())
}

fn hours(item: &ItemRef) -> String {
    if item.pickup_hours.is_empty() {
        String::new()
    } else {
        format!(", {}", item.pickup_hours)
    }
}

fn declined_paragraphs(org: &str, item: &str, note: &str) -> Vec<String> {
    let mut p = vec![format!(
        "prośba {org} o przedmiot „{item}” nie została przyjęta."
    )];
    if !note.is_empty() {
        p.push(format!("Uzasadnienie: {note}"));
    }
    p.push("W banku sprzętu są też inne przedmioty.".into());
    p
}

/// The last piece was set aside: every other open request is declined, and its requester told.
async fn decline_the_rest(
    tx: &mut TenantTx,
    state: &AppState,
    page: &Page,
    item: &ItemRef,
    url: &str,
) -> AppResult<()> {
    let rest: Vec<(String, Option<i64>)> = sqlx::query_as(
        "UPDATE equipment_requests SET status = 'declined', decided_at = now(),
                decision_note = 'Wszystkie sztuki przyznano innym organizacjom.'
         WHERE item_id = $1 AND status = 'pending' RETURNING organisation_name, requested_by",
    )
    .bind(item.id)
    .fetch_all(&mut **tx)
    .await?;
    for (org, account) in rest {
        let letter = Letter {
            subject: format!("Przedmiot przekazany innej organizacji: {}", item.name),
            paragraphs: declined_paragraphs(
                &org,
                &item.name,
                "wszystkie sztuki przyznano innym organizacjom.",
            ),
            action: Some(("Zobacz bank sprzętu".into(), url.to_owned())),
        };
        tell(tx, state, &page.site, account, &letter).await?;
    }
    Ok(())
}
