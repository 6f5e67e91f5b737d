//! The audit log: who did what, when, in which gmina. Written in the transaction of the change it
//! records, so the log and the data never disagree.

use pestor_db::{GminaScoped, TenantTx};
use serde_json::Value;

use crate::auth::Account;

/// Records a staff action in the gmina of `tx`.
pub async fn record(
    tx: &mut TenantTx,
    actor: &Account,
    action: &str,
    details: Value,
) -> sqlx::Result<()> {
    tx.scoped(
        "INSERT INTO audit_log (teryt, account_id, actor, action, details) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor.id)
    .bind(format!("{} <{}>", actor.display_name, actor.email))
    .bind(action)
    .bind(details)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes an entry of the region's log (no gmina: coordinators' changes to regional data) in
/// `conn`, the transaction of the change it records.
pub async fn record_regional(
    conn: &mut sqlx::PgConnection,
    actor: &Account,
    action: &str,
    details: Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO public.audit_log (teryt, account_id, actor, action, details) VALUES (NULL, $1, $2, $3, $4)",
    )
    .bind(actor.id)
    .bind(format!("{} <{}>", actor.display_name, actor.email))
    .bind(action)
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}
