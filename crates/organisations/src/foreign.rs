//! `/podmioty/z-innych-gmin`: cards of other gminas' PES that declare they also work in this gmina
//! (and so appear in its registry, map and open data). The gmina's staff see them in one list and
//! may hide one from their own site with a reason, or show it again; the home gmina's verification
//! stands and the card stays everywhere else. Staff are told of each new one by e-mail
//! ([`crate::notices`]).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::pes::legal_form;
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

/// One card of another gmina naming this one, with this gmina's decision about it.
#[derive(sqlx::FromRow)]
struct Entry {
    source_teryt: String,
    source_slug: String,
    source_name: String,
    organisation_id: i64,
    name: String,
    legal_form: String,
    reason: Option<String>,
    hidden_at: Option<OffsetDateTime>,
}

/// The cards of other gminas naming this one (`$1`, bound by the handle); `$2`/`$3` pick one
/// card, or NULL for all.
fn entries(db: &TenantDb) -> QueryAs<'static, Postgres, Entry, PgArguments> {
    db.scoped_as(
        "SELECT d.teryt AS source_teryt, t.slug AS source_slug, t.name AS source_name,
                d.organisation_id, d.name, d.legal_form, h.reason, h.hidden_at
         FROM public.pes_directory d
         JOIN public.tenants t ON t.teryt = d.teryt AND t.status = 'active'
         LEFT JOIN public.foreign_hidden h
           ON h.teryt = $1 AND h.source_teryt = d.teryt AND h.organisation_id = d.organisation_id
         WHERE d.status = 'verified' AND $1 = ANY (d.also_in) AND d.teryt <> $1
           AND ($2::text IS NULL OR d.teryt = $2) AND ($3::bigint IS NULL OR d.organisation_id = $3)
         ORDER BY d.name_key, d.teryt, d.organisation_id",
    )
}

fn to_json(state: &AppState, e: &Entry) -> Value {
    json!({
        "teryt": e.source_teryt, "id": e.organisation_id, "name": e.name,
        "form": legal_form(&e.legal_form).map_or(e.legal_form.clone(), |f| f.name.clone()),
        "gmina": e.source_name,
        "card": format!("{}/podmioty/{}", state.settings.host_url(Some(&e.source_slug)), e.organisation_id),
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
    let entries: Vec<Entry> = entries(&gmina.db)
        .bind(None::<String>)
        .bind(None::<i64>)
        .fetch_all(gmina.db.platform())
        .await?;
    let notice = match n.komunikat.as_str() {
        "ukryto" => Some("Karta nie jest już widoczna w serwisie gminy."),
        "pokazano" => Some("Karta znów jest widoczna w serwisie gminy."),
        _ => None,
    };
    let entries: Vec<Value> = entries.iter().map(|e| to_json(&state, e)).collect();
    Ok(page
        .render(
            &state,
            "organisations/foreign.html",
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
            "organisations/foreign_entry.html",
            json!({ "e": to_json(&state, &e) }),
        )?
        .into_response())
}

/// Hides the card from this gmina's site (`decision=hide`, with a reason) or shows it again.
pub async fn decide(
    page: Page,
    gmina: Gmina,
    Path((teryt, id)): Path<(String, String)>,
    Form(decision): Form<Decision>,
) -> AppResult<Response> {
    let e = entry(&gmina, &teryt, &id).await?;
    let (hide, reason) = decision.hide_or_show("kartę")?;
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    let changed = if hide {
        tx.scoped(
            "INSERT INTO public.foreign_hidden (teryt, source_teryt, organisation_id, reason, hidden_by)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&e.source_teryt)
        .bind(e.organisation_id)
        .bind(&reason)
        .bind(me.id)
        .execute(&mut *tx)
        .await?
    } else {
        tx.scoped(
            "DELETE FROM public.foreign_hidden WHERE teryt = $1 AND source_teryt = $2 AND organisation_id = $3",
        )
        .bind(&e.source_teryt)
        .bind(e.organisation_id)
        .execute(&mut *tx)
        .await?
    }
    .rows_affected();
    if changed > 0 {
        let action = if hide {
            "organisation.foreign_hidden"
        } else {
            "organisation.foreign_shown"
        };
        let details = json!({ "gmina": e.source_teryt, "organizacja": e.organisation_id,
                              "nazwa": e.name, "powód": reason });
        audit::record(&mut tx, me, action, details).await?;
    }
    tx.commit().await?;
    let notice = if hide { "ukryto" } else { "pokazano" };
    Ok(Redirect::to(&format!("/podmioty/z-innych-gmin?komunikat={notice}")).into_response())
}
