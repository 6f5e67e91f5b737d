//! PostgreSQL access: the pool, the embedded cluster, the two migration sets, the tenant registry in
//! the public schema and the tenant handle — the only way to reach a gmina's tables.

pub mod archive;
pub mod embedded;
pub mod guarantees;
pub mod handle;
pub mod migrate;
pub mod pool;
pub mod tenants;

use pestor_core::{IdError, RegistryError, TenantStatus};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use embedded::{EmbeddedError, EmbeddedOptions, EmbeddedPostgres};
pub use handle::{GminaScoped, TenantDb, TenantTx};
pub use migrate::{MigrationReport, TenantMigration};
pub use pool::{PoolLimits, begin};
pub use tenants::{Tenant, TenantStore};

/// The channel on which every change to a tenant is announced, so every running instance drops its caches.
pub const TENANT_CHANNEL: &str = "pestor_tenants";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("migracja nie powiodła się: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Embedded(#[from] EmbeddedError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Id(#[from] IdError),
    #[error("nie ma gminy „{0}” w rejestrze")]
    UnknownTenant(String),
    #[error("gmina {slug} ma status „{status}”: {action} jest niemożliwe")]
    WrongStatus {
        slug: String,
        status: TenantStatus,
        action: &'static str,
    },
    #[error("domena „{0}” jest niepoprawna albo należy do platformy")]
    BadDomain(String),
}

pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// The shared pool and the options it was built from (migrations open their own connections).
///
/// The pool itself stays inside this crate: its sessions see only the `public` schema, and the one
/// way to a gmina's tables is [`Database::tenant`], which needs a [`Tenant`] from the registry.
#[derive(Clone)]
pub struct Database {
    pool: PgPool,
    connect: PgConnectOptions,
}

impl Database {
    /// Connects with the public schema as the only search path: tenant tables are unreachable
    /// unless a [`TenantTx`] sets the path for its own transaction. See [`pool`] for what guards the
    /// pool against cancelled requests.
    pub async fn connect(options: PgConnectOptions, limits: PoolLimits) -> Result<Self> {
        let connect = pool::session_options(options, &limits);
        let pool = pool::connect(connect.clone(), &limits).await?;
        Ok(Self { pool, connect })
    }

    /// The handle to a resolved gmina's schema and its rows in the gmina-scoped public tables.
    pub fn tenant(&self, tenant: &Tenant) -> TenantDb {
        TenantDb::new(self.pool.clone(), tenant.teryt().clone())
    }

    /// The platform-wide tables of the `public` schema (accounts, sessions, the tenant registry, the
    /// outbox…) and statements that span gminas (an account's roles everywhere, its data export).
    /// Its sessions have `public` as their only search path; a gmina's own rows go through
    /// [`Database::tenant`].
    pub fn platform(&self) -> &PgPool {
        &self.pool
    }

    pub fn connect_options(&self) -> &PgConnectOptions {
        &self.connect
    }
}

/// Creates `name` on the server unless it exists (used for the embedded cluster's first start).
pub async fn ensure_database(admin: &PgConnectOptions, name: &str) -> Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect_with(admin).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(DbError::BadDomain(name.into()));
        }
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await?;
    }
    conn.close().await?;
    Ok(())
}

/// A LISTEN connection on `channel` that does not take a connection from the shared pool: it has a
/// one-connection pool of its own (used by sqlx to reconnect), so listeners never starve requests.
pub async fn listener(pool: &PgPool, channel: &str) -> sqlx::Result<sqlx::postgres::PgListener> {
    let own = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with((*pool.connect_options()).clone());
    let mut listener = sqlx::postgres::PgListener::connect_with(&own).await?;
    listener.listen(channel).await?;
    Ok(listener)
}
