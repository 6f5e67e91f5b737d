//! Calls (nabory) for premises. Staff open one for free premises with criteria and a deadline
//! (the premises go "w naborze"); members of a verified PES of this gmina (or of one working here)
//! apply until the end of the deadline day, once per organisation and premises, with an optional
//! PDF; after the deadline staff score every application and choose at most one winner per
//! premises with a reason for each; every applicant is told by e-mail. Premises without a winner
//! are free again; a winner's lease is then recorded on the premises' page.

use std::collections::HashMap;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::calendar::{Span, required_date};
use pestor_kit::acting::{ActingOrganisation, Reach, acting_organisations};
use pestor_kit::audit;
use pestor_kit::documents;
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{PathId, RawForm, path_id};
use pestor_kit::input::Query;
use pestor_kit::letters::{Letter, compose};
use pestor_kit::page::{Gmina, Page, polish_date, polish_datetime};
use pestor_kit::photos::read_upload;
use pestor_kit::state::AppState;
use serde_json::{Value, json};
use time::Date;

use crate::registry::floor_text;
use crate::shared::{ATTACHMENT_FOLDER, area_text, lock, record, rent_text};

#[derive(sqlx::FromRow)]
struct Call {
    id: i64,
    title: String,
    criteria: String,
    opened_at: time::OffsetDateTime,
    deadline: Date,
    status: String,
}

const CALL_COLUMNS: &str = "id, title, criteria, opened_at, deadline, status";

fn call_json(c: &Call, today: Date) -> Value {
    json!({
        "id": c.id, "title": c.title, "criteria": c.criteria, "opened": polish_date(c.opened_at.date()),
        "deadline": polish_date(c.deadline), "status": c.status,
        "accepting": c.status == "open" && today <= c.deadline,
        "status_label": match c.status.as_str() {
            "open" if today <= c.deadline => "przyjmuje wnioski",
            "open" => "po terminie — w ocenie",
            "decided" => "rozstrzygnięty",
            _ => "unieważniony",
        },
    })
}

async fn load_call(gmina: &Gmina, id: i64) -> AppResult<(Call, Vec<Value>)> {
    let mut tx = gmina.begin().await?;
    let call: Call = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CALL_COLUMNS} FROM premises_calls WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let premises: Vec<(i64, String, String, i64, i32, bool, i64)> = sqlx::query_as(
        "SELECT p.id, p.address, p.district, (p.area_m2 * 100)::bigint, p.floor, p.step_free, p.rent_pes_grosze
         FROM premises_call_items i JOIN premises p ON p.id = i.premises_id
         WHERE i.call_id = $1 ORDER BY public.polish_key(p.address), p.id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let premises = premises
        .into_iter()
        .map(|(pid, address, district, area, floor, step_free, rent)| {
            json!({ "id": pid, "address": address, "district": district, "area": area_text(area),
                    "floor": floor_text(floor), "step_free": step_free, "rent_pes": rent_text(rent) })
        })
        .collect();
    Ok((call, premises))
}

/// `/lokale/nabory`: every call, newest first.
pub async fn list(State(state): State<AppState>, page: Page, gmina: Gmina) -> AppResult<Response> {
    let today = state.clock.today();
    let mut tx = gmina.begin().await?;
    let calls: Vec<Call> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CALL_COLUMNS} FROM premises_calls ORDER BY opened_at DESC, id DESC LIMIT 200"
    )))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(page
        .render(
            &state,
            "premises/calls.html",
            json!({ "calls": calls.iter().map(|c| call_json(c, today)).collect::<Vec<_>>(),
                    "is_staff": page.is_staff() }),
        )?
        .into_response())
}

#[derive(sqlx::FromRow)]
struct Application {
    id: i64,
    premises_id: i64,
    organisation_teryt: String,
    organisation_id: i64,
    organisation_name: String,
    planned_use: String,
    justification: String,
    people_served: i32,
    attachment: Option<uuid::Uuid>,
    submitted_at: time::OffsetDateTime,
    score: Option<i32>,
    result: String,
    reason: String,
}

const APPLICATION_COLUMNS: &str =
    "id, premises_id, organisation_teryt, organisation_id, organisation_name,
    planned_use, justification, people_served, attachment, submitted_at, score, result, reason";

fn application_json(a: &Application, call: i64) -> Value {
    json!({
        "id": a.id, "premises_id": a.premises_id, "organisation": a.organisation_name,
        "planned_use": a.planned_use, "justification": a.justification, "people_served": a.people_served,
        "attachment": a.attachment.map(|_| format!("/lokale/nabory/{call}/wnioski/{}/zalacznik", a.id)),
        "submitted": polish_datetime(a.submitted_at), "score": a.score, "result": a.result,
        "result_label": match a.result.as_str() { "won" => "wybrany", "lost" => "nie wybrany", _ => "w ocenie" },
        "reason": a.reason,
    })
}

async fn applications_of(gmina: &Gmina, call: i64) -> AppResult<Vec<Application>> {
    let mut tx = gmina.begin().await?;
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {APPLICATION_COLUMNS} FROM premises_applications WHERE call_id = $1
         ORDER BY premises_id, submitted_at, id"
    )))
    .bind(call)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

fn mine(orgs: &[ActingOrganisation], a: &Application) -> bool {
    orgs.iter()
        .any(|o| o.teryt == a.organisation_teryt && o.id == a.organisation_id)
}

/// `/lokale/nabory/{id}`: the call, its premises and criteria; the application form for those
/// who may apply; their own applications with the result.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let notice = (q.get("komunikat").map(String::as_str) == Some("zlozono"))
        .then_some("Wniosek został złożony. Wynik naboru przyjdzie e-mailem.");
    let shown = Shown {
        values: json!({}),
        errors: HashMap::new(),
        status: StatusCode::OK,
        notice,
    };
    render_call(&state, &page, &gmina, id, shown).await
}

/// How the call's page is shown: the form as typed with its errors, or a notice.
struct Shown {
    values: Value,
    errors: HashMap<&'static str, String>,
    status: StatusCode,
    notice: Option<&'static str>,
}

async fn render_call(
    state: &AppState,
    page: &Page,
    gmina: &Gmina,
    id: i64,
    shown: Shown,
) -> AppResult<Response> {
    let today = state.clock.today();
    let (call, premises) = load_call(gmina, id).await?;
    let orgs = acting_organisations(state, page, Reach::Gmina).await?;
    let own: Vec<Value> = applications_of(gmina, id)
        .await?
        .iter()
        .filter(|a| mine(&orgs, a))
        .map(|a| application_json(a, id))
        .collect();
    let accepting = call.status == "open" && today <= call.deadline;
    let why_not = if !accepting {
        None
    } else if page.viewer.0.is_none() {
        Some("Zaloguj się, aby złożyć wniosek.")
    } else if orgs.is_empty() {
        Some(
            "Wnioski składają członkowie zweryfikowanych organizacji (PES) tej gminy albo działających w niej.",
        )
    } else {
        None
    };
    page.respond(
        state,
        "premises/call.html",
        json!({
            "call": call_json(&call, today), "premises": premises, "own": own,
            "orgs": orgs.iter().map(|o| json!({ "code": o.code(), "name": o.name })).collect::<Vec<_>>(),
            "why_not": why_not, "values": shown.values, "errors": shown.errors,
            "max_mb": state.settings.storage.max_upload_bytes / (1024 * 1024),
            "is_staff": page.is_staff(), "notice": shown.notice,
        }),
        shown.status,
    )
}

/// `POST /lokale/nabory/{id}/wnioski` (multipart): an application for one premises of the call.
pub async fn apply(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let me = page.account()?.id;
    let today = state.clock.today();
    let (call, _) = load_call(&gmina, id).await?;
    if call.status != "open" || today > call.deadline {
        return Err(AppError::Conflict(format!(
            "Nabór „{}” nie przyjmuje już wniosków (termin minął {}). Nic nie zostało zapisane.",
            call.title,
            polish_date(call.deadline)
        )));
    }
    let orgs = acting_organisations(&state, &page, Reach::Gmina).await?;
    if orgs.is_empty() {
        return Err(AppError::Conflict(
            "Wnioski składają członkowie zweryfikowanych organizacji (PES) tej gminy albo działających w niej. Nic nie zostało zapisane."
                .into(),
        ));
    }
    let form = form.map_err(|_| AppError::BadRequest("Wyślij formularz wniosku.".into()))?;
    let max = state.settings.storage.max_upload_bytes;
    let (upload, failure) = read_upload(form, "attachment", max).await;
    let get = |k: &str| {
        upload
            .fields
            .iter()
            .find(|(n, _)| n == k)
            .map_or(String::new(), |(_, v)| v.trim().to_owned())
    };
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let org = orgs.iter().find(|o| o.code() == get("organisation"));
    if org.is_none() {
        errors.insert(
            "organisation",
            "Wybierz organizację, w której imieniu składasz wniosek.".into(),
        );
    }
    let premises = get("premises").parse::<i64>().ok();
    let mut tx = gmina.begin().await?;
    let in_call: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM premises_call_items WHERE call_id = $1 AND premises_id = $2)",
    )
    .bind(id)
    .bind(premises.unwrap_or(0))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    if !in_call {
        errors.insert("premises", "Wybierz lokal z tego naboru.".into());
    }
    let planned_use = get("planned_use");
    if !(10..=2000).contains(&planned_use.chars().count()) {
        errors.insert(
            "planned_use",
            "Opisz planowane wykorzystanie lokalu (od 10 do 2000 znaków).".into(),
        );
    }
    let justification = get("justification");
    if !(10..=5000).contains(&justification.chars().count()) {
        errors.insert(
            "justification",
            "Uzasadnij wniosek (od 10 do 5000 znaków).".into(),
        );
    }
    let people = get("people_served")
        .parse::<i32>()
        .ok()
        .filter(|n| (1..=100_000).contains(n));
    if people.is_none() {
        errors.insert(
            "people_served",
            "Podaj liczbę osób, którym organizacja będzie służyć w lokalu (od 1 do 100 000)."
                .into(),
        );
    }
    let attachment = documents::optional_pdf(failure, upload.file, max).unwrap_or_else(|e| {
        errors.insert("attachment", e.to_string());
        None
    });
    let (Some(org), Some(premises), Some(people), true) =
        (org, premises, people, errors.is_empty())
    else {
        let values = json!({
            "organisation": get("organisation"), "premises": get("premises"), "planned_use": planned_use,
            "justification": justification, "people_served": get("people_served"),
        });
        let shown = Shown {
            values,
            errors,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            notice: None,
        };
        return render_call(&state, &page, &gmina, id, shown).await;
    };
    let teryt = gmina.teryt().to_owned();
    let stored = match attachment {
        Some(bytes) => Some((
            documents::store_pdf(&state, &teryt, ATTACHMENT_FOLDER, bytes.clone()).await?,
            bytes.len() as i32,
        )),
        None => None,
    };
    let mut tx = gmina.begin().await?;
    // The call locked: a decision and a late application cannot cross.
    let status: String =
        sqlx::query_scalar("SELECT status FROM premises_calls WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let inserted = if status != "open" {
        Err(AppError::Conflict(
            "Nabór został już rozstrzygnięty. Nic nie zostało zapisane.".into(),
        ))
    } else {
        insert_application(
            &mut tx,
            &state,
            id,
            premises,
            org,
            me,
            &planned_use,
            &justification,
            people,
            stored,
        )
        .await
    };
    if let Err(e) = inserted {
        // The stored PDF belongs to nothing: queued for removal with the refusal.
        if let Some((object, _)) = stored {
            documents::queue_pdf_deletion(&mut tx, &teryt, ATTACHMENT_FOLDER, object).await?;
            tx.commit().await?;
            pestor_kit::photos::purge_soon(&state);
        }
        return Err(e);
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/lokale/nabory/{id}?komunikat=zlozono")).into_response())
}

#[allow(clippy::too_many_arguments)]
async fn insert_application(
    tx: &mut pestor_db::TenantTx,
    state: &AppState,
    id: i64,
    premises: i64,
    org: &ActingOrganisation,
    me: i64,
    planned_use: &str,
    justification: &str,
    people: i32,
    stored: Option<(uuid::Uuid, i32)>,
) -> AppResult<()> {
    // ON CONFLICT keeps the transaction usable: a refused duplicate may still queue its PDF's removal.
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO premises_applications (call_id, premises_id, organisation_teryt, organisation_id,
                organisation_name, submitted_by, planned_use, justification, people_served, attachment,
                attachment_bytes, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT ON CONSTRAINT premises_applications_once DO NOTHING RETURNING id",
    )
    .bind(id)
    .bind(premises)
    .bind(&org.teryt)
    .bind(org.id)
    .bind(&org.name)
    .bind(me)
    .bind(planned_use)
    .bind(justification)
    .bind(people)
    .bind(stored.map(|s| s.0))
    .bind(stored.map(|s| s.1))
    .bind(state.clock.now())
    .fetch_optional(&mut **tx)
    .await?;
    if inserted.is_none() {
        return Err(AppError::Conflict(format!(
            "{} złożyła już wniosek o ten lokal w tym naborze. Nic nowego nie zostało zapisane.",
            org.name
        )));
    }
    Ok(())
}

/// `/lokale/nabory/{id}/wnioski`: for staff, every application side by side, with the scoring
/// and decision form once the deadline has passed. Others go to the call's page.
pub async fn applications(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
) -> AppResult<Response> {
    if !page.is_staff() {
        return Ok(Redirect::to(&format!("/lokale/nabory/{id}")).into_response());
    }
    render_applications(
        &state,
        &page,
        &gmina,
        id,
        json!({}),
        HashMap::new(),
        StatusCode::OK,
    )
    .await
}

async fn render_applications(
    state: &AppState,
    page: &Page,
    gmina: &Gmina,
    id: i64,
    values: Value,
    errors: HashMap<String, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let today = state.clock.today();
    let (call, premises) = load_call(gmina, id).await?;
    let apps = applications_of(gmina, id).await?;
    let by_premises: Vec<Value> = premises
        .iter()
        .map(|p| {
            let pid = p["id"].as_i64().unwrap_or_default();
            json!({ "premises": p, "applications": apps.iter().filter(|a| a.premises_id == pid)
                .map(|a| application_json(a, id)).collect::<Vec<_>>() })
        })
        .collect();
    page.respond(
        state,
        "premises/applications.html",
        json!({
            "call": call_json(&call, today), "groups": by_premises, "count": apps.len(),
            "decidable": call.status == "open" && today > call.deadline,
            "values": values, "errors": errors,
        }),
        status,
    )
}

/// `POST /lokale/nabory/{id}/rozstrzygniecie`: for every application `score_<id>` (0–100),
/// `result_<id>` (won / lost) and `reason_<id>`; at most one winner per premises. Allowed once,
/// after the deadline. Each applicant is e-mailed the result and the reason.
pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    axum::Form(f): RawForm,
) -> AppResult<Response> {
    let me = page.account()?;
    let today = state.clock.today();
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map_or(String::new(), |(_, v)| v.trim().to_owned())
    };
    let mut tx = gmina.begin().await?;
    let call: Call = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CALL_COLUMNS} FROM premises_calls WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if call.status != "open" {
        return Err(AppError::Conflict(
            "Ten nabór jest już rozstrzygnięty. Nic nie zostało zmienione.".into(),
        ));
    }
    if today <= call.deadline {
        return Err(AppError::Conflict(format!(
            "Nabór przyjmuje wnioski do {} — rozstrzygnąć go można po terminie. Nic nie zostało zmienione.",
            polish_date(call.deadline)
        )));
    }
    let apps: Vec<Application> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {APPLICATION_COLUMNS} FROM premises_applications WHERE call_id = $1 ORDER BY id"
    )))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut errors: HashMap<String, String> = HashMap::new();
    let mut decided = Vec::new();
    for a in &apps {
        let score = get(&format!("score_{}", a.id))
            .parse::<i32>()
            .ok()
            .filter(|s| (0..=100).contains(s));
        if score.is_none() {
            errors.insert(
                format!("score_{}", a.id),
                format!("{}: podaj liczbę punktów od 0 do 100.", a.organisation_name),
            );
        }
        let result = match get(&format!("result_{}", a.id)).as_str() {
            "won" => Some("won"),
            "lost" => Some("lost"),
            _ => {
                errors.insert(
                    format!("result_{}", a.id),
                    format!("{}: wybierz, czy wniosek wygrał.", a.organisation_name),
                );
                None
            }
        };
        let reason = get(&format!("reason_{}", a.id));
        if !(10..=2000).contains(&reason.chars().count()) {
            errors.insert(
                format!("reason_{}", a.id),
                format!(
                    "{}: uzasadnij ocenę (od 10 do 2000 znaków) — trafi do wnioskodawcy.",
                    a.organisation_name
                ),
            );
        }
        if let (Some(score), Some(result)) = (score, result) {
            decided.push((a, score, result, reason));
        }
    }
    // A second winner for one premises is named at its own result field.
    let mut winners: HashMap<i64, i64> = HashMap::new();
    for (a, _, result, _) in &decided {
        if *result == "won" && winners.insert(a.premises_id, a.id).is_some() {
            errors.insert(
                format!("result_{}", a.id),
                "Na jeden lokal można wybrać najwyżej jeden wniosek.".into(),
            );
        }
    }
    if !errors.is_empty() {
        tx.commit().await?;
        let values: serde_json::Map<String, Value> =
            f.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        return render_applications(
            &state,
            &page,
            &gmina,
            id,
            values.into(),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = state.clock.now();
    for (a, score, result, reason) in &decided {
        sqlx::query(
            "UPDATE premises_applications SET score = $2, result = $3, reason = $4 WHERE id = $1",
        )
        .bind(a.id)
        .bind(score)
        .bind(result)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("UPDATE premises_calls SET status = 'decided', decided_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    // The call's premises: a winner's waits for its lease; the others are free again.
    let items: Vec<i64> =
        sqlx::query_scalar("SELECT premises_id FROM premises_call_items WHERE call_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    for pid in items {
        lock(&mut tx, pid).await?;
        let winner = decided
            .iter()
            .find(|(a, _, r, _)| a.premises_id == pid && *r == "won");
        let event = match winner {
            Some((a, ..)) => format!(
                "Nabór „{}” rozstrzygnięty: wybrano {}.",
                call.title, a.organisation_name
            ),
            None => {
                sqlx::query("UPDATE premises SET status = 'free', updated_at = now() WHERE id = $1 AND status = 'call'")
                    .bind(pid)
                    .execute(&mut *tx)
                    .await?;
                format!(
                    "Nabór „{}” rozstrzygnięty bez wyboru; lokal znów wolny.",
                    call.title
                )
            }
        };
        record(&mut tx, pid, now, &event).await?;
    }
    let url = format!(
        "{}/lokale/nabory/{id}",
        state
            .settings
            .host_url(Some(gmina.site.tenant.gmina().slug.as_str()))
    );
    for (a, score, result, reason) in &decided {
        let email: Option<String> = sqlx::query_scalar(
            "SELECT a.email FROM public.accounts a JOIN premises_applications p ON p.submitted_by = a.id WHERE p.id = $1",
        )
        .bind(a.id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(email) = email else { continue };
        let verdict = if *result == "won" {
            "został wybrany"
        } else {
            "nie został wybrany"
        };
        let letter = Letter {
            subject: format!("Wynik naboru: {}", call.title),
            paragraphs: vec![
                format!(
                    "wniosek {} w naborze „{}” {verdict} ({score} pkt).",
                    a.organisation_name, call.title
                ),
                format!("Uzasadnienie: {reason}"),
                if *result == "won" {
                    "Urząd skontaktuje się w sprawie umowy najmu.".into()
                } else {
                    "Dziękujemy za udział w naborze.".into()
                },
            ],
            action: Some(("Zobacz nabór".into(), url.clone())),
        };
        pestor_mail::enqueue(&mut tx, &compose(&state, &page.site, &email, &letter)?).await?;
    }
    audit::record(
        &mut tx,
        me,
        "premises.call_decided",
        json!({ "nabór": id, "tytuł": call.title, "wnioski": decided.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/lokale/nabory/{id}/wnioski?komunikat=rozstrzygnieto"
    ))
    .into_response())
}

/// `/lokale/nabory/{id}/wnioski/{application}/zalacznik`: the PDF, to staff and to members of the
/// applying organisation only.
pub async fn attachment(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Path((id, application)): Path<(String, String)>,
) -> AppResult<Response> {
    let (id, application) = (path_id(&id)?, path_id(&application)?);
    let a = applications_of(&gmina, id)
        .await?
        .into_iter()
        .find(|a| a.id == application)
        .ok_or(AppError::NotFound)?;
    let orgs = acting_organisations(&state, &page, Reach::Gmina).await?;
    if !page.is_staff() && !mine(&orgs, &a) {
        return Err(AppError::Forbidden);
    }
    let object = a.attachment.ok_or(AppError::NotFound)?;
    documents::serve_pdf(
        &state,
        gmina.teryt(),
        ATTACHMENT_FOLDER,
        object,
        &format!("wniosek-{id}-{}.pdf", a.id),
    )
    .await
}

/// The form of a new call: free premises to choose from.
async fn render_new(
    state: &AppState,
    page: &Page,
    gmina: &Gmina,
    values: Value,
    chosen: &[i64],
    errors: HashMap<&'static str, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let mut tx = gmina.begin().await?;
    let free: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, address, (area_m2 * 100)::bigint FROM premises WHERE status = 'free' ORDER BY public.polish_key(address), id",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    page.respond(
        state,
        "premises/call_form.html",
        json!({
            "free": free.iter().map(|(pid, address, area)| json!({
                "id": pid, "label": format!("{address} ({})", area_text(*area)), "chosen": chosen.contains(pid),
            })).collect::<Vec<_>>(),
            "values": values, "errors": errors,
        }),
        status,
    )
}

pub async fn new_form(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
) -> AppResult<Response> {
    render_new(
        &state,
        &page,
        &gmina,
        json!({}),
        &[],
        HashMap::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /lokale/nabory/nowy`: `title`, `criteria`, `deadline` (a day from tomorrow on) and one
/// or more `premises` among the free ones.
pub async fn open(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    axum::Form(f): RawForm,
) -> AppResult<Response> {
    let me = page.account()?;
    let today = state.clock.today();
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map_or(String::new(), |(_, v)| v.trim().to_owned())
    };
    let chosen: Vec<i64> = f
        .iter()
        .filter(|(k, _)| k == "premises")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let mut errors: HashMap<&'static str, String> = HashMap::new();
    let title = get("title");
    if !(5..=200).contains(&title.chars().count()) {
        errors.insert("title", "Podaj tytuł naboru (od 5 do 200 znaków).".into());
    }
    let criteria = get("criteria");
    if !(10..=5000).contains(&criteria.chars().count()) {
        errors.insert(
            "criteria",
            "Opisz kryteria oceny wniosków (od 10 do 5000 znaków).".into(),
        );
    }
    let deadline = required_date(
        &get("deadline"),
        "termin składania wniosków",
        Span::PLAN,
        today,
    )
    .map_err(|m| errors.insert("deadline", m))
    .ok();
    match deadline {
        None => {}
        Some(d) if d <= today => {
            errors.insert(
                "deadline",
                "Termin musi przypadać najwcześniej jutro.".into(),
            );
        }
        Some(d) if (d - today).whole_days() > 180 => {
            errors.insert(
                "deadline",
                "Termin może przypadać najpóźniej za 180 dni.".into(),
            );
        }
        _ => {}
    }
    if chosen.is_empty() {
        errors.insert("premises", "Wybierz co najmniej jeden wolny lokal.".into());
    }
    let (Some(deadline), true) = (deadline, errors.is_empty()) else {
        let values = json!({ "title": title, "criteria": criteria, "deadline": get("deadline") });
        return render_new(
            &state,
            &page,
            &gmina,
            values,
            &chosen,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let now = state.clock.now();
    let mut tx = gmina.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO premises_calls (title, criteria, opened_at, deadline) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&title)
    .bind(&criteria)
    .bind(now)
    .bind(deadline)
    .fetch_one(&mut *tx)
    .await?;
    for pid in &chosen {
        let (status, _, _) = lock(&mut tx, *pid).await?;
        if status != "free" {
            return Err(AppError::Conflict(
                "Jeden z wybranych lokali nie jest już wolny. Nic nie zostało zapisane.".into(),
            ));
        }
        sqlx::query("INSERT INTO premises_call_items (call_id, premises_id) VALUES ($1, $2)")
            .bind(id)
            .bind(pid)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE premises SET status = 'call', updated_at = now() WHERE id = $1")
            .bind(pid)
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            *pid,
            now,
            &format!(
                "Ogłoszono nabór „{title}” (wnioski do {}).",
                polish_date(deadline)
            ),
        )
        .await?;
    }
    audit::record(
        &mut tx,
        me,
        "premises.call_opened",
        json!({ "nabór": id, "tytuł": title, "lokale": chosen }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/lokale/nabory/{id}")).into_response())
}
