//! "Moje przedmioty": what I give or lend, with what is waiting for my decision; "Moje prośby":
//! what my organisations asked for, here, with the state of each and a way to withdraw it.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use pestor_kit::error::AppResult;
use pestor_kit::input::Query;
use pestor_kit::page::{Gmina, Page, page_count, page_number, polish_date};
use pestor_kit::state::AppState;
use serde_json::{Value, json};
use time::{Date, Duration};

use crate::page::status_label;
use crate::shared::my_requesters;
use crate::vocab::kind_label;
use pestor_kit::acting::Reach;

const PAGE_SIZE: i64 = 20;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Paging {
    strona: String,
    komunikat: String,
}

#[derive(sqlx::FromRow)]
struct Given {
    id: i64,
    name: String,
    kind: String,
    status: String,
    quantity: i32,
    available: i32,
    waiting: i64,
    out: i64,
    overdue: i64,
}

/// `/bank-sprzetu/moje`
pub async fn items(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(p): Query<Paging>,
) -> AppResult<Response> {
    let me = page.account()?;
    let number = page_number(&p.strona);
    let today = state.clock.today();
    let mut tx = gmina.begin().await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM equipment_items WHERE giver_id = $1")
        .bind(me.id)
        .fetch_one(&mut *tx)
        .await?;
    let given: Vec<Given> = sqlx::query_as(
        "SELECT i.id, i.name, i.kind, i.status, i.quantity, i.available,
                (SELECT count(*) FROM equipment_requests r WHERE r.item_id = i.id AND r.status = 'pending')
                + (SELECT count(*) FROM equipment_loans l WHERE l.item_id = i.id AND l.status = 'requested') AS waiting,
                (SELECT count(*) FROM equipment_loans l WHERE l.item_id = i.id AND l.status = 'lent') AS out,
                (SELECT count(*) FROM equipment_loans l WHERE l.item_id = i.id AND l.status = 'lent'
                                                          AND upper(l.during) <= $2) AS overdue
         FROM equipment_items i WHERE i.giver_id = $1
         ORDER BY i.status = 'active' DESC, i.created_at DESC, i.id DESC LIMIT $3 OFFSET $4",
    )
    .bind(me.id)
    .bind(today)
    .bind(PAGE_SIZE)
    .bind((number - 1) * PAGE_SIZE)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let items: Vec<Value> = given
        .iter()
        .map(|g| {
            json!({
                "id": g.id, "name": g.name, "kind": g.kind, "kind_label": kind_label(&g.kind),
                "status": g.status, "quantity": g.quantity, "available": g.available,
                "waiting": g.waiting, "out": g.out, "overdue": g.overdue,
            })
        })
        .collect();
    Ok(page
        .render(
            &state,
            "equipment/mine.html",
            json!({ "items": items, "total": total, "page": number, "pages": page_count(total, PAGE_SIZE) }),
        )?
        .into_response())
}

#[derive(sqlx::FromRow)]
struct Asked {
    kind: String,
    id: i64,
    item_id: i64,
    name: String,
    organisation_name: String,
    status: String,
    decision_note: String,
    created_at: time::OffsetDateTime,
    first: Option<Date>,
    until: Option<Date>,
}

/// `/bank-sprzetu/moje-prosby`
pub async fn requests(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(p): Query<Paging>,
) -> AppResult<Response> {
    // The widest reach: every organisation whose requests this gmina may hold.
    let orgs = my_requesters(&state, &page, Reach::Powiat).await?;
    let teryts: Vec<&str> = orgs.iter().map(|o| o.teryt.as_str()).collect();
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    let number = page_number(&p.strona);
    let today = state.clock.today();
    let mine = |t: &str| {
        format!(
            "({t}.organisation_teryt, {t}.organisation_id) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))"
        )
    };
    let mut tx = gmina.begin().await?;
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT (SELECT count(*) FROM equipment_requests r WHERE {}) + (SELECT count(*) FROM equipment_loans l WHERE {})",
        mine("r"),
        mine("l")
    )))
    .bind(&teryts)
    .bind(&ids)
    .fetch_one(&mut *tx)
    .await?;
    let asked: Vec<Asked> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT 'gift' AS kind, r.id, r.item_id, i.name, r.organisation_name, r.status, r.decision_note, r.created_at,
                NULL::date AS first, NULL::date AS until
         FROM equipment_requests r JOIN equipment_items i ON i.id = r.item_id WHERE {r}
         UNION ALL
         SELECT 'loan', l.id, l.item_id, i.name, l.organisation_name, l.status, l.decision_note, l.created_at,
                lower(l.during), upper(l.during)
         FROM equipment_loans l JOIN equipment_items i ON i.id = l.item_id WHERE {l}
         ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4",
        r = mine("r"),
        l = mine("l")
    )))
    .bind(&teryts)
    .bind(&ids)
    .bind(PAGE_SIZE)
    .bind((number - 1) * PAGE_SIZE)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let rows: Vec<Value> = asked
        .iter()
        .map(|a| {
            let overdue = a.status == "lent" && a.until.is_some_and(|u| u <= today);
            let open = matches!(a.status.as_str(), "pending" | "accepted" | "requested" | "approved");
            json!({
                "kind": a.kind, "id": a.id, "item": a.item_id, "name": a.name,
                "organisation": a.organisation_name, "status_label": status_label(&a.status, overdue),
                "overdue": overdue, "note": a.decision_note, "asked": polish_date(a.created_at.date()),
                "first": a.first.map(polish_date), "last": a.until.map(|u| polish_date(u - Duration::days(1))),
                "may_withdraw": open,
                "action": format!("/bank-sprzetu/{}/{}/{}", a.item_id,
                                  if a.kind == "gift" { "prosby" } else { "wypozyczenia" }, a.id),
            })
        })
        .collect();
    let notice = (p.komunikat == "wycofano-prosbe").then_some("Prośba została wycofana.");
    Ok(page
        .render(
            &state,
            "equipment/requests.html",
            json!({
                "rows": rows, "total": total, "page": number, "pages": page_count(total, PAGE_SIZE),
                "organisations": orgs.iter().map(|o| &o.name).collect::<Vec<_>>(), "notice": notice,
            }),
        )?
        .into_response())
}
