//! Text the database cannot store never reaches it. PostgreSQL's `text` holds any UTF-8 except the
//! NUL character (`invalid byte sequence for encoding "UTF8": 0x00`), so a request carrying one in
//! its address or its form is refused here, with a Polish message, before any handler runs.
//! Multipart forms and CSV files are checked where they are read (`photos::read_upload`,
//! `organisations::import`).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

/// Forms are small; uploads use multipart and are read by their handlers within their own limit.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

pub const NUL_MESSAGE: &str = "Przesłany tekst zawiera znak NUL (kod 0), którego nie można zapisać. Usuń go i spróbuj ponownie. Nic nie zostało zmienione.";

/// Whether URL-encoded text (an address or a form body) decodes to a NUL anywhere.
pub fn encodes_nul(raw: &[u8]) -> bool {
    raw.contains(&0)
        || raw
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

pub async fn refuse_unstorable_text(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let uri = req.uri();
    let address = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    if encodes_nul(address.as_bytes()) {
        return AppError::BadRequest(NUL_MESSAGE.into()).into_response();
    }
    // The API's parameters are given with a value or not at all (as its OpenAPI document says);
    // pages' GET forms, by contrast, send their empty fields.
    if state.catalogue.is_api(uri.path())
        && let Some(empty) = uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .find(|p| p.split_once('=').is_none_or(|(_, v)| v.is_empty()))
    {
        let name: String = empty
            .split('=')
            .next()
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect();
        return AppError::BadRequest(format!(
            "Niepoprawny parametr: {name} (pusta wartość; pomiń parametr albo podaj wartość)."
        ))
        .into_response();
    }
    if !is_urlencoded_form(req.headers()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return AppError::PayloadTooLarge.into_response();
    };
    if encodes_nul(&bytes) {
        return AppError::BadRequest(NUL_MESSAGE.into()).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether the body is a URL-encoded form (the only kind of body read before the handler).
pub fn is_urlencoded_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// The API's refusal of one parameter: "Niepoprawny parametr: {what}."
pub fn bad_parameter(what: &str) -> AppError {
    AppError::BadRequest(format!("Niepoprawny parametr: {what}."))
}

/// The checks every API list shares: a known sort key, a page number from 1.
pub fn check_sort_and_page(sort: &str, known_sort: bool, strona: &str) -> Result<(), AppError> {
    if !sort.is_empty() && !known_sort {
        return Err(bad_parameter("sort"));
    }
    if !strona.is_empty() && crate::page::parse_page(strona).is_none() {
        return Err(bad_parameter("strona (liczba od 1)"));
    }
    Ok(())
}

/// The query of a paginated API list: the list page's own filters, and `na_strone`.
#[derive(serde::Deserialize, Default)]
pub struct ApiQuery<F> {
    #[serde(flatten)]
    pub filters: F,
    #[serde(default)]
    na_strone: String,
}

impl<F> ApiQuery<F> {
    /// Items per page asked for: `default` when not given, at most `max`.
    pub fn per_page(&self, default: i64, max: i64) -> Result<i64, AppError> {
        match self.na_strone.as_str() {
            "" => Ok(default),
            n => n
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| bad_parameter(&format!("na_strone (liczba od 1 do {max})"))),
        }
    }
}

/// Headers of open data: any site's scripts may read it, and it changes at most every minute.
pub fn open_data_headers(
    content_type: &'static str,
) -> [(axum::http::header::HeaderName, &'static str); 3] {
    use axum::http::header;
    [
        (header::CONTENT_TYPE, content_type),
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (header::CACHE_CONTROL, "public, max-age=60"),
    ]
}

/// The 1-based line of the first NUL in `text`, if any (for file imports).
pub fn line_of_nul(text: &str) -> Option<usize> {
    let at = text.find('\0')?;
    Some(text[..at].matches('\n').count() + 1)
}

/// `axum::extract::Query` whose failures (a repeated parameter, a value of the wrong kind) are the
/// platform's own 400 — a Polish page, or JSON under the API — instead of axum's plain text.
pub struct Query<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(AppError::BadRequest(query_problem(&e.body_text()))),
        }
    }
}

/// A Polish sentence for serde's account of a bad query string (it names the field in backticks).
fn query_problem(serde_text: &str) -> String {
    let field = serde_text.split('`').nth(1).filter(|f| f.len() <= 40);
    match field {
        Some(f) if serde_text.contains("duplicate field") => {
            format!("Niepoprawny parametr: {f} (podany więcej niż raz).")
        }
        Some(f) => format!("Niepoprawny parametr: {f}."),
        None => "Niepoprawne parametry w adresie strony.".to_owned(),
    }
}
