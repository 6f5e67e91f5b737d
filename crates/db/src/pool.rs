//! The shared pool, made safe against cancellation.
//!
//! A request may be abandoned at any `.await` (the client goes away, a timeout fires, a worker is
//! stopped). sqlx 0.9.0's `Pool::begin` is not cancel-safe on PostgreSQL (transact-rs/sqlx#4385,
//! #4393; fixed upstream by #4394, not yet released): a future dropped while `BEGIN` is in flight
//! leaves the session inside a transaction that nothing rolls back, and the pool hands it to the next
//! borrower. Three defences, each enough for the failure it covers:
//!
//! 1. [`begin`] runs `BEGIN` in a task of its own, so it always completes; a transaction nobody waits
//!    for any more is dropped there, which queues its `ROLLBACK` (clippy's `disallowed-methods` keeps
//!    `Pool::begin` out of the rest of the workspace).
//! 2. Every connection returned to the pool is checked ([`left_in_transaction`]); one still inside a
//!    transaction is closed, which rolls it back on the server, and counted.
//! 3. The server bounds what a stuck session can hold: `statement_timeout` and
//!    `idle_in_transaction_session_timeout` on every pooled connection.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgConnection, PgPool, Postgres, Row, Transaction};

/// How the shared pool is sized and how long the server lets one of its sessions run or sit idle
/// inside a transaction.
#[derive(Debug, Clone, Copy)]
pub struct PoolLimits {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// Longest statement; `0` disables the limit.
    pub statement_timeout: Duration,
    /// Longest pause inside an open transaction before the server ends the session.
    pub idle_in_transaction_timeout: Duration,
    /// Borrowings after which a connection is closed on its return to the pool (bounds the
    /// server's per-session catalogue cache, which grows with every schema the session touches).
    pub max_uses: u64,
}

impl PoolLimits {
    /// `max_connections` and `acquire_timeout`, with the server-side limits at their defaults.
    pub fn new(max_connections: u32, acquire_timeout: Duration) -> Self {
        Self {
            max_connections,
            acquire_timeout,
            statement_timeout: Duration::from_secs(30),
            idle_in_transaction_timeout: Duration::from_secs(60),
            max_uses: 500,
        }
    }
}

impl From<&pestor_config::DatabaseSettings> for PoolLimits {
    fn from(s: &pestor_config::DatabaseSettings) -> Self {
        Self {
            max_connections: s.max_connections,
            acquire_timeout: Duration::from_secs(s.acquire_timeout_secs),
            statement_timeout: Duration::from_secs(s.statement_timeout_secs),
            idle_in_transaction_timeout: Duration::from_secs(s.idle_in_transaction_timeout_secs),
            max_uses: s.connection_max_uses,
        }
    }
}

static DISCARDED: AtomicU64 = AtomicU64::new(0);

/// Connections this process closed because they came back to the pool inside a transaction.
pub fn discarded_in_transaction() -> u64 {
    DISCARDED.load(Ordering::Relaxed)
}

/// The connect options every pooled session gets: `public` as the only search path (tenant tables
/// are unreachable without a tenant transaction) and the server-side time limits.
pub(crate) fn session_options(options: PgConnectOptions, limits: &PoolLimits) -> PgConnectOptions {
    let ms = |d: Duration| format!("{}ms", d.as_millis());
    options
        .options([
            ("search_path", "public".to_owned()),
            ("statement_timeout", ms(limits.statement_timeout)),
            (
                "idle_in_transaction_session_timeout",
                ms(limits.idle_in_transaction_timeout),
            ),
        ])
        .disable_statement_logging()
}

pub(crate) async fn connect(
    options: PgConnectOptions,
    limits: &PoolLimits,
) -> sqlx::Result<PgPool> {
    let max_uses = limits.max_uses;
    PgPoolOptions::new()
        .max_connections(limits.max_connections)
        .acquire_timeout(limits.acquire_timeout)
        .after_release(move |conn, _| {
            Box::pin(async move {
                let (in_transaction, uses) = returned(conn).await?;
                if in_transaction {
                    DISCARDED.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        "a connection came back to the pool inside a transaction; closed (rolled back)"
                    );
                    return Ok(false);
                }
                // Closed once used enough: the server frees the session's catalogue caches.
                Ok(uses < max_uses)
            })
        })
        .connect_with(options)
        .await
}

/// Whether the session is inside a transaction block (see [`left_in_transaction`]), and how many
/// times it has come back to the pool: counted in the session itself, in a setting of ours set
/// outside any transaction block (so it holds) — sqlx gives a connection no identity to count
/// by. One simple query, the one a returned connection is checked with anyway.
async fn returned(conn: &mut PgConnection) -> sqlx::Result<(bool, u64)> {
    let row = sqlx::raw_sql(
        "SELECT statement_timestamp() <> transaction_timestamp(),
                set_config('pestor.returns',
                           (coalesce(nullif(current_setting('pestor.returns', true), ''), '0')::bigint + 1)::text,
                           false)::bigint",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((
        row.try_get(0)?,
        u64::try_from(row.try_get::<i64, _>(1)?).unwrap_or(0),
    ))
}

/// Whether the session is inside a transaction block. PostgreSQL gives the first statement of a
/// transaction the transaction's own start time, so outside a block (the statement is its own
/// transaction) the two clocks agree, and inside one (it started at an earlier `BEGIN`) they differ.
/// Sent as a simple query: one protocol message, one statement start.
pub async fn left_in_transaction(conn: &mut PgConnection) -> sqlx::Result<bool> {
    let row = sqlx::raw_sql("SELECT statement_timestamp() <> transaction_timestamp()")
        .fetch_one(&mut *conn)
        .await?;
    row.try_get(0)
}

/// Starts a transaction on the pool without the cancellation hole of `Pool::begin`: `BEGIN` runs in
/// its own task, which finishes even if the caller is dropped; the caller that is gone drops the
/// transaction there, and the drop rolls it back.
pub async fn begin(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    let pool = pool.clone();
    #[allow(clippy::disallowed_methods)] // the one place allowed to call it
    let task = tokio::spawn(async move { pool.begin().await });
    match task.await {
        Ok(result) => result,
        // Only a panic or a shutting-down runtime ends the task early; the transaction, if any,
        // was dropped with it.
        Err(_) => Err(sqlx::Error::WorkerCrashed),
    }
}
