//! `/oferty/z-innych-gmin`: the offers other gminas' PES make available in this gmina
//! ([`super::elsewhere`]), for its staff — each may be hidden from this gmina's Giełda with a
//! reason, and shown again. The offer stays in its home gmina and wherever else it is available.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_db::{GminaScoped, TenantDb};
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{Decision, Form};
use pestor_kit::input::Query;
use pestor_kit::page::{Gmina, Notice, Page, polish_date};
use pestor_kit::state::AppState;
use serde_json::{Value, json};
use sqlx::Postgres;
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use time::OffsetDateTime;

#[derive(sqlx::FromRow)]
struct Entry {
    teryt: String,
    slug: String,
    gmina_name: String,
    offer_id: i64,
    name: String,
    organisation_name: String,
    reason: Option<String>,
    hidden_at: Option<OffsetDateTime>,
}

/// Offers made available here by other gminas' PES whose cards show here (`$1`, the handle's),
/// hidden or not; `$2`/`$3` pick one, or NULL for all.
fn entries(db: &TenantDb) -> QueryAs<'static, Postgres, Entry, PgArguments> {
    db.scoped_as(
        "SELECT f.teryt, t.slug, t.name AS gmina_name, f.offer_id, f.name, v.name AS organisation_name,
                h.reason, h.hidden_at
         FROM public.offer_directory f
         JOIN public.pes_visible v ON v.gmina = $1 AND v.teryt = f.teryt AND v.organisation_id = f.organisation_id
         JOIN public.tenants t ON t.teryt = f.teryt AND t.status = 'active'
         LEFT JOIN public.foreign_offer_hidden h ON h.teryt = $1 AND h.source_teryt = f.teryt AND h.offer_id = f.offer_id
         WHERE f.across_gminas AND f.teryt <> $1
           AND ($2::text IS NULL OR f.teryt = $2) AND ($3::bigint IS NULL OR f.offer_id = $3)
         ORDER BY f.name_key, f.teryt, f.offer_id",
    )
}

fn to_json(state: &AppState, e: &Entry) -> Value {
    json!({
        "teryt": e.teryt, "id": e.offer_id, "name": e.name, "organisation": e.organisation_name,
        "gmina": e.gmina_name,
        "url": format!("{}/oferty/{}", state.settings.host_url(Some(&e.slug)), e.offer_id),
        "hidden": e.reason.is_some(), "reason": e.reason,
        "hidden_at": e.hidden_at.map(|d| polish_date(d.date())),
    })
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    let found: Vec<Entry> = entries(&gmina.db)
        .bind(None::<String>)
        .bind(None::<i64>)
        .fetch_all(gmina.db.platform())
        .await?;
    let notice = match n.komunikat.as_str() {
        "ukryto" => Some("Oferta nie jest już widoczna w giełdzie gminy."),
        "pokazano" => Some("Oferta znów jest widoczna w giełdzie gminy."),
        _ => None,
    };
    let entries: Vec<Value> = found.iter().map(|e| to_json(&state, e)).collect();
    Ok(page
        .render(
            &state,
            "offers/foreign.html",
            json!({ "entries": entries, "notice": notice }),
        )?
        .into_response())
}

async fn entry(gmina: &Gmina, teryt: &str, id: &str) -> AppResult<Entry> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    entries(&gmina.db)
        .bind(Some(teryt))
        .bind(Some(id))
        .fetch_optional(gmina.db.platform())
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((teryt, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let e = entry(&gmina, &teryt, &id).await?;
    Ok(page
        .render(
            &state,
            "offers/foreign_entry.html",
            json!({ "e": to_json(&state, &e) }),
        )?
        .into_response())
}

/// Hides the offer from this gmina's Giełda (`decision=hide`, with a reason) or shows it again.
pub async fn decide(
    page: Page,
    gmina: Gmina,
    Path((teryt, id)): Path<(String, String)>,
    Form(decision): Form<Decision>,
) -> AppResult<Response> {
    let e = entry(&gmina, &teryt, &id).await?;
    let (hide, reason) = decision.hide_or_show("ofertę")?;
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    let changed = if hide {
        tx.scoped(
            "INSERT INTO public.foreign_offer_hidden (teryt, source_teryt, offer_id, reason, hidden_by)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&e.teryt)
        .bind(e.offer_id)
        .bind(&reason)
        .bind(me.id)
        .execute(&mut *tx)
        .await?
    } else {
        tx.scoped(
            "DELETE FROM public.foreign_offer_hidden WHERE teryt = $1 AND source_teryt = $2 AND offer_id = $3",
        )
        .bind(&e.teryt)
        .bind(e.offer_id)
        .execute(&mut *tx)
        .await?
    }
    .rows_affected();
    if changed > 0 {
        let action = if hide {
            "offer.foreign_hidden"
        } else {
            "offer.foreign_shown"
        };
        let details =
            json!({ "gmina": e.teryt, "oferta": e.offer_id, "nazwa": e.name, "powód": reason });
        audit::record(&mut tx, me, action, details).await?;
    }
    tx.commit().await?;
    let notice = if hide { "ukryto" } else { "pokazano" };
    Ok(Redirect::to(&format!("/oferty/z-innych-gmin?komunikat={notice}")).into_response())
}
