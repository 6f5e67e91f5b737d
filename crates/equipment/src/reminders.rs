//! Reminders about lent equipment, through the outbox: to the borrower the day before the last
//! day of the loan, and once the loan is overdue to the borrower and the giver. Each is sent once
//! (its time is stored with the loan); days are the clock's, so tests move time, not sleep.

use std::sync::Arc;

use pestor_kit::error::AppResult;
use pestor_kit::fleet;
use pestor_kit::letters::Letter;
use pestor_kit::page::polish_date;
use pestor_kit::site::{Site, TenantSite};
use pestor_kit::state::AppState;
use time::Date;

use crate::shared::{item_url, tell};

/// The fleet job's name, in logs and in the failure metric.
pub const REMINDER_JOB: &str = "equipment-reminders";

/// Sends the reminders due today in every gmina; returns how many letters were queued.
pub async fn send_reminders(state: &AppState) -> AppResult<usize> {
    let today = state.clock.today();
    let report = fleet::for_each_gmina(state, REMINDER_JOB, |t| remind(state, t, today)).await?;
    Ok(report.done.iter().map(|(_, sent)| sent).sum())
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    item_id: i64,
    name: String,
    organisation_name: String,
    requested_by: Option<i64>,
    giver_id: Option<i64>,
    last: Date,
}

const DUE: &str =
    "SELECT l.id, i.id AS item_id, i.name, l.organisation_name, l.requested_by, i.giver_id,
                          upper(l.during) - 1 AS last
                   FROM equipment_loans l JOIN equipment_items i ON i.id = l.item_id
                   WHERE l.status = 'lent'";

/// One gmina's reminders, in one transaction (rows a parallel run holds are skipped).
async fn remind(state: &AppState, t: Arc<TenantSite>, today: Date) -> AppResult<usize> {
    let site = Site::Tenant(t.clone());
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    let mut sent = 0;
    // Due tomorrow (or today, when yesterday's run was missed) and not yet reminded.
    let soon: Vec<Due> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DUE} AND l.reminded_at IS NULL AND upper(l.during) - 1 BETWEEN $1 AND $1 + 1
         ORDER BY l.id FOR UPDATE OF l SKIP LOCKED"
    )))
    .bind(today)
    .fetch_all(&mut *tx)
    .await?;
    for d in soon {
        let when = if d.last == today { "dziś" } else { "jutro" };
        let letter = Letter {
            subject: format!("Przypomnienie: {when} zwrot — {}", d.name),
            paragraphs: vec![
                format!(
                    "{when} ({}) mija termin zwrotu przedmiotu „{}”, wypożyczonego dla {}.",
                    polish_date(d.last),
                    d.name,
                    d.organisation_name
                ),
                "Oddaj go w miejscu odbioru albo umów się z osobą przekazującą.".into(),
            ],
            action: Some(("Zobacz przedmiot".into(), item_url(state, &site, d.item_id))),
        };
        tell(&mut tx, state, &site, d.requested_by, &letter).await?;
        sqlx::query("UPDATE equipment_loans SET reminded_at = now() WHERE id = $1")
            .bind(d.id)
            .execute(&mut *tx)
            .await?;
        sent += 1;
    }
    let overdue: Vec<Due> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DUE} AND l.overdue_notified_at IS NULL AND upper(l.during) <= $1
         ORDER BY l.id FOR UPDATE OF l SKIP LOCKED"
    )))
    .bind(today)
    .fetch_all(&mut *tx)
    .await?;
    for d in overdue {
        let letter = Letter {
            subject: format!("Termin zwrotu minął: {}", d.name),
            paragraphs: vec![
                format!(
                    "{} minął termin zwrotu przedmiotu „{}”, wypożyczonego dla {}.",
                    polish_date(d.last),
                    d.name,
                    d.organisation_name
                ),
                "Prosimy o jak najszybszy zwrot. Osoba przekazująca oznaczy zwrot na stronie przedmiotu.".into(),
            ],
            action: Some(("Zobacz przedmiot".into(), item_url(state, &site, d.item_id))),
        };
        tell(&mut tx, state, &site, d.requested_by, &letter).await?;
        tell(&mut tx, state, &site, d.giver_id, &letter).await?;
        sqlx::query("UPDATE equipment_loans SET overdue_notified_at = now() WHERE id = $1")
            .bind(d.id)
            .execute(&mut *tx)
            .await?;
        sent += 1;
    }
    tx.commit().await?;
    Ok(sent)
}
