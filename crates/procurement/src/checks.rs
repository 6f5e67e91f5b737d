//! Fulfilment of the clauses while a contract runs: staff record each check (the date, what was
//! delivered — people employed, months — an evidence note and optionally a PDF, the verdict and
//! any penalty) and when the next one is due; the queue lists the checks due; the responsible
//! official is reminded by e-mail through the outbox on the day (the app's clock, so tests move
//! time instead of sleeping).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::calendar::{Span, form_date, required_date};
use pestor_core::offer::parse_price;
use pestor_kit::audit;
use pestor_kit::documents;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::fleet;
use pestor_kit::forms::{PathId, path_id};
use pestor_kit::letters::{Letter, compose};
use pestor_kit::page::{Gmina, Page, polish_date};
use pestor_kit::photos::read_upload;
use pestor_kit::site::{Site, TenantSite};
use pestor_kit::state::AppState;
use serde_json::json;
use time::Date;

use crate::register::{Shown, render_show};
use crate::shared::{VERDICTS, lock};

/// Where evidence PDFs are kept, under `gmina/<teryt>/`.
pub const EVIDENCE: &str = "klauzule";

/// `POST /klauzule-spoleczne/{id}/kontrole` (multipart): one check of the clause `clause_id`.
pub async fn add(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let me = page.account()?;
    let form = form.map_err(|_| AppError::BadRequest("Wyślij formularz kontroli.".into()))?;
    let max = state.settings.storage.max_upload_bytes;
    let (upload, failure) = read_upload(form, "evidence_pdf", max).await;
    let get = |k: &str| {
        upload
            .fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or(String::new(), |(_, v)| v.trim().to_owned())
    };
    let mut e: HashMap<&'static str, String> = HashMap::new();
    let clause = get("clause_id").parse::<i64>().unwrap_or(0);
    let today = state.clock.today();
    let checked_on = required_date(&get("checked_on"), "datę kontroli", Span::RECORD, today);
    let checked_on = match checked_on {
        Err(m) => {
            e.insert("checked_on", m);
            None
        }
        Ok(d) => Some(d),
    };
    match checked_on {
        None => {}
        Some(d) if d > today => {
            e.insert(
                "checked_on",
                "Data kontroli nie może być w przyszłości.".into(),
            );
        }
        _ => {}
    }
    let mut number = |k: &'static str, max: i32, message: &str| {
        let raw = get(k);
        if raw.is_empty() {
            return None;
        }
        let n = raw.parse::<i32>().ok().filter(|n| (0..=max).contains(n));
        if n.is_none() {
            e.insert(k, message.to_owned());
        }
        n
    };
    let people = number(
        "people_employed",
        10_000,
        "Podaj liczbę zatrudnionych osób (0–10 000).",
    );
    let months = number(
        "months",
        120,
        "Podaj liczbę przepracowanych miesięcy (0–120).",
    );
    let evidence = get("evidence");
    if evidence.chars().count() > 2000 {
        e.insert(
            "evidence",
            "Opis dowodów może mieć najwyżej 2000 znaków.".into(),
        );
    }
    let verdict = get("verdict");
    if !VERDICTS.iter().any(|(c, _)| *c == verdict) {
        e.insert(
            "verdict",
            "Wybierz wynik kontroli: spełniona, częściowo albo niespełniona.".into(),
        );
    }
    let raw_penalty = get("penalty");
    let penalty = if raw_penalty.is_empty() {
        None
    } else {
        let p = parse_price(&raw_penalty);
        if p.is_none() {
            e.insert(
                "penalty",
                "Podaj karę umowną w zł liczbą albo zostaw pole puste.".into(),
            );
        }
        p
    };
    let next = form_date(
        &get("next_check_on"),
        "datę następnej kontroli (albo zostaw pole puste)",
        Span::PLAN,
        today,
    )
    .unwrap_or_else(|m| {
        e.insert("next_check_on", m);
        None
    });
    if let (Some(n), Some(c)) = (next, checked_on)
        && n <= c
    {
        e.insert(
            "next_check_on",
            "Następna kontrola musi być po tej kontroli.".into(),
        );
    }
    let pdf = documents::optional_pdf(failure, upload.file, max).unwrap_or_else(|err| {
        e.insert("evidence_pdf", err.to_string());
        None
    });
    if evidence.is_empty() && pdf.is_none() && !e.contains_key("evidence_pdf") {
        e.insert(
            "evidence",
            "Opisz dowody (np. umowy o pracę, listy obecności) albo dołącz plik PDF.".into(),
        );
    }
    let Some(checked_on) = checked_on.filter(|_| e.is_empty()) else {
        let values: serde_json::Map<String, serde_json::Value> = upload
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let shown = Shown {
            values: values.into(),
            errors: e,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            notice: None,
        };
        return render_show(&state, &page, &gmina, id, shown).await;
    };
    let teryt = gmina.teryt().to_owned();
    let object = match pdf {
        Some(bytes) => Some(documents::store_pdf(&state, &teryt, EVIDENCE, bytes).await?),
        None => None,
    };
    let mut tx = gmina.begin().await?;
    let status = lock(&mut tx, id).await?;
    let of_this: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM procurement_clauses WHERE id = $1 AND procurement_id = $2)",
    )
    .bind(clause)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let refusal = if !of_this {
        Some(AppError::BadRequest(
            "Wybierz klauzulę tego zamówienia. Nic nie zostało zapisane.".into(),
        ))
    } else if !matches!(status.as_str(), "in_progress" | "completed") {
        Some(AppError::Conflict(
            "Klauzule kontroluje się w trakcie realizacji umowy (status „w realizacji”). Nic nie zostało zapisane."
                .into(),
        ))
    } else {
        None
    };
    if let Some(err) = refusal {
        if let Some(object) = object {
            documents::queue_pdf_deletion(&mut tx, &teryt, EVIDENCE, object).await?;
            tx.commit().await?;
            pestor_kit::photos::purge_soon(&state);
        }
        return Err(err);
    }
    sqlx::query(
        "INSERT INTO clause_checks (clause_id, checked_on, checked_by, checked_by_name, people_employed, months,
                                    evidence, evidence_pdf, verdict, penalty_grosze)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(clause)
    .bind(checked_on)
    .bind(me.id)
    .bind(&me.display_name)
    .bind(people)
    .bind(months)
    .bind(&evidence)
    .bind(object)
    .bind(&verdict)
    .bind(penalty)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE procurement_clauses SET next_check_on = $2 WHERE id = $1")
        .bind(clause)
        .bind(next)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        me,
        "procurement.checked",
        json!({ "zamówienie": id, "klauzula": clause, "wynik": verdict }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/klauzule-spoleczne/{id}?komunikat=kontrola")).into_response())
}

/// `/klauzule-spoleczne/{id}/kontrole/{check}/dowod`: the evidence PDF, for staff.
pub async fn evidence(
    State(state): State<AppState>,
    gmina: Gmina,
    Path((id, check)): Path<(String, String)>,
) -> AppResult<Response> {
    let (id, check) = (path_id(&id)?, path_id(&check)?);
    let mut tx = gmina.begin().await?;
    let object: Option<Option<uuid::Uuid>> = sqlx::query_scalar(
        "SELECT k.evidence_pdf FROM clause_checks k JOIN procurement_clauses c ON c.id = k.clause_id
         WHERE k.id = $1 AND c.procurement_id = $2",
    )
    .bind(check)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let object = object.flatten().ok_or(AppError::NotFound)?;
    documents::serve_pdf(
        &state,
        gmina.teryt(),
        EVIDENCE,
        object,
        &format!("kontrola-{id}-{check}.pdf"),
    )
    .await
}

#[derive(sqlx::FromRow)]
struct Due {
    procurement_id: i64,
    reference: String,
    subject: String,
    clause_id: i64,
    requirement: String,
    next_check_on: Date,
    responsible_id: Option<i64>,
}

const DUE: &str =
    "SELECT p.id AS procurement_id, p.reference, p.subject, c.id AS clause_id, c.requirement,
        c.next_check_on, p.responsible_id
    FROM procurement_clauses c JOIN procurements p ON p.id = c.procurement_id
    WHERE p.status = 'in_progress' AND c.next_check_on IS NOT NULL";

/// `/klauzule-spoleczne/kontrole`: the staff's queue — checks due within a week or overdue.
pub async fn queue(State(state): State<AppState>, page: Page, gmina: Gmina) -> AppResult<Response> {
    let today = state.clock.today();
    let mut tx = gmina.begin().await?;
    let due: Vec<Due> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DUE} AND c.next_check_on <= $1::date + 7 ORDER BY c.next_check_on, p.id, c.id"
    )))
    .bind(today)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(page
        .render(
            &state,
            "procurement/queue.html",
            json!({ "due": due.iter().map(|d| json!({
                "id": d.procurement_id, "reference": d.reference, "subject": d.subject,
                "requirement": d.requirement, "on": polish_date(d.next_check_on),
                "overdue": d.next_check_on < today, "clause": d.clause_id,
            })).collect::<Vec<_>>() }),
        )?
        .into_response())
}

/// The fleet job's name, in logs and in the failure metric.
pub const REMINDER_JOB: &str = "clause-check-reminders";

/// Reminds the responsible officials of the checks due today (or missed) in every gmina, once
/// per due date; returns how many letters were queued.
pub async fn send_reminders(state: &AppState) -> AppResult<usize> {
    let today = state.clock.today();
    let report = fleet::for_each_gmina(state, REMINDER_JOB, |t| remind(state, t, today)).await?;
    Ok(report.done.iter().map(|(_, sent)| sent).sum())
}

async fn remind(state: &AppState, t: Arc<TenantSite>, today: Date) -> AppResult<usize> {
    let site = Site::Tenant(t.clone());
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    let due: Vec<Due> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DUE} AND c.next_check_on <= $1
           AND (c.reminded_on IS NULL OR c.reminded_on < c.next_check_on)
         ORDER BY c.id FOR UPDATE OF c SKIP LOCKED"
    )))
    .bind(today)
    .fetch_all(&mut *tx)
    .await?;
    let base = state
        .settings
        .host_url(Some(t.tenant.gmina().slug.as_str()));
    let mut sent = 0;
    for d in due {
        let email: Option<String> =
            sqlx::query_scalar("SELECT email FROM public.accounts WHERE id = $1")
                .bind(d.responsible_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(email) = email {
            let letter = Letter {
                subject: format!("Kontrola klauzuli społecznej: {}", d.reference),
                paragraphs: vec![
                    format!(
                        "{} przypada kontrola klauzuli społecznej w zamówieniu {} — {}.",
                        polish_date(d.next_check_on),
                        d.reference,
                        d.subject
                    ),
                    format!("Wymaganie: {}", d.requirement),
                    "Zapisz wynik kontroli na stronie zamówienia.".into(),
                ],
                action: Some((
                    "Zapisz kontrolę".into(),
                    format!(
                        "{base}/klauzule-spoleczne/{}#klauzula-{}",
                        d.procurement_id, d.clause_id
                    ),
                )),
            };
            pestor_mail::enqueue(&mut tx, &compose(state, &site, &email, &letter)?).await?;
            sent += 1;
        }
        sqlx::query("UPDATE procurement_clauses SET reminded_on = $2 WHERE id = $1")
            .bind(d.clause_id)
            .bind(today)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(sent)
}
