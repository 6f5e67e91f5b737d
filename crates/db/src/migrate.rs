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

/// The schemas among `schemas` that hold exactly this binary's tenant migrations, each applied
/// with its checksum: a fleet run has nothing to do there. Read with one statement per few
/// hundred schemas instead of a connection, a lock and a read per schema (a no-op `migrate` of
/// 2,477 gminas spent 18 s on those). A schema missing, behind, changed or with a failed
/// migration is not in the set: the migrator then rebuilds it or reports it, as before.
pub async fn current_schemas(
    db: &Database,
    schemas: &[SchemaName],
) -> Result<std::collections::HashSet<String>> {
    use std::collections::{BTreeSet, HashMap, HashSet};
    let by_name: HashMap<&str, &SchemaName> = schemas.iter().map(|s| (s.as_str(), s)).collect();
    let names: Vec<&str> = by_name.keys().copied().collect();
    let recorded: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname = '_sqlx_migrations' AND c.relkind = 'r' AND n.nspname = ANY ($1)",
    )
    .bind(&names)
    .fetch_all(&db.pool)
    .await?;
    // (version, checksum) of every applied migration.
    type Applied = BTreeSet<(i64, Vec<u8>)>;
    let expected: Applied = TENANT
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| (m.version, m.checksum.to_vec()))
        .collect();
    let mut applied: HashMap<String, (Applied, bool)> = HashMap::new();
    for chunk in recorded.chunks(500) {
        // Names come from the catalogue and were matched against validated schema names.
        let selects: Vec<String> = chunk
            .iter()
            .filter_map(|n| by_name.get(n.as_str()))
            .map(|s| {
                format!(
                    "SELECT '{}'::text, version, checksum, success FROM {}._sqlx_migrations",
                    s.as_str(),
                    s.quoted()
                )
            })
            .collect();
        if selects.is_empty() {
            continue;
        }
        let rows: Vec<(String, i64, Vec<u8>, bool)> =
            sqlx::query_as(sqlx::AssertSqlSafe(selects.join(" UNION ALL ")))
                .fetch_all(&db.pool)
                .await?;
        for (schema, version, checksum, success) in rows {
            let entry = applied.entry(schema).or_insert((Applied::new(), true));
            entry.0.insert((version, checksum));
            entry.1 &= success;
        }
    }
    Ok(applied
        .into_iter()
        .filter(|(_, (set, ok))| *ok && *set == expected)
        .map(|(schema, _)| schema)
        .collect::<HashSet<_>>())
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
