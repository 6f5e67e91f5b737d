//! A coordinator brings a gmina onto the platform, suspends it and resumes it.
//!
//! Onboarding runs in a task of its own, not in the request: a coordinator may close the tab, and
//! building a schema must then still finish or fail cleanly. It has two steps, each all or nothing:
//! the schema (created and migrated; dropped again if that fails, see
//! [`pestor_db::TenantStore::build_schema`]) and the activation — the initial branding, the first
//! admin's invitation, the status and the region's log entry, in one transaction whose NOTIFY makes
//! the subdomain answer on every server. The `tenant_onboardings` row is the progress the page shows.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::{Branding, BrandingError, BrandingOverrides, TenantStatus, load_branding_file};
use pestor_db::{DbError, Tenant, TenantStore};
use pestor_kit::auth::{Account, GminaRole};
use pestor_kit::error::{AppError, AppResult, OnConstraint};
use pestor_kit::forms::{Fields, field, valid_email};
use pestor_kit::page::{Page, polish_datetime};
use pestor_kit::site::TenantSite;
use pestor_kit::state::AppState;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::coordinators::{Actor, record};
use crate::dashboard::status_label;

/// How long the request waits for the onboarding before showing its progress instead.
const WAIT_FOR_ONBOARDING: Duration = Duration::from_secs(20);
/// A run without an end after this long was cut short (its server stopped): it may be retried.
const STALE_AFTER_MINUTES: i32 = 15;
const REASON_MAX: usize = 300;

/// The onboarding form's fields; the last five are the initial branding (empty = the defaults).
const FIELDS: &[&str] = &[
    "admin_email",
    "display_name",
    "primary_colour",
    "on_primary_colour",
    "accent_colour",
    "contact_email",
];

pub(crate) async fn tenant_by_slug(state: &AppState, slug: &str) -> AppResult<Tenant> {
    state
        .tenants
        .list()
        .await?
        .iter()
        .find(|t| t.slug().as_str() == slug)
        .cloned()
        .ok_or(AppError::NotFound)
}

/// The gmina as the coordinator's pages name it: name, slug, status (code and words), and the
/// reason it is suspended.
pub(crate) fn gmina_json(t: &Tenant) -> Value {
    json!({
        "name": t.gmina().default_display_name(), "slug": t.slug().as_str(),
        "status": t.status().as_str(), "status_label": status_label(t.status()).0,
        "reason": t.status_reason(),
    })
}

fn base_url(t: &Tenant) -> String {
    format!("/koordynator/gminy/{}", t.slug())
}

/// The latest onboarding of a gmina, as the page shows it.
#[derive(sqlx::FromRow)]
struct Onboarding {
    admin_email: String,
    step: String,
    started_at: OffsetDateTime,
    finished_at: Option<OffsetDateTime>,
    error: Option<String>,
    stale: bool,
}

async fn latest(state: &AppState, t: &Tenant) -> AppResult<Option<Onboarding>> {
    Ok(sqlx::query_as(
        "SELECT admin_email, step, started_at, finished_at, error,
                finished_at IS NULL AND started_at < now() - make_interval(mins => $2) AS stale
         FROM tenant_onboardings WHERE teryt = $1 ORDER BY started_at DESC, id DESC LIMIT 1",
    )
    .bind(t.teryt().as_str())
    .bind(STALE_AFTER_MINUTES)
    .fetch_optional(state.db.platform())
    .await?)
}

/// The two steps as the page lists them: (name, state) with state one of done / running /
/// failed / waiting.
fn steps(o: &Onboarding) -> Vec<Value> {
    let failed = o.error.is_some() || o.stale;
    let reached = match o.step.as_str() {
        "schema" => 0,
        "activation" => 1,
        _ => 2,
    };
    [
        "Baza danych gminy",
        "Wygląd, zaproszenie administratora i uruchomienie serwisu",
    ]
    .iter()
    .enumerate()
    .map(|(i, name)| {
        let state = if i < reached {
            "done"
        } else if i > reached {
            "waiting"
        } else if failed {
            "failed"
        } else {
            "running"
        };
        json!({ "name": name, "state": state })
    })
    .collect()
}

fn render_onboarding(
    state: &AppState,
    page: &Page,
    t: &Tenant,
    run: Option<&Onboarding>,
    values: &Value,
    errors: &Value,
    status: StatusCode,
) -> AppResult<Response> {
    let run = run.map(|o| {
        json!({
            "email": o.admin_email, "started": polish_datetime(o.started_at),
            "finished": o.finished_at.map(polish_datetime),
            "error": o.error.clone().or_else(|| o.stale.then(|| "Przerwane: serwer zatrzymał się w trakcie.".to_owned())),
            "done": o.step == "done", "running": o.finished_at.is_none() && !o.stale,
            "steps": steps(o),
        })
    });
    // The form is offered while the gmina has not joined and nothing is under way.
    let open = t.status() == TenantStatus::Registered
        && run
            .as_ref()
            .is_none_or(|r| r["running"].as_bool() != Some(true));
    page.respond(
        state,
        "region/onboard.html",
        json!({
            "g": gmina_json(t),
            "site": format!("{}/", state.settings.host_url(Some(t.slug().as_str()))),
            "run": run, "open": open, "values": values, "errors": errors,
        }),
        status,
    )
}

pub async fn onboarding(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    let run = latest(&state, &t).await?;
    render_onboarding(
        &state,
        &page,
        &t,
        run.as_ref(),
        &json!({}),
        &json!({}),
        StatusCode::OK,
    )
}

/// The initial branding from the form: empty fields keep the gmina's defaults. Checked the way
/// the panel checks an edit (colours and every contrast pair), against the gmina's files.
fn initial_branding(
    state: &AppState,
    t: &Tenant,
    f: &std::collections::HashMap<String, String>,
) -> Result<BrandingOverrides, Vec<BrandingError>> {
    let opt = |name: &str| Some(field(f, name).trim().to_owned()).filter(|v| !v.is_empty());
    let colour = |name: &str| opt(name).map(|c| c.to_ascii_lowercase());
    let edits = BrandingOverrides {
        display_name: opt("display_name"),
        primary_colour: colour("primary_colour"),
        on_primary_colour: colour("on_primary_colour"),
        accent_colour: colour("accent_colour"),
        contact_email: opt("contact_email"),
        ..BrandingOverrides::default()
    };
    let base = load_branding_file(&state.settings.tenants.dir, t.gmina())
        .unwrap_or_else(|_| Branding::defaults_for(t.gmina()));
    base.with_overrides(&edits).map(|_| edits)
}

pub async fn start_onboarding(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    let me = page.account()?.clone();
    let values: serde_json::Map<_, _> = FIELDS
        .iter()
        .map(|k| (k.to_string(), json!(field(&f, k).trim())))
        .collect();
    let values = Value::Object(values);
    let refuse = |errors: Value, status| {
        render_onboarding(&state, &page, &t, None, &values, &errors, status)
    };
    if t.status() != TenantStatus::Registered {
        return refuse(
            json!({ "admin_email": format!("{} jest już na platformie — nie trzeba jej przyłączać.", t.gmina().default_display_name()) }),
            StatusCode::CONFLICT,
        );
    }
    let email = field(&f, "admin_email").trim().to_owned();
    let mut errors = serde_json::Map::new();
    if !valid_email(&email) {
        errors.insert(
            "admin_email".into(),
            json!("Podaj poprawny adres e-mail pierwszego administratora gminy."),
        );
    }
    let contact = field(&f, "contact_email").trim();
    if !contact.is_empty() && !valid_email(contact) {
        errors.insert(
            "contact_email".into(),
            json!("Adres kontaktowy urzędu nie jest poprawnym adresem e-mail."),
        );
    }
    let branding = match initial_branding(&state, &t, &f) {
        Ok(b) => Some(b),
        Err(problems) => {
            for p in problems {
                let name = match &p {
                    BrandingError::BadColour { field, .. } => *field,
                    _ => "primary_colour",
                };
                errors.entry(name).or_insert(json!(p.to_string()));
            }
            None
        }
    };
    let (Some(branding), true) = (branding, errors.is_empty()) else {
        return refuse(Value::Object(errors), StatusCode::UNPROCESSABLE_ENTITY);
    };

    let actor = Actor::of(&page)?;
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    // A run whose server stopped never finishes by itself; closing it lets this one start.
    sqlx::query(
        "UPDATE tenant_onboardings SET finished_at = now(), error = 'Przerwane: serwer zatrzymał się w trakcie.'
         WHERE teryt = $1 AND finished_at IS NULL AND started_at < now() - make_interval(mins => $2)",
    )
    .bind(t.teryt().as_str())
    .bind(STALE_AFTER_MINUTES)
    .execute(&mut *tx)
    .await?;
    let started = sqlx::query_scalar::<_, i64>(
        "INSERT INTO tenant_onboardings (teryt, admin_email, branding, requested_by)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(t.teryt().as_str())
    .bind(&email)
    .bind(sqlx::types::Json(&branding))
    .bind(me.id)
    .fetch_one(&mut *tx)
    .await
    .on_constraint("tenant_onboardings_running_idx", |_| {
        AppError::BadRequest(
            "Przyłączanie tej gminy już trwa — odśwież stronę, aby zobaczyć postęp.".into(),
        )
    })?;
    record(
        &mut tx,
        &actor,
        "region.onboarding_started",
        json!({ "gmina": t.slug().as_str(), "email": email }),
    )
    .await?;
    tx.commit().await?;

    let run = tokio::spawn(onboard(
        state.clone(),
        t.clone(),
        started,
        me,
        actor,
        branding,
    ));
    // Usually done in well under a second; a slow run is followed on the progress page.
    let _ = tokio::time::timeout(WAIT_FOR_ONBOARDING, run).await;
    Ok(Redirect::to(&format!("{}/przylaczenie", base_url(&t))).into_response())
}

/// Runs an onboarding to its end and records how it ended.
async fn onboard(
    state: AppState,
    t: Tenant,
    id: i64,
    inviter: Account,
    actor: Actor,
    branding: BrandingOverrides,
) {
    let Err(e) = onboard_steps(&state, &t, id, &inviter, &actor, branding).await else {
        return;
    };
    tracing::warn!(gmina = %t.slug(), error = %e, "onboarding failed");
    let message = match &e {
        AppError::Db(DbError::WrongStatus { .. }) | AppError::BadRequest(_) => e.to_string(),
        _ => format!("Błąd techniczny: {e}"),
    };
    let ended = async {
        let mut tx = pestor_db::begin(state.db.platform()).await?;
        sqlx::query("UPDATE tenant_onboardings SET finished_at = now(), error = $2 WHERE id = $1")
            .bind(id)
            .bind(&message)
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            &actor,
            "region.onboarding_failed",
            json!({ "gmina": t.slug().as_str(), "błąd": message }),
        )
        .await?;
        tx.commit().await
    };
    if let Err(e) = ended.await {
        tracing::error!(gmina = %t.slug(), error = %e, "could not record a failed onboarding");
    }
}

async fn onboard_steps(
    state: &AppState,
    t: &Tenant,
    id: i64,
    inviter: &Account,
    actor: &Actor,
    branding: BrandingOverrides,
) -> AppResult<()> {
    let (was, version) = state.tenants.build_schema(t.teryt()).await?;
    sqlx::query("UPDATE tenant_onboardings SET step = 'activation' WHERE id = $1")
        .bind(id)
        .execute(state.db.platform())
        .await?;

    // The letter goes out with the branding being set, before the site could read it back.
    let tenant = state
        .tenants
        .find(t.teryt().as_str())
        .await?
        .with_branding(branding.clone());
    let site = Arc::new(TenantSite::build(
        tenant.clone(),
        &state.settings.tenants.dir,
        &state.catalogue,
    ));
    let mut tx = state.db.tenant(&tenant).begin().await?;
    TenantStore::set_branding(&mut tx, t.teryt(), &branding).await?;
    TenantStore::record_provisioned(&mut tx, t.teryt(), was, version).await?;
    let email: String =
        sqlx::query_scalar("SELECT admin_email FROM tenant_onboardings WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    pestor_kit::invitations::invite_person(
        &mut tx,
        state,
        &site,
        inviter,
        &email,
        GminaRole::Admin,
    )
    .await?;
    sqlx::query("UPDATE tenant_onboardings SET step = 'done', finished_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        actor,
        "region.gmina_onboarded",
        json!({ "gmina": t.slug().as_str(), "email": email, "wersja_schematu": version }),
    )
    .await?;
    tx.commit().await?;
    // This server forgets the "not joined" answer now; the others on the NOTIFY sent at commit.
    state.invalidate_tenants();
    Ok(())
}

/// Suspension and resumption: the confirmation page, then the change.
fn render_status_change(
    state: &AppState,
    page: &Page,
    t: &Tenant,
    to: TenantStatus,
    reason: &str,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let errors = match error {
        Some(e) => json!({ "reason": e }),
        None => json!({}),
    };
    page.respond(
        state,
        "region/status.html",
        json!({
            "g": gmina_json(t),
            "suspend": to == TenantStatus::Suspended,
            "allowed": t.status() == if to == TenantStatus::Suspended { TenantStatus::Active } else { TenantStatus::Suspended },
            "values": { "reason": reason }, "errors": errors, "max": REASON_MAX,
        }),
        status,
    )
}

pub async fn confirm_suspension(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    render_status_change(
        &state,
        &page,
        &t,
        TenantStatus::Suspended,
        "",
        None,
        StatusCode::OK,
    )
}

pub async fn confirm_resumption(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    render_status_change(
        &state,
        &page,
        &t,
        TenantStatus::Active,
        "",
        None,
        StatusCode::OK,
    )
}

pub async fn suspend(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    let reason = field(&f, "reason").trim().to_owned();
    let problem = if reason.is_empty() {
        Some("Podaj powód zawieszenia — zobaczą go osoby odwiedzające serwis gminy.".to_owned())
    } else if reason.chars().count() > REASON_MAX {
        Some(format!("Powód może mieć najwyżej {REASON_MAX} znaków."))
    } else {
        None
    };
    if problem.is_some() {
        return render_status_change(
            &state,
            &page,
            &t,
            TenantStatus::Suspended,
            &reason,
            problem,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    change_status(&state, &page, &t, TenantStatus::Suspended, &reason).await
}

pub async fn resume(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    change_status(&state, &page, &t, TenantStatus::Active, "").await
}

async fn change_status(
    state: &AppState,
    page: &Page,
    t: &Tenant,
    to: TenantStatus,
    reason: &str,
) -> AppResult<Response> {
    let (action, notice) = match to {
        TenantStatus::Suspended => ("region.gmina_suspended", "zawieszono"),
        _ => ("region.gmina_resumed", "wznowiono"),
    };
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    match TenantStore::change_status(&mut tx, t, to, reason).await {
        Ok(true) => {}
        // Someone did it a moment ago: the page already says so.
        Ok(false) => return Ok(Redirect::to(&base_url(t)).into_response()),
        Err(e @ DbError::WrongStatus { .. }) => return Err(AppError::BadRequest(e.to_string())),
        Err(e) => return Err(e.into()),
    }
    record(
        &mut tx,
        &Actor::of(page)?,
        action,
        json!({ "gmina": t.slug().as_str(), "powód": reason }),
    )
    .await?;
    tx.commit().await?;
    state.invalidate_tenants();
    Ok(Redirect::to(&format!("{}?komunikat={notice}", base_url(t))).into_response())
}
