//! Matchmaking before the tender: for a planned or announced procurement, the verified PES shown
//! in the gmina (its own and those that work here) whose card or active offers fit the subject —
//! each word of it, folded (no case, no diacritics) and typo-tolerant (trigram word similarity,
//! the search's measure) — or who offer in a chosen Giełda category. Staff tick the ones to tell
//! and each is e-mailed once, so they can prepare an offer. Read from Baza PES' and the Giełda's
//! regional projections (`pes_visible`, `pes_directory`, `offer_directory`), never their tables.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_db::GminaScoped;
use pestor_kit::acting::member_emails;
use pestor_kit::audit;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{PathId, RawForm};
use pestor_kit::input::Query;
use pestor_kit::letters::{Letter, compose};
use pestor_kit::page::{Gmina, Page, polish_date};
use pestor_kit::state::AppState;
use serde_json::json;
use time::Date;

use crate::shared::{KINDS, label, lock};

/// How close a word of the subject must be to a word of a card or offer (0–1).
const SIMILAR: f64 = 0.6;

#[derive(sqlx::FromRow)]
pub struct Candidate {
    pub teryt: String,
    pub organisation_id: i64,
    pub name: String,
    pub offers: Vec<String>,
    pub by_card: bool,
    pub notified: bool,
}

impl Candidate {
    pub fn code(&self) -> String {
        format!("{}-{}", self.teryt, self.organisation_id)
    }
}

/// The PES fitting `subject` (and offering in `category`, when chosen), by name.
pub async fn candidates(
    gmina: &Gmina,
    procurement: i64,
    subject: &str,
    category: &str,
) -> AppResult<Vec<Candidate>> {
    let db = &gmina.db;
    let notified: Vec<(String, i64)> = {
        let mut tx = gmina.begin().await?;
        let rows = sqlx::query_as(
            "SELECT organisation_teryt, organisation_id FROM procurement_notices WHERE procurement_id = $1",
        )
        .bind(procurement)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows
    };
    let mut found: Vec<Candidate> = db
        .scoped_as(
            "WITH words AS (
                 SELECT DISTINCT w FROM unnest(regexp_split_to_array(public.fold($2), '[^a-z0-9]+')) w
                 WHERE length(w) >= 4
             ), cards AS (
                 SELECT v.teryt, v.organisation_id, v.name FROM public.pes_visible v WHERE v.gmina = $1
             ), matched AS (
                 SELECT c.teryt, c.organisation_id, NULL::text AS offer FROM cards c
                 JOIN public.pes_directory d ON d.teryt = c.teryt AND d.organisation_id = c.organisation_id
                 WHERE EXISTS (SELECT 1 FROM words WHERE public.word_similarity(w, d.search_text) >= $4)
                 UNION ALL
                 SELECT c.teryt, c.organisation_id, f.name FROM cards c
                 JOIN public.offer_directory f ON f.teryt = c.teryt AND f.organisation_id = c.organisation_id
                 WHERE ($3 <> '' AND f.category = $3)
                    OR EXISTS (SELECT 1 FROM words WHERE public.word_similarity(w, f.search_text) >= $4)
             )
             SELECT c.teryt, c.organisation_id, c.name,
                    coalesce(array_agg(DISTINCT m.offer) FILTER (WHERE m.offer IS NOT NULL), '{}') AS offers,
                    bool_or(m.offer IS NULL) AS by_card, false AS notified
             FROM cards c JOIN matched m ON m.teryt = c.teryt AND m.organisation_id = c.organisation_id
             GROUP BY c.teryt, c.organisation_id, c.name
             ORDER BY public.polish_key(c.name), c.teryt, c.organisation_id",
        )
        .bind(subject.to_owned())
        .bind(category.to_owned())
        .bind(SIMILAR)
        .fetch_all(db.platform())
        .await?;
    for c in &mut found {
        c.notified = notified
            .iter()
            .any(|(t, id)| *t == c.teryt && *id == c.organisation_id);
    }
    Ok(found)
}

/// The Giełda's categories with offers in this gmina, to narrow the match.
async fn categories(gmina: &Gmina) -> AppResult<Vec<(String, String)>> {
    Ok(gmina
        .db
        .scoped_as(
            "SELECT category, category_name FROM public.offer_directory WHERE teryt = $1
             GROUP BY category, category_name ORDER BY public.polish_key(category_name)",
        )
        .fetch_all(gmina.db.platform())
        .await?)
}

#[derive(sqlx::FromRow)]
struct Planned {
    reference: String,
    subject: String,
    kind: String,
    status: String,
    offers_due: Option<Date>,
}

async fn planned(gmina: &Gmina, id: i64) -> AppResult<Planned> {
    let mut tx = gmina.begin().await?;
    let p: Planned = sqlx::query_as(
        "SELECT reference, subject, kind, status, offers_due FROM procurements WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(p)
}

fn before_tender(status: &str) -> bool {
    matches!(status, "planned" | "announced")
}

/// `/klauzule-spoleczne/{id}/dopasowanie` (staff): the fitting PES, with a category to narrow.
pub async fn page(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let p = planned(&gmina, id).await?;
    let categories = categories(&gmina).await?;
    let category = q
        .get("kategoria")
        .filter(|c| categories.iter().any(|(code, _)| code == *c))
        .cloned()
        .unwrap_or_default();
    let found = candidates(&gmina, id, &p.subject, &category).await?;
    Ok(page
        .render(
            &state,
            "procurement/matching.html",
            json!({
                "p": { "id": id, "reference": p.reference, "subject": p.subject, "kind": label(KINDS, &p.kind),
                       "open": before_tender(&p.status) },
                "values": { "kategoria": category },
                "categories": categories.iter().map(|(c, n)| json!({ "code": c, "name": n })).collect::<Vec<_>>(),
                "found": found.iter().map(|c| json!({
                    "code": c.code(), "name": c.name, "offers": c.offers, "by_card": c.by_card,
                    "notified": c.notified, "elsewhere": c.teryt != gmina.teryt(),
                })).collect::<Vec<_>>(),
            }),
        )?
        .into_response())
}

/// `POST /klauzule-spoleczne/{id}/dopasowanie`: tells the chosen PES (`pes`, repeated) — only
/// those the match found, each once — by e-mail to their members.
pub async fn notify(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    axum::Form(f): RawForm,
) -> AppResult<Response> {
    let me = page.account()?;
    let p = planned(&gmina, id).await?;
    if !before_tender(&p.status) {
        return Err(AppError::Conflict(
            "Organizacje powiadamia się przed przetargiem (zamówienie planowane albo ogłoszone). Nic nie zostało wysłane."
                .into(),
        ));
    }
    let category = f
        .iter()
        .find(|(k, _)| k == "kategoria")
        .map_or(String::new(), |(_, v)| v.clone());
    let chosen: Vec<&str> = f
        .iter()
        .filter(|(k, _)| k == "pes")
        .map(|(_, v)| v.as_str())
        .collect();
    if chosen.is_empty() {
        return Err(AppError::BadRequest(
            "Zaznacz co najmniej jedną organizację. Nic nie zostało wysłane.".into(),
        ));
    }
    let found = candidates(&gmina, id, &p.subject, &category).await?;
    let picked: Vec<&Candidate> = found
        .iter()
        .filter(|c| chosen.contains(&c.code().as_str()) && !c.notified)
        .collect();
    if picked.len() != chosen.len() {
        return Err(AppError::Conflict(
            "Wybrano organizację spoza dopasowanych albo już powiadomioną. Nic nie zostało wysłane."
                .into(),
        ));
    }
    let url = format!(
        "{}/klauzule-spoleczne/{id}",
        state
            .settings
            .host_url(Some(gmina.site.tenant.gmina().slug.as_str()))
    );
    let now = state.clock.now();
    let mut tx = gmina.begin().await?;
    lock(&mut tx, id).await?;
    for c in &picked {
        let inserted = sqlx::query(
            "INSERT INTO procurement_notices (procurement_id, organisation_teryt, organisation_id, organisation_name, notified_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(&c.teryt)
        .bind(c.organisation_id)
        .bind(&c.name)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            continue;
        }
        let letter = Letter {
            subject: format!("Planowane zamówienie: {}", p.subject),
            paragraphs: vec![
                format!(
                    "urząd gminy planuje zamówienie „{}” ({}, znak {}), które może pasować do działalności {}.",
                    p.subject,
                    label(KINDS, &p.kind),
                    p.reference,
                    c.name
                ),
                match p.offers_due {
                    Some(d) => format!("Oferty można składać do {}.", polish_date(d)),
                    None => "Termin składania ofert poda ogłoszenie.".into(),
                },
                "Szczegóły i stosowane klauzule społeczne są w rejestrze zamówień.".into(),
            ],
            action: Some(("Zobacz zamówienie".into(), url.clone())),
        };
        for email in member_emails(&mut tx, &c.teryt, c.organisation_id).await? {
            pestor_mail::enqueue(&mut tx, &compose(&state, &page.site, &email, &letter)?).await?;
        }
    }
    audit::record(
        &mut tx,
        me,
        "procurement.matched",
        json!({ "zamówienie": id, "organizacje": picked.iter().map(|c| c.name.clone()).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/klauzule-spoleczne/{id}?komunikat=powiadomiono")).into_response())
}
