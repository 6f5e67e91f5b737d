//! Notices of newly announced procurements: anyone — a PES above all — subscribes with an
//! address to chosen kinds (usługi, dostawy, roboty budowlane; none chosen: all). Double opt-in:
//! nothing goes to an address that has not confirmed; every notice carries `List-Unsubscribe`
//! with one-click unsubscribe (RFC 8058) and a working link. Mail goes through the outbox, in the
//! transaction that announces the procurement.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pestor_db::TenantTx;
use pestor_kit::auth::throttle::{ClientIp, limit_per_ip};
use pestor_kit::auth::tokens;
use pestor_kit::error::AppResult;
use pestor_kit::forms::{RawForm, TokenQuery, valid_email};
use pestor_kit::input::Query;
use pestor_kit::letters::{self, Letter};
use pestor_kit::optin::{Subscriptions, with_unsubscribe};
use pestor_kit::page::{Gmina, Page, polish_date};
use pestor_kit::site::Site;
use pestor_kit::state::AppState;
use serde_json::{Value, json};

use crate::shared::{KINDS, label};

/// The unsubscribe link's path; POSTs to it need no CSRF token (the link's secret is the proof,
/// and mail programs post it without cookies).
pub const UNSUBSCRIBE_PATH: &str = "/klauzule-spoleczne/powiadomienia/wypisz";
const CONFIRM_PATH: &str = "/klauzule-spoleczne/powiadomienia/potwierdz";

const SUBSCRIPTIONS: Subscriptions = Subscriptions {
    table: "procurement_subscriptions",
    also_on_confirm: "",
    confirm_path: CONFIRM_PATH,
    unsubscribe_path: UNSUBSCRIBE_PATH,
    about: "o nowych zamówieniach",
    back: ("/klauzule-spoleczne", "Wróć do rejestru zamówień"),
};

fn render(
    state: &AppState,
    page: &Page,
    values: Value,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    page.respond(
        state,
        "procurement/subscribe.html",
        json!({
            "values": values, "error": error,
            "kinds": KINDS.iter().map(|(c, l)| json!({ "code": c, "name": l })).collect::<Vec<_>>(),
        }),
        status,
    )
}

pub async fn form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    render(
        &state,
        &page,
        json!({ "email": "", "kinds": [] }),
        None,
        StatusCode::OK,
    )
}

/// `POST /klauzule-spoleczne/powiadomienia`: `email`, `kinds` (repeated).
pub async fn subscribe(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    ClientIp(ip): ClientIp,
    axum::Form(raw): RawForm,
) -> AppResult<Response> {
    let email = raw
        .iter()
        .find(|(k, _)| k == "email")
        .map_or(String::new(), |(_, v)| v.trim().to_owned());
    let kinds: Vec<String> = raw
        .iter()
        .filter(|(k, _)| k == "kinds")
        .map(|(_, v)| v.clone())
        .collect();
    let error = if !valid_email(&email) {
        Some("Podaj poprawny adres e-mail, np. jan.kowalski@example.pl.")
    } else if !kinds.iter().all(|k| KINDS.iter().any(|(c, _)| c == k)) {
        Some("Wybierz rodzaje zamówień z listy.")
    } else {
        None
    };
    if let Some(e) = error {
        let values = json!({ "email": email, "kinds": kinds });
        return render(
            &state,
            &page,
            values,
            Some(e),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    limit_per_ip(&state, "subscribe", &ip).await?;
    let token = tokens::random_token();
    let t = &*gmina.site;
    let mut tx = gmina.begin().await?;
    // One subscription per address: subscribing again replaces its choice, which the mailbox's
    // owner confirms again (notices pause until then).
    sqlx::query(
        "INSERT INTO procurement_subscriptions (email, kinds, token_hash) VALUES ($1, $2, $3)
         ON CONFLICT ((lower(email))) DO UPDATE
         SET email = EXCLUDED.email, kinds = EXCLUDED.kinds, token_hash = EXCLUDED.token_hash,
             confirmed_at = NULL",
    )
    .bind(&email)
    .bind(&kinds)
    .bind(tokens::hash(&token))
    .execute(&mut *tx)
    .await?;
    let base = state
        .settings
        .host_url(Some(t.tenant.gmina().slug.as_str()));
    let letter = Letter {
        subject: format!(
            "Potwierdź powiadomienia o zamówieniach — {}",
            t.branding.display_name
        ),
        paragraphs: vec![
            "ktoś (zapewne Ty) poprosił o powiadomienia e-mail o nowych zamówieniach publicznych gminy.".into(),
            "Nie wyślemy żadnego powiadomienia, dopóki nie potwierdzisz adresu. Jeśli to nie Ty — zignoruj tę wiadomość.".into(),
        ],
        action: Some((
            "Potwierdź powiadomienia".into(),
            format!("{base}{CONFIRM_PATH}?token={token}"),
        )),
    };
    pestor_mail::enqueue(
        &mut tx,
        &letters::compose(&state, &page.site, &email, &letter)?,
    )
    .await?;
    tx.commit().await?;
    SUBSCRIPTIONS.check_your_mail(&state, &page, &email)
}

pub async fn confirm_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    SUBSCRIPTIONS.confirm_page(&state, &page, &q.token)
}

pub async fn confirm(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    SUBSCRIPTIONS.confirm(&state, &page, &gmina, &q.token).await
}

pub async fn unsubscribe_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    SUBSCRIPTIONS.unsubscribe_page(&state, &page, &q.token)
}

/// Also the target of the one-click `List-Unsubscribe-Post` of mail programs.
pub async fn unsubscribe(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    SUBSCRIPTIONS
        .unsubscribe(&state, &page, &gmina, &q.token)
        .await
}

/// Queues a notice of procurement `id`, just announced, to every confirmed subscription of its
/// kind, in the caller's transaction; returns how many. Each notice renews its subscription's
/// secret (only hashes are stored) for its unsubscribe link.
pub async fn notify_announced(
    tx: &mut TenantTx,
    state: &AppState,
    site: &Site,
    id: i64,
) -> AppResult<usize> {
    let Some(t) = site.tenant() else {
        return Ok(0);
    };
    let (reference, subject, kind, offers_due): (String, String, String, Option<time::Date>) =
        sqlx::query_as(
            "SELECT reference, subject, kind, offers_due FROM procurements WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let subscribers: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, email FROM procurement_subscriptions
         WHERE confirmed_at IS NOT NULL AND (kinds = '{}' OR $1 = ANY (kinds)) ORDER BY id",
    )
    .bind(&kind)
    .fetch_all(&mut **tx)
    .await?;
    let base = state
        .settings
        .host_url(Some(t.tenant.gmina().slug.as_str()));
    let letter = Letter {
        subject: format!("Nowe zamówienie: {subject}"),
        paragraphs: vec![
            format!(
                "{} ogłosił zamówienie „{subject}” ({}, znak {reference}).",
                t.branding.display_name,
                label(KINDS, &kind)
            ),
            match offers_due {
                Some(d) => format!("Oferty można składać do {}.", polish_date(d)),
                None => "Termin składania ofert podaje ogłoszenie.".into(),
            },
        ],
        action: Some((
            "Zobacz zamówienie".into(),
            format!("{base}/klauzule-spoleczne/{id}"),
        )),
    };
    for (sub, email) in &subscribers {
        let token = SUBSCRIPTIONS.unsubscribe_token(state, t.tenant.teryt().as_str(), *sub);
        let unsubscribe = format!("{base}{UNSUBSCRIBE_PATH}?token={token}");
        let mail = with_unsubscribe(state, site, email, &letter, &unsubscribe)?;
        pestor_mail::enqueue(tx, &mail).await?;
    }
    Ok(subscribers.len())
}
