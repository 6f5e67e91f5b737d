//! Tenant lifecycle: registry sync, provisioning, suspension, slug renames, bulk migration.

use pestor_core::{Registry, TenantStatus};
use pestor_tests::{spawn_app, tenants_dir};

fn registry() -> Registry {
    Registry::load(&tenants_dir()).unwrap()
}

#[tokio::test]
async fn sync_is_idempotent() {
    let app = spawn_app().await;
    let report = app.store().sync(&registry()).await.unwrap();
    assert_eq!(
        report,
        Default::default(),
        "the template already holds the registry"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants")
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    assert_eq!(count, 144);
}

#[tokio::test]
async fn provisioning_and_suspension_take_effect_in_the_running_server() {
    let app = spawn_app().await;
    // Cache the "not provisioned" answer first, so only invalidation can change it.
    assert_eq!(app.page("wloclawek.localhost", "/").await.0, 404);
    let t = app.store().provision("wloclawek").await.unwrap();
    assert_eq!(t.status(), TenantStatus::Active);
    let (status, body) = app
        .eventually("wloclawek.localhost", "/", |s, _| s == 200)
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("<dd class=\"govuk-summary-list__value teryt\">0464011</dd>"));

    app.store().suspend("wloclawek", "test").await.unwrap();
    assert_eq!(
        app.eventually("wloclawek.localhost", "/", |s, _| s == 503)
            .await
            .0,
        503
    );
    app.store().resume("wloclawek").await.unwrap();
    assert_eq!(
        app.eventually("wloclawek.localhost", "/", |s, _| s == 200)
            .await
            .0,
        200
    );

    // Provisioning again is a no-op; an impossible transition is refused with a clear message.
    let again = app.store().provision("0464011").await.unwrap();
    assert_eq!(
        (again.status(), again.schema_version()),
        (TenantStatus::Active, t.schema_version())
    );
    let same = app.store().resume("torun").await.unwrap();
    assert_eq!(
        same.status(),
        TenantStatus::Active,
        "resuming an active gmina is a no-op"
    );
    let err = app
        .store()
        .suspend("grudziadz", "")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("ma status „registered”"), "{err}");
    let err = app
        .store()
        .provision("atlantyda")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(err, "nie ma gminy „atlantyda” w rejestrze");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant_events WHERE teryt = '0464011' AND action IN ('provision','suspended','active')")
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    assert_eq!(events, 3, "operator actions are logged");
}

#[tokio::test]
async fn renaming_a_slug_keeps_the_data_and_the_old_host_redirects() {
    let app = spawn_app().await;
    assert_eq!(app.page("torun.localhost", "/").await.0, 200);
    let mut reg = registry();
    let torun = reg
        .gminas
        .iter_mut()
        .find(|g| g.slug.as_str() == "torun")
        .unwrap();
    torun.slug = pestor_core::Slug::parse("miasto-torun").unwrap();
    let report = app.store().sync(&reg).await.unwrap();
    assert_eq!(
        report.renamed,
        vec![("torun".to_owned(), "miasto-torun".to_owned())]
    );

    // The change reaches the running server through NOTIFY, a moment after the commit.
    app.eventually("torun.localhost", "/x?y=1", |s, _| s == 301)
        .await;
    let r = app
        .client
        .get(app.url("torun.localhost", "/x?y=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(
        r.headers()["location"],
        format!("http://miasto-torun.localhost:{}/x?y=1", app.addr.port())
    );
    let (status, body) = app.page("miasto-torun.localhost", "/").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<dd class=\"govuk-summary-list__value teryt\">0463011</dd>")
            && body.contains("Gmina Miasta Toruń"),
        "same schema, same branding"
    );

    // Renaming back frees the old name again.
    app.store().sync(&registry()).await.unwrap();
    assert_eq!(
        app.eventually("torun.localhost", "/", |s, _| s == 200)
            .await
            .0,
        200
    );
    assert_eq!(
        app.eventually("miasto-torun.localhost", "/", |s, _| s == 301)
            .await
            .0,
        301
    );
}

#[tokio::test]
async fn bulk_migration_reports_a_failing_tenant_by_name_and_migrates_the_rest() {
    let app = spawn_app().await;
    let pool = app.db.platform();
    // Break Bydgoszcz: its record of migration 1 no longer matches the file.
    sqlx::query("UPDATE gmina_0461011._sqlx_migrations SET checksum = '\\x00'::bytea")
        .execute(pool)
        .await
        .unwrap();
    // Lose Toruń's schema entirely: migration must rebuild it.
    sqlx::query("DROP SCHEMA gmina_0463011 CASCADE")
        .execute(pool)
        .await
        .unwrap();

    let mut seen = Vec::new();
    let report = app
        .store()
        .migrate_all(4, |p| seen.push((p.slug.clone(), p.error.is_some())))
        .await
        .unwrap();
    assert!(!report.is_success());
    assert_eq!(report.migrated, 2);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, "bydgoszcz");
    assert!(
        report.failed[0].2.contains("migrat"),
        "{}",
        report.failed[0].2
    );
    assert_eq!(seen.len(), 3, "progress for every tenant");
    let rebuilt: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = 'gmina_0463011' AND table_name = 'tenant_info')")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(rebuilt);

    // Repaired, a second run succeeds, and a third changes nothing.
    sqlx::query("DROP SCHEMA gmina_0461011 CASCADE")
        .execute(pool)
        .await
        .unwrap();
    assert!(
        app.store()
            .migrate_all(4, |_| {})
            .await
            .unwrap()
            .is_success()
    );
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM gmina_0463011._sqlx_migrations")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(
        app.store()
            .migrate_all(4, |_| {})
            .await
            .unwrap()
            .is_success()
    );
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM gmina_0463011._sqlx_migrations")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn provisioning_all_gminas_makes_every_one_reachable() {
    let app = spawn_app().await;
    let report = app.store().provision_all(8, |_| {}).await.unwrap();
    assert!(report.is_success(), "{:?}", report.failed);
    assert_eq!(report.migrated, 144);
    let schemas: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'gmina\\_%'")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert_eq!(schemas, 144);
    for host in [
        "rogowo-zninski.localhost",
        "gmina-wloclawek.localhost",
        "zlawies-wielka.localhost",
    ] {
        assert_eq!(
            app.eventually(host, "/", |s, _| s == 200).await.0,
            200,
            "{host}"
        );
    }
}

/// A fleet run reads every schema's record of migrations at once and leaves alone those exactly
/// at this binary's migrations; a schema behind, changed, with a failed migration or missing is
/// not "current", so the migrator still rebuilds it or reports it.
#[tokio::test]
async fn a_fleet_run_leaves_current_schemas_alone_and_finds_every_other() {
    let app = spawn_app().await;
    let pool = app.db.platform();
    let schemas: Vec<pestor_core::SchemaName> = ["0463011", "0461011", "0415022", "0401011"]
        .iter()
        .map(|t| pestor_core::Teryt::parse(t).unwrap().schema())
        .collect();
    let current = pestor_db::migrate::current_schemas(&app.db, &schemas)
        .await
        .unwrap();
    let mut names: Vec<&str> = current.iter().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        ["gmina_0415022", "gmina_0461011", "gmina_0463011"],
        "the three provisioned; one never provisioned"
    );
    for change in [
        "UPDATE gmina_0461011._sqlx_migrations SET checksum = '\\x00'::bytea WHERE version = 1",
        "UPDATE gmina_0415022._sqlx_migrations SET success = false WHERE version = 2",
        "DELETE FROM gmina_0463011._sqlx_migrations WHERE version = (SELECT max(version) FROM gmina_0463011._sqlx_migrations)",
    ] {
        sqlx::raw_sql(change).execute(pool).await.unwrap();
    }
    assert!(
        pestor_db::migrate::current_schemas(&app.db, &schemas)
            .await
            .unwrap()
            .is_empty()
    );
    // A no-op run over current schemas records their version and reports every gmina.
    let fresh = spawn_app().await;
    sqlx::query("UPDATE tenants SET schema_version = 1 WHERE slug = 'torun'")
        .execute(fresh.db.platform())
        .await
        .unwrap();
    let mut seen = 0;
    let report = fresh.store().migrate_all(4, |_| seen += 1).await.unwrap();
    assert!(report.is_success());
    assert_eq!((report.migrated, seen), (3, 3));
    assert_eq!(
        fresh.store().find("torun").await.unwrap().schema_version(),
        Some(pestor_db::migrate::latest_tenant_version())
    );
}

/// Everything PostgreSQL knows of a schema that a migration may shape, with the schema's name
/// written `S`: columns in order, constraints, indexes, triggers, functions, views, sequences,
/// every table's rows, and the migrations recorded.
async fn fingerprint(db: &pestor_db::Database, schema: &pestor_core::SchemaName) -> Vec<String> {
    let name = schema.as_str();
    let mut out: Vec<String> = sqlx::query_scalar(
        "SELECT kind || ' ' || replace(def, $1, 'S') FROM (
            SELECT 'column' AS kind, format('%s #%s %s %s %s default %s identity %s generated %s', c.relname,
                   row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum), a.attname,
                   format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
                   a.attidentity, a.attgenerated) AS def
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL SELECT 'relation', format('%s %s %s', c.relname, c.relkind, c.relpersistence)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
            UNION ALL SELECT 'constraint', c.relname || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
            FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = co.connamespace
            WHERE n.nspname = $1
            UNION ALL SELECT 'index', pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1
            UNION ALL SELECT 'trigger', pg_get_triggerdef(t.oid)
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND NOT t.tgisinternal
            UNION ALL SELECT 'function', pg_get_functiondef(p.oid)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
            UNION ALL SELECT 'view', c.relname || ' ' || pg_get_viewdef(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('v', 'm')
            UNION ALL SELECT 'sequence', sequencename || ' ' || coalesce(last_value, 0) || ' ' || increment_by
            FROM pg_sequences WHERE schemaname = $1
         ) f ORDER BY 1",
    )
    .bind(name)
    .fetch_all(db.platform())
    .await
    .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> '_sqlx_migrations' ORDER BY 1",
    )
    .bind(name)
    .fetch_all(db.platform())
    .await
    .unwrap();
    for table in tables {
        // Names from the catalogue of a validated schema.
        let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT coalesce(string_agg(t::text, '|' ORDER BY t::text), '') FROM {}.\"{table}\" t",
            schema.quoted()
        )))
        .fetch_one(db.platform())
        .await
        .unwrap();
        out.push(format!("rows {table} {rows}"));
    }
    let applied: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT version || ' ' || description || ' ' || success || ' ' || encode(checksum, 'hex')
         FROM {}._sqlx_migrations ORDER BY version",
        schema.quoted()
    )))
    .fetch_all(db.platform())
    .await
    .unwrap();
    out.extend(applied.into_iter().map(|m| format!("migration {m}")));
    out
}

#[tokio::test]
async fn a_schema_made_from_the_baseline_equals_one_every_migration_built() {
    use pestor_db::migrate;
    let app = spawn_app().await;
    assert_eq!(
        migrate::baseline_version(),
        migrate::latest_tenant_version(),
        "migrations/tenant_baseline.sql is behind the tenant migrations: run `pestor tenants baseline`"
    );
    // Two gminas that have not joined: one replayed, one from the baseline.
    let replayed = pestor_core::Teryt::parse("0401011").unwrap().schema();
    let from_baseline = pestor_core::Teryt::parse("0401022").unwrap().schema();
    migrate::replay_tenant_schema(&app.db, &replayed)
        .await
        .unwrap();
    migrate::migrate_tenant_schema(&app.db, &from_baseline)
        .await
        .unwrap();
    let (a, b) = (
        fingerprint(&app.db, &replayed).await,
        fingerprint(&app.db, &from_baseline).await,
    );
    assert!(a.len() > 300, "{}", a.len());
    let differ: Vec<_> = a
        .iter()
        .filter(|l| !b.contains(l))
        .map(|l| format!("- {l}"))
        .chain(
            b.iter()
                .filter(|l| !a.contains(l))
                .map(|l| format!("+ {l}")),
        )
        .collect();
    assert!(
        differ.is_empty(),
        "the baseline differs from a replay (run `pestor tenants baseline`):\n{}",
        differ.join("\n")
    );
    // Made from the baseline (migrations stamped, none run), and a second run changes nothing.
    let stamped: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM {}._sqlx_migrations WHERE execution_time = 0",
        from_baseline.quoted()
    )))
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(stamped, migrate::latest_tenant_version());
    migrate::migrate_tenant_schema(&app.db, &from_baseline)
        .await
        .unwrap();
    assert_eq!(fingerprint(&app.db, &from_baseline).await, b);
}
