//! Lending. A member of a verified PES asks for a date range; the giver (or staff) approves —
//! the first unit free for those days is given to the loan — or declines; an approved loan is
//! lent when the thing is picked up and returned when it comes back, overdue in between if its
//! last day has passed. The database's exclusion constraint keeps a unit's approved and lent
//! loans apart whatever the code does; the code locks the item, so two approvals at once are
//! decided in order and the second is told the days are taken.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::calendar::{Span, required_date};
use pestor_db::TenantTx;
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult, OnConstraint};
use pestor_kit::forms::{Choice, Decision, Fields, Form, field};
use pestor_kit::letters::Letter;
use pestor_kit::page::{Gmina, Page, polish_date};
use pestor_kit::state::AppState;
use serde_json::json;
use sqlx::postgres::types::PgRange;
use time::{Date, Duration};

use crate::gifts::justification_error;
use crate::page::{RequestForm, render_item};
use crate::shared::{
    ItemRef, askers, chosen, id_of, item, item_url, lock_item, manages, my_requesters, refusal,
    tell,
};

/// The longest loan, and how far ahead one may be asked for.
pub const MAX_DAYS: i64 = 60;
pub const MAX_AHEAD_DAYS: i64 = 365;

/// The exclusion constraint of `equipment_loans` (migration 0012).
const NO_OVERLAP: &str = "equipment_loans_item_id_unit_during_excl";

/// A unit is held over the range `$2` (as of the day `$3`) by an approved or lent loan whose days
/// meet it, or by a lent loan past its last day that has not come back (it holds the unit from
/// today on). `u` is the unit, `$1` the item.
const HELD: &str = "EXISTS (SELECT 1 FROM equipment_loans l WHERE l.item_id = $1 AND l.unit = u
       AND l.status IN ('approved', 'lent')
       AND (l.during && $2 OR (l.status = 'lent' AND upper(l.during) <= $3 AND upper($2) > $3)))";

/// The first unit of `item` free for all of `[from, until)`, if any.
pub(crate) async fn free_unit(
    tx: &mut TenantTx,
    item: &ItemRef,
    from: Date,
    until: Date,
    today: Date,
) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT u FROM generate_series(1, $4) u WHERE NOT {HELD} ORDER BY u LIMIT 1"
    )))
    .bind(item.id)
    .bind(days(from, until))
    .bind(today)
    .bind(item.quantity)
    .fetch_optional(&mut **tx)
    .await
}

/// A `daterange` `[from, until)` as a query parameter.
pub(crate) fn days(from: Date, until: Date) -> PgRange<Date> {
    (from..until).into()
}

/// The checked dates of a loan request: `[from, until)`, `until` the day after the last.
fn check_dates(
    from: &str,
    to: &str,
    today: Date,
    errors: &mut HashMap<&'static str, String>,
) -> Option<(Date, Date)> {
    let from = required_date(from, "pierwszy dzień wypożyczenia", Span::PLAN, today)
        .map_err(|m| errors.insert("from", m))
        .ok();
    let to = required_date(to, "ostatni dzień wypożyczenia", Span::PLAN, today)
        .map_err(|m| errors.insert("to", m))
        .ok();
    match (from, to) {
        (None, _) | (_, None) => None,
        (Some(f), Some(_)) if f < today => {
            errors.insert("from", "Pierwszy dzień nie może być w przeszłości.".into());
            None
        }
        (Some(f), Some(_)) if f > today + Duration::days(MAX_AHEAD_DAYS) => {
            errors.insert(
                "from",
                "Wypożyczenie można zaplanować najwyżej rok naprzód.".into(),
            );
            None
        }
        (Some(f), Some(t)) if t < f => {
            errors.insert("to", "Ostatni dzień nie może być przed pierwszym.".into());
            None
        }
        (Some(f), Some(t)) if (t - f).whole_days() + 1 > MAX_DAYS => {
            errors.insert(
                "to",
                format!("Wypożyczenie może trwać najwyżej {MAX_DAYS} dni."),
            );
            None
        }
        (Some(f), Some(t)) => Some((f, t + Duration::days(1))),
    }
}

const FIELDS: &[&str] = &["organisation", "from", "to", "justification"];

/// `POST /bank-sprzetu/{id}/wypozyczenia`: a request to borrow one unit for some days.
pub async fn request(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let id = id_of(&id)?;
    let current = item(&gmina, id).await?;
    if current.kind != "loan" {
        return Err(AppError::Conflict(
            "Ten przedmiot jest przekazywany na własność — poproś o niego w formularzu prośby."
                .into(),
        ));
    }
    let askers = askers(&state, &page, &current).await?;
    if let Some(why) = refusal(&page, &current, &askers) {
        return Err(AppError::Conflict(format!(
            "{why} Nic nie zostało zapisane."
        )));
    }
    let today = state.clock.today();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let org = chosen(&askers.orgs, field(&f, "organisation"));
    if org.is_none() {
        errors.insert(
            "organisation",
            "Wybierz organizację, dla której wypożyczasz.".into(),
        );
    }
    let dates = check_dates(field(&f, "from"), field(&f, "to"), today, &mut errors);
    let justification = field(&f, "justification").trim().to_owned();
    if let Some(e) = justification_error(&justification) {
        errors.insert("justification", e);
    }
    let refuse = |errors| {
        let form = RequestForm::typed(&f, FIELDS, errors);
        render_item(
            &state,
            &page,
            &gmina,
            id,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let (Some(org), Some((from, until)), true) = (org, dates, errors.is_empty()) else {
        return refuse(errors).await;
    };
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    let item = lock_item(&mut tx, id).await?;
    if item.status != "active" {
        return Err(AppError::Conflict(
            "Przedmiot nie jest już w banku sprzętu. Nic nie zostało zapisane.".into(),
        ));
    }
    if free_unit(&mut tx, &item, from, until, today)
        .await?
        .is_none()
    {
        tx.commit().await?;
        let mut errors = HashMap::new();
        errors.insert(
            "from",
            "W tych dniach wszystkie sztuki są już wypożyczone — wybierz inne dni (zobacz kalendarz).".into(),
        );
        return refuse(errors).await;
    }
    let loan: i64 = sqlx::query_scalar(
        "INSERT INTO equipment_loans (item_id, organisation_teryt, organisation_id, organisation_name,
                                      requested_by, during, justification)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(id)
    .bind(&org.teryt)
    .bind(org.id)
    .bind(&org.name)
    .bind(me.id)
    .bind(days(from, until))
    .bind(&justification)
    .fetch_one(&mut *tx)
    .await
    .on_constraint("equipment_loans_one_request", |_| {
        AppError::Conflict(format!(
            "{} już prosi o ten przedmiot na te dni — jej prośba czeka na decyzję. Nic nowego nie zostało zapisane.",
            org.name
        ))
    })?;
    let letter = Letter {
        subject: format!("Prośba o wypożyczenie: {}", item.name),
        paragraphs: vec![
            format!(
                "{} prosi o wypożyczenie przedmiotu „{}” od {} do {}.",
                org.name,
                item.name,
                polish_date(from),
                polish_date(until - Duration::days(1))
            ),
            format!("Uzasadnienie: {justification}"),
            "Zatwierdź albo odrzuć prośbę na stronie przedmiotu.".into(),
        ],
        action: Some(("Zobacz prośby".into(), item_url(&state, &page.site, id))),
    };
    tell(&mut tx, &state, &page.site, item.giver_id, &letter).await?;
    tx.commit().await?;
    tracing::info!(item = id, loan, "equipment loan requested");
    Ok(Redirect::to(&format!("/bank-sprzetu/{id}?komunikat=poproszono#prosby")).into_response())
}

#[derive(sqlx::FromRow)]
struct Loan {
    id: i64,
    organisation_teryt: String,
    organisation_id: i64,
    organisation_name: String,
    requested_by: Option<i64>,
    status: String,
    first: Date,
    until: Date,
}

const LOAN_COLUMNS: &str =
    "id, organisation_teryt, organisation_id, organisation_name, requested_by, status,
                            lower(during) AS first, upper(during) AS until";

fn state_words(status: &str) -> &'static str {
    match status {
        "requested" => "czeka na decyzję",
        "approved" => "jest już zatwierdzone",
        "declined" => "zostało odrzucone",
        "lent" => "jest w toku — przedmiot wydano",
        "returned" => "jest zakończone — przedmiot wrócił",
        _ => "zostało wycofane",
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Approve,
    Decline,
    Lend,
    Return,
    Withdraw,
}

/// `POST /bank-sprzetu/{id}/wypozyczenia/{loan}`: approve, decline (with an optional note), lend,
/// return (the giver or staff); withdraw (the borrowing organisation's member).
pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((id, loan)): Path<(String, String)>,
    Form(d): Form<Decision>,
) -> AppResult<Response> {
    let (id, loan) = (id_of(&id)?, id_of(&loan)?);
    let (step, _) = d.choose(
        &[
            Choice::plain("approve", Step::Approve),
            Choice::plain("decline", Step::Decline),
            Choice::plain("lend", Step::Lend),
            Choice::plain("return", Step::Return),
            Choice::plain("withdraw", Step::Withdraw),
        ],
        "Wybierz: zatwierdź, odrzuć, wydano, zwrócono albo wycofaj.",
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
    let today = state.clock.today();
    let mut tx = gmina.begin().await?;
    let item = lock_item(&mut tx, id).await?;
    let l: Loan = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {LOAN_COLUMNS} FROM equipment_loans WHERE id = $1 AND item_id = $2 FOR UPDATE"
    )))
    .bind(loan)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let borrower = orgs
        .iter()
        .any(|o| o.teryt == l.organisation_teryt && o.id == l.organisation_id);
    let allowed = match step {
        Step::Withdraw => borrower,
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
    let wrong = |expected: &str| {
        if l.status == expected {
            None
        } else {
            Some(format!("To wypożyczenie {}.", state_words(&l.status)))
        }
    };
    let mut unit = None;
    let (to, action, notice) = match step {
        Step::Approve => {
            if let Some(why) = wrong("requested") {
                return refuse(why);
            }
            if l.until <= today {
                return refuse("Dni tej prośby już minęły.".into());
            }
            if item.status != "active" {
                return refuse("Przedmiot nie jest już w banku sprzętu.".into());
            }
            unit = free_unit(&mut tx, &item, l.first, l.until, today).await?;
            if unit.is_none() {
                return refuse(taken(&l));
            }
            ("approved", "equipment.loan_approved", "zatwierdzono")
        }
        // Only a request is declined (docs/bank-sprzetu.md): an approved loan is the borrower's
        // to withdraw, or ends with its item.
        Step::Decline => {
            if let Some(why) = wrong("requested") {
                return refuse(why);
            }
            ("declined", "equipment.loan_declined", "odrzucono")
        }
        Step::Lend => {
            if l.status == "requested" {
                return refuse("Najpierw zatwierdź wypożyczenie, potem oznacz wydanie.".into());
            }
            if let Some(why) = wrong("approved") {
                return refuse(why);
            }
            if l.until <= today {
                return refuse(
                    "Dni tego wypożyczenia już minęły — odrzuć je albo poproś o nowe.".into(),
                );
            }
            ("lent", "equipment.lent", "wydano")
        }
        Step::Return => {
            if matches!(l.status.as_str(), "requested" | "approved") {
                return refuse("Przedmiotu jeszcze nie wydano — nie może wrócić.".into());
            }
            if let Some(why) = wrong("lent") {
                return refuse(why);
            }
            ("returned", "equipment.returned", "zwrocono")
        }
        Step::Withdraw => {
            if !matches!(l.status.as_str(), "requested" | "approved") {
                return refuse(format!("To wypożyczenie {}.", state_words(&l.status)));
            }
            ("withdrawn", "equipment.loan_withdrawn", "wycofano-prosbe")
        }
    };
    sqlx::query(
        "UPDATE equipment_loans SET status = $2, unit = coalesce($3, unit),
                decision_note = CASE WHEN $4 = '' THEN decision_note ELSE $4 END,
                decided_at = CASE WHEN $2 IN ('approved', 'declined') THEN $5 ELSE decided_at END,
                lent_at = CASE WHEN $2 = 'lent' THEN $5 ELSE lent_at END,
                returned_at = CASE WHEN $2 = 'returned' THEN $5 ELSE returned_at END
         WHERE id = $1",
    )
    .bind(l.id)
    .bind(to)
    .bind(unit)
    .bind(&note)
    // The app's clock, so "lent this year" follows the same day as the pages.
    .bind(state.clock.now())
    .execute(&mut *tx)
    .await
    .on_constraint(NO_OVERLAP, |_| {
        AppError::Conflict(format!("{} Nic nie zostało zmienione.", taken(&l)))
    })?;
    let url = item_url(&state, &page.site, id);
    let period = format!(
        "od {} do {}",
        polish_date(l.first),
        polish_date(l.until - Duration::days(1))
    );
    let letter = match step {
        Step::Approve => Some(Letter {
            subject: format!("Wypożyczenie zatwierdzone: {}", item.name),
            paragraphs: vec![
                format!(
                    "wypożyczenie przedmiotu „{}” dla {} {period} zostało zatwierdzone.",
                    item.name, l.organisation_name
                ),
                format!(
                    "Odbiór: {}{}.",
                    item.pickup_place,
                    if item.pickup_hours.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", item.pickup_hours)
                    }
                ),
                "Dzień przed terminem zwrotu przypomnimy o nim e-mailem.".into(),
            ],
            action: Some(("Zobacz przedmiot".into(), url.clone())),
        }),
        Step::Decline => {
            let mut paragraphs = vec![format!(
                "wypożyczenie przedmiotu „{}” dla {} {period} nie zostało zatwierdzone.",
                item.name, l.organisation_name
            )];
            if !note.is_empty() {
                paragraphs.push(format!("Uzasadnienie: {note}"));
            }
            Some(Letter {
                subject: format!("Wypożyczenie odrzucone: {}", item.name),
                paragraphs,
                action: Some(("Zobacz przedmiot".into(), url.clone())),
            })
        }
        _ => None,
    };
    if let Some(letter) = letter {
        tell(&mut tx, &state, &page.site, l.requested_by, &letter).await?;
    }
    if step == Step::Approve {
        decline_what_no_longer_fits(&mut tx, &state, &page, &item, today, &url).await?;
    }
    if step != Step::Withdraw {
        audit::record(
            &mut tx,
            me,
            action,
            json!({ "przedmiot": id, "nazwa": item.name, "wypożyczenie": l.id, "organizacja": l.organisation_name, "dni": period }),
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

fn taken(l: &Loan) -> String {
    format!(
        "Dni od {} do {} są już zajęte przez inne zatwierdzone wypożyczenie.",
        polish_date(l.first),
        polish_date(l.until - Duration::days(1))
    )
}

/// After an approval: requests whose days no unit is free for any more are declined, and told.
async fn decline_what_no_longer_fits(
    tx: &mut TenantTx,
    state: &AppState,
    page: &Page,
    item: &ItemRef,
    today: Date,
    url: &str,
) -> AppResult<()> {
    let waiting: Vec<Loan> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {LOAN_COLUMNS} FROM equipment_loans WHERE item_id = $1 AND status = 'requested' ORDER BY id"
    )))
    .bind(item.id)
    .fetch_all(&mut **tx)
    .await?;
    for l in waiting {
        if free_unit(tx, item, l.first, l.until, today)
            .await?
            .is_some()
        {
            continue;
        }
        sqlx::query(
            "UPDATE equipment_loans SET status = 'declined', decided_at = now(),
                    decision_note = 'Te dni zajęło inne wypożyczenie.' WHERE id = $1",
        )
        .bind(l.id)
        .execute(&mut **tx)
        .await?;
        let letter = Letter {
            subject: format!("Termin zajęty: {}", item.name),
            paragraphs: vec![
                format!(
                    "{} Prośba {} nie może już zostać zatwierdzona.",
                    taken(&l),
                    l.organisation_name
                ),
                "Wybierz inne dni w kalendarzu przedmiotu.".into(),
            ],
            action: Some(("Zobacz kalendarz".into(), url.to_owned())),
        };
        tell(tx, state, &page.site, l.requested_by, &letter).await?;
    }
    Ok(())
}
