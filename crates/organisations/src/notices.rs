//! Tells a gmina's staff that a card of another gmina's PES now appears in its registry (the card
//! names the gmina in its "also works in" list). A trigger on `pes_directory` queues the notice in
//! the transaction that projects the card (public migration 0012); this worker turns each into a
//! letter to the gmina's staff and admins, from the gmina's site, and marks it sent in the same
//! transaction as the letters' outbox rows — a notice is sent once, or not yet.

use std::sync::Arc;

use pestor_core::TenantStatus;
use pestor_kit::error::AppResult;
use pestor_kit::letters::{self, Letter};
use pestor_kit::site::{Site, TenantSite};
use pestor_kit::state::AppState;

/// The worker's name in logs and metrics.
pub const JOB: &str = "foreign-card-notices";

#[derive(sqlx::FromRow)]
struct Pending {
    id: i64,
    teryt: String,
    organisation_id: i64,
    name: String,
    source_name: String,
    source_slug: String,
}

/// Sends every queued notice; returns how many went out.
pub async fn send(state: &AppState) -> AppResult<usize> {
    let mut tx = pestor_db::begin(state.db.platform()).await?;
    // Two servers running the worker share the queue: each takes rows the other has not locked.
    let pending: Vec<Pending> = sqlx::query_as(
        "SELECT n.id, n.teryt, n.organisation_id, d.name, s.name AS source_name, s.slug AS source_slug
         FROM foreign_notices n
         JOIN pes_directory d ON d.teryt = n.source_teryt AND d.organisation_id = n.organisation_id
         JOIN tenants s ON s.teryt = n.source_teryt
         WHERE n.sent_at IS NULL ORDER BY n.id LIMIT 200 FOR UPDATE OF n SKIP LOCKED",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for n in &pending {
        let tenant = state.tenants.find(&n.teryt).await?;
        // A gmina not on the platform has no staff to tell and no registry the card shows in.
        if tenant.status() == TenantStatus::Active {
            let staff: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT a.email FROM gmina_roles r JOIN accounts a ON a.id = r.account_id
                 WHERE r.teryt = $1 AND r.role IN ('staff', 'admin') ORDER BY 1",
            )
            .bind(&n.teryt)
            .fetch_all(&mut *tx)
            .await?;
            let site = Site::Tenant(Arc::new(TenantSite::build(
                tenant.clone(),
                &state.settings.tenants.dir,
                &state.catalogue,
            )));
            let here = state.settings.host_url(Some(tenant.slug().as_str()));
            let letter = Letter {
                subject: format!("Organizacja z gminy {} działa także u Was", n.source_name),
                paragraphs: vec![
                    format!(
                        "Organizacja „{}” z rejestru gminy {} zadeklarowała, że działa także w Waszej gminie. Jej karta jest teraz widoczna w Bazie PES, na mapie i w danych otwartych Waszego serwisu.",
                        n.name, n.source_name
                    ),
                    "Kartę zweryfikował urząd gminy, w której jest zarejestrowana. Jeśli nie powinna być widoczna u Was, możecie ją ukryć w swoim serwisie, podając powód — w innych gminach pozostanie bez zmian.".into(),
                    format!(
                        "Karta organizacji: {}/podmioty/{}",
                        state.settings.host_url(Some(&n.source_slug)),
                        n.organisation_id
                    ),
                ],
                action: Some((
                    "Zobacz organizacje z innych gmin".into(),
                    format!("{here}/podmioty/z-innych-gmin"),
                )),
            };
            for address in &staff {
                pestor_mail::enqueue(&mut tx, &letters::compose(state, &site, address, &letter)?)
                    .await?;
            }
            sent += staff.len();
        }
        sqlx::query("UPDATE foreign_notices SET sent_at = now() WHERE id = $1")
            .bind(n.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(sent)
}
