//! One error type for every handler, mapped to a status and a Polish page in one place.
//!
//! `IntoResponse` only records *what* went wrong (an [`ErrorPage`] in the response extensions); the
//! site layer then renders it with the gmina's branding, which plain `IntoResponse` cannot reach.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("nie znaleziono strony")]
    NotFound,
    #[error("nieznany adres serwisu")]
    UnknownHost,
    /// The site was opened by IP address; gminas are told apart by host name. Holds the portal's URL.
    #[error("serwis otwarty adresem IP zamiast nazwy")]
    IpAddressHost(String),
    #[error("niepoprawny nagłówek Host")]
    BadHost,
    #[error("gmina {0} nie jest jeszcze na platformie")]
    NotProvisioned(String),
    /// The gmina's name and the reason a coordinator gave (may be empty).
    #[error("serwis gminy {0} jest zawieszony")]
    Suspended(String, String),
    #[error("wymagane zalogowanie")]
    SignInRequired,
    #[error("brak uprawnień")]
    Forbidden,
    #[error("niepoprawny lub brakujący token formularza")]
    CsrfRejected,
    #[error("za duże żądanie")]
    PayloadTooLarge,
    #[error("za dużo prób")]
    TooManyRequests,
    /// Regional work is at its limit (`database.regional_concurrency`) or ran past its statement
    /// timeout: a page over every gmina asks the visitor to come back, and nothing else waits.
    #[error("praca regionalna przekroczyła swój limit")]
    Busy,
    /// A link or request that cannot be honoured; the message is shown to the user.
    #[error("{0}")]
    BadRequest(String),
    /// A change the record's present state does not allow (approving twice, the last piece already
    /// given); the message says why and that nothing changed.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Mail(#[from] pestor_mail::MailError),
    /// The photo store failed; the user is asked to try again later.
    #[error(transparent)]
    Storage(#[from] pestor_photos::StoreError),
    #[error(transparent)]
    Db(#[from] pestor_db::DbError),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("błąd szablonu: {0}")]
    Template(#[from] minijinja::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// Turns the violation of one named constraint into the error the user should read, leaving every
/// other database error as it was: `.on_constraint("gmina_roles_key", |_| AppError::BadRequest(…))`.
pub trait OnConstraint<T> {
    fn on_constraint<E>(
        self,
        name: &str,
        map: impl FnOnce(&dyn sqlx::error::DatabaseError) -> E,
    ) -> Result<T, E>
    where
        E: From<sqlx::Error>;
}

impl<T> OnConstraint<T> for Result<T, sqlx::Error> {
    fn on_constraint<E>(
        self,
        name: &str,
        map: impl FnOnce(&dyn sqlx::error::DatabaseError) -> E,
    ) -> Result<T, E>
    where
        E: From<sqlx::Error>,
    {
        self.map_err(|e| match &e {
            sqlx::Error::Database(d) if d.constraint() == Some(name) => map(d.as_ref()),
            _ => E::from(e),
        })
    }
}

/// What the error page says; attached to the response and rendered by the site layer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ErrorPage {
    pub title: String,
    pub message: String,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound
            | AppError::UnknownHost
            | AppError::IpAddressHost(_)
            | AppError::NotProvisioned(_) => StatusCode::NOT_FOUND,
            AppError::BadHost => StatusCode::BAD_REQUEST,
            AppError::Suspended(..) | AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            _ if self.database_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(_) | AppError::Sqlx(_) | AppError::Template(_) | AppError::Mail(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            AppError::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The database cannot be reached (down, restarting, no free connection in time): a passing
    /// outage the visitor is asked to wait out, not a fault of the request.
    pub fn database_unavailable(&self) -> bool {
        let e = match self {
            AppError::Sqlx(e) | AppError::Db(pestor_db::DbError::Sqlx(e)) => e,
            _ => return false,
        };
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::WorkerCrashed => true,
            // Class 08 (connection exception), 57P01–57P03 (shut down, crashed, starting up).
            sqlx::Error::Database(d) => d
                .code()
                .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
            _ => false,
        }
    }

    fn page(&self) -> ErrorPage {
        let (title, message) = match self {
            AppError::NotFound => (
                "Nie znaleziono strony",
                "Strona o tym adresie nie istnieje albo została przeniesiona.".to_owned(),
            ),
            AppError::UnknownHost => (
                "Nie ma takiego serwisu gminy",
                "Pod tym adresem nie działa serwis żadnej gminy. Listę gmin znajdziesz w portalu województwa.".to_owned(),
            ),
            AppError::IpAddressHost(portal) => (
                "Otwórz platformę pod jej nazwą",
                format!("Serwisy gmin rozpoznajemy po nazwie w adresie, a nie po adresie IP. Otwórz {portal} (portal województwa) albo serwis gminy, np. torun.{}.", portal.split_once("://").map_or(portal.as_str(), |(_, h)| h)),
            ),
            AppError::BadHost => ("Niepoprawne żądanie", "Adres serwisu w żądaniu jest niepoprawny.".to_owned()),
            AppError::NotProvisioned(name) => (
                "Serwis gminy nie jest jeszcze dostępny",
                format!("{name} nie prowadzi jeszcze serwisu na platformie. Listę gmin znajdziesz w portalu województwa."),
            ),
            AppError::Suspended(name, reason) => (
                "Serwis gminy jest czasowo niedostępny",
                if reason.is_empty() {
                    format!("Serwis {name} został czasowo zawieszony. Spróbuj ponownie później lub skorzystaj z portalu województwa.")
                } else {
                    format!("Serwis {name} został czasowo zawieszony. Powód podany przez koordynatora: „{reason}”. Spróbuj ponownie później lub skorzystaj z portalu województwa.")
                },
            ),
            AppError::SignInRequired => (
                "Zaloguj się",
                "Ta czynność wymaga zalogowania.".to_owned(),
            ),
            AppError::Forbidden => (
                "Brak dostępu",
                "Nie masz uprawnień do tej strony lub czynności. Jeśli to pomyłka, skontaktuj się z administratorem gminy.".to_owned(),
            ),
            AppError::CsrfRejected => (
                "Formularz wygasł",
                "Nie mogliśmy potwierdzić, że formularz został wysłany z tej strony. Wróć, odśwież stronę i spróbuj ponownie. Nic nie zostało zmienione.".to_owned(),
            ),
            AppError::PayloadTooLarge => ("Za duże żądanie", "Przesłane dane są za duże.".to_owned()),
            AppError::TooManyRequests => (
                "Za dużo prób",
                "Wykonano zbyt wiele prób w krótkim czasie. Odczekaj kwadrans i spróbuj ponownie.".to_owned(),
            ),
            AppError::BadRequest(message) | AppError::Conflict(message) => {
                ("Nie można wykonać tej czynności", message.clone())
            }
            AppError::Busy => (
                "Spróbuj za chwilę",
                "Zestawienie dla całego regionu liczy się teraz dla kogoś innego albo trwa zbyt długo. Spróbuj za chwilę — serwisy gmin działają bez przerwy.".to_owned(),
            ),
            AppError::Storage(_) => (
                "Zdjęcia są chwilowo niedostępne",
                "Magazyn zdjęć nie odpowiada. Spróbuj ponownie za kilka minut. Nic nie zostało zmienione.".to_owned(),
            ),
            _ if self.database_unavailable() => (
                "Serwis chwilowo niedostępny",
                "Baza danych platformy chwilowo nie odpowiada. Spróbuj ponownie za minutę. Jeśli właśnie coś zapisywałeś, sprawdź potem, czy zostało zapisane.".to_owned(),
            ),
            AppError::Db(_) | AppError::Sqlx(_) | AppError::Template(_) | AppError::Mail(_) => (
                "Błąd serwera",
                "Wystąpił nieoczekiwany błąd. Zapisaliśmy go i zajmiemy się nim. Spróbuj ponownie za chwilę.".to_owned(),
            ),
        };
        ErrorPage {
            title: title.to_owned(),
            message,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(error = %self, "request failed");
        } else if self.database_unavailable() {
            tracing::warn!(error = %self, "database unavailable");
        }
        let page = self.page();
        let mut response = (status, page.message.clone()).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("60"),
            );
        }
        response.extensions_mut().insert(page);
        response
    }
}
