//! A gmina's archive from the browser ([`pestor_kit::archive`]): coordinators download an export
//! of any gmina with data; archive a suspended one (a fresh export is made and kept in the object
//! store under `archiwa/<TERYT>/` before its data goes); and restore an archived gmina from one
//! of those kept exports. Each act is in the region's log.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use pestor_core::TenantStatus;
use pestor_db::Tenant;
use pestor_kit::archive::{self, Manifest, Seal, Trust};
use pestor_kit::error::{AppError, AppResult};
use pestor_kit::forms::{Fields, field};
use pestor_kit::page::Page;
use pestor_kit::state::AppState;
use serde_json::json;

use crate::coordinators::{Actor, record};
use crate::dashboard::status_label;
use crate::gminas::{gmina_json, tenant_by_slug};

/// Where kept exports live in the object store (outside `gmina/<TERYT>/`, which archiving empties).
fn kept_prefix(t: &Tenant) -> String {
    format!("archiwa/{}/", t.teryt())
}

/// This deployment's archive key and limit.
async fn seal(state: &AppState) -> AppResult<Seal> {
    Ok(Seal::of(&state.db, &state.settings).await?)
}

/// Writes the gmina's export into a temporary file and returns its bytes and manifest.
async fn export_bytes(state: &AppState, t: &Tenant) -> AppResult<(Vec<u8>, Manifest)> {
    let dir =
        tempfile::tempdir().map_err(|e| AppError::BadRequest(format!("plik tymczasowy: {e}")))?;
    let file = dir.path().join("eksport.tar.gz");
    let manifest = archive::export(
        &state.db,
        &state.photos,
        &state.tenants,
        t.teryt(),
        state.catalogue.gmina_data(),
        &seal(state).await?,
        &file,
    )
    .await?;
    let bytes = tokio::fs::read(&file)
        .await
        .map_err(|e| AppError::BadRequest(format!("plik tymczasowy: {e}")))?;
    Ok((bytes, manifest))
}

fn stamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

fn attachment(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/gzip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// `GET …/eksport`: the gmina's archive, made now.
pub async fn download(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    if !matches!(t.status(), TenantStatus::Active | TenantStatus::Suspended) {
        return Err(AppError::BadRequest(format!(
            "{} nie ma danych do eksportu (status „{}”).",
            t.gmina().default_display_name(),
            status_label(t.status()).0
        )));
    }
    let (bytes, m) = export_bytes(&state, &t).await?;
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    record(
        &mut tx,
        &Actor::of(&page)?,
        "region.gmina_exported",
        json!({ "gmina": t.slug().as_str(), "wiersze": m.tables.iter().map(|t| t.rows).sum::<usize>(), "pliki": m.objects.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(attachment(
        &format!("gmina-{}-{}.tar.gz", t.slug(), stamp()),
        bytes,
    ))
}

/// The exports kept for a gmina, newest first: (name, size in bytes unknown → only names).
async fn kept(state: &AppState, t: &Tenant) -> AppResult<Vec<String>> {
    let prefix = kept_prefix(t);
    let mut names: Vec<String> = state
        .photos
        .list(&prefix)
        .await?
        .into_iter()
        .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
        .collect();
    names.reverse();
    Ok(names)
}

/// `GET …/archiwizacja`: what archiving does, the kept exports, and (for an archived gmina) the
/// restore buttons.
pub async fn confirm(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    let kept = kept(&state, &t).await?;
    Ok(page
        .render(
            &state,
            "region/archive.html",
            json!({
                "g": gmina_json(&t),
                "kept": kept,
            }),
        )?
        .into_response())
}

/// `POST …/archiwizacja`: keeps a fresh export in the store, then removes the gmina's data.
pub async fn archive(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    if t.status() != TenantStatus::Suspended {
        return Err(AppError::BadRequest(
            "Archiwizować można tylko zawieszony serwis gminy — najpierw go zawieś.".into(),
        ));
    }
    let dir =
        tempfile::tempdir().map_err(|e| AppError::BadRequest(format!("plik tymczasowy: {e}")))?;
    let file = dir.path().join("eksport.tar.gz");
    let gmina_data = state.catalogue.gmina_data();
    let seal = seal(&state).await?;
    archive::export(
        &state.db,
        &state.photos,
        &state.tenants,
        t.teryt(),
        gmina_data,
        &seal,
        &file,
    )
    .await?;
    let bytes = tokio::fs::read(&file)
        .await
        .map_err(|e| AppError::BadRequest(format!("plik tymczasowy: {e}")))?;
    let name = format!("gmina-{}-{}.tar.gz", t.slug(), stamp());
    // Kept before anything is removed: the export outlives the data it holds.
    state
        .photos
        .put(
            &format!("{}{name}", kept_prefix(&t)),
            bytes,
            "application/gzip",
        )
        .await?;
    let m = archive::archive(
        &state.db,
        &state.photos,
        &state.tenants,
        gmina_data,
        &seal,
        &file,
    )
    .await?;
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    record(
        &mut tx,
        &Actor::of(&page)?,
        "region.gmina_archived",
        json!({ "gmina": t.slug().as_str(), "archiwum": name, "pliki": m.objects.len() }),
    )
    .await?;
    tx.commit().await?;
    state.invalidate_tenants();
    Ok(Redirect::to(&format!(
        "/koordynator/gminy/{}?komunikat=zarchiwizowano",
        t.slug()
    ))
    .into_response())
}

/// A kept export named in a path or form: one of the gmina's, else 404.
async fn kept_file(state: &AppState, t: &Tenant, name: &str) -> AppResult<Vec<u8>> {
    if !kept(state, t).await?.iter().any(|k| k == name) {
        return Err(AppError::NotFound);
    }
    state
        .photos
        .get(&format!("{}{name}", kept_prefix(t)))
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET …/archiwa/{name}`: a kept export.
pub async fn download_kept(
    State(state): State<AppState>,
    Path((slug, name)): Path<(String, String)>,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    let bytes = kept_file(&state, &t, &name).await?;
    Ok(attachment(&name, bytes))
}

/// `POST …/przywrocenie`: restores an archived (or never joined) gmina from a kept export.
pub async fn restore(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    axum::Form(f): Fields,
) -> AppResult<Response> {
    let t = tenant_by_slug(&state, &slug).await?;
    let name = field(&f, "archiwum").to_owned();
    let bytes = kept_file(&state, &t, &name).await?;
    let dir =
        tempfile::tempdir().map_err(|e| AppError::BadRequest(format!("plik tymczasowy: {e}")))?;
    let file = dir.path().join("eksport.tar.gz");
    tokio::fs::write(&file, bytes)
        .await
        .map_err(|e| AppError::BadRequest(format!("plik tymczasowy: {e}")))?;
    // Only what this deployment signed: a file put into the store by other means is refused.
    let seal = seal(&state).await?;
    if archive::manifest(&file, &seal, Trust::Signed)?.teryt != t.teryt().as_str() {
        return Err(AppError::BadRequest("To archiwum jest innej gminy.".into()));
    }
    archive::import(
        &state.db,
        &state.photos,
        &state.tenants,
        state.catalogue.gmina_data(),
        &seal,
        Trust::Signed,
        &file,
    )
    .await?;
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    record(
        &mut tx,
        &Actor::of(&page)?,
        "region.gmina_restored",
        json!({ "gmina": t.slug().as_str(), "archiwum": name }),
    )
    .await?;
    tx.commit().await?;
    state.invalidate_tenants();
    Ok((
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            format!("/koordynator/gminy/{}?komunikat=przywrocono", t.slug()),
        )],
    )
        .into_response())
}
