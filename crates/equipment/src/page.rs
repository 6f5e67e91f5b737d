//! The item's page: what it is, its photos, where to pick it up; for a loan, a month calendar of
//! free and busy days; the request form for a PES; the requests and loans for the giver and staff
//! (with their buttons) and, for a requester, their own.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use pestor_core::calendar::{MONTH_NAMES, MonthGrid, WEEKDAYS, parse_month, weekday_name};
use pestor_kit::acting::ActingOrganisation;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::field;
use pestor_kit::input::Query;
use pestor_kit::page::{Gmina, Page, polish_date};
use pestor_kit::state::AppState;
use serde_json::{Value, json};
use time::{Date, Duration};

use crate::shared::{ItemRef, askers, id_of, is_giver, manages, refusal};
use crate::vocab::{condition_label, kind_label};

/// The request form as typed, with its problems (empty on a fresh page).
#[derive(Default)]
pub struct RequestForm {
    values: Value,
    errors: HashMap<&'static str, String>,
}

impl RequestForm {
    pub fn typed(
        f: &HashMap<String, String>,
        keys: &[&str],
        errors: HashMap<&'static str, String>,
    ) -> Self {
        let values = keys
            .iter()
            .map(|k| (k.to_string(), json!(field(f, k).trim())))
            .collect::<serde_json::Map<_, _>>();
        RequestForm {
            values: Value::Object(values),
            errors,
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    komunikat: String,
    miesiac: String,
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    let id = id_of(&id)?;
    let month = if q.miesiac.is_empty() {
        None
    } else {
        Some(parse_month(&q.miesiac).ok_or(AppError::NotFound)?)
    };
    let notice = match q.komunikat.as_str() {
        "dodano" => Some("Przedmiot jest w banku sprzętu."),
        "zapisano" => Some("Zmiany zostały zapisane."),
        "wycofano" => Some("Przedmiot został wycofany z banku sprzętu."),
        "ukryto" => Some("Przedmiot jest ukryty; osoba przekazująca widzi powód."),
        "przywrocono" => Some("Przedmiot znów jest w banku sprzętu."),
        "poproszono" => Some(
            "Prośba została wysłana. Osoba przekazująca dostała e-mail; o decyzji powiadomimy Cię e-mailem.",
        ),
        "przyjeto" => {
            Some("Prośba została przyjęta; organizacja dostała e-mail z miejscem odbioru.")
        }
        "odrzucono" => Some("Prośba została odrzucona; organizacja dostała e-mail."),
        "przekazano" => Some("Przedmiot oznaczono jako przekazany."),
        "zatwierdzono" => Some("Wypożyczenie zostało zatwierdzone; organizacja dostała e-mail."),
        "wydano" => Some("Przedmiot oznaczono jako wydany."),
        "zwrocono" => Some("Przedmiot oznaczono jako zwrócony."),
        _ => None,
    };
    render(
        &state,
        &page,
        &gmina,
        id,
        RequestForm::default(),
        StatusCode::OK,
        notice,
        month,
    )
    .await
}

/// The item page again, with the request form as typed (a refused request).
pub async fn render_item(
    state: &AppState,
    page: &Page,
    gmina: &Gmina,
    id: i64,
    form: RequestForm,
    status: StatusCode,
) -> AppResult<Response> {
    render(state, page, gmina, id, form, status, None, None).await
}

#[derive(sqlx::FromRow)]
struct Item {
    id: i64,
    name: String,
    description: String,
    kind: String,
    category_name: String,
    condition: String,
    quantity: i32,
    available: i32,
    pickup_place: String,
    pickup_hours: String,
    giver: Option<String>,
    giver_id: Option<i64>,
    by_office: bool,
    status: String,
    status_reason: String,
    powiat_wide: bool,
    on_behalf_of: Option<i64>,
    created_at: time::OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct Asked {
    id: i64,
    organisation_teryt: String,
    organisation_id: i64,
    organisation_name: String,
    justification: String,
    status: String,
    decision_note: String,
    created_at: time::OffsetDateTime,
    first: Option<Date>,
    until: Option<Date>,
    unit: Option<i32>,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    page: &Page,
    gmina: &Gmina,
    id: i64,
    form: RequestForm,
    status: StatusCode,
    notice: Option<&str>,
    month: Option<Date>,
) -> AppResult<Response> {
    let today = state.clock.today();
    let mut tx = gmina.begin().await?;
    // The giver is named by the organisation given on behalf of; a private person is not named.
    let item: Item = sqlx::query_as(
        "SELECT i.id, i.name, i.description, i.kind, c.name AS category_name, i.condition, i.quantity,
                i.available, i.pickup_place, i.pickup_hours, o.name AS giver, i.giver_id, i.by_office, i.status,
                i.status_reason, i.powiat_wide, i.on_behalf_of, i.created_at
         FROM equipment_items i JOIN equipment_categories c ON c.code = i.category
         LEFT JOIN organisation_summaries o ON o.id = i.on_behalf_of
         WHERE i.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let asked: Vec<Asked> = if item.kind == "gift" {
        sqlx::query_as(
            "SELECT id, organisation_teryt, organisation_id, organisation_name, justification, status, decision_note,
                    created_at, NULL::date AS first, NULL::date AS until, NULL::int AS unit
             FROM equipment_requests WHERE item_id = $1
             ORDER BY status = 'pending' DESC, status = 'accepted' DESC, created_at DESC, id DESC LIMIT 200",
        )
    } else {
        sqlx::query_as(
            "SELECT id, organisation_teryt, organisation_id, organisation_name, justification, status, decision_note,
                    created_at, lower(during) AS first, upper(during) AS until, unit
             FROM equipment_loans WHERE item_id = $1
             ORDER BY status IN ('requested', 'approved', 'lent') DESC, lower(during), id LIMIT 200",
        )
    }
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let grid = MonthGrid::of_date(month.unwrap_or(today));
    let held: Vec<(Date, i64)> = if item.kind == "loan" {
        sqlx::query_as(
            "SELECT d::date, count(DISTINCT l.unit) FROM generate_series($2::date, $3::date - 1, interval '1 day') d
             LEFT JOIN equipment_loans l ON l.item_id = $1 AND l.status IN ('approved', 'lent')
                  AND (l.during @> d::date OR (l.status = 'lent' AND upper(l.during) <= $4 AND d::date >= $4))
             GROUP BY d ORDER BY d",
        )
        .bind(id)
        .bind(grid.first)
        .bind(grid.end())
        .bind(today)
        .fetch_all(&mut *tx)
        .await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    let manager = manages(page, item.giver_id);
    // A withdrawn or hidden item stays visible to its giver and the staff, for its history.
    if item.status != "active" && !manager {
        return Err(AppError::NotFound);
    }
    let as_ref = ItemRef {
        id: item.id,
        name: item.name.clone(),
        kind: item.kind.clone(),
        status: item.status.clone(),
        giver_id: item.giver_id,
        quantity: item.quantity,
        available: item.available,
        pickup_place: String::new(),
        pickup_hours: String::new(),
        powiat_wide: item.powiat_wide,
        on_behalf_of: item.on_behalf_of,
    };
    let askers = askers(state, page, &as_ref).await?;
    let orgs = &askers.orgs;
    let mine = |a: &Asked| {
        orgs.iter()
            .any(|o| o.teryt == a.organisation_teryt && o.id == a.organisation_id)
    };
    let asked: Vec<Value> = asked
        .iter()
        .filter(|a| manager || mine(a))
        .map(|a| asked_json(a, today, mine(a)))
        .collect();
    let giver = if item.by_office {
        "urząd gminy".to_owned()
    } else {
        item.giver
            .clone()
            .unwrap_or_else(|| "osoba prywatna".into())
    };
    let may_ask = if item.kind == "gift" && item.available == 0 {
        Some("Wszystkie sztuki zostały już przyznane.")
    } else {
        refusal(page, &as_ref, &askers)
    };
    let photos: Vec<Value> = crate::photo_store::of_item(gmina, id)
        .await?
        .iter()
        .map(crate::photo_store::Stored::to_json)
        .collect();
    let calendar =
        (item.kind == "loan").then(|| calendar_json(&grid, &held, item.quantity, today, id));
    page.respond(
        state,
        "equipment/show.html",
        json!({
            "i": {
                "id": item.id, "name": item.name, "description": item.description,
                "kind": item.kind, "kind_label": kind_label(&item.kind),
                "category": item.category_name, "condition": condition_label(&item.condition),
                "quantity": item.quantity, "available": item.available,
                "pickup_place": item.pickup_place, "pickup_hours": item.pickup_hours,
                "giver": giver, "added": polish_date(item.created_at.date()),
                "status": item.status, "reason": item.status_reason, "powiat_wide": item.powiat_wide,
            },
            "photos": photos, "notice": notice, "manager": manager,
            "is_giver": is_giver(page, item.giver_id), "is_staff": page.is_staff(),
            "asked": asked, "refusal": may_ask,
            "organisations": orgs.iter().map(org_json).collect::<Vec<_>>(),
            "values": form.values, "errors": form.errors,
            "calendar": calendar, "today": today.to_string(),
            "signed_in": page.viewer.0.is_some(),
        }),
        status,
    )
}

fn org_json(o: &ActingOrganisation) -> Value {
    json!({ "code": o.code(), "name": o.name })
}

/// Statuses as the lists show them.
pub(crate) fn status_label(status: &str, overdue: bool) -> &'static str {
    match status {
        "pending" | "requested" => "czeka na decyzję",
        "accepted" => "przyjęta — do odbioru",
        "declined" => "odrzucona",
        "handed_over" => "przekazano",
        "approved" => "zatwierdzone",
        "lent" if overdue => "po terminie zwrotu",
        "lent" => "wydano",
        "returned" => "zwrócono",
        _ => "wycofana",
    }
}

fn asked_json(a: &Asked, today: Date, mine: bool) -> Value {
    let overdue = a.status == "lent" && a.until.is_some_and(|u| u <= today);
    json!({
        "id": a.id, "organisation": a.organisation_name, "justification": a.justification,
        "status": a.status, "status_label": status_label(&a.status, overdue), "overdue": overdue,
        "note": a.decision_note, "asked": polish_date(a.created_at.date()), "mine": mine,
        "first": a.first.map(polish_date),
        "last": a.until.map(|u| polish_date(u - Duration::days(1))),
        "unit": a.unit,
    })
}

/// The month's days with how many units are free on each, and links to the months around it.
fn calendar_json(
    grid: &MonthGrid,
    held: &[(Date, i64)],
    quantity: i32,
    today: Date,
    id: i64,
) -> Value {
    let held: HashMap<Date, i64> = held.iter().copied().collect();
    let weeks: Vec<Vec<Value>> = grid
        .weeks
        .iter()
        .map(|w| {
            w.iter()
                .map(|d| match d {
                    None => Value::Null,
                    Some(d) => {
                        let busy = held.get(d).copied().unwrap_or(0);
                        let free = (i64::from(quantity) - busy).max(0);
                        let state = if *d < today {
                            "past"
                        } else if free == 0 {
                            "busy"
                        } else {
                            "free"
                        };
                        let words = match state {
                            "past" => "minął".to_owned(),
                            "busy" => "zajęty".to_owned(),
                            _ if quantity > 1 => format!("wolne {free} z {quantity}"),
                            _ => "wolny".to_owned(),
                        };
                        json!({
                            "day": d.day(), "state": state, "words": words, "today": *d == today,
                            "label": format!("{}, {}", weekday_name(*d), polish_date(*d)),
                        })
                    }
                })
                .collect()
        })
        .collect();
    let month = |d: Date| format!("{}-{:02}", d.year(), u8::from(d.month()));
    json!({
        "title": format!("{} {}", MONTH_NAMES[usize::from(u8::from(grid.first.month())) - 1], grid.first.year()),
        "weekdays": WEEKDAYS.iter().map(|(short, full)| json!({ "short": short, "full": full })).collect::<Vec<_>>(),
        "weeks": weeks,
        "previous": format!("/bank-sprzetu/{id}?miesiac={}#kalendarz", month(grid.previous())),
        "next": format!("/bank-sprzetu/{id}?miesiac={}#kalendarz", month(grid.next())),
        "previous_title": format!("{} {}", MONTH_NAMES[usize::from(u8::from(grid.previous().month())) - 1], grid.previous().year()),
        "next_title": format!("{} {}", MONTH_NAMES[usize::from(u8::from(grid.next().month())) - 1], grid.next().year()),
    })
}
