//! Staff verification of registered organisations: the queue of pending cards, and a decision
//! (verify, or reject with a reason) that the organisation's members receive by e-mail.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::pes::legal_form;
use serde_json::json;

use super::store;
use crate::accounts::emails::{self, Letter};
use crate::accounts::{Fields, field};
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::pages::Page;
use crate::panel::gmina;
use crate::state::AppState;

#[derive(serde::Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    komunikat: String,
}

/// id, name, legal form, KRS, author's e-mail, registered at.
type QueueRow = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    time::OffsetDateTime,
);

pub async fn queue(
    State(state): State<AppState>,
    page: Page,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    let t = gmina(&page)?;
    let mut tx = t.tenant.db(&state.db.pool).begin().await?;
    let rows: Vec<QueueRow> = sqlx::query_as(
        "SELECT o.id, o.name, o.legal_form, o.krs, a.email, o.created_at
         FROM organisations o LEFT JOIN public.accounts a ON a.id = o.created_by
         WHERE o.status = 'pending' ORDER BY o.created_at, o.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let cards: Vec<_> = rows
        .into_iter()
        .map(|(id, name, form, krs, author, at)| {
            json!({
                "id": id, "name": name, "krs": krs, "author": author,
                "form": legal_form(&form).map_or(form.clone(), |f| f.name.clone()),
                "at": crate::pages::polish_date(at.date()),
            })
        })
        .collect();
    let notice = match n.komunikat.as_str() {
        "zweryfikowano" => Some("Karta została zweryfikowana i jest widoczna publicznie."),
        "odrzucono" => {
            Some("Zgłoszenie zostało odrzucone; autor dostał wiadomość z uzasadnieniem.")
        }
        _ => None,
    };
    Ok(page
        .render(
            &state,
            "organisations/queue.html",
            json!({ "cards": cards, "notice": notice }),
        )?
        .into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let t = gmina(&page)?;
    let me = page.account()?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let reason = field(&f, "reason").trim().to_owned();
    let (status, notice) = match field(&f, "decision") {
        "verify" => ("verified", "zweryfikowano"),
        "reject" if reason.chars().count() >= 10 => ("rejected", "odrzucono"),
        "reject" => {
            return Err(AppError::BadRequest(
                "Podaj uzasadnienie odrzucenia (co najmniej 10 znaków) — autor zgłoszenia je otrzyma. Nic nie zostało zmienione.".into(),
            ));
        }
        _ => {
            return Err(AppError::BadRequest(
                "Wybierz decyzję: zweryfikuj albo odrzuć.".into(),
            ));
        }
    };
    let teryt = t.tenant.gmina.teryt.as_str();
    let mut tx = t.tenant.db(&state.db.pool).begin().await?;
    let current: Option<(String, String)> =
        sqlx::query_as("SELECT name, status FROM organisations WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((name, was)) = current else {
        return Err(AppError::NotFound);
    };
    if was != "pending" {
        return Err(AppError::BadRequest(
            "Ta karta została już rozpatrzona.".into(),
        ));
    }
    sqlx::query(
        "UPDATE organisations SET status = $2, status_reason = $3, updated_at = now(),
                verified_at = CASE WHEN $2 = 'verified' THEN now() ELSE verified_at END
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(&reason)
    .execute(&mut *tx)
    .await?;
    store::project(&mut tx, teryt, id).await?;
    audit::record(
        &mut tx,
        me,
        Some(teryt),
        &format!("organisation.{status}"),
        json!({ "id": id, "name": name, "reason": reason }),
    )
    .await?;
    let members: Vec<String> = sqlx::query_scalar(
        "SELECT a.email FROM public.gmina_roles r JOIN public.accounts a ON a.id = r.account_id
         WHERE r.teryt = $1 AND r.role = 'pes_member' AND r.organisation_id = $2 ORDER BY 1",
    )
    .bind(teryt)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let letter = if status == "verified" {
        Letter {
            subject: format!("Organizacja zweryfikowana: {name}"),
            paragraphs: vec![format!(
                "karta organizacji „{name}” została sprawdzona przez urząd ({}) i jest teraz widoczna w bazie podmiotów ekonomii społecznej.",
                t.branding.display_name
            )],
            action: None,
        }
    } else {
        Letter {
            subject: format!("Zgłoszenie organizacji odrzucone: {name}"),
            paragraphs: vec![
                format!(
                    "urząd ({}) nie przyjął zgłoszenia organizacji „{name}”.",
                    t.branding.display_name
                ),
                format!("Uzasadnienie: {reason}"),
                "Możesz poprawić dane i zgłosić organizację ponownie.".into(),
            ],
            action: None,
        }
    };
    for address in members {
        pestor_mail::enqueue(
            &mut tx,
            &emails::compose(&state, &page.site, &address, &letter)?,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/podmioty/weryfikacja?komunikat={notice}")).into_response())
}
