//! E-mail notices of new offers: anyone subscribes with an address to new offers of chosen
//! categories, target groups or organisations, immediately or as a daily digest. Double opt-in —
//! nothing goes to an address that has not confirmed; every notice carries `List-Unsubscribe`
//! with one-click unsubscribe (RFC 8058) and a working link. All mail goes through the outbox.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use pestor_core::offer::{TARGET_GROUPS, format_price};
use pestor_db::TenantTx;
use pestor_kit::input::Query;
use serde_json::json;

use super::categories;
use pestor_kit::auth::throttle::{ClientIp, limit_per_ip};
use pestor_kit::auth::tokens;
use pestor_kit::error::AppResult;
use pestor_kit::fleet;
use pestor_kit::forms::RawForm;
use pestor_kit::forms::{TokenQuery, valid_email};
use pestor_kit::letters::{self, Letter};
use pestor_kit::optin::{Subscriptions, with_unsubscribe};
use pestor_kit::page::Gmina;
use pestor_kit::page::Page;
use pestor_kit::site::{Site, TenantSite};
use pestor_kit::state::AppState;

/// The path of the unsubscribe link; POSTs to it need no CSRF token (the link's secret is the
/// proof, and mail programs post it without cookies — RFC 8058).
pub const UNSUBSCRIBE_PATH: &str = "/oferty/powiadomienia/wypisz";

/// A confirmation starts the daily digest from that moment.
const SUBSCRIPTIONS: Subscriptions = Subscriptions {
    table: "offer_subscriptions",
    also_on_confirm: ", digest_from = CASE WHEN confirmed_at IS NULL THEN now() ELSE digest_from END",
    confirm_path: "/oferty/powiadomienia/potwierdz",
    unsubscribe_path: UNSUBSCRIBE_PATH,
    about: "o nowych ofertach",
    back: ("/oferty", "Wróć do giełdy ofert"),
};

async fn render(
    state: &AppState,
    page: &Page,
    values: serde_json::Value,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    let t = page.gmina()?;
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    let categories = categories(&mut tx).await?;
    let organisations: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM organisation_summaries WHERE status = 'verified' ORDER BY public.polish_key(name)",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    page.respond(
        state,
        "offers/subscribe.html",
        json!({
            "values": values, "error": error,
            "categories": categories.iter().map(|(c, n)| json!({ "code": c, "name": n })).collect::<Vec<_>>(),
            "groups": TARGET_GROUPS.iter().map(|(c, l)| json!({ "code": c, "label": l })).collect::<Vec<_>>(),
            "organisations": organisations.iter().map(|(id, n)| json!({ "id": id.to_string(), "name": n })).collect::<Vec<_>>(),
        }),
        status,
    )
}

pub(crate) async fn form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let values = json!({ "email": "", "frequency": "daily", "categories": [], "groups": [], "organisations": [] });
    render(&state, &page, values, None, StatusCode::OK).await
}

pub(crate) async fn subscribe(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    ClientIp(ip): ClientIp,
    axum::Form(raw): RawForm,
) -> AppResult<Response> {
    let t = &*gmina.site;
    let pick = |key: &str| -> Vec<String> {
        raw.iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let one = |key: &str| pick(key).into_iter().next().unwrap_or_default();
    let email = one("email").trim().to_owned();
    let frequency = one("frequency");
    let (cats, groups, orgs) = (pick("categories"), pick("groups"), pick("organisations"));
    let values = json!({ "email": email, "frequency": frequency, "categories": cats, "groups": groups, "organisations": orgs });
    let mut tx = gmina.begin().await?;
    let known: Vec<String> = categories(&mut tx)
        .await?
        .into_iter()
        .map(|c| c.0)
        .collect();
    let org_ids: Vec<i64> = orgs.iter().filter_map(|o| o.parse().ok()).collect();
    let verified: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM organisation_summaries WHERE id = ANY($1) AND status = 'verified'",
    )
    .bind(&org_ids)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let error = if !valid_email(&email) {
        Some("Podaj poprawny adres e-mail, np. jan.kowalski@example.pl.")
    } else if !matches!(frequency.as_str(), "immediate" | "daily") {
        Some("Wybierz, jak często wysyłać powiadomienia.")
    } else if !cats.iter().all(|c| known.contains(c))
        || !groups
            .iter()
            .all(|g| TARGET_GROUPS.iter().any(|t| t.0 == g))
        || org_ids.len() != orgs.len()
        || verified as usize != org_ids.len()
    {
        Some("Wybierz kategorie, odbiorców i organizacje z list.")
    } else {
        None
    };
    if let Some(e) = error {
        return render(
            &state,
            &page,
            values,
            Some(e),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    limit_per_ip(&state, "subscribe", &ip).await?;
    let token = tokens::random_token();
    let mut tx = gmina.begin().await?;
    // One subscription per address: subscribing again replaces its choice, which the mailbox's
    // owner confirms again (notices pause until then).
    sqlx::query(
        "INSERT INTO offer_subscriptions (email, categories, target_groups, organisations, frequency, token_hash)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT ((lower(email))) DO UPDATE
         SET email = EXCLUDED.email, categories = EXCLUDED.categories,
             target_groups = EXCLUDED.target_groups, organisations = EXCLUDED.organisations,
             frequency = EXCLUDED.frequency, token_hash = EXCLUDED.token_hash, confirmed_at = NULL",
    )
    .bind(&email)
    .bind(&cats)
    .bind(&groups)
    .bind(&org_ids)
    .bind(&frequency)
    .bind(tokens::hash(&token))
    .execute(&mut *tx)
    .await?;
    let base = state
        .settings
        .host_url(Some(t.tenant.gmina().slug.as_str()));
    let letter = Letter {
        subject: format!("Potwierdź powiadomienia o nowych ofertach — {}", t.branding.display_name),
        paragraphs: vec![
            "ktoś (zapewne Ty) poprosił o powiadomienia e-mail o nowych ofertach w giełdzie ofert podmiotów ekonomii społecznej.".into(),
            "Nie wyślemy żadnego powiadomienia, dopóki nie potwierdzisz adresu. Jeśli to nie Ty — zignoruj tę wiadomość.".into(),
        ],
        action: Some((
            "Potwierdź powiadomienia".into(),
            format!("{base}/oferty/powiadomienia/potwierdz?token={token}"),
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

pub(crate) async fn confirm_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    SUBSCRIPTIONS.confirm_page(&state, &page, &q.token)
}

pub(crate) async fn confirm(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    SUBSCRIPTIONS.confirm(&state, &page, &gmina, &q.token).await
}

pub(crate) async fn unsubscribe_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    SUBSCRIPTIONS.unsubscribe_page(&state, &page, &q.token)
}

/// Also the target of the one-click `List-Unsubscribe-Post` of mail programs.
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    page: Page,
    gmina: Gmina,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    SUBSCRIPTIONS
        .unsubscribe(&state, &page, &gmina, &q.token)
        .await
}

/// A new offer, for matching against subscriptions.
#[derive(sqlx::FromRow)]
struct New {
    id: i64,
    name: String,
    category: String,
    target_groups: Vec<String>,
    organisation_id: i64,
    organisation_name: String,
    price: Option<i64>,
}

/// Queues immediate notices of offer `id` (just made public) to every confirmed subscription it
/// matches, in the caller's transaction.
pub async fn notify_new_offer(
    tx: &mut TenantTx,
    state: &AppState,
    site: &Site,
    id: i64,
) -> AppResult<usize> {
    let Some(t) = site.tenant() else { return Ok(0) };
    let offers = new_offers(tx, "f.id = $1", id).await?;
    let Some(offer) = offers.first() else {
        return Ok(0);
    };
    let ids: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, email FROM offer_subscriptions
         WHERE confirmed_at IS NOT NULL AND frequency = 'immediate'
           AND (categories = '{}' OR $1 = ANY (categories))
           AND (target_groups = '{}' OR target_groups && $2)
           AND (organisations = '{}' OR $3 = ANY (organisations))",
    )
    .bind(&offer.category)
    .bind(&offer.target_groups)
    .bind(offer.organisation_id)
    .fetch_all(&mut **tx)
    .await?;
    for (sub, email) in &ids {
        let letter = Letter {
            subject: format!("Nowa oferta: {}", offer.name),
            paragraphs: vec![format!(
                "w giełdzie ofert ({}) pojawiła się nowa oferta: „{}” — {}{}.",
                t.branding.display_name,
                offer.name,
                offer.organisation_name,
                offer
                    .price
                    .map(|p| format!(", {}", format_price(p)))
                    .unwrap_or_default()
            )],
            action: Some(("Zobacz ofertę".into(), offer_url(state, t, offer.id))),
        };
        send(tx, state, site, *sub, email, &letter).await?;
    }
    Ok(ids.len())
}

fn offer_url(state: &AppState, t: &TenantSite, id: i64) -> String {
    format!(
        "{}/oferty/{id}",
        state
            .settings
            .host_url(Some(t.tenant.gmina().slug.as_str()))
    )
}

/// Queues `letter` to subscription `sub` with its unsubscribe link and headers (the same link
/// in every notice, [`Subscriptions::unsubscribe_token`]).
async fn send(
    tx: &mut TenantTx,
    state: &AppState,
    site: &Site,
    sub: i64,
    email: &str,
    letter: &Letter,
) -> AppResult<()> {
    let Some(t) = site.tenant() else {
        return Ok(());
    };
    let token = SUBSCRIPTIONS.unsubscribe_token(state, t.tenant.teryt().as_str(), sub);
    let unsubscribe = format!(
        "{}{UNSUBSCRIBE_PATH}?token={token}",
        state
            .settings
            .host_url(Some(t.tenant.gmina().slug.as_str()))
    );
    let mail = with_unsubscribe(state, site, email, letter, &unsubscribe)?;
    pestor_mail::enqueue(tx, &mail).await?;
    Ok(())
}

async fn new_offers<T>(tx: &mut TenantTx, condition: &str, arg: T) -> sqlx::Result<Vec<New>>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
{
    let sql = format!(
        "SELECT f.id, f.name, f.category, f.target_groups, o.id AS organisation_id,
                o.name AS organisation_name, f.price_grosze AS price
         FROM offers f JOIN organisation_summaries o ON o.id = f.organisation_id
         WHERE f.status = 'active' AND o.status = 'verified' AND {condition}
         ORDER BY f.created_at, f.id"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(arg)
        .fetch_all(&mut **tx)
        .await
}

/// The worker that sends immediate notices of offers other gminas' PES make available.
pub const ELSEWHERE_JOB: &str = "offer-notices-elsewhere";

/// Sends the queued immediate notices of offers other gminas' PES made available in a gmina
/// (queued by a trigger on `offer_directory`): to the gmina's immediate subscribers whose
/// categories and groups match (a subscription to chosen organisations of the gmina does not),
/// from the gmina's site, marked with the offer's home gmina. Each queued notice once, marked sent
/// in the transaction of its letters; returns how many letters were queued.
pub async fn send_elsewhere_notices(state: &AppState) -> AppResult<usize> {
    let mut sent = 0;
    let mut queue = pestor_db::begin(state.db.platform()).await?;
    let pending: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, teryt, source_teryt, offer_id FROM foreign_offer_notices
         WHERE sent_at IS NULL ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *queue)
    .await?;
    for (notice, teryt, source, offer) in pending {
        let tenant = state.tenants.find(&teryt).await?;
        if tenant.status() == pestor_core::TenantStatus::Active {
            let t = Arc::new(TenantSite::build(
                tenant,
                &state.settings.tenants.dir,
                &state.catalogue,
            ));
            let site = Site::Tenant(t.clone());
            let db = state.db.tenant(&t.tenant);
            // Still available here (not hidden since, not withdrawn)?
            if let Some(o) = super::elsewhere::one(&db, &source, offer).await? {
                let mut tx = db.begin().await?;
                let subs: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT id, email FROM offer_subscriptions
                     WHERE confirmed_at IS NOT NULL AND frequency = 'immediate' AND organisations = '{}'
                       AND (categories = '{}' OR $1 = ANY (categories))
                       AND (target_groups = '{}' OR target_groups && $2)",
                )
                .bind(&o.category)
                .bind(&o.target_groups)
                .fetch_all(&mut *tx)
                .await?;
                for (sub, email) in &subs {
                    let letter = Letter {
                        subject: format!("Nowa oferta: {}", o.name),
                        paragraphs: vec![format!(
                            "w giełdzie ofert ({}) pojawiła się nowa oferta organizacji z innej gminy: „{}” — {} (PES z gminy {}){}.",
                            t.branding.display_name,
                            o.name,
                            o.organisation_name,
                            o.gmina_name,
                            o.price_grosze
                                .map(|p| format!(", {}", format_price(p)))
                                .unwrap_or_default()
                        )],
                        action: Some(("Zobacz ofertę".into(), o.url(state))),
                    };
                    send(&mut tx, state, &site, *sub, email, &letter).await?;
                }
                tx.commit().await?;
                sent += subs.len();
            }
        }
        sqlx::query("UPDATE foreign_offer_notices SET sent_at = now() WHERE id = $1")
            .bind(notice)
            .execute(&mut *queue)
            .await?;
    }
    queue.commit().await?;
    Ok(sent)
}

/// A daily subscription whose digest is due.
#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    email: String,
    categories: Vec<String>,
    target_groups: Vec<String>,
    organisations: Vec<i64>,
    digest_from: time::OffsetDateTime,
}

/// The fleet job's name, in logs and in the failure metric.
pub const DIGEST_JOB: &str = "offer-digests";

/// Sends the daily digests that are due (a day since the last) in every gmina: one message per
/// subscription listing the new offers it matches; none when nothing new matches. Also forgets
/// subscriptions never confirmed (runs hourly). A gmina whose digests fail is logged and counted
/// and the others still get theirs; returns how many digests were queued.
pub async fn send_digests(state: &AppState) -> AppResult<usize> {
    let report = fleet::for_each_gmina(state, DIGEST_JOB, |t| send_gmina_digests(state, t)).await?;
    Ok(report.done.iter().map(|(_, sent)| sent).sum())
}

/// The digests of one gmina, in one transaction.
async fn send_gmina_digests(state: &AppState, t: Arc<TenantSite>) -> AppResult<usize> {
    let mut sent = 0;
    let site = Site::Tenant(t.clone());
    let t: &TenantSite = &t;
    let mut tx = state.db.tenant(&t.tenant).begin().await?;
    // Retention: an address never confirmed is forgotten after the same time as an
    // unverified account.
    sqlx::query(
        "DELETE FROM offer_subscriptions WHERE confirmed_at IS NULL
           AND created_at < now() - make_interval(hours => $1)",
    )
    .bind(state.settings.auth.unverified_account_hours as i32)
    .execute(&mut *tx)
    .await?;
    let due: Vec<Due> = sqlx::query_as(
        "SELECT id, email, categories, target_groups, organisations, digest_from FROM offer_subscriptions
         WHERE confirmed_at IS NOT NULL AND frequency = 'daily' AND digest_from <= now() - interval '1 day'
         FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    for d in due {
        let (sub, email, cats, groups, orgs) = (
            d.id,
            d.email,
            d.categories,
            d.target_groups,
            d.organisations,
        );
        let offers: Vec<New> = new_offers(&mut tx, "f.created_at > $1", d.digest_from)
            .await?
            .into_iter()
            .filter(|o| {
                (cats.is_empty() || cats.contains(&o.category))
                    && (groups.is_empty() || groups.iter().any(|g| o.target_groups.contains(g)))
                    && (orgs.is_empty() || orgs.contains(&o.organisation_id))
            })
            .collect();
        // Offers of other gminas' PES made available here; a subscription to chosen
        // organisations (this gmina's) leaves them out.
        let elsewhere: Vec<_> = if orgs.is_empty() {
            super::elsewhere::added_since(&state.db.tenant(&t.tenant), d.digest_from)
                .await?
                .into_iter()
                .filter(|o| {
                    (cats.is_empty() || cats.contains(&o.category))
                        && (groups.is_empty() || groups.iter().any(|g| o.target_groups.contains(g)))
                })
                .collect()
        } else {
            Vec::new()
        };
        sqlx::query("UPDATE offer_subscriptions SET digest_from = now() WHERE id = $1")
            .bind(sub)
            .execute(&mut *tx)
            .await?;
        if offers.is_empty() && elsewhere.is_empty() {
            continue;
        }
        let mut paragraphs = vec![format!(
            "nowe oferty w giełdzie ({}) z ostatniej doby:",
            t.branding.display_name
        )];
        for o in &offers {
            paragraphs.push(format!(
                "• {} — {}{}: {}",
                o.name,
                o.organisation_name,
                o.price
                    .map(|p| format!(", {}", format_price(p)))
                    .unwrap_or_default(),
                offer_url(state, t, o.id)
            ));
        }
        for o in &elsewhere {
            paragraphs.push(format!(
                "• {} — {} (PES z gminy {}){}: {}",
                o.name,
                o.organisation_name,
                o.gmina_name,
                o.price_grosze
                    .map(|p| format!(", {}", format_price(p)))
                    .unwrap_or_default(),
                o.url(state)
            ));
        }
        let letter = Letter {
            subject: format!(
                "Nowe oferty ({}) — {}",
                offers.len() + elsewhere.len(),
                t.branding.display_name
            ),
            paragraphs,
            action: None,
        };
        send(&mut tx, state, &site, sub, &email, &letter).await?;
        sent += 1;
    }
    tx.commit().await?;
    Ok(sent)
}
