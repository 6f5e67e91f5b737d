//! The tenant handle. A [`TenantDb`] exists only for a tenant the registry resolved; every query it runs
//! is inside a transaction whose search path is set with `SET LOCAL` semantics (`set_config(.., true)`),
//! so the path dies with the transaction and a pooled connection never carries it to another request.
//!
//! The same handle reaches the gmina's rows in the public schema's gmina-scoped tables (roles,
//! invitations, the audit log, the regional directory): [`TenantTx::scoped`] and its siblings bind
//! the handle's own TERYT as `$1`, so a request can never name another gmina's rows by passing a
//! code it was given. Why a handle and not row-level security: the platform connects as the owner of
//! its tables (a superuser on the embedded cluster), which PostgreSQL exempts from row policies; a
//! separate, unprivileged request role is an operations change recorded in `docs/operations.md`.

use std::ops::{Deref, DerefMut};

use pestor_core::{SchemaName, Teryt};
use sqlx::postgres::PgArguments;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{FromRow, PgConnection, PgPool, Postgres, Transaction};

/// Access to one gmina's schema.
#[derive(Clone)]
pub struct TenantDb {
    pool: PgPool,
    teryt: Teryt,
}

impl TenantDb {
    /// Only [`crate::Database::tenant`] builds handles, and it needs a [`crate::Tenant`].
    pub(crate) fn new(pool: PgPool, teryt: Teryt) -> Self {
        Self { pool, teryt }
    }

    pub fn schema(&self) -> SchemaName {
        self.teryt.schema()
    }

    /// The platform pool, for [`GminaScoped`] statements that need no tenant transaction.
    pub fn platform(&self) -> &PgPool {
        &self.pool
    }

    /// Starts a transaction scoped to this tenant's schema (then `public`, for shared tables).
    pub async fn begin(&self) -> sqlx::Result<TenantTx> {
        let mut tx = crate::begin(&self.pool).await?;
        sqlx::query("SELECT set_config('search_path', $1, true)")
            .bind(format!("{}, public", self.schema().quoted()))
            .execute(&mut *tx)
            .await?;
        Ok(TenantTx {
            tx,
            teryt: self.teryt.clone(),
        })
    }
}

/// A transaction on one tenant's schema. Dropping it rolls back; call [`TenantTx::commit`] to keep changes.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    teryt: Teryt,
}

impl GminaScoped for TenantTx {
    fn teryt(&self) -> &Teryt {
        &self.teryt
    }
}

impl GminaScoped for TenantDb {
    fn teryt(&self) -> &Teryt {
        &self.teryt
    }
}

/// Statements on one gmina's rows of a gmina-scoped public table (`gmina_roles`, `invitations`,
/// `audit_log`, `pes_directory`): `$1` is the handle's TERYT, already bound; the statement's own
/// parameters start at `$2`. Run them on the [`TenantTx`] or, outside a transaction, on
/// [`TenantDb::platform`].
pub trait GminaScoped {
    fn teryt(&self) -> &Teryt;

    fn scoped(&self, sql: &'static str) -> Query<'static, Postgres, PgArguments> {
        sqlx::query(sql).bind(self.teryt().as_str().to_owned())
    }

    fn scoped_scalar<O>(&self, sql: &'static str) -> QueryScalar<'static, Postgres, O, PgArguments>
    where
        (O,): for<'r> FromRow<'r, sqlx::postgres::PgRow>,
    {
        sqlx::query_scalar(sql).bind(self.teryt().as_str().to_owned())
    }

    fn scoped_as<O>(&self, sql: &'static str) -> QueryAs<'static, Postgres, O, PgArguments>
    where
        O: for<'r> FromRow<'r, sqlx::postgres::PgRow>,
    {
        sqlx::query_as(sql).bind(self.teryt().as_str().to_owned())
    }
}

impl TenantTx {
    pub async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }
}

impl Deref for TenantTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for TenantTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}
