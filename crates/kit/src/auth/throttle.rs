//! Counting limits kept in PostgreSQL, shared by every replica: failed sign-ins per account and per
//! IP, registrations and reset requests per IP. A fixed window per key, reset when it runs out.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sqlx::PgPool;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

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

/// Counts one request of kind `what` from `ip`; refuses it once the window's limit is used up.
pub async fn limit_per_ip(state: &AppState, what: &str, ip: &str) -> AppResult<()> {
    let auth = &state.settings.auth;
    let key = format!("{what}:ip:{ip}");
    if hit(
        state.db.platform(),
        &key,
        auth.max_requests_per_ip,
        auth.throttle_window_minutes,
    )
    .await?
    {
        Ok(())
    } else {
        Err(AppError::TooManyRequests)
    }
}

/// The client's IP address, for rate limits: the TCP peer, or behind a trusted proxy the last
/// `X-Forwarded-For` entry (the one the proxy itself added).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let trusted = peer.is_some_and(|ip| state.settings.server.trusted_proxies.contains(&ip));
        let forwarded = trusted
            .then(|| parts.headers.get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
            .map(|v| v.trim().to_owned());
        Ok(ClientIp(forwarded.unwrap_or_else(|| {
            peer.map_or_else(|| "unknown".into(), |ip| ip.to_string())
        })))
    }
}
