//! `/deklaracja-dostepnosci`: the accessibility statement every public body must publish (act of
//! 4 April 2019 on digital accessibility, art. 10, in the form of the minister's template): the
//! entity, dates of publication and update, compliance status, what is not accessible and why, how
//! and when the statement was prepared, contact and the complaint procedure, and the architectural
//! accessibility of the office. The gmina admin edits it at `/panel/deklaracja-dostepnosci`; until
//! then the site shows defaults. The date of the last automated check is the one the release's
//! test run recorded (see `build.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::json;
use time::Date;
use time::macros::format_description;

use pestor_core::calendar::{Span, required_date};
use pestor_kit::audit;
use pestor_kit::auth::{Access, Hosts, Routes};
use pestor_kit::error::AppResult;
use pestor_kit::forms::{Form, valid_email};
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

/// The date the test run that built this binary last passed its automated accessibility checks
/// (axe-core in Chromium), empty when the binary was built without one.
const LAST_AUTOMATED_CHECK: &str = env!("PESTOR_ACCESSIBILITY_CHECKED");

pub fn routes(r: Routes) -> Routes {
    r.add(
        "/deklaracja-dostepnosci",
        &["GET"],
        Hosts::Gmina,
        Access::Anyone,
        get(show),
    )
    .add(
        "/panel/deklaracja-dostepnosci",
        &["GET", "POST"],
        Hosts::Gmina,
        Access::Admin,
        get(form).post(save),
    )
}

const COMPLIANCE: &[(&str, &str)] = &[
    ("zgodna", "zgodna"),
    ("czesciowo", "częściowo zgodna"),
    ("niezgodna", "niezgodna"),
];

/// The editable parts, in the order of the template; the form submits them by these names.
#[derive(serde::Serialize, serde::Deserialize, Clone, Default)]
#[serde(default)]
pub struct Statement {
    published_on: String,
    updated_on: String,
    compliance: String,
    non_accessible: String,
    prepared_on: String,
    prepared_how: String,
    contact_person: String,
    contact_email: String,
    contact_phone: String,
    architecture: String,
}

impl Statement {
    fn trimmed(self) -> Statement {
        let t = |v: String| v.trim().to_owned();
        Statement {
            published_on: t(self.published_on),
            updated_on: t(self.updated_on),
            compliance: t(self.compliance),
            non_accessible: t(self.non_accessible),
            prepared_on: t(self.prepared_on),
            prepared_how: t(self.prepared_how),
            contact_person: t(self.contact_person),
            contact_email: t(self.contact_email),
            contact_phone: t(self.contact_phone),
            architecture: t(self.architecture),
        }
    }
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

fn iso(d: Date) -> String {
    d.format(DATE).unwrap_or_default()
}

/// What the site says before the admin has edited anything: the platform's own known gaps.
fn defaults(provisioned: Date, email: Option<&str>, phone: Option<&str>) -> Statement {
    Statement {
        published_on: iso(provisioned),
        updated_on: iso(provisioned),
        compliance: "czesciowo".into(),
        non_accessible: "Mapa organizacji nie jest w pełni dostępna dla osób korzystających z czytników ekranu i klawiatury; te same dane są dostępne na liście organizacji, z filtrami.\nNiektóre zdjęcia dodane przez organizacje mogą mieć niepełne opisy alternatywne (opis jest wymagany, ale jego treść zależy od autora).".into(),
        prepared_on: iso(provisioned),
        prepared_how: "Deklarację sporządzono na podstawie samooceny przeprowadzonej przez podmiot publiczny oraz automatycznych testów dostępności (axe-core, reguły WCAG 2.1 A i AA).".into(),
        contact_person: "Administrator serwisu w urzędzie".into(),
        contact_email: email.unwrap_or_default().to_owned(),
        contact_phone: phone.unwrap_or_default().to_owned(),
        architecture: "Informacje o dostępności architektonicznej siedziby urzędu (wejścia, windy, toalety, miejsca parkingowe, pętle indukcyjne, tłumacz języka migowego) udostępnia urząd — prosimy o kontakt.".into(),
    }
}

async fn load(state: &AppState, page: &Page) -> AppResult<(Statement, bool)> {
    let t = page.gmina()?;
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    type Row = (
        Date,
        Date,
        String,
        String,
        Date,
        String,
        String,
        String,
        String,
        String,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT published_on, updated_on, compliance, non_accessible, prepared_on, prepared_how,
                contact_person, contact_email, contact_phone, architecture
         FROM accessibility_statement",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let provisioned: Option<Date> =
        sqlx::query_scalar("SELECT provisioned_at::date FROM public.tenants WHERE teryt = $1")
            .bind(t.tenant.gmina().teryt.as_str())
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(match row {
        Some(r) => (
            Statement {
                published_on: iso(r.0),
                updated_on: iso(r.1),
                compliance: r.2,
                non_accessible: r.3,
                prepared_on: iso(r.4),
                prepared_how: r.5,
                contact_person: r.6,
                contact_email: r.7,
                contact_phone: r.8,
                architecture: r.9,
            },
            true,
        ),
        None => (
            defaults(
                provisioned.unwrap_or_else(|| time::OffsetDateTime::now_utc().date()),
                t.branding.contact_email.as_deref(),
                t.branding.contact_phone.as_deref(),
            ),
            false,
        ),
    })
}

/// One paragraph a non-empty line.
fn paragraphs(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

fn compliance_label(code: &str) -> &'static str {
    COMPLIANCE
        .iter()
        .find(|c| c.0 == code)
        .map_or("częściowo zgodna", |c| c.1)
}

pub async fn show(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let t = page.gmina()?;
    let (statement, _) = load(&state, &page).await?;
    let site_url = state
        .settings
        .host_url(Some(t.tenant.gmina().slug.as_str()));
    page.respond(
        &state,
        "accessibility/statement.html",
        json!({
            "s": statement,
            "compliance_label": compliance_label(&statement.compliance),
            "non_accessible": paragraphs(&statement.non_accessible),
            "architecture": paragraphs(&statement.architecture),
            "entity": t.branding.display_name,
            "site_url": site_url,
            "last_check": LAST_AUTOMATED_CHECK,
        }),
        StatusCode::OK,
    )
}

pub async fn form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let (statement, saved) = load(&state, &page).await?;
    render_form(&state, &page, &statement, saved, &[], StatusCode::OK)
}

fn render_form(
    state: &AppState,
    page: &Page,
    s: &Statement,
    saved: bool,
    errors: &[String],
    status: StatusCode,
) -> AppResult<Response> {
    page.respond(
        state,
        "accessibility/form.html",
        json!({ "s": s, "saved": saved, "errors": errors, "compliance": COMPLIANCE }),
        status,
    )
}

pub async fn save(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Form(submitted): Form<Statement>,
) -> AppResult<Response> {
    let me = page.account()?;
    let s = submitted.trimmed();
    let today = state.clock.today();
    let mut errors: Vec<String> = Vec::new();
    let mut date = |v: &str, what: &str| {
        required_date(v, what, Span::RECORD, today)
            .map_err(|m| errors.push(m))
            .ok()
    };
    let published = date(&s.published_on, "datę publikacji serwisu");
    let updated = date(&s.updated_on, "datę ostatniej istotnej aktualizacji");
    date(&s.prepared_on, "datę sporządzenia deklaracji");
    if let (Some(p), Some(u)) = (published, updated)
        && u < p
    {
        errors.push("Data aktualizacji nie może być wcześniejsza niż data publikacji.".into());
    }
    if !COMPLIANCE.iter().any(|c| c.0 == s.compliance) {
        errors.push("Wybierz status zgodności z ustawą.".into());
    }
    if s.compliance != "zgodna" && s.non_accessible.chars().count() < 10 {
        errors.push("Przy zgodności częściowej lub braku zgodności opisz treści niedostępne i powód (co najmniej 10 znaków).".into());
    }
    if s.prepared_how.chars().count() < 10 {
        errors.push("Opisz sposób sporządzenia deklaracji (co najmniej 10 znaków).".into());
    }
    if s.contact_person.chars().count() < 3 {
        errors.push("Podaj osobę lub komórkę do kontaktu w sprawie dostępności.".into());
    }
    if !valid_email(&s.contact_email) {
        errors.push("Podaj poprawny adres e-mail do kontaktu w sprawie dostępności.".into());
    }
    for v in [&s.non_accessible, &s.prepared_how, &s.architecture] {
        if v.chars().count() > 10_000 {
            errors.push("Każde pole opisowe może mieć najwyżej 10 000 znaków.".into());
            break;
        }
    }
    if !errors.is_empty() {
        return render_form(
            &state,
            &page,
            &s,
            true,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let mut tx = gmina.begin().await?;
    sqlx::query(
        "INSERT INTO accessibility_statement (published_on, updated_on, compliance, non_accessible, prepared_on,
                prepared_how, contact_person, contact_email, contact_phone, architecture, updated_by)
         VALUES ($1::date, $2::date, $3, $4, $5::date, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (singleton) DO UPDATE SET published_on = EXCLUDED.published_on, updated_on = EXCLUDED.updated_on,
            compliance = EXCLUDED.compliance, non_accessible = EXCLUDED.non_accessible, prepared_on = EXCLUDED.prepared_on,
            prepared_how = EXCLUDED.prepared_how, contact_person = EXCLUDED.contact_person,
            contact_email = EXCLUDED.contact_email, contact_phone = EXCLUDED.contact_phone,
            architecture = EXCLUDED.architecture, updated_by = EXCLUDED.updated_by, updated_at = now()",
    )
    .bind(&s.published_on)
    .bind(&s.updated_on)
    .bind(&s.compliance)
    .bind(&s.non_accessible)
    .bind(&s.prepared_on)
    .bind(&s.prepared_how)
    .bind(&s.contact_person)
    .bind(&s.contact_email)
    .bind(&s.contact_phone)
    .bind(&s.architecture)
    .bind(me.id)
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, me, "accessibility.update", json!(s)).await?;
    tx.commit().await?;
    Ok(Redirect::to("/deklaracja-dostepnosci").into_response())
}
