//! The register of procurements with social clauses: the public list (filters: status, year,
//! clause, kind; newest first; 20 per page) and each procurement's page with its clauses and
//! their checks; for staff the form (checked field by field), the status moved one allowed step at
//! a time, and the clauses added from the catalogue with what the contract requires.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::calendar::{Span, form_date};
use pestor_core::offer::{format_price, parse_price, typed_amount};
use pestor_core::pes::parse_nip;
use pestor_db::GminaScoped;
use pestor_kit::audit;
use pestor_kit::auth::access::urlencode;
use pestor_kit::error::{AppError, AppResult, OnConstraint};
use pestor_kit::forms::{Fields, PathId, field};
use pestor_kit::input::Query;
use pestor_kit::page::{Gmina, Page, page_count, page_number, polish_date};
use pestor_kit::state::AppState;
use serde_json::{Value, json};
use time::Date;

use crate::shared::{
    GROUPS, KINDS, PROCEDURES, STATUSES, VERDICTS, label, lock, may_move, status_label,
};

const PAGE_SIZE: i64 = 20;

/// A clause type of the catalogue.
#[derive(sqlx::FromRow, Clone)]
pub struct ClauseType {
    pub code: String,
    pub act: String,
    pub article: String,
    pub title: String,
    pub summary: String,
    pub url: String,
}

pub async fn catalogue(conn: &mut sqlx::PgConnection) -> sqlx::Result<Vec<ClauseType>> {
    sqlx::query_as(
        "SELECT code, act, article, title, summary, url FROM public.social_clause_types ORDER BY position",
    )
    .fetch_all(conn)
    .await
}

fn clause_type_json(c: &ClauseType) -> Value {
    json!({
        "code": c.code, "act": c.act, "article": c.article, "title": c.title, "summary": c.summary,
        "url": c.url, "name": format!("{} — {} (ustawa z {} r.)", c.article, c.title, c.act),
    })
}

/// `/klauzule-spoleczne/katalog`: the clauses with their articles summarised and linked.
pub async fn catalogue_page(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
) -> AppResult<Response> {
    let mut tx = gmina.begin().await?;
    let types = catalogue(&mut tx).await?;
    tx.commit().await?;
    Ok(page
        .render(
            &state,
            "procurement/catalogue.html",
            json!({ "types": types.iter().map(clause_type_json).collect::<Vec<_>>() }),
        )?
        .into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    pub status: String,
    pub rok: String,
    pub klauzula: String,
    pub rodzaj: String,
    pub strona: String,
}

impl Filters {
    pub fn year(&self) -> Option<i32> {
        self.rok
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
    }

    fn query(&self) -> String {
        [
            ("status", &self.status),
            ("rok", &self.rok),
            ("klauzula", &self.klauzula),
            ("rodzaj", &self.rodzaj),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

#[derive(sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub reference: String,
    pub subject: String,
    pub kind: String,
    pub procedure: String,
    pub value_grosze: i64,
    pub published_on: Option<Date>,
    pub status: String,
    pub contractor_name: String,
    pub contractor_is_pes: bool,
    pub contract_value_grosze: Option<i64>,
    pub clauses: Vec<String>,
    pub demo: bool,
}

impl Listed {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "reference": self.reference, "subject": self.subject,
            "kind": { "code": self.kind, "name": label(KINDS, &self.kind) },
            "procedure": { "code": self.procedure, "name": label(PROCEDURES, &self.procedure) },
            "value_grosze": self.value_grosze, "value": format_price(self.value_grosze),
            "published_on": self.published_on.map(|d| d.to_string()),
            "published": self.published_on.map(polish_date),
            "status": { "code": self.status, "name": status_label(&self.status) },
            "contractor": (!self.contractor_name.is_empty()).then(|| json!({
                "name": self.contractor_name, "pes": self.contractor_is_pes })),
            "contract_value_grosze": self.contract_value_grosze,
            "clauses": self.clauses, "demo": self.demo,
        })
    }
}

/// The register's rows matching `f` (a page of `limit` from `offset`) and how many match.
pub async fn find(
    tx: &mut pestor_db::TenantTx,
    f: &Filters,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Listed>, i64)> {
    const FILTERS: &str = "($1 = '' OR p.status = $1)
        AND ($2::int IS NULL OR extract(year FROM coalesce(p.published_on, p.created_at::date)) = $2)
        AND ($3 = '' OR EXISTS (SELECT 1 FROM procurement_clauses c WHERE c.procurement_id = p.id AND c.clause = $3))
        AND ($4 = '' OR p.kind = $4)";
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM procurements p WHERE {FILTERS}"
    )))
    .bind(&f.status)
    .bind(f.year())
    .bind(&f.klauzula)
    .bind(&f.rodzaj)
    .fetch_one(&mut **tx)
    .await?;
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.reference, p.subject, p.kind, p.procedure, p.value_grosze, p.published_on, p.status,
                p.contractor_name, p.contractor_teryt IS NOT NULL AS contractor_is_pes, p.contract_value_grosze,
                coalesce((SELECT array_agg(c.clause ORDER BY c.id) FROM procurement_clauses c
                          WHERE c.procurement_id = p.id), '{{}}') AS clauses, p.demo
         FROM procurements p WHERE {FILTERS}
         ORDER BY coalesce(p.published_on, p.created_at::date) DESC, p.id DESC LIMIT $5 OFFSET $6"
    )))
    .bind(&f.status)
    .bind(f.year())
    .bind(&f.klauzula)
    .bind(&f.rodzaj)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?;
    Ok((rows, total))
}

fn choices(list: &[(&str, &str)]) -> Vec<Value> {
    list.iter()
        .map(|(c, l)| json!({ "code": c, "name": l }))
        .collect()
}

/// `/klauzule-spoleczne`: the public register.
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let number = page_number(&f.strona);
    let mut tx = gmina.begin().await?;
    let (rows, total) = find(&mut tx, &f, PAGE_SIZE, (number - 1) * PAGE_SIZE).await?;
    let types = catalogue(&mut tx).await?;
    tx.commit().await?;
    Ok(page
        .render(
            &state,
            "procurement/list.html",
            json!({
                "items": rows.iter().map(Listed::to_json).collect::<Vec<_>>(), "total": total,
                "page": number, "pages": page_count(total, PAGE_SIZE), "query": f.query(),
                "values": { "status": f.status, "rok": f.rok, "klauzula": f.klauzula, "rodzaj": f.rodzaj },
                "statuses": STATUSES.iter().map(|s| json!({ "code": s.0, "name": s.1 })).collect::<Vec<_>>(),
                "kinds": choices(KINDS),
                "types": types.iter().map(clause_type_json).collect::<Vec<_>>(),
                "is_staff": page.is_staff(),
            }),
        )?
        .into_response())
}

#[derive(sqlx::FromRow)]
struct Procurement {
    id: i64,
    reference: String,
    subject: String,
    kind: String,
    value_grosze: i64,
    value_euro_cents: Option<i64>,
    procedure: String,
    department: String,
    published_on: Option<Date>,
    offers_due: Option<Date>,
    status: String,
    contractor_name: String,
    contractor_nip: Option<String>,
    contractor_teryt: Option<String>,
    contractor_org_id: Option<i64>,
    contract_value_grosze: Option<i64>,
    demo: bool,
}

const COLUMNS: &str = "id, reference, subject, kind, value_grosze, value_euro_cents, procedure, department,
    published_on, offers_due, status, contractor_name, contractor_nip, contractor_teryt, contractor_org_id,
    contract_value_grosze, demo";

async fn load(gmina: &Gmina, id: i64) -> AppResult<Procurement> {
    let mut tx = gmina.begin().await?;
    let p = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM procurements WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(p)
}

#[derive(sqlx::FromRow)]
struct Clause {
    id: i64,
    clause: String,
    requirement: String,
    people: Option<i32>,
    target_group: Option<String>,
    months: Option<i32>,
    share_percent: Option<i32>,
    next_check_on: Option<Date>,
}

#[derive(sqlx::FromRow)]
struct Check {
    clause_id: i64,
    checked_on: Date,
    checked_by_name: String,
    people_employed: Option<i32>,
    months: Option<i32>,
    evidence: String,
    evidence_pdf: Option<uuid::Uuid>,
    verdict: String,
    penalty_grosze: Option<i64>,
    id: i64,
}

/// `/klauzule-spoleczne/{id}`: the procurement, its clauses with what they require and the
/// checks made; for staff the forms.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let shown = Shown {
        values: json!({}),
        errors: HashMap::new(),
        status: StatusCode::OK,
        notice: q.get("komunikat").cloned(),
    };
    render_show(&state, &page, &gmina, id, shown).await
}

/// How a procurement's page is shown: a form as typed with its errors, or a notice.
pub(crate) struct Shown {
    pub values: Value,
    pub errors: HashMap<&'static str, String>,
    pub status: StatusCode,
    pub notice: Option<String>,
}

pub(crate) async fn render_show(
    state: &AppState,
    page: &Page,
    gmina: &Gmina,
    id: i64,
    shown: Shown,
) -> AppResult<Response> {
    let p = load(gmina, id).await?;
    let mut tx = gmina.begin().await?;
    let types = catalogue(&mut tx).await?;
    let clauses: Vec<Clause> = sqlx::query_as(
        "SELECT id, clause, requirement, people, target_group, months, share_percent, next_check_on
         FROM procurement_clauses WHERE procurement_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let checks: Vec<Check> = sqlx::query_as(
        "SELECT k.clause_id, k.checked_on, k.checked_by_name, k.people_employed, k.months, k.evidence,
                k.evidence_pdf, k.verdict, k.penalty_grosze, k.id
         FROM clause_checks k JOIN procurement_clauses c ON c.id = k.clause_id
         WHERE c.procurement_id = $1 ORDER BY k.checked_on, k.id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let staff = page.is_staff();
    let type_of = |code: &str| types.iter().find(|t| t.code == code).map(clause_type_json);
    let clauses: Vec<Value> = clauses
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "type": type_of(&c.clause), "requirement": c.requirement, "people": c.people,
                "group": c.target_group.as_deref().map(|g| label(GROUPS, g)), "months": c.months,
                "share_percent": c.share_percent, "next_check": c.next_check_on.map(polish_date),
                "label": format!("{} — {}", type_of(&c.clause).map(|t| t["article"].as_str().unwrap_or_default().to_owned()).unwrap_or_default(), c.requirement),
                "checks": checks.iter().filter(|k| k.clause_id == c.id).map(|k| json!({
                    "on": polish_date(k.checked_on), "by": k.checked_by_name, "people": k.people_employed,
                    "months": k.months, "evidence": k.evidence, "verdict": k.verdict,
                    "verdict_label": label(VERDICTS, &k.verdict),
                    "penalty": k.penalty_grosze.map(format_price),
                    // Evidence may name people: its PDF is for staff only.
                    "pdf": (staff && k.evidence_pdf.is_some())
                        .then(|| format!("/klauzule-spoleczne/{id}/kontrole/{}/dowod", k.id)),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let moves: Vec<Value> = STATUSES
        .iter()
        .find(|s| s.0 == p.status)
        .map(|s| s.2)
        .unwrap_or_default()
        .iter()
        .map(|to| json!({ "code": to, "name": status_label(to) }))
        .collect();
    let notice = match shown.notice.as_deref() {
        Some("dodano") => Some("Zamówienie zostało dodane do rejestru."),
        Some("zapisano") => Some("Zmiany zostały zapisane."),
        Some("status") => Some("Status zamówienia został zmieniony."),
        Some("klauzula") => Some("Klauzula została dodana."),
        Some("kontrola") => Some("Kontrola została zapisana."),
        Some("powiadomiono") => Some("Wybrane organizacje zostały powiadomione."),
        _ => None,
    };
    page.respond(
        state,
        "procurement/show.html",
        json!({
            "p": {
                "id": p.id, "reference": p.reference, "subject": p.subject,
                "kind": label(KINDS, &p.kind), "value": format_price(p.value_grosze),
                "value_euro": p.value_euro_cents.map(|c| format_price(c).replace(" zł", " euro")),
                "procedure": label(PROCEDURES, &p.procedure), "department": p.department,
                "published": p.published_on.map(polish_date), "offers_due": p.offers_due.map(polish_date),
                "status": p.status, "status_label": status_label(&p.status),
                "contractor": p.contractor_name, "contractor_nip": p.contractor_nip,
                "contractor_pes": p.contractor_teryt.is_some(),
                "contract_value": p.contract_value_grosze.map(format_price), "demo": p.demo,
            },
            "clauses": clauses, "moves": moves, "types": types.iter().map(clause_type_json).collect::<Vec<_>>(),
            "groups": choices(GROUPS), "verdicts": choices(VERDICTS),
            "values": shown.values, "errors": shown.errors, "notice": notice, "is_staff": staff,
            "today": state.clock.today().to_string(),
            "max_mb": state.settings.storage.max_upload_bytes / (1024 * 1024),
        }),
        shown.status,
    )
}

/// A checked procurement, ready to store. Money in grosze (euro in cents).
struct Draft {
    reference: String,
    subject: String,
    kind: String,
    value: i64,
    value_euro: Option<i64>,
    procedure: String,
    department: String,
    published_on: Option<Date>,
    offers_due: Option<Date>,
    contractor_name: String,
    contractor_nip: Option<String>,
    contractor_pes: Option<(String, i64)>,
    contract_value: Option<i64>,
}

const FIELDS: &[&str] = &[
    "reference",
    "subject",
    "kind",
    "value",
    "value_euro",
    "procedure",
    "department",
    "published_on",
    "offers_due",
    "contractor_pes",
    "contractor_name",
    "contractor_nip",
    "contract_value",
];

/// The verified PES a contractor may be linked to: this gmina's and those that work here.
async fn pes_choices(gmina: &Gmina) -> AppResult<Vec<(String, i64, String)>> {
    Ok(gmina
        .db
        .scoped_as(
            "SELECT teryt, organisation_id, name FROM public.pes_visible WHERE gmina = $1
             ORDER BY public.polish_key(name), teryt, organisation_id",
        )
        .fetch_all(gmina.db.platform())
        .await?)
}

async fn validate(
    gmina: &Gmina,
    f: &HashMap<String, String>,
    today: time::Date,
) -> AppResult<Result<Draft, HashMap<&'static str, String>>> {
    let get = |k: &str| field(f, k).trim().to_owned();
    let mut e: HashMap<&'static str, String> = HashMap::new();
    let reference = get("reference");
    if !(2..=60).contains(&reference.chars().count()) {
        e.insert(
            "reference",
            "Podaj znak sprawy (od 2 do 60 znaków), np. ZP.271.12.2026.".into(),
        );
    }
    let subject = get("subject");
    if !(5..=500).contains(&subject.chars().count()) {
        e.insert(
            "subject",
            "Podaj przedmiot zamówienia (od 5 do 500 znaków).".into(),
        );
    }
    let kind = get("kind");
    if !KINDS.iter().any(|(c, _)| *c == kind) {
        e.insert("kind", "Wybierz rodzaj zamówienia.".into());
    }
    let procedure = get("procedure");
    if !PROCEDURES.iter().any(|(c, _)| *c == procedure) {
        e.insert("procedure", "Wybierz tryb udzielenia zamówienia.".into());
    }
    let money = |k: &str| {
        let raw = get(k);
        (!raw.is_empty()).then(|| parse_price(&raw))
    };
    let value = money("value").flatten();
    if value.is_none() {
        e.insert(
            "value",
            "Podaj szacunkową wartość zamówienia w zł, np. 120000 albo 85 000,50.".into(),
        );
    }
    let value_euro = match money("value_euro") {
        Some(None) => {
            e.insert(
                "value_euro",
                "Podaj wartość w euro liczbą albo zostaw pole puste.".into(),
            );
            None
        }
        v => v.flatten(),
    };
    let contract_value = match money("contract_value") {
        Some(None) => {
            e.insert(
                "contract_value",
                "Podaj wartość umowy w zł liczbą albo zostaw pole puste.".into(),
            );
            None
        }
        v => v.flatten(),
    };
    let department = get("department");
    if department.chars().count() > 200 {
        e.insert(
            "department",
            "Nazwa wydziału może mieć najwyżej 200 znaków.".into(),
        );
    }
    let mut date = |k: &'static str, what: &str| {
        form_date(&get(k), what, Span::PLAN, today).unwrap_or_else(|m| {
            e.insert(k, m);
            None
        })
    };
    let published_on = date("published_on", "datę publikacji");
    let offers_due = date("offers_due", "termin składania ofert");
    if let (Some(p), Some(d)) = (published_on, offers_due)
        && d < p
    {
        e.insert(
            "offers_due",
            "Termin składania ofert nie może być przed publikacją.".into(),
        );
    }
    let pes = get("contractor_pes");
    let contractor_pes = if pes.is_empty() {
        None
    } else {
        let found = pes_choices(gmina)
            .await?
            .into_iter()
            .find(|(t, id, _)| format!("{t}-{id}") == pes);
        if found.is_none() {
            e.insert(
                "contractor_pes",
                "Wybierz organizację z listy zweryfikowanych PES albo zostaw pole puste.".into(),
            );
        }
        found
    };
    let mut contractor_name = get("contractor_name");
    if let Some((_, _, name)) = &contractor_pes {
        contractor_name = name.clone();
    }
    if contractor_name.chars().count() > 300 {
        e.insert(
            "contractor_name",
            "Nazwa wykonawcy może mieć najwyżej 300 znaków.".into(),
        );
    }
    let raw_nip = get("contractor_nip");
    let contractor_nip = if raw_nip.is_empty() {
        None
    } else {
        match parse_nip(&raw_nip) {
            Ok(n) => Some(n),
            Err(err) => {
                e.insert("contractor_nip", err.to_string());
                None
            }
        }
    };
    let (Some(value), true) = (value, e.is_empty()) else {
        return Ok(Err(e));
    };
    Ok(Ok(Draft {
        reference,
        subject,
        kind,
        value,
        value_euro,
        procedure,
        department,
        published_on,
        offers_due,
        contractor_name,
        contractor_nip,
        contractor_pes: contractor_pes.map(|(t, id, _)| (t, id)),
        contract_value,
    }))
}

async fn render_form(
    state: &AppState,
    page: &Page,
    gmina: &Gmina,
    values: &Value,
    errors: &HashMap<&'static str, String>,
    status: StatusCode,
    editing: Option<i64>,
) -> AppResult<Response> {
    let pes: Vec<Value> = pes_choices(gmina)
        .await?
        .iter()
        .map(|(t, id, name)| json!({ "code": format!("{t}-{id}"), "name": name }))
        .collect();
    page.respond(
        state,
        "procurement/form.html",
        json!({
            "values": values, "errors": errors, "editing": editing, "pes": pes,
            "kinds": choices(KINDS), "procedures": choices(PROCEDURES),
        }),
        status,
    )
}

fn typed(f: &HashMap<String, String>) -> Value {
    FIELDS
        .iter()
        .map(|k| ((*k).to_owned(), json!(field(f, k))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

pub async fn new_form(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
) -> AppResult<Response> {
    render_form(
        &state,
        &page,
        &gmina,
        &json!({}),
        &HashMap::new(),
        StatusCode::OK,
        None,
    )
    .await
}

type Scalar<'q> = sqlx::query::QueryScalar<'q, sqlx::Postgres, i64, sqlx::postgres::PgArguments>;

/// Binds a draft's columns as `$1`…`$14` (the order of both statements that store one).
fn bind_draft<'q>(q: Scalar<'q>, d: &'q Draft) -> Scalar<'q> {
    q.bind(&d.reference)
        .bind(&d.subject)
        .bind(&d.kind)
        .bind(d.value)
        .bind(d.value_euro)
        .bind(&d.procedure)
        .bind(&d.department)
        .bind(d.published_on)
        .bind(d.offers_due)
        .bind(&d.contractor_name)
        .bind(&d.contractor_nip)
        .bind(d.contractor_pes.as_ref().map(|p| p.0.clone()))
        .bind(d.contractor_pes.as_ref().map(|p| p.1))
        .bind(d.contract_value)
}

const TAKEN: &str = "procurements_reference_key";

fn taken() -> AppError {
    AppError::Conflict(
        "Zamówienie o tym znaku sprawy jest już w rejestrze. Nic nie zostało zapisane.".into(),
    )
}

/// `POST /klauzule-spoleczne/nowe`: a planned procurement; the one who enters it is the
/// official responsible for its checks.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let d = match validate(&gmina, &f, state.clock.today()).await? {
        Ok(d) => d,
        Err(errors) => {
            return render_form(
                &state,
                &page,
                &gmina,
                &typed(&f),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
            .await;
        }
    };
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    let id: i64 = bind_draft(
        sqlx::query_scalar(
            "INSERT INTO procurements (reference, subject, kind, value_grosze, value_euro_cents, procedure, department,
                                       published_on, offers_due, contractor_name, contractor_nip, contractor_teryt,
                                       contractor_org_id, contract_value_grosze, responsible_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        ),
        &d,
    )
    .bind(me.id)
    .fetch_one(&mut *tx)
    .await
    .on_constraint(TAKEN, |_| taken())?;
    audit::record(
        &mut tx,
        me,
        "procurement.added",
        json!({ "zamówienie": id, "znak": d.reference }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/klauzule-spoleczne/{id}?komunikat=dodano")).into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
) -> AppResult<Response> {
    let p = load(&gmina, id).await?;
    let text = |v: Option<i64>| v.map(typed_amount).unwrap_or_default();
    let values = json!({
        "reference": p.reference, "subject": p.subject, "kind": p.kind, "value": text(Some(p.value_grosze)),
        "value_euro": text(p.value_euro_cents), "procedure": p.procedure, "department": p.department,
        "published_on": p.published_on.map(|d| d.to_string()).unwrap_or_default(),
        "offers_due": p.offers_due.map(|d| d.to_string()).unwrap_or_default(),
        "contractor_pes": p.contractor_teryt.as_ref().zip(p.contractor_org_id).map(|(t, o)| format!("{t}-{o}")).unwrap_or_default(),
        "contractor_name": p.contractor_name, "contractor_nip": p.contractor_nip.unwrap_or_default(),
        "contract_value": text(p.contract_value_grosze),
    });
    render_form(
        &state,
        &page,
        &gmina,
        &values,
        &HashMap::new(),
        StatusCode::OK,
        Some(id),
    )
    .await
}

/// `POST /klauzule-spoleczne/{id}/edycja`.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    load(&gmina, id).await?;
    let d = match validate(&gmina, &f, state.clock.today()).await? {
        Ok(d) => d,
        Err(errors) => {
            return render_form(
                &state,
                &page,
                &gmina,
                &typed(&f),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(id),
            )
            .await;
        }
    };
    let me = page.account()?;
    let mut tx = gmina.begin().await?;
    lock(&mut tx, id).await?;
    let _: i64 = bind_draft(
        sqlx::query_scalar(
            "UPDATE procurements SET reference = $1, subject = $2, kind = $3, value_grosze = $4, value_euro_cents = $5,
                    procedure = $6, department = $7, published_on = $8, offers_due = $9, contractor_name = $10,
                    contractor_nip = $11, contractor_teryt = $12, contractor_org_id = $13, contract_value_grosze = $14,
                    updated_at = now()
             WHERE id = $15 RETURNING id",
        ),
        &d,
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .on_constraint(TAKEN, |_| taken())?;
    audit::record(
        &mut tx,
        me,
        "procurement.edited",
        json!({ "zamówienie": id, "znak": d.reference }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/klauzule-spoleczne/{id}?komunikat=zapisano")).into_response())
}

/// `POST /klauzule-spoleczne/{id}/status`: `to`, one allowed step from the present status. A
/// procurement is decided only with its contractor named, and in progress only with a clause.
pub async fn set_status(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let me = page.account()?;
    let to = field(&f, "to");
    if !STATUSES.iter().any(|s| s.0 == to) {
        return Err(AppError::BadRequest("Wybierz status z listy.".into()));
    }
    let mut tx = gmina.begin().await?;
    let from = lock(&mut tx, id).await?;
    if !may_move(&from, to) {
        return Err(AppError::Conflict(format!(
            "Zamówienie „{}” nie może przejść do statusu „{}”. Nic nie zostało zmienione.",
            status_label(&from),
            status_label(to)
        )));
    }
    let (contractor, clauses): (String, i64) = sqlx::query_as(
        "SELECT p.contractor_name, (SELECT count(*) FROM procurement_clauses c WHERE c.procurement_id = p.id)
         FROM procurements p WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if to == "decided" && contractor.is_empty() {
        return Err(AppError::Conflict(
            "Aby oznaczyć zamówienie jako rozstrzygnięte, wpisz najpierw wykonawcę. Nic nie zostało zmienione."
                .into(),
        ));
    }
    if to == "in_progress" && clauses == 0 {
        return Err(AppError::Conflict(
            "Zamówienie bez klauzuli społecznej nie ma czego kontrolować — dodaj klauzulę. Nic nie zostało zmienione."
                .into(),
        ));
    }
    sqlx::query("UPDATE procurements SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        me,
        "procurement.status",
        json!({ "zamówienie": id, "z": from, "na": to }),
    )
    .await?;
    if to == "announced" {
        crate::subscriptions::notify_announced(&mut tx, &state, &page.site, id).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/klauzule-spoleczne/{id}?komunikat=status")).into_response())
}

/// `POST /klauzule-spoleczne/{id}/klauzule`: a clause from the catalogue with what the contract
/// requires — people of a group for some months, or a share of the work — and the first check.
pub async fn add_clause(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    PathId(id): PathId,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let me = page.account()?;
    let get = |k: &str| field(&f, k).trim().to_owned();
    let mut e: HashMap<&'static str, String> = HashMap::new();
    let mut tx = gmina.begin().await?;
    let types = catalogue(&mut tx).await?;
    tx.commit().await?;
    let clause = get("clause");
    if !types.iter().any(|t| t.code == clause) {
        e.insert("clause", "Wybierz klauzulę z katalogu.".into());
    }
    let requirement = get("requirement");
    if !(5..=1000).contains(&requirement.chars().count()) {
        e.insert(
            "requirement",
            "Opisz, czego wymaga umowa (od 5 do 1000 znaków), np. „zatrudnienie 2 osób bezrobotnych przez 12 miesięcy”."
                .into(),
        );
    }
    let mut number = |k: &'static str, range: std::ops::RangeInclusive<i32>, message: &str| {
        let raw = get(k);
        if raw.is_empty() {
            return None;
        }
        let n = raw.parse::<i32>().ok().filter(|n| range.contains(n));
        if n.is_none() {
            e.insert(k, message.to_owned());
        }
        n
    };
    let people = number("people", 1..=10_000, "Podaj liczbę osób od 1 do 10 000.");
    let months = number("months", 1..=120, "Podaj liczbę miesięcy od 1 do 120.");
    let share = number("share_percent", 1..=100, "Podaj udział od 1 do 100%.");
    let group = get("target_group");
    if !group.is_empty() && !GROUPS.iter().any(|(c, _)| *c == group) {
        e.insert("target_group", "Wybierz grupę z listy.".into());
    }
    if people.is_some() && group.is_empty() {
        e.insert(
            "target_group",
            "Wskaż, z jakiej grupy mają być zatrudnione osoby.".into(),
        );
    }
    let next = form_date(
        &get("next_check_on"),
        "datę pierwszej kontroli",
        Span::PLAN,
        state.clock.today(),
    )
    .unwrap_or_else(|m| {
        e.insert("next_check_on", m);
        None
    });
    if !e.is_empty() {
        let values: serde_json::Map<String, Value> =
            f.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let shown = Shown {
            values: values.into(),
            errors: e,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            notice: None,
        };
        return render_show(&state, &page, &gmina, id, shown).await;
    }
    let mut tx = gmina.begin().await?;
    let status = lock(&mut tx, id).await?;
    // Clauses are part of the tender: once the contract runs, it is checked, not changed.
    if !matches!(status.as_str(), "planned" | "announced" | "decided") {
        return Err(AppError::Conflict(format!(
            "Zamówienie ma status „{}” — klauzule dodaje się przed realizacją umowy. Nic nie zostało zapisane.",
            status_label(&status)
        )));
    }
    sqlx::query(
        "INSERT INTO procurement_clauses (procurement_id, clause, requirement, people, target_group, months,
                                          share_percent, next_check_on)
         VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8)",
    )
    .bind(id)
    .bind(&clause)
    .bind(&requirement)
    .bind(people)
    .bind(&group)
    .bind(months)
    .bind(share)
    .bind(next)
    .execute(&mut *tx)
    .await
    .on_constraint("procurement_clauses_procurement_id_clause_key", |_| {
        AppError::Conflict(
            "Ta klauzula jest już w tym zamówieniu. Nic nowego nie zostało zapisane.".into(),
        )
    })?;
    audit::record(
        &mut tx,
        me,
        "procurement.clause_added",
        json!({ "zamówienie": id, "klauzula": clause }),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/klauzule-spoleczne/{id}?komunikat=klauzula")).into_response())
}
