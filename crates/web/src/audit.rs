//! The audit log: who did what, when, in which gmina. Written in the transaction of the change it
//! records, so the log and the data never disagree.

use serde_json::Value;
use sqlx::PgConnection;

use crate::auth::Account;

pub async fn record(
    conn: &mut PgConnection,
    actor: &Account,
    teryt: Option<&str>,
    action: &str,
    details: Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (account_id, actor, teryt, action, details) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor.id)
    .bind(format!("{} <{}>", actor.display_name, actor.email))
    .bind(teryt)
    .bind(action)
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}

/// Polish names of the actions, for the log page.
pub fn action_label(action: &str) -> &str {
    match action {
        "role.invite" => "zaproszenie do roli",
        "accessibility.update" => "zmiana deklaracji dostępności",
        "role.grant" => "nadanie roli",
        "role.change" => "zmiana roli",
        "role.revoke" => "odebranie roli",
        "branding.update" => "zmiana wyglądu serwisu",
        "branding.logo" => "wgranie logo",
        "offer.hidden" => "ukrycie oferty",
        "offer.shown" => "przywrócenie oferty",
        "offer_category.added" => "dodanie kategorii ofert",
        "offer_category.renamed" => "zmiana nazwy kategorii ofert",
        "offer_category.moved" => "zmiana kolejności kategorii ofert",
        "offer_category.deleted" => "usunięcie kategorii ofert",
        "organisation.verified" => "weryfikacja organizacji",
        "organisation.rejected" => "odrzucenie zgłoszenia organizacji",
        "organisation.added" => "dodanie organizacji przez urząd",
        "organisation.edited" => "edycja karty organizacji",
        "organisation.confirmed" => "potwierdzenie aktualności danych organizacji",
        "organisation.hidden" => "ukrycie karty organizacji",
        "organisation.shown" => "przywrócenie widoczności karty",
        "organisation.reverified" => "ponowna weryfikacja organizacji",
        "organisation.reminders" => "prośby o potwierdzenie danych",
        "organisation.claim_approved" => "zatwierdzenie przejęcia karty",
        "organisation.claim_rejected" => "odrzucenie przejęcia karty",
        "organisation.imported" => "import organizacji z pliku CSV",
        other => other,
    }
}
