//! What e-mail subscriptions with double opt-in share (the Giełda's notices of offers, the
//! register's notices of procurements): the page that asks for a click before a link confirms or
//! unsubscribes — a mail scanner that opens links must not do either — and a notice's
//! unsubscribe link and headers (one-click, RFC 8058).

use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::AppResult;
use crate::letters::{self, Letter};
use crate::page::Page;
use crate::site::Site;
use crate::state::AppState;

/// A confirmation page: its title and warning, where its button posts the link's token, the
/// button's label and the way back.
pub struct Ask<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub path: &'a str,
    pub button: &'a str,
    pub back: &'a str,
}

/// The page asking for the click that posts `token` to `a.path`.
pub fn ask(state: &AppState, page: &Page, token: &str, a: Ask<'_>) -> AppResult<Response> {
    let action = format!("{}?token={}", a.path, crate::auth::access::urlencode(token));
    Ok(page
        .render(
            state,
            "confirm.html",
            json!({ "title": a.title, "text": a.text, "action": action, "button": a.button, "back": a.back }),
        )?
        .into_response())
}

/// `letter` to `email` with the unsubscribe link as its last paragraph and in the
/// `List-Unsubscribe` headers, ready for the outbox.
pub fn with_unsubscribe(
    state: &AppState,
    site: &Site,
    email: &str,
    letter: &Letter,
    unsubscribe: &str,
) -> AppResult<pestor_mail::Mail> {
    let mut letter = Letter {
        subject: letter.subject.clone(),
        paragraphs: letter.paragraphs.clone(),
        action: letter.action.clone(),
    };
    letter.paragraphs.push(format!(
        "Aby nie dostawać więcej powiadomień, wypisz się: {unsubscribe}"
    ));
    let mut mail = letters::compose(state, site, email, &letter)?;
    mail.headers = vec![
        ("List-Unsubscribe".into(), format!("<{unsubscribe}>")),
        (
            "List-Unsubscribe-Post".into(),
            "List-Unsubscribe=One-Click".into(),
        ),
    ];
    Ok(mail)
}
