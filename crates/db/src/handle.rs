//! The tenant handle. A [`TenantDb`] exists only for a tenant the registry resolved; every query it runs
//! is inside a transaction whose search path is set with `SET LOCAL` semantics (`set_config(.., true)`),
//! so the path dies with the transaction and a pooled connection never carries it to another request.

use std::ops::{Deref, DerefMut};

use pestor_core::SchemaName;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// Access to one gmina's schema.
#[derive(Clone)]
pub struct TenantDb {
    pool: PgPool,
    schema: SchemaName,
}

impl TenantDb {
    /// Only the tenant registry builds handles (see [`crate::Tenant::db`]).
    pub(crate) fn new(pool: PgPool, schema: SchemaName) -> Self {
        Self { pool, schema }
    }

    pub fn schema(&self) -> &SchemaName {
        &self.schema
    }

    /// Starts a transaction scoped to this tenant's schema (then `public`, for shared tables).
    pub async fn begin(&self) -> sqlx::Result<TenantTx> {
        let mut tx = crate::begin(&self.pool).await?;
        sqlx::query("SELECT set_config('search_path', $1, true)")
            .bind(format!("{}, public", self.schema.quoted()))
            .execute(&mut *tx)
            .await?;
        Ok(TenantTx { tx })
    }
}

/// A transaction on one tenant's schema. Dropping it rolls back; call [`TenantTx::commit`] to keep changes.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
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
