//! Claims: a card added by staff has no members until its organisation claims it. A signed-in
//! person says who they are in the organisation; staff approve (the claimant becomes a member)
//! or reject with a reason. Either way the claimant is e-mailed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_db::GminaScoped;
use pestor_kit::forms::PathId;
use serde_json::json;

use super::store::{self, StoredCard};
use super::{is_member, path_id, send_to};
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{Choice, Decision, Form};

/// The claim form: who the person is in the organisation.
#[derive(serde::Deserialize)]
pub struct ClaimForm {
    #[serde(default)]
    message: String,
}
use pestor_kit::letters::Letter;
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

/// The card to claim: verified, added by staff, and not already the viewer's.
async fn claimable(state: &AppState, page: &Page, id: &str) -> AppResult<StoredCard> {
    let t = page.gmina()?;
    let id = path_id(id)?;
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    let card = store::load(&mut tx, id, false).await?;
    tx.commit().await?;
    let card = card
        .filter(|c| c.status == "verified")
        .ok_or(AppError::NotFound)?;
    if !card.added_by_staff {
        return Err(AppError::BadRequest(
            "Tę kartę zgłosiła sama organizacja — o dostęp poproś jej członków albo urząd.".into(),
        ));
    }
    if is_member(state, page, id).await? {
        return Err(AppError::BadRequest(
            "Jesteś już członkiem tej organizacji w serwisie.".into(),
        ));
    }
    Ok(card)
}

fn show(
    state: &AppState,
    page: &Page,
    card: &StoredCard,
    message: &str,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    page.respond(
        state,
        "organisations/claim.html",
        json!({ "id": card.id, "name": card.card.name, "message": message, "error": error }),
        status,
    )
}

pub async fn form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let card = claimable(&state, &page, &id).await?;
    show(&state, &page, &card, "", None, StatusCode::OK)
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    Form(f): Form<ClaimForm>,
) -> AppResult<Response> {
    let card = claimable(&state, &page, &id).await?;
    let me = page.account()?;
    let message = f.message.trim();
    let length = message.chars().count();
    if !(10..=2000).contains(&length) {
        return show(
            &state,
            &page,
            &card,
            message,
            Some(
                "Napisz, kim jesteś w organizacji (od 10 do 2000 znaków) — urząd sprawdzi to przed zatwierdzeniem.",
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let mut tx = gmina.begin().await?;
    let done = sqlx::query(
        "INSERT INTO organisation_claims (organisation_id, account_id, message) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(card.id)
    .bind(me.id)
    .bind(message)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    if done == 0 {
        return show(
            &state,
            &page,
            &card,
            message,
            Some("Twoje zgłoszenie przejęcia tej karty już czeka na decyzję urzędu."),
            StatusCode::CONFLICT,
        );
    }
    Ok(Redirect::to(&format!("/podmioty/{}?komunikat=przejecie", card.id)).into_response())
}

/// Staff approve or reject claim `id` (from the verification page).
pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    Form(decision): Form<Decision>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let me = page.account()?;
    let (approve, reason) = decision.choose(
        &[
            Choice::plain("approve", true),
            Choice::with_reason("reject", false, "odrzucenia", "otrzyma je zgłaszający"),
        ],
        "Wybierz decyzję: zatwierdź albo odrzuć.",
    )?;
    let mut tx = gmina.begin().await?;
    // The account is held too: no foreign key keeps it (tenant migration 0023), and a claim of an
    // account deleted meanwhile must not become a role.
    let claim: Option<(i64, i64, String, String, String)> = sqlx::query_as(
        "SELECT c.organisation_id, c.account_id, c.status, o.name, a.email
         FROM organisation_claims c JOIN organisations o ON o.id = c.organisation_id
              JOIN public.accounts a ON a.id = c.account_id
         WHERE c.id = $1 FOR UPDATE OF c FOR KEY SHARE OF a",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((organisation, account, status, name, email)) = claim else {
        return Err(AppError::NotFound);
    };
    if status != "pending" {
        return Err(AppError::BadRequest(
            "To zgłoszenie zostało już rozpatrzone.".into(),
        ));
    }
    sqlx::query(
        "UPDATE organisation_claims SET status = $2, reason = $3, decided_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(if approve { "approved" } else { "rejected" })
    .bind(&reason)
    .execute(&mut *tx)
    .await?;
    if approve {
        tx.scoped(
            "INSERT INTO public.gmina_roles (teryt, account_id, role, organisation_id)
             VALUES ($1, $2, 'pes_member', $3) ON CONFLICT DO NOTHING",
        )
        .bind(account)
        .bind(organisation)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        me,
        if approve {
            "organisation.claim_approved"
        } else {
            "organisation.claim_rejected"
        },
        json!({ "id": organisation, "name": name, "account": email, "reason": reason }),
    )
    .await?;
    let letter = if approve {
        Letter {
            subject: format!("Przejęcie karty zatwierdzone: {name}"),
            paragraphs: vec![format!(
                "urząd ({}) zatwierdził Twoje zgłoszenie — możesz teraz edytować kartę organizacji „{name}”.",
                t.branding.display_name
            )],
            action: Some((
                "Otwórz kartę".into(),
                format!(
                    "{}/podmioty/{organisation}",
                    state
                        .settings
                        .host_url(Some(t.tenant.gmina().slug.as_str()))
                ),
            )),
        }
    } else {
        Letter {
            subject: format!("Przejęcie karty odrzucone: {name}"),
            paragraphs: vec![
                format!(
                    "urząd ({}) nie zatwierdził Twojego zgłoszenia przejęcia karty organizacji „{name}”.",
                    t.branding.display_name
                ),
                format!("Uzasadnienie: {reason}"),
            ],
            action: None,
        }
    };
    send_to(&mut tx, &state, &page, &[email], &letter).await?;
    tx.commit().await?;
    let notice = if approve {
        "przejecie-zatwierdzone"
    } else {
        "przejecie-odrzucone"
    };
    Ok(Redirect::to(&format!("/podmioty/weryfikacja?komunikat={notice}")).into_response())
}
