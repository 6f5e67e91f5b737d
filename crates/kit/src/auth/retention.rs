//! Scheduled clean-up of personal data and credentials that outlived their purpose.

use pestor_config::AuthSettings;
use sqlx::PgPool;

/// What one purge removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub unverified_accounts: u64,
    pub tokens: u64,
    pub logins: u64,
}

/// Deletes accounts never verified within the allowed time, used or expired e-mail tokens and
/// handover codes, logins that ended or expired more than a day ago, and stale rate-limit counters.
pub async fn purge(pool: &PgPool, auth: &AuthSettings) -> sqlx::Result<Purged> {
    let mut tx = pestor_db::begin(pool).await?;
    let unverified_accounts = sqlx::query(
        "DELETE FROM accounts WHERE email_verified_at IS NULL AND password_hash IS NOT NULL
           AND created_at < now() - make_interval(hours => $1)
           AND NOT EXISTS (SELECT 1 FROM gmina_roles r WHERE r.account_id = accounts.id)",
    )
    .bind(auth.unverified_account_hours as i32)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let tokens =
        sqlx::query("DELETE FROM account_tokens WHERE used_at IS NOT NULL OR expires_at < now()")
            .execute(&mut *tx)
            .await?
            .rows_affected();
    sqlx::query("DELETE FROM handover_codes WHERE expires_at < now()")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM oidc_requests WHERE expires_at < now()")
        .execute(&mut *tx)
        .await?;
    let logins = sqlx::query(
        "DELETE FROM logins WHERE coalesce(ended_at, expires_at) < now() - interval '1 day'",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM sessions WHERE last_seen_at < now() - make_interval(mins => $1)")
        .bind(auth.session_idle_minutes as i32)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM throttle WHERE window_start < now() - make_interval(mins => $1)")
        .bind(auth.throttle_window_minutes as i32)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Purged {
        unverified_accounts,
        tokens,
        logins,
    })
}
