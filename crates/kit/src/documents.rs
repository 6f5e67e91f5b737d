//! PDF attachments (an application for premises, evidence of a clause kept): checked by content,
//! not by name or declared type — a `%PDF-` header, an `%%EOF` marker near the end, within the
//! upload limit — stored in the object store under the gmina's prefix, and served as a download
//! to whoever the calling handler allowed. Deleting one is queued with its row's deletion.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use pestor_photos::PhotoError;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Why an attachment was refused, as the form says it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentError {
    #[error("Załącznik nie jest plikiem PDF. Zapisz dokument jako PDF i wybierz go ponownie.")]
    NotPdf,
    #[error("Plik PDF jest niekompletny albo uszkodzony — zapisz go ponownie.")]
    Truncated,
    #[error("Załącznik jest za duży (najwyżej {0} MB).")]
    TooLarge(usize),
}

/// Checks that `bytes` are a whole PDF of at most `max_bytes`.
pub fn check_pdf(bytes: &[u8], max_bytes: usize) -> Result<(), DocumentError> {
    if bytes.len() > max_bytes {
        return Err(DocumentError::TooLarge(max_bytes / (1024 * 1024)));
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err(DocumentError::NotPdf);
    }
    // Writers may add a little after the marker (a newline, incremental-update padding).
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(DocumentError::Truncated);
    }
    Ok(())
}

/// What a form's optional PDF field brought: nothing, a checked PDF, or why it was refused —
/// `failure` and `file` as [`crate::photos::read_upload`] read them (its size limit held while
/// reading).
pub fn optional_pdf(
    failure: Option<PhotoError>,
    file: Option<Vec<u8>>,
    max_bytes: usize,
) -> Result<Option<Vec<u8>>, DocumentError> {
    match (failure, file) {
        (Some(PhotoError::TooLarge(mb)), _) => Err(DocumentError::TooLarge(mb)),
        (Some(_), _) => Err(DocumentError::NotPdf),
        (None, Some(bytes)) => check_pdf(&bytes, max_bytes).map(|()| Some(bytes)),
        (None, None) => Ok(None),
    }
}

/// The object key of attachment `object` of gmina `teryt` in `folder` (a module's own prefix).
pub fn pdf_key(teryt: &str, folder: &str, object: Uuid) -> String {
    format!("gmina/{teryt}/{folder}/{object}.pdf")
}

/// Puts a checked PDF into the store; returns its object id.
pub async fn store_pdf(
    state: &AppState,
    teryt: &str,
    folder: &str,
    bytes: Vec<u8>,
) -> AppResult<Uuid> {
    let object = Uuid::new_v4();
    state
        .photos
        .put(&pdf_key(teryt, folder, object), bytes, "application/pdf")
        .await?;
    Ok(object)
}

/// The attachment as a download named `filename` (ASCII, no quotes), never cached by others.
pub async fn serve_pdf(
    state: &AppState,
    teryt: &str,
    folder: &str,
    object: Uuid,
    filename: &str,
) -> AppResult<Response> {
    let bytes = state
        .photos
        .get(&pdf_key(teryt, folder, object))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Queues the attachment's object for removal, in the transaction that forgets it.
pub async fn queue_pdf_deletion(
    conn: &mut PgConnection,
    teryt: &str,
    folder: &str,
    object: Uuid,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO public.object_deletions (key) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(pdf_key(teryt, folder, object))
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_pdf_within_the_limit_passes() {
        let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
        assert_eq!(check_pdf(&pdf, 1024), Ok(()));
        assert_eq!(check_pdf(&pdf, 10), Err(DocumentError::TooLarge(0)));
        assert_eq!(
            check_pdf(b"PK\x03\x04 a zip named .pdf", 1024),
            Err(DocumentError::NotPdf)
        );
        assert_eq!(
            check_pdf(&pdf[..pdf.len() - 7], 1024),
            Err(DocumentError::Truncated)
        );
        assert_eq!(check_pdf(b"", 1024), Err(DocumentError::NotPdf));
    }
}
