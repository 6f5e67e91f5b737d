//! `/panel/wyglad`: the gmina's display name, colours (WCAG AA contrast checked), contact data,
//! welcome text and map tiles (an https template; its origin is the only one the maps' CSP adds). Stored as overrides in `tenants.branding`; every server shows them at once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::{Branding, BrandingOverrides, load_branding_file};
use pestor_db::TenantStore;
use serde_json::json;

use pestor_kit::audit;
use pestor_kit::error::AppResult;
use pestor_kit::forms::{Fields, field};
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::state::AppState;

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
    "map_tiles",
    "map_attribution",
];

pub async fn form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let t = page.gmina()?;
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
    // The contrast of every pair the pages draw, for the branding in force now.
    let pairs: Vec<_> = page
        .gmina()?
        .branding
        .theme()
        .pairs()
        .iter()
        .map(|p| {
            json!({
                "what": p.what, "fg": p.fg.to_string(), "bg": p.bg.to_string(),
                "ratio": format!("{:.2}", p.ratio()).replace('.', ","),
                "required": if p.non_text { "3:1" } else { "4,5:1" },
            })
        })
        .collect();
    page.respond(
        state,
        "panel/branding.html",
        json!({ "values": values, "errors": errors, "pairs": pairs }),
        status,
    )
}

pub async fn save(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let t = &*gmina.site;
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
        // Emptied map fields fall back to the gmina's file or the platform's default tiles.
        map_tiles: opt("map_tiles").filter(|v| !v.is_empty()),
        map_attribution: opt("map_attribution").filter(|v| !v.is_empty()),
        // The uploaded logo is kept by this form; it changes only through its own.
        logo_object: t.tenant.branding().logo_object.clone(),
        ..BrandingOverrides::default()
    };
    // Validate against what the gmina's files give, the same base the site layers edits on.
    let base = load_branding_file(&state.settings.tenants.dir, t.tenant.gmina())
        .unwrap_or_else(|_| Branding::defaults_for(t.tenant.gmina()));
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
    let mut tx = gmina.begin().await?;
    TenantStore::set_branding(&mut tx, &t.tenant.gmina().teryt, &edits).await?;
    audit::record(
        &mut tx,
        me,
        "branding.update",
        json!({ "before": t.tenant.branding(), "after": edits }),
    )
    .await?;
    tx.commit().await?;
    // This server drops its cached site now; others follow the NOTIFY sent at commit.
    state.invalidate_tenants();
    Ok(Redirect::to("/panel?komunikat=wyglad").into_response())
}

/// `/panel/wyglad/logo`: the gmina's logo, uploaded into the photo store (PNG, JPEG or WebP,
/// checked like offer photos, kept as a PNG with its transparency). The previous upload is
/// removed from the store.
pub async fn upload_logo(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let me = page.account()?;
    let form = form.map_err(|_| pestor_kit::AppError::BadRequest("Wyślij plik logo.".into()))?;
    let limits = pestor_photos::Limits {
        max_bytes: state.settings.storage.max_upload_bytes,
        max_pixels: state.settings.storage.max_image_pixels,
    };
    let (upload, failure) = pestor_kit::photos::read_upload(form, "logo", limits.max_bytes).await;
    let refuse = |message: String| {
        let values = serde_json::to_value(&t.branding).unwrap_or_default();
        render(
            &state,
            &page,
            &values,
            &[message],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if let Some(e) = failure {
        return refuse(e.to_string());
    }
    let Some(bytes) = upload.file else {
        return refuse("Wybierz plik z logo (PNG, JPEG albo WebP).".into());
    };
    let png = match tokio::task::spawn_blocking(move || pestor_photos::logo(&bytes, limits)).await {
        Ok(Ok((png, _, _))) => png,
        Ok(Err(e)) => return refuse(e.to_string()),
        Err(_) => return refuse(pestor_photos::PhotoError::Damaged.to_string()),
    };
    let teryt = t.tenant.gmina().teryt.as_str();
    let key = pestor_photos::logo_key(teryt, uuid::Uuid::new_v4());
    if let Err(e) = state.photos.put(&key, png, "image/png").await {
        tracing::warn!(error = %e, "photo store unavailable while uploading a logo");
        return refuse("Nie udało się zapisać logo — magazyn zdjęć chwilowo nie odpowiada. Spróbuj ponownie za kilka minut.".into());
    }
    let mut edits = t.tenant.branding().clone();
    let previous = edits.logo_object.replace(key.clone());
    let mut tx = gmina.begin().await?;
    TenantStore::set_branding(&mut tx, &t.tenant.gmina().teryt, &edits).await?;
    if let Some(old) = &previous {
        sqlx::query("INSERT INTO object_deletions (key) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(old)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        me,
        "branding.logo",
        json!({ "before": previous, "after": key }),
    )
    .await?;
    tx.commit().await?;
    state.invalidate_tenants();
    Ok(Redirect::to("/panel?komunikat=logo").into_response())
}
