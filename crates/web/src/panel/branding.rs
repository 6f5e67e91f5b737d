//! `/panel/wyglad`: the gmina's display name, colours (WCAG AA contrast checked), contact data and
//! welcome text. Stored as overrides in `tenants.branding`; every server shows them at once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::{Branding, BrandingOverrides, load_branding_file};
use pestor_db::TenantStore;
use serde_json::json;

use super::gmina;
use crate::accounts::{Fields, field};
use crate::audit;
use crate::error::AppResult;
use crate::pages::Page;
use crate::state::AppState;

/// The form's fields, in order; each maps to a branding key of the same name.
const FIELDS: &[&str] = &[
    "display_name",
    "primary_colour",
    "on_primary_colour",
    "accent_colour",
    "contact_address",
    "contact_phone",
    "contact_email",
    "website",
    "welcome_text",
];

pub async fn form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let t = gmina(&page)?;
    let values = serde_json::to_value(&t.branding).unwrap_or_default();
    render(&state, &page, &values, &[], StatusCode::OK)
}

fn render(
    state: &AppState,
    page: &Page,
    values: &serde_json::Value,
    errors: &[String],
    status: StatusCode,
) -> AppResult<Response> {
    page.respond(
        state,
        "panel/branding.html",
        json!({ "values": values, "errors": errors }),
        status,
    )
}

pub async fn save(
    State(state): State<AppState>,
    page: Page,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let t = gmina(&page)?;
    let me = page.account()?;
    let opt = |name: &str| Some(field(&f, name).trim().to_owned());
    let edits = BrandingOverrides {
        display_name: opt("display_name"),
        primary_colour: opt("primary_colour").map(|c| c.to_ascii_lowercase()),
        on_primary_colour: opt("on_primary_colour").map(|c| c.to_ascii_lowercase()),
        accent_colour: opt("accent_colour").map(|c| c.to_ascii_lowercase()),
        contact_address: opt("contact_address"),
        contact_phone: opt("contact_phone"),
        contact_email: opt("contact_email"),
        website: opt("website"),
        welcome_text: opt("welcome_text"),
        ..BrandingOverrides::default()
    };
    // Validate against what the gmina's files give, the same base the site layers edits on.
    let base = load_branding_file(&state.settings.tenants.dir, &t.tenant.gmina)
        .unwrap_or_else(|_| Branding::defaults_for(&t.tenant.gmina));
    if let Err(errors) = base.with_overrides(&edits) {
        let values: serde_json::Map<_, _> = FIELDS
            .iter()
            .map(|k| (k.to_string(), json!(field(&f, k))))
            .collect();
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return render(
            &state,
            &page,
            &serde_json::Value::Object(values),
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let mut tx = state.db.pool.begin().await?;
    TenantStore::set_branding(&mut tx, &t.tenant.gmina.teryt, &edits).await?;
    audit::record(
        &mut tx,
        me,
        Some(t.tenant.gmina.teryt.as_str()),
        "branding.update",
        json!({ "before": t.tenant.branding, "after": edits }),
    )
    .await?;
    tx.commit().await?;
    // This server drops its cached site now; others follow the NOTIFY sent at commit.
    state.invalidate_tenants();
    Ok(Redirect::to("/panel?komunikat=wyglad").into_response())
}
