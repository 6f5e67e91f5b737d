//! Looking after a card once it exists: its members (or staff) edit it and confirm it is current;
//! staff hide it with a reason, and show it again.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::organisation::FieldErrors;
use pestor_kit::forms::PathId;
use serde_json::json;

use super::form::{self, Mode, RawForm, Submitted};
use super::store::{self, SaveError, StoredCard};
use super::{Visibility, is_member, record_visibility};
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{Choice, Decision, Form};
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

fn mode(id: i64) -> Mode<'static> {
    Mode {
        title: "Edycja karty organizacji",
        intro: "Zmiany w zweryfikowanej karcie są od razu widoczne publicznie. Poprawiona karta odrzuconego zgłoszenia wraca do weryfikacji.",
        action: format!("/podmioty/{id}/edycja"),
        button: "Zapisz zmiany",
    }
}

/// Card `id` of this gmina, if the viewer may change it: 404 when there is no such card, 403
/// when it is another organisation's.
async fn editable(state: &AppState, page: &Page, id: &str) -> AppResult<StoredCard> {
    let t = page.gmina()?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    let card = store::load(&mut tx, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    if page.is_staff() || is_member(state, page, id).await? {
        Ok(card)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let stored = editable(&state, &page, &id).await?;
    form::render(
        &state,
        &page,
        &mode(stored.id),
        &Submitted::from_card(&stored.card),
        &FieldErrors::new(),
        StatusCode::OK,
    )
}

pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    axum::Form(raw): RawForm,
) -> AppResult<Response> {
    let stored = editable(&state, &page, &id).await?;
    let me = page.account()?;
    let submitted = Submitted::from_pairs(raw);
    let invalid = |errors: &FieldErrors| {
        form::render(
            &state,
            &page,
            &mode(stored.id),
            &submitted,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let card = match submitted.validate(&state) {
        Ok(card) => card,
        Err(errors) => return invalid(&errors),
    };
    let mut tx = gmina.begin().await?;
    match store::update(&mut tx, stored.id, &card).await {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound),
        Err(SaveError::Duplicate(errors)) => return invalid(&errors),
        Err(SaveError::Db(e)) => return Err(e.into()),
    }
    // A corrected rejected registration goes back to the queue.
    let resubmitted = stored.status == "rejected";
    if resubmitted {
        store::set_status(&mut tx, stored.id, "pending", "").await?;
    }
    audit::record(
        &mut tx,
        me,
        "organisation.edited",
        json!({ "id": stored.id, "name": card.name }),
    )
    .await?;
    tx.commit().await?;
    let notice = if resubmitted { "ponownie" } else { "zapisano" };
    Ok(Redirect::to(&format!("/podmioty/{}?komunikat={notice}", stored.id)).into_response())
}

/// A member confirms the card's data is current (the answer to the 12-month reminder).
pub async fn confirm(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let stored = editable(&state, &page, &id).await?;
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    sqlx::query("UPDATE organisations SET confirmed_at = now() WHERE id = $1")
        .bind(stored.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        me,
        "organisation.confirmed",
        json!({ "id": stored.id, "name": stored.card.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/podmioty/{}?komunikat=potwierdzono", stored.id)).into_response())
}

/// Staff hide a verified card (with a reason its members receive) or show a hidden one again.
pub async fn visibility(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    Form(decision): Form<Decision>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let ((from, to, notice), reason) = decision.choose(
        &[
            Choice::with_reason(
                "hide",
                ("verified", "hidden", "ukryto"),
                "ukrycia",
                "otrzymają je członkowie organizacji",
            ),
            Choice::plain("show", ("hidden", "verified", "przywrocono")),
        ],
        "Wybierz: ukryj albo przywróć kartę.",
    )?;
    let mut tx = gmina.begin().await?;
    let stored = store::lock_in_status(
        &mut tx,
        id,
        from,
        "Karta ma już inny status — odśwież stronę. Nic nie zostało zmienione.",
    )
    .await?;
    store::set_status(&mut tx, id, to, &reason).await?;
    let name = &stored.card.name;
    let decision = Visibility {
        kind: "organisation",
        id,
        name,
        organisation: id,
        hidden: to == "hidden",
        reason: &reason,
        subject: "Karta organizacji ukryta",
        lead: format!(
            "urząd ({}) ukrył kartę organizacji „{name}” w bazie podmiotów ekonomii społecznej.",
            t.branding.display_name
        ),
        advice: Some("Jeśli dane wymagają poprawy, popraw je i skontaktuj się z urzędem."),
    };
    record_visibility(&mut tx, &state, &page, &decision).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/podmioty/{id}?komunikat={notice}")).into_response())
}
