//! What e-mail subscriptions with double opt-in share (the Giełda's notices of offers, the
//! register's notices of procurements): the page that asks for a click before a link confirms or
//! unsubscribes — a mail scanner that opens links must not do either — and a notice's
//! unsubscribe link and headers (one-click, RFC 8058).

use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth::tokens;
use crate::error::{AppError, AppResult};
use crate::letters::{self, Letter};
use crate::page::{Gmina, Page};
use crate::site::Site;
use crate::state::AppState;

/// A module's subscriptions: its table in the gmina's schema (fixed text, never from input,
/// with `token_hash` and `confirmed_at`), what else a confirmation sets, its paths, what its
/// notices are about, and the way back.
pub struct Subscriptions {
    pub table: &'static str,
    /// Further `SET` items of the confirmation (`""`, or `", column = …"`).
    pub also_on_confirm: &'static str,
    pub confirm_path: &'static str,
    pub unsubscribe_path: &'static str,
    /// "o nowych ofertach", "o nowych zamówieniach".
    pub about: &'static str,
    pub back: (&'static str, &'static str),
}

impl Subscriptions {
    fn message(
        &self,
        state: &AppState,
        page: &Page,
        title: &str,
        text: &str,
    ) -> AppResult<Response> {
        Ok(page
            .message(state, title, &[text], Some(self.back))?
            .into_response())
    }

    /// The page of the confirmation link: one click confirms.
    pub fn confirm_page(&self, state: &AppState, page: &Page, token: &str) -> AppResult<Response> {
        let text = format!(
            "Potwierdź, że chcesz dostawać e-mailem powiadomienia {}.",
            self.about
        );
        let a = Ask {
            title: "Potwierdź powiadomienia",
            text: &text,
            path: self.confirm_path,
            button: "Potwierdzam",
            back: self.back.0,
        };
        ask(state, page, token, a)
    }

    /// The click: the subscription with this link's secret is confirmed (again: no change).
    pub async fn confirm(
        &self,
        state: &AppState,
        page: &Page,
        gmina: &Gmina,
        token: &str,
    ) -> AppResult<Response> {
        let mut tx = gmina.begin().await?;
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET confirmed_at = coalesce(confirmed_at, now()){} WHERE token_hash = $1",
            self.table, self.also_on_confirm
        )))
        .bind(tokens::hash(token))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if done == 0 {
            return Err(AppError::BadRequest(
                "Link jest nieważny — może powiadomienia zostały już wyłączone. Zapisz się ponownie."
                    .into(),
            ));
        }
        self.message(
            state,
            page,
            "Powiadomienia włączone",
            "Dziękujemy — adres został potwierdzony. Każda wiadomość ma link do wypisania się.",
        )
    }

    /// The page of the unsubscribe link: one click unsubscribes.
    pub fn unsubscribe_page(
        &self,
        state: &AppState,
        page: &Page,
        token: &str,
    ) -> AppResult<Response> {
        let text = format!(
            "Po wypisaniu nie dostaniesz więcej powiadomień {}.",
            self.about
        );
        let a = Ask {
            title: "Wypisz się z powiadomień",
            text: &text,
            path: self.unsubscribe_path,
            button: "Wypisz mnie",
            back: self.back.0,
        };
        ask(state, page, token, a)
    }

    /// The secret of subscription `id`'s unsubscribe links in gmina `teryt`: the same in every
    /// notice, so every link a person was ever sent works until it is used. Signed with the
    /// platform's secret and bound to the gmina and the table; nothing is stored.
    pub fn unsubscribe_token(&self, state: &AppState, teryt: &str, id: i64) -> String {
        let id = id.to_string();
        let signature = tokens::sign(&state.secret, &["unsubscribe", self.table, teryt, &id]);
        format!("{id}.{signature}")
    }

    /// The subscription an unsubscribe token names, if its signature holds.
    fn subscription_of(&self, state: &AppState, teryt: &str, token: &str) -> Option<i64> {
        let (id, signature) = token.split_once('.')?;
        let id: i64 = id.parse().ok()?;
        tokens::verify(
            &state.secret,
            &["unsubscribe", self.table, teryt, &id.to_string()],
            signature,
        )
        .then_some(id)
    }

    /// The click, or a mail program's one-click post: the subscription is gone — also when it
    /// was gone already (the outcome the person asked for). A link that names no subscription is
    /// told so, never answered "Wypisano".
    pub async fn unsubscribe(
        &self,
        state: &AppState,
        page: &Page,
        gmina: &Gmina,
        token: &str,
    ) -> AppResult<Response> {
        let teryt = gmina.site.tenant.teryt().as_str();
        let mut tx = gmina.begin().await?;
        // A signed link names its subscription; notices sent before signed links carried the
        // confirmation's secret instead.
        let id = self.subscription_of(state, teryt, token);
        let deleted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {} WHERE id = $1 OR token_hash = $2",
            self.table
        )))
        .bind(id)
        .bind(tokens::hash(token))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let known = id.is_some() || deleted > 0;
        tx.commit().await?;
        if !known {
            let response = self.message(
                state,
                page,
                "Link nie pasuje do żadnej subskrypcji",
                "Nie wypisaliśmy żadnego adresu: ten link jest niepełny albo nie pochodzi z naszej wiadomości. Skopiuj cały link z wiadomości z powiadomieniem albo napisz do urzędu.",
            )?;
            return Ok((axum::http::StatusCode::NOT_FOUND, response).into_response());
        }
        let text = format!("Nie będziesz już dostawać powiadomień {}.", self.about);
        self.message(state, page, "Wypisano", &text)
    }

    /// After a subscription is stored: where its confirmation went.
    pub fn check_your_mail(
        &self,
        state: &AppState,
        page: &Page,
        email: &str,
    ) -> AppResult<Response> {
        self.message(
            state,
            page,
            "Sprawdź skrzynkę e-mail",
            &format!(
                "Wysłaliśmy na adres {email} link do potwierdzenia. Powiadomienia zaczną przychodzić po potwierdzeniu."
            ),
        )
    }
}

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
