//! Counting limits kept in PostgreSQL, shared by every replica: failed sign-ins per account and per
//! IP, registrations and reset requests per IP. A fixed window per key, reset when it runs out.

use sqlx::PgPool;

/// Records one hit on `key` and says whether it is still within `limit` in the current window.
pub async fn hit(pool: &PgPool, key: &str, limit: u32, window_minutes: u64) -> sqlx::Result<bool> {
    let hits: i32 = sqlx::query_scalar(
        "INSERT INTO throttle (key, hits, window_start) VALUES ($1, 1, now())
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN throttle.window_start < now() - make_interval(mins => $2) THEN 1 ELSE throttle.hits + 1 END,
           window_start = CASE WHEN throttle.window_start < now() - make_interval(mins => $2) THEN now() ELSE throttle.window_start END
         RETURNING hits",
    )
    .bind(key)
    .bind(window_minutes as i32)
    .fetch_one(pool)
    .await?;
    Ok(hits as u32 <= limit)
}

/// Whether `key` has used up `limit` in the current window (without counting a hit).
pub async fn exhausted(
    pool: &PgPool,
    key: &str,
    limit: u32,
    window_minutes: u64,
) -> sqlx::Result<bool> {
    let hits: Option<i32> = sqlx::query_scalar(
        "SELECT hits FROM throttle WHERE key = $1 AND window_start >= now() - make_interval(mins => $2)",
    )
    .bind(key)
    .bind(window_minutes as i32)
    .fetch_optional(pool)
    .await?;
    Ok(hits.is_some_and(|h| h as u32 >= limit))
}

pub async fn clear(pool: &PgPool, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM throttle WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}
