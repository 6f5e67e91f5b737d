//! The tenant handle: tenant data is reached only through it, and nothing leaks between tenants.

use futures::StreamExt;
use pestor_db::Database;
use pestor_tests::{fresh_database, spawn_app_with};
use std::time::Duration;

fn teryt_on(body: &str) -> &str {
    body.split("<dd class=\"govuk-summary-list__value teryt\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundreds_of_concurrent_requests_on_a_small_pool_never_see_another_tenants_rows() {
    // Two connections: one is the change listener's, so every request shares the other and
    // connections are reused constantly across tenants.
    let app = spawn_app_with(|s| s.database.max_connections = 2).await;
    // Make the schemas differ in shape too: a cached statement must still work in both.
    let bydgoszcz = app.store().find("bydgoszcz").await.unwrap();
    let mut tx = app.db.tenant(&bydgoszcz).begin().await.unwrap();
    sqlx::query("ALTER TABLE tenant_info ADD COLUMN note text DEFAULT 'inny kształt'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let hosts = [
        ("torun.localhost", "0463011"),
        ("bydgoszcz.localhost", "0461011"),
        ("gmina-chelmza.localhost", "0415022"),
    ];
    let results: Vec<(String, &str, u16, String)> = futures::stream::iter(0..450)
        .map(|i| {
            let (host, teryt) = hosts[i % hosts.len()];
            let app = &app;
            async move {
                let (status, body) = app.page(host, "/").await;
                (host.to_owned(), teryt, status, teryt_on(&body).to_owned())
            }
        })
        .buffer_unordered(48)
        .collect()
        .await;
    assert_eq!(results.len(), 450);
    for (host, expected, status, seen) in &results {
        assert_eq!(*status, 200, "{host}");
        assert_eq!(seen, expected, "{host} showed the data of another gmina");
    }
}

#[tokio::test]
async fn a_connection_back_in_the_pool_carries_no_tenant_search_path() {
    let (_, opts) = fresh_database().await;
    let db = Database::connect(opts, pestor_db::PoolLimits::new(1, Duration::from_secs(5)))
        .await
        .unwrap();
    let store = pestor_db::TenantStore::new(db.clone());
    let torun = store.find("torun").await.unwrap();

    let show = || async {
        sqlx::query_scalar::<_, String>("SHOW search_path")
            .fetch_one(db.platform())
            .await
            .unwrap()
    };
    assert_eq!(show().await, "public");

    let mut tx = db.tenant(&torun).begin().await.unwrap();
    let inside: String = sqlx::query_scalar("SHOW search_path")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(inside, "\"gmina_0463011\", public");
    tx.commit().await.unwrap();
    assert_eq!(show().await, "public", "after commit");

    let tx = db.tenant(&torun).begin().await.unwrap();
    drop(tx); // rolled back, not committed
    assert_eq!(show().await, "public", "after a dropped transaction");
}

#[tokio::test]
async fn without_a_handle_tenant_tables_are_unreachable() {
    let (_, opts) = fresh_database().await;
    let db = Database::connect(opts, pestor_db::PoolLimits::new(1, Duration::from_secs(5)))
        .await
        .unwrap();
    let err = sqlx::query_scalar::<_, String>("SELECT teryt FROM tenant_info")
        .fetch_one(db.platform())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("relation \"tenant_info\" does not exist"),
        "{err}"
    );

    let store = pestor_db::TenantStore::new(db.clone());
    let torun = store.find("torun").await.unwrap();
    let mut tx = db.tenant(&torun).begin().await.unwrap();
    let teryt: String = sqlx::query_scalar("SELECT teryt FROM tenant_info")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(teryt, "0463011");
}

#[tokio::test]
async fn each_tenant_schema_tracks_its_own_migrations() {
    let (_, opts) = fresh_database().await;
    let db = Database::connect(opts, pestor_db::PoolLimits::new(2, Duration::from_secs(5)))
        .await
        .unwrap();
    let versions: Vec<(String, i64)> = sqlx::query_as(
        "SELECT 'torun', max(version) FROM gmina_0463011._sqlx_migrations UNION ALL \
         SELECT 'bydgoszcz', max(version) FROM gmina_0461011._sqlx_migrations",
    )
    .fetch_all(db.platform())
    .await
    .unwrap();
    let latest = pestor_db::migrate::latest_tenant_version();
    assert_eq!(
        versions,
        vec![("torun".into(), latest), ("bydgoszcz".into(), latest)]
    );
    // A registered but unprovisioned gmina has no schema at all.
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'gmina_0464011')",
    )
    .fetch_one(db.platform())
    .await
    .unwrap();
    assert!(!exists);
}

/// Statements on the gmina-scoped public tables go through the tenant handle (`GminaScoped`, which
/// binds the gmina's own TERYT), except in the few places that span gminas by design. A new
/// statement elsewhere that names one of these tables with a plain `sqlx::query` fails here.
#[test]
fn gmina_rows_in_public_tables_are_reached_through_the_handle() {
    const TABLES: [&str; 6] = [
        "gmina_roles",
        "invitations",
        "audit_log",
        "pes_directory",
        "offer_directory",
        "equipment_directory",
    ];
    // Files whose statements span gminas, and why.
    const ACROSS_GMINAS: &[(&str, &str)] = &[
        (
            "accounts/src/privacy.rs",
            "an account's data export and deletion, in every gmina",
        ),
        (
            "accounts/src/profile.rs",
            "an account's roles in every gmina, on /konto",
        ),
        (
            "kit/src/acting.rs",
            "a person's organisations of every gmina that work in this one",
        ),
        (
            "kit/src/auth/retention.rs",
            "accounts with no role anywhere are purged",
        ),
        (
            "organisations/src/directory.rs",
            "cards of this gmina and those that work here; every gmina's for the regional search",
        ),
        (
            "organisations/src/notices.rs",
            "tells each gmina's staff of other gminas' cards that name it",
        ),
        (
            "offers/src/regional.rs",
            "every gmina's offers, for the regional search",
        ),
        (
            "region/src/search.rs",
            "the search across every active gmina",
        ),
        (
            "web/src/demo.rs",
            "the demo's first admin, before any request",
        ),
        (
            "region/src/dashboard.rs",
            "the coordinators' dashboard: every gmina's figures and activity",
        ),
        (
            "region/src/coordinators.rs",
            "the region's own log: rows with no gmina",
        ),
        (
            "kit/src/audit.rs",
            "the region's own log: coordinators' changes to regional data",
        ),
        (
            "procurement/src/matching.rs",
            "the PES of this gmina and of others that work here, with their offers, for matchmaking",
        ),
        (
            "equipment/src/powiat.rs",
            "every gmina's items, for the regional search; the powiat's, scoped",
        ),
        (
            "pestor/tests/cli.rs",
            "the command line's test reads the region's own log",
        ),
    ];
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let mut stray = Vec::new();
    let mut scoped = 0;
    let mut stack = vec![crates.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .strip_prefix(&crates)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if !name.ends_with(".rs")
                || name.starts_with("db/")
                || ACROSS_GMINAS.iter().any(|(f, _)| *f == name)
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                // SQL text only: the tables' names in module declarations are not statements.
                let sql = [
                    "SELECT", "INSERT", "UPDATE", "DELETE", "FROM", "JOIN", "WHERE",
                ]
                .iter()
                .any(|k| code.contains(k));
                if !sql || !TABLES.iter().any(|t| code.contains(t)) {
                    continue;
                }
                // The statement starts at most a few lines above the line naming the table.
                let start = i.saturating_sub(4);
                // A figure's `'{teryt}'` is replaced with one gmina's code by the figures' store.
                if lines[start..=i]
                    .iter()
                    .any(|l| l.contains("scoped") || l.contains("'{teryt}'"))
                {
                    scoped += 1;
                } else {
                    stray.push(format!("{name}:{}: {}", i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        stray.is_empty(),
        "statements on gmina-scoped public tables outside the handle:\n{}",
        stray.join("\n")
    );
    // The scan does see the statements it is about.
    assert!(scoped >= 12, "only {scoped} scoped statements found");
}
