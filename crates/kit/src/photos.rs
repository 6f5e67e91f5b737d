//! Photos in the web app: reading an upload within its size limit, storing its variants (and
//! cleaning up when a save fails), serving a photo only on its own gmina's host, and removing the
//! objects of deleted photos — queued in the deleting transaction, so none is forgotten.

use axum::extract::multipart::{Multipart, MultipartError};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pestor_photos::{Limits, PhotoError, StoreError, Variant, photo_key};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Text fields of a form are short; a longer one is not a form of ours.
const MAX_TEXT_FIELD: usize = 64 * 1024;
const MAX_PARTS: usize = 64;

/// A multipart form: its text fields (repeated keys kept) and the one file field's bytes.
#[derive(Default)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub file: Option<Vec<u8>>,
}

/// Reads a multipart form, refusing it as soon as the file passes `max_bytes` (nothing more of
/// the body is read) — the size limit holds while reading, not after. On failure the fields read
/// so far come back too (forms put their text fields before the file), so the form can be shown
/// again with what was typed.
pub async fn read_upload(
    form: Multipart,
    file_field: &str,
    max_bytes: usize,
) -> (Upload, Option<PhotoError>) {
    let mut upload = Upload::default();
    let failure = read_parts(form, file_field, max_bytes, &mut upload)
        .await
        .err();
    (upload, failure)
}

async fn read_parts(
    mut form: Multipart,
    file_field: &str,
    max_bytes: usize,
    upload: &mut Upload,
) -> Result<(), PhotoError> {
    let broken = |_: MultipartError| PhotoError::Damaged;
    let mut parts = 0;
    while let Some(mut field) = form.next_field().await.map_err(broken)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(PhotoError::Damaged);
        }
        let name = field.name().unwrap_or_default().to_owned();
        let limit = if name == file_field {
            max_bytes
        } else {
            MAX_TEXT_FIELD
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(broken)? {
            if bytes.len() + chunk.len() > limit {
                return Err(PhotoError::TooLarge(max_bytes / (1024 * 1024)));
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == file_field {
            // A form sent with no file chosen has an empty file part.
            upload.file = (!bytes.is_empty()).then_some(bytes);
        } else {
            let text = String::from_utf8(bytes).map_err(|_| PhotoError::Damaged)?;
            if text.contains('\0') {
                return Err(PhotoError::UnstorableText);
            }
            upload.fields.push((name, text));
        }
    }
    Ok(())
}

/// Why a photo was not saved: the file (a message for the form) or the store (try later).
#[derive(Debug, thiserror::Error)]
pub enum SaveFailure {
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SaveFailure {
    /// What the form says.
    pub fn message(&self) -> String {
        match self {
            SaveFailure::Photo(e) => e.to_string(),
            SaveFailure::Store(_) => "Nie udało się zapisać zdjęcia — magazyn zdjęć chwilowo nie odpowiada. Spróbuj ponownie za kilka minut; wpisane dane zostały w formularzu.".into(),
        }
    }
}

/// A photo whose variants are in the store.
pub struct Stored {
    pub object: Uuid,
    pub width: u32,
    pub height: u32,
}

/// Checks and re-encodes `bytes` (on a blocking thread: decoding is CPU work) and puts every
/// variant into the store. If any put fails, the ones already stored are removed.
pub async fn store(state: &AppState, teryt: &str, bytes: Vec<u8>) -> Result<Stored, SaveFailure> {
    let limits = Limits {
        max_bytes: state.settings.storage.max_upload_bytes,
        max_pixels: state.settings.storage.max_image_pixels,
    };
    let variants = tokio::task::spawn_blocking(move || pestor_photos::process(&bytes, limits))
        .await
        .map_err(|_| PhotoError::Damaged)??;
    let object = Uuid::new_v4();
    for (i, v) in Variant::ALL.into_iter().enumerate() {
        let key = photo_key(teryt, object, v);
        if let Err(e) = state
            .photos
            .put(&key, variants.bytes(v).to_vec(), "image/jpeg")
            .await
        {
            for done in &Variant::ALL[..i] {
                discard_key(state, &photo_key(teryt, object, *done)).await;
            }
            return Err(e.into());
        }
    }
    Ok(Stored {
        object,
        width: variants.width,
        height: variants.height,
    })
}

/// Removes a stored photo whose row was never written (the save failed after the upload).
pub async fn discard(state: &AppState, teryt: &str, object: Uuid) {
    for v in Variant::ALL {
        discard_key(state, &photo_key(teryt, object, v)).await;
    }
}

async fn discard_key(state: &AppState, key: &str) {
    if let Err(e) = state.photos.delete(key).await {
        tracing::warn!(key, error = %e, "could not remove an unsaved photo object; queueing");
        let queued =
            sqlx::query("INSERT INTO object_deletions (key) VALUES ($1) ON CONFLICT DO NOTHING")
                .bind(key)
                .execute(state.db.platform())
                .await;
        if let Err(e) = queued {
            tracing::error!(key, error = %e, "orphan photo object left in the store");
        }
    }
}

/// Queues the objects of a photo being deleted, in the transaction that deletes its row.
pub async fn queue_deletion(
    conn: &mut PgConnection,
    teryt: &str,
    object: Uuid,
) -> sqlx::Result<()> {
    for v in Variant::ALL {
        sqlx::query("INSERT INTO public.object_deletions (key) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(photo_key(teryt, object, v))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Removes queued objects from the store (a worker runs this every minute, and handlers right
/// after a deletion commits). Returns how many were removed.
pub async fn purge_deleted(state: &AppState) -> sqlx::Result<usize> {
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT key FROM object_deletions ORDER BY queued_at LIMIT 500 FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut removed = 0;
    for key in keys {
        match state.photos.delete(&key).await {
            Ok(()) => {
                sqlx::query("DELETE FROM object_deletions WHERE key = $1")
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
                removed += 1;
            }
            Err(e) => {
                sqlx::query(
                    "UPDATE object_deletions SET attempts = attempts + 1, last_error = $2 WHERE key = $1",
                )
                .bind(&key)
                .bind(e.to_string())
                .execute(&mut *tx)
                .await?;
                // The store is down: the rest can wait for the next pass.
                break;
            }
        }
    }
    tx.commit().await?;
    Ok(removed)
}

/// Removes queued objects now rather than at the worker's next pass (after a deletion commits).
pub fn purge_soon(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = purge_deleted(&state).await {
            tracing::warn!(error = %e, "removing deleted photos failed");
        }
    });
}

/// Sends one variant of a stored photo. Objects never change (a new photo is a new object), so
/// the ETag is the object and variant, and a revalidation is answered without reading the store.
/// `public`: anyone may see it; otherwise only signed-in members and staff (private caching).
pub async fn serve(
    state: &AppState,
    teryt: &str,
    object: Uuid,
    variant: Variant,
    headers: &HeaderMap,
    public: bool,
) -> AppResult<Response> {
    let etag = format!("\"{object}-{}\"", variant.name());
    // A photo only members and staff may see must never sit in a shared cache.
    let (cache_control, vary) = if public {
        ("public, max-age=3600", "Accept-Encoding")
    } else {
        ("private, max-age=3600", "Cookie")
    };
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, cache_control.to_owned()),
        (header::VARY, vary.to_owned()),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let bytes = state
        .photos
        .get(&photo_key(teryt, object, variant))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        cache,
        [(header::CONTENT_TYPE, "image/jpeg".to_owned())],
        bytes,
    )
        .into_response())
}

/// A photo form's outcome when the photo was refused: the description as typed, each problem by
/// its field (`alt`, `photo`), and the status to answer with.
pub struct Refused {
    pub alt: String,
    pub errors: std::collections::HashMap<&'static str, String>,
    pub status: StatusCode,
}

/// A photo form (multipart `alt`, `photo`) for something that has `have` photos of at most `max`
/// (`full` says so): the description and the file checked, the photo stored. The caller writes
/// its row, re-checking the count under its lock, and discards the photo if that fails.
pub async fn receive(
    state: &AppState,
    teryt: &str,
    form: Multipart,
    have: i64,
    max: i64,
    full: &str,
) -> Result<(Stored, String), Refused> {
    let (upload, failure) =
        read_upload(form, "photo", state.settings.storage.max_upload_bytes).await;
    let alt = upload
        .fields
        .iter()
        .find(|(k, _)| k == "alt")
        .map_or(String::new(), |(_, v)| v.trim().to_owned());
    let mut errors = std::collections::HashMap::new();
    match (&failure, &upload.file) {
        (Some(e), _) => {
            errors.insert("photo", e.to_string());
        }
        (None, None) => {
            errors.insert(
                "photo",
                "Wybierz plik zdjęcia (JPEG, PNG albo WebP).".to_owned(),
            );
        }
        _ => {}
    }
    if !(3..=300).contains(&alt.chars().count()) {
        errors.insert(
            "alt",
            "Opisz zdjęcie dla osób, które go nie widzą (od 3 do 300 znaków).".to_owned(),
        );
    }
    if have >= max {
        errors.insert("photo", full.to_owned());
    }
    let (true, Some(bytes)) = (errors.is_empty(), upload.file) else {
        return Err(Refused {
            alt,
            errors,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        });
    };
    match store(state, teryt, bytes).await {
        Ok(stored) => Ok((stored, alt)),
        Err(f) => Err(Refused {
            errors: std::collections::HashMap::from([("photo", f.message())]),
            status: match f {
                SaveFailure::Photo(_) => StatusCode::UNPROCESSABLE_ENTITY,
                SaveFailure::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            },
            alt,
        }),
    }
}
