//! Staff verification: the queue of pending cards (verify, or reject with a reason the members
//! receive by e-mail), claims of staff-made cards, and cards not verified for 12 months — which
//! staff re-verify, after asking the organisations to confirm their data.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::pes::legal_form;
use pestor_kit::forms::PathId;
use pestor_kit::input::Query;
use pestor_kit::page::Gmina;
use serde_json::json;

use super::{member_emails, send_to, store};
use pestor_kit::audit;
use pestor_kit::error::AppResult;
use pestor_kit::forms::{Choice, Decision, Form};
use pestor_kit::letters::Letter;
use pestor_kit::page::Notice;
use pestor_kit::page::{Page, polish_date};
use pestor_kit::state::AppState;

/// How long a verification holds before the card is due again.
const REVERIFY_AFTER: &str = "12 months";
/// At most one reminder per card in this time.
const REMIND_EVERY: &str = "30 days";

/// id, name, legal form, KRS, author's e-mail, registered at.
type QueueRow = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    time::OffsetDateTime,
);
/// claim id, card id, card name, claimant, their message, claimed at.
type ClaimRow = (i64, i64, String, String, String, time::OffsetDateTime);
/// id, name, last verified, confirmed by members, last reminded.
type DueRow = (
    i64,
    String,
    time::OffsetDateTime,
    Option<time::OffsetDateTime>,
    Option<time::OffsetDateTime>,
);

fn date(d: Option<time::OffsetDateTime>) -> Option<String> {
    d.map(|d| polish_date(d.date()))
}

pub async fn queue(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    let mut tx = gmina.begin().await?;
    let rows: Vec<QueueRow> = sqlx::query_as(
        "SELECT o.id, o.name, o.legal_form, o.krs, a.email, o.created_at
         FROM organisations o LEFT JOIN public.accounts a ON a.id = o.created_by
         WHERE o.status = 'pending' ORDER BY o.created_at, o.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let claims: Vec<ClaimRow> = sqlx::query_as(
        "SELECT c.id, o.id, o.name, a.display_name || ' <' || a.email || '>', c.message, c.created_at
         FROM organisation_claims c JOIN organisations o ON o.id = c.organisation_id
              JOIN public.accounts a ON a.id = c.account_id
         WHERE c.status = 'pending' ORDER BY c.created_at, c.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let due: Vec<DueRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, name, coalesce(verified_at, created_at), confirmed_at, reminded_at FROM organisations
         WHERE status = 'verified' AND coalesce(verified_at, created_at) < now() - interval '{REVERIFY_AFTER}'
         ORDER BY coalesce(verified_at, created_at), id"
    )))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let cards: Vec<_> = rows
        .into_iter()
        .map(|(id, name, form, krs, author, at)| {
            json!({
                "id": id, "name": name, "krs": krs, "author": author,
                "form": legal_form(&form).map_or(form.clone(), |f| f.name.clone()),
                "at": polish_date(at.date()),
            })
        })
        .collect();
    let claims: Vec<_> = claims
        .into_iter()
        .map(|(id, card, name, who, message, at)| {
            json!({ "id": id, "card": card, "name": name, "who": who, "message": message, "at": polish_date(at.date()) })
        })
        .collect();
    let due: Vec<_> = due
        .into_iter()
        .map(|(id, name, verified, confirmed, reminded)| {
            json!({
                "id": id, "name": name, "verified": polish_date(verified.date()),
                "confirmed": date(confirmed.filter(|c| *c > verified)), "reminded": date(reminded),
            })
        })
        .collect();
    let notice = match n.komunikat.as_str() {
        "zweryfikowano" => {
            Some("Karta została zweryfikowana i jest widoczna publicznie.".to_owned())
        }
        "odrzucono" => {
            Some("Zgłoszenie zostało odrzucone; autor dostał wiadomość z uzasadnieniem.".into())
        }
        "ponownie" => Some("Karta została zweryfikowana ponownie.".into()),
        "przejecie-zatwierdzone" => {
            Some("Przejęcie zatwierdzone — zgłaszający jest teraz członkiem organizacji.".into())
        }
        "przejecie-odrzucone" => {
            Some("Przejęcie odrzucone; zgłaszający dostał wiadomość z uzasadnieniem.".into())
        }
        other => other
            .strip_prefix("wyslano-")
            .and_then(|n| n.parse::<i64>().ok())
            .map(|n| format!("Wysłano prośby o potwierdzenie danych: {n}.")),
    };
    Ok(page
        .render(
            &state,
            "organisations/queue.html",
            json!({ "cards": cards, "claims": claims, "due": due, "notice": notice }),
        )?
        .into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    Form(decision): Form<Decision>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let me = page.account()?;
    let ((from, status, notice), reason) = decision.choose(
        &[
            Choice::plain("verify", ("pending", "verified", "zweryfikowano")),
            Choice::plain("reverify", ("verified", "verified", "ponownie")),
            Choice::with_reason(
                "reject",
                ("pending", "rejected", "odrzucono"),
                "odrzucenia",
                "autor zgłoszenia je otrzyma",
            ),
        ],
        "Wybierz decyzję: zweryfikuj albo odrzuć.",
    )?;
    let mut tx = gmina.begin().await?;
    let stored =
        store::lock_in_status(&mut tx, id, from, "Ta karta została już rozpatrzona.").await?;
    let name = stored.card.name;
    store::set_status(&mut tx, id, status, &reason).await?;
    let action = if from == "verified" {
        "organisation.reverified".to_owned()
    } else {
        format!("organisation.{status}")
    };
    audit::record(
        &mut tx,
        me,
        &action,
        json!({ "id": id, "name": name, "reason": reason }),
    )
    .await?;
    let letter = match status {
        _ if from == "verified" => None,
        "verified" => Some(Letter {
            subject: format!("Organizacja zweryfikowana: {name}"),
            paragraphs: vec![format!(
                "karta organizacji „{name}” została sprawdzona przez urząd ({}) i jest teraz widoczna w bazie podmiotów ekonomii społecznej.",
                t.branding.display_name
            )],
            action: None,
        }),
        _ => Some(Letter {
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
        }),
    };
    if let Some(letter) = letter {
        let members = member_emails(&mut tx, id).await?;
        send_to(&mut tx, &state, &page, &members, &letter).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/podmioty/weryfikacja?komunikat={notice}")).into_response())
}

/// Asks every organisation due for re-verification (and not asked in the last month) to confirm
/// its data: to the card's own address and to its members.
pub async fn remind(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    let due: Vec<(i64, String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE organisations SET reminded_at = now()
         WHERE status = 'verified' AND coalesce(verified_at, created_at) < now() - interval '{REVERIFY_AFTER}'
           AND (reminded_at IS NULL OR reminded_at < now() - interval '{REMIND_EVERY}')
         RETURNING id, name, email"
    )))
    .fetch_all(&mut *tx)
    .await?;
    let site = state
        .settings
        .host_url(Some(t.tenant.gmina().slug.as_str()));
    for (id, name, email) in &due {
        let mut addresses = member_emails(&mut tx, *id).await?;
        addresses.extend(email.iter().cloned());
        addresses.sort();
        addresses.dedup();
        let letter = Letter {
            subject: format!("Prosimy o potwierdzenie danych: {name}"),
            paragraphs: vec![
                format!(
                    "urząd ({}) prosi o sprawdzenie, czy dane organizacji „{name}” w bazie podmiotów ekonomii społecznej są aktualne.",
                    t.branding.display_name
                ),
                "Członkowie organizacji mogą poprawić kartę i potwierdzić jej aktualność po zalogowaniu. Jeśli nie masz konta w serwisie, odpisz na tę wiadomość lub zadzwoń do urzędu.".into(),
            ],
            action: Some(("Otwórz kartę organizacji".into(), format!("{site}/podmioty/{id}"))),
        };
        send_to(&mut tx, &state, &page, &addresses, &letter).await?;
    }
    audit::record(
        &mut tx,
        me,
        "organisation.reminders",
        json!({ "count": due.len(), "ids": due.iter().map(|d| d.0).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/podmioty/weryfikacja?komunikat=wyslano-{}",
        due.len()
    ))
    .into_response())
}
