//! The two migration sets: `migrations/public` once per database, `migrations/tenant` once per gmina
//! schema, each schema tracking its own applied migrations in `<schema>._sqlx_migrations`.

use std::time::Instant;

use futures::StreamExt;
use pestor_core::{SchemaName, Teryt};
use sqlx::Connection;
use sqlx::migrate::Migrator;

use crate::{Database, Result};

static PUBLIC: Migrator = sqlx::migrate!("../../migrations/public");
static TENANT: Migrator = sqlx::migrate!("../../migrations/tenant");

/// Applies the public set (idempotent; sqlx serialises concurrent runs with an advisory lock).
pub async fn migrate_public(db: &Database) -> Result<()> {
    PUBLIC.run(&db.pool).await?;
    Ok(())
}

/// Version of the newest tenant migration this binary carries.
pub fn latest_tenant_version() -> i64 {
    TENANT.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Creates the schema if needed and applies every pending tenant migration to it.
///
/// Runs on a connection of its own whose search path is the tenant schema, so migration files use
/// unqualified names. Two runs on the same schema serialise on an advisory lock of that schema only,
/// which is what lets different schemas migrate in parallel.
pub async fn migrate_tenant_schema(db: &Database, schema: &SchemaName) -> Result<i64> {
    migrate_tenant_schema_to(db, schema, None).await?;
    Ok(latest_tenant_version())
}

/// [`migrate_tenant_schema`] up to `target` (a version) only, or every migration when `None`.
/// A restored archive is loaded at the version it was made with, then migrated the rest of the way.
pub async fn migrate_tenant_schema_to(
    db: &Database,
    schema: &SchemaName,
    target: Option<i64>,
) -> Result<()> {
    let opts = db.connect.clone().options([
        ("search_path", format!("{}, public", schema.quoted())),
        // Building an index on a big table may take longer than a request may.
        ("statement_timeout", "0".to_owned()),
        ("idle_in_transaction_session_timeout", "0".to_owned()),
    ]);
    let mut conn = sqlx::PgConnection::connect_with(&opts).await?;
    let lock_key = format!("pestor-migrate:{schema}");
    sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
        .bind(&lock_key)
        .execute(&mut conn)
        .await?;
    let mut migrator = Migrator::with_migrations(TENANT.iter().cloned().collect());
    migrator.set_locking(false);
    migrator.dangerous_set_table_name(format!("{}._sqlx_migrations", schema.quoted()));
    migrator.create_schema(schema.quoted());
    // `run_direct`, not `run`: `run` goes through `Acquire`, whose future is not provably `Send`
    // (so onboarding could not run it in a spawned task).
    let outcome = migrator.run_direct(target, &mut conn, false).await;
    sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
        .bind(&lock_key)
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    outcome?;
    Ok(())
}

/// One tenant's place in a bulk run, for progress output.
#[derive(Debug, Clone)]
pub struct TenantMigration {
    pub teryt: Teryt,
    pub slug: String,
    pub done: usize,
    pub total: usize,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
pub struct MigrationReport {
    pub migrated: usize,
    /// (slug, TERYT, error) of every tenant that failed; the others went on.
    pub failed: Vec<(String, Teryt, String)>,
    pub seconds: f64,
}

impl MigrationReport {
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Migrates many tenants, at most `concurrency` at a time. One tenant failing is recorded and the rest go
/// on. `apply` does the work for one tenant (migration, bookkeeping); `progress` sees each result.
pub async fn for_each_tenant<F, Fut>(
    tenants: Vec<(Teryt, String)>,
    concurrency: usize,
    apply: F,
    mut progress: impl FnMut(&TenantMigration),
) -> MigrationReport
where
    F: Fn(Teryt) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let started = Instant::now();
    let total = tenants.len();
    let mut report = MigrationReport::default();
    let mut results = futures::stream::iter(tenants.into_iter().map(|(teryt, slug)| {
        let fut = apply(teryt.clone());
        async move { (teryt, slug, fut.await) }
    }))
    .buffer_unordered(concurrency.max(1));
    let mut done = 0;
    while let Some((teryt, slug, outcome)) = results.next().await {
        done += 1;
        let error = outcome.err().map(|e| e.to_string());
        progress(&TenantMigration {
            teryt: teryt.clone(),
            slug: slug.clone(),
            done,
            total,
            error: error.clone(),
        });
        match error {
            None => report.migrated += 1,
            Some(e) => report.failed.push((slug, teryt, e)),
        }
    }
    report.failed.sort();
    report.seconds = started.elapsed().as_secs_f64();
    report
}
