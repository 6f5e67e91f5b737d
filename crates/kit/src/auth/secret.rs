//! The platform's signing secret.

/// The key that signs CSRF tokens: generated once and kept in `server_secrets`, so every replica
/// and every restart agrees without configuration.
pub async fn load_or_create(pool: &sqlx::PgPool) -> sqlx::Result<Vec<u8>> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).expect("the operating system's random source works");
    sqlx::query("INSERT INTO server_secrets (name, value) VALUES ('csrf', $1) ON CONFLICT (name) DO NOTHING")
        .bind(fresh.as_slice())
        .execute(pool)
        .await?;
    sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = 'csrf'")
        .fetch_one(pool)
        .await
}
