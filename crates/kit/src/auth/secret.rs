//! The platform's signing secrets.

/// The key that signs CSRF tokens: generated once and kept in `server_secrets`, so every replica
/// and every restart agrees without configuration.
pub async fn load_or_create(pool: &sqlx::PgPool) -> sqlx::Result<Vec<u8>> {
    named(pool, "csrf").await
}

/// The key named `name` in `server_secrets`, generated at first use (256 random bits).
pub async fn named(pool: &sqlx::PgPool, name: &str) -> sqlx::Result<Vec<u8>> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).expect("the operating system's random source works");
    sqlx::query(
        "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(fresh.as_slice())
    .execute(pool)
    .await?;
    sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await
}
