//! Reading what a form or link submitted: text fields (missing ones read as empty, so bad input
//! gets our Polish message rather than a generic 422), repeated keys, ids in paths, reasons for staff
//! decisions, e-mail addresses.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult};

/// A submitted form as text fields; missing fields read as empty, so bad input gets our message
/// rather than a generic 422.
pub type Fields = axum::Form<HashMap<String, String>>;

pub fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map_or("", |v| v.as_str())
}

/// `?token=…` of a link sent by e-mail.
#[derive(serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

/// A plausible e-mail address (the real check is the link we send to it).
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    e.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',')
}

/// A submitted form with repeated keys (checkboxes, multi-selects) kept.
pub type RawForm = axum::Form<Vec<(String, String)>>;

/// An id from the path; anything but a number is a page that does not exist.
pub fn path_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// The `{id}` of the route's path as a number; anything else (letters, overflow, nothing) is a
/// page that does not exist, never axum's plain-text rejection.
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        params
            .get("id")
            .ok_or(AppError::NotFound)
            .and_then(|id| path_id(id))
            .map(PathId)
    }
}

/// A form read into a `serde` struct. Give its fields `#[serde(default)]` so a missing one reads as
/// empty and reaches the handler's own Polish message; a body that is not a form at all is refused
/// with one, never axum's English rejection.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(t)| Form(t))
            .map_err(|_| {
                AppError::BadRequest(
                    "Nie udało się odczytać formularza. Wróć, odśwież stronę i wyślij go ponownie. Nic nie zostało zmienione."
                        .into(),
                )
            })
    }
}

/// A "move up / move down" button of an ordered list (`kierunek` = `gora` or `dol`).
#[derive(serde::Deserialize)]
pub struct Move {
    #[serde(default)]
    kierunek: String,
}

impl Move {
    /// `true` for up, `false` for down; anything else is refused with a message.
    pub fn up(&self) -> AppResult<bool> {
        match self.kierunek.as_str() {
            "gora" => Ok(true),
            "dol" => Ok(false),
            _ => Err(AppError::BadRequest(
                "Wybierz kierunek: w górę albo w dół.".into(),
            )),
        }
    }
}

/// A staff decision: the `decision` button pressed and the `reason` typed beside it.
#[derive(serde::Deserialize)]
pub struct Decision {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// One button of a decision form and what it means to the handler.
pub struct Choice<T> {
    value: &'static str,
    outcome: T,
    /// For choices that need a reason: what it justifies and who will read it.
    reason: Option<(&'static str, &'static str)>,
}

impl<T> Choice<T> {
    pub const fn plain(value: &'static str, outcome: T) -> Self {
        Choice {
            value,
            outcome,
            reason: None,
        }
    }

    /// A choice made only with a reason (see [`required_reason`]), e.g. a rejection.
    pub const fn with_reason(
        value: &'static str,
        outcome: T,
        what: &'static str,
        reader: &'static str,
    ) -> Self {
        Choice {
            value,
            outcome,
            reason: Some((what, reader)),
        }
    }
}

impl Decision {
    /// The outcome of the button pressed and its reason (empty for a choice without one). A value
    /// no choice offers gets `unknown`; a missing or short reason gets [`required_reason`]'s message.
    pub fn choose<T: Copy>(&self, choices: &[Choice<T>], unknown: &str) -> AppResult<(T, String)> {
        let choice = choices
            .iter()
            .find(|c| c.value == self.decision)
            .ok_or_else(|| AppError::BadRequest(unknown.to_owned()))?;
        let reason = match choice.reason {
            Some((what, reader)) => required_reason(&self.reason, what, reader)?,
            None => String::new(),
        };
        Ok((choice.outcome, reason))
    }

    /// A gmina's decision about another gmina's record shown on its site: `hide` (true, with a
    /// reason of 10–500 characters for the gmina's staff) or `show` (false).
    pub fn hide_or_show(&self, what: &str) -> AppResult<(bool, String)> {
        let (hide, reason) = self.choose(
            &[
                Choice::with_reason("hide", true, "ukrycia", "zobaczą je pracownicy urzędu"),
                Choice::plain("show", false),
            ],
            &format!("Wybierz: ukryj albo pokaż {what}."),
        )?;
        if reason.chars().count() > 500 {
            return Err(AppError::BadRequest(
                "Uzasadnienie może mieć najwyżej 500 znaków. Nic nie zostało zmienione.".into(),
            ));
        }
        Ok((hide, reason))
    }
}

/// The reason given with a staff decision that `reader` will receive: at least 10 characters,
/// or nothing is changed.
pub fn required_reason(reason: &str, what: &str, reader: &str) -> AppResult<String> {
    let reason = reason.trim();
    if reason.chars().count() < 10 {
        return Err(AppError::BadRequest(format!(
            "Podaj uzasadnienie {what} (co najmniej 10 znaków) — {reader}. Nic nie zostało zmienione."
        )));
    }
    Ok(reason.to_owned())
}
