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
