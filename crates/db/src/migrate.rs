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

/// A tenant schema as every tenant migration up to the version in its first line leaves it
/// (`pestor tenants baseline` writes it; the suite checks it against a replay): a new gmina's
/// schema is created from it in one transaction and stamped with those migrations, instead of
/// replaying them one by one.
const BASELINE: &str = include_str!("../../../migrations/tenant_baseline.sql");

/// The schema the baseline is written for, replaced by the new schema's name. Its TERYT belongs
/// to no gmina.
const BASELINE_TERYT: &str = "9999991";

/// The first line of the baseline, before its version.
const BASELINE_HEADER: &str = "-- pestor tenant baseline, version ";

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
    migrate_schema(db, schema, target, true).await
}

/// Builds the schema by replaying every tenant migration, never from the baseline: what the
/// baseline is checked against, and how it is made.
pub async fn replay_tenant_schema(db: &Database, schema: &SchemaName) -> Result<()> {
    migrate_schema(db, schema, None, false).await
}

async fn migrate_schema(
    db: &Database,
    schema: &SchemaName,
    target: Option<i64>,
    baseline: bool,
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
    let outcome = async {
        // A restore at an older version replays up to it.
        let version = baseline_version();
        if baseline && target.is_none_or(|t| t >= version) {
            create_from_baseline(&mut conn, schema, version).await?;
        }
        let mut migrator = Migrator::with_migrations(TENANT.iter().cloned().collect());
        migrator.set_locking(false);
        migrator.dangerous_set_table_name(format!("{}._sqlx_migrations", schema.quoted()));
        migrator.create_schema(schema.quoted());
        // `run_direct`, not `run`: `run` goes through `Acquire`, whose future is not provably
        // `Send` (so onboarding could not run it in a spawned task).
        migrator.run_direct(target, &mut conn, false).await?;
        Ok::<_, crate::DbError>(())
    }
    .await;
    sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
        .bind(&lock_key)
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    outcome
}

/// The tenant migration the baseline reaches (0 if its first line is not the header: then
/// nothing is built from it).
pub fn baseline_version() -> i64 {
    BASELINE
        .lines()
        .next()
        .and_then(|l| l.strip_prefix(BASELINE_HEADER))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Creates a missing schema from the baseline and records the migrations it holds, in one
/// transaction; a schema that exists is left to the migrator.
async fn create_from_baseline(
    conn: &mut sqlx::PgConnection,
    schema: &SchemaName,
    version: i64,
) -> Result<()> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema.as_str())
            .fetch_one(&mut *conn)
            .await?;
    if exists || version == 0 {
        return Ok(());
    }
    let held: Vec<_> = TENANT
        .iter()
        .filter(|m| m.migration_type.is_up_migration() && m.version <= version)
        .collect();
    let template = Teryt::parse(BASELINE_TERYT)
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?
        .schema();
    // The baseline names only its own schema, replaced by a validated schema name.
    let ddl = BASELINE.replace(template.as_str(), schema.as_str());
    let mut tx = conn.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(ddl))
        .execute(&mut *tx)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {}._sqlx_migrations (version, description, success, checksum, execution_time)
         SELECT v, d, true, c, 0 FROM unnest($1::bigint[], $2::text[], $3::bytea[]) AS m (v, d, c)",
        schema.quoted()
    )))
    .bind(held.iter().map(|m| m.version).collect::<Vec<_>>())
    .bind(
        held.iter()
            .map(|m| m.description.to_string())
            .collect::<Vec<_>>(),
    )
    .bind(held.iter().map(|m| m.checksum.to_vec()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The baseline as `pg_dump` (at `pg_dump`) writes the schema a replay of every tenant migration
/// builds: the text of `migrations/tenant_baseline.sql`. Made in a scratch schema of no gmina,
/// dropped afterwards. Only statements are kept (no comments, no session settings).
pub async fn dump_baseline(db: &Database, pg_dump: &std::path::Path) -> Result<String> {
    let template = Teryt::parse(BASELINE_TERYT)
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?
        .schema();
    let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", template.quoted());
    sqlx::query(sqlx::AssertSqlSafe(drop.clone()))
        .execute(&db.pool)
        .await?;
    replay_tenant_schema(db, &template).await?;
    let c = &db.connect;
    let mut cmd = tokio::process::Command::new(pg_dump);
    cmd.arg("--no-owner")
        .arg("--no-privileges")
        .arg("--inserts")
        .arg(format!("--schema={}", template.as_str()))
        .arg(format!(
            "--exclude-table-data={}._sqlx_migrations",
            template.as_str()
        ))
        // A Unix socket's folder or a host name, as libpq takes either.
        .arg(format!(
            "--host={}",
            c.get_socket()
                .map_or_else(|| c.get_host().to_owned(), |s| s.display().to_string())
        ))
        .arg(format!("--port={}", c.get_port()))
        .arg(format!("--username={}", c.get_username()))
        .arg(format!("--dbname={}", c.get_database().unwrap_or("pestor")));
    let out = cmd.output().await;
    sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(&db.pool)
        .await?;
    let out = out.map_err(sqlx::Error::Io)?;
    if !out.status.success() {
        return Err(sqlx::Error::Protocol(format!(
            "pg_dump: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
        .into());
    }
    let dump = String::from_utf8_lossy(&out.stdout);
    let mut text = format!(
        "{BASELINE_HEADER}{}\n-- Written by `pestor tenants baseline` (pg_dump of a schema every tenant migration built);\n\
         -- do not edit: add a migration, then write the baseline again.\n\
         SET LOCAL check_function_bodies = false;\n",
        latest_tenant_version()
    );
    let mut blank = false;
    for line in dump.lines() {
        let session = line.starts_with("SET ")
            || line.starts_with("SELECT pg_catalog.set_config")
            || line.starts_with('\\')
            || line.starts_with("--");
        if session {
            continue;
        }
        if line.trim().is_empty() {
            if !blank {
                text.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        text.push_str(line);
        text.push('\n');
    }
    Ok(text)
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
    // A session of its own, closed at the end: reading a table in every schema loads each one's
    // catalogue entries into the session (~30 KB a schema), which a pooled connection would keep
    // for its whole life.
    let mut conn = sqlx::PgConnection::connect_with(db.connect_options()).await?;
    let recorded: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname = '_sqlx_migrations' AND c.relkind = 'r' AND n.nspname = ANY ($1)",
    )
    .bind(&names)
    .fetch_all(&mut conn)
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
                .fetch_all(&mut conn)
                .await?;
        for (schema, version, checksum, success) in rows {
            let entry = applied.entry(schema).or_insert((Applied::new(), true));
            entry.0.insert((version, checksum));
            entry.1 &= success;
        }
    }
    // A failed goodbye loses nothing: the session ends with the connection.
    let _ = conn.close().await;
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
