//! Files under `/static/`, as the modules registered them (the kit's own: the stylesheet, the
//! emblems and the self-hosted map library, refreshed by `scripts/vendor-map.sh`).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The content type of a file we serve, by its extension; `None` for any other kind of file.
pub fn content_type(file: &str) -> Option<&'static str> {
    match file.rsplit_once('.')?.1.to_ascii_lowercase().as_str() {
        "svg" => Some("image/svg+xml"),
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "webp" => Some("image/webp"),
        "css" => Some("text/css; charset=utf-8"),
        "js" => Some("text/javascript; charset=utf-8"),
        _ => None,
    }
}

/// The registered static file `name` as a response.
pub fn asset(state: &AppState, name: &str) -> AppResult<Response> {
    let file = state
        .catalogue
        .static_file(name)
        .ok_or(AppError::NotFound)?;
    let content_type = content_type(name).ok_or(AppError::NotFound)?;
    let bytes = file.source.read().map_err(|e| {
        tracing::error!(file = name, error = %e, "static file unreadable");
        AppError::NotFound
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        bytes.into_owned(),
    )
        .into_response())
}

pub async fn static_asset(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Response> {
    asset(&state, &name)
}
