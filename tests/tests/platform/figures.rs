//! The figures' store (`pestor_kit::figures`): what the regional pages read stays equal to a
//! direct count of every gmina's tables after any kind of change, and follows the calendar.

use pestor_kit::figures::{self, Period};
use pestor_tests::{TestApp, spawn_app};

const GMINAS: [&str; 2] = ["torun", "bydgoszcz"];

/// Every dashboard figure of both gminas, from the store and counted directly.
async fn assert_exact(app: &TestApp, after: &str) {
    for slug in GMINAS {
        let stored = app.figures(slug, "").await;
        let direct = app.direct_figures(slug, "").await;
        assert_eq!(stored, direct, "{slug} after {after}");
    }
}

/// Runs `sql` in gmina `slug`'s schema.
async fn write(app: &TestApp, slug: &str, sql: &str) {
    let t = app.store().find(slug).await.unwrap();
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn demo_app() -> TestApp {
    let app = spawn_app().await;
    // The demo's other gminas (`serve --demo` provisions all of them).
    for slug in ["lubicz", "wloclawek"] {
        app.store().provision(slug).await.unwrap();
    }
    pestor_web::demo::seed(&app.db, &app.state.registry, &app.state.settings)
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn the_store_equals_a_direct_count_after_every_kind_of_change() {
    let app = demo_app().await;
    assert_exact(&app, "the demo").await;
    // Not a comparison of zeros: the demo fills every module in Toruń.
    let torun = app.figures("torun", "").await;
    for key in [
        "pes_verified",
        "offers_active",
        "equipment_offered",
        "support_entries",
    ] {
        let v = torun.iter().find(|(k, _)| *k == key).unwrap().1;
        assert!(v > 0, "{key} is {v} in the demo");
    }

    // Inserts, edits, status moves and deletions in every module's tables.
    write(
        &app,
        "torun",
        "UPDATE organisations SET status = 'pending' WHERE id = (SELECT min(id) FROM organisations WHERE status = 'verified');
         UPDATE offers SET status = 'archived' WHERE id = (SELECT min(id) FROM offers WHERE status = 'active');
         DELETE FROM offers WHERE id = (SELECT max(id) FROM offers);
         UPDATE equipment_items SET status = 'withdrawn' WHERE id = (SELECT min(id) FROM equipment_items);
         DELETE FROM support_entries WHERE id = (SELECT min(id) FROM support_entries);
         INSERT INTO clause_targets (year, target) VALUES (extract(year FROM now())::int, 12)
             ON CONFLICT (year) DO UPDATE SET target = 12;",
    )
    .await;
    assert_exact(&app, "edits in Toruń").await;
    write(&app, "torun", "DELETE FROM clause_checks; UPDATE procurements SET status = 'cancelled' WHERE id = (SELECT min(id) FROM procurements);").await;
    assert_exact(&app, "procurements cancelled").await;

    // A Toruń card that also works in Bydgoszcz, with an offer across gminas: Bydgoszcz counts
    // both, until Toruń is suspended, and again once it is resumed.
    write(
        &app,
        "torun",
        "UPDATE organisations SET also_in = ARRAY['0461011'] WHERE id = (SELECT min(id) FROM organisations WHERE status = 'verified');
         UPDATE offers SET across_gminas = true WHERE organisation_id = (SELECT min(id) FROM organisations WHERE status = 'verified');",
    )
    .await;
    assert_exact(&app, "a card naming Bydgoszcz").await;
    let elsewhere = app.figures("bydgoszcz", "pes_from_elsewhere").await;
    assert_eq!(elsewhere[0], ("pes_from_elsewhere", 1));
    app.store().suspend("torun", "kontrola").await.unwrap();
    assert_exact(&app, "Toruń suspended").await;
    app.store().resume("torun").await.unwrap();
    assert_exact(&app, "Toruń resumed").await;

    // The calendar moves on: "this year", "overdue" and "the last 30 days" follow it.
    let next_year = time::OffsetDateTime::now_utc() + time::Duration::days(400);
    app.state.clock.set(next_year);
    assert_exact(&app, "a new year").await;
    let day: time::Date =
        sqlx::query_scalar("SELECT day FROM figure_counts WHERE teryt = '0463011'")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert_eq!(day, app.state.clock.today());
}

#[tokio::test]
async fn a_change_not_committed_while_the_gmina_is_counted_is_counted_next_time() {
    let app = demo_app().await;
    app.count_figures().await;
    let t = app.store().find("torun").await.unwrap();
    let before = app.figures("torun", "offers_active").await[0].1;

    // A writer holds its change open while the job counts: the count cannot see it, and the
    // writer's mark, not yet visible either, survives the count.
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    sqlx::query("UPDATE offers SET status = 'archived' WHERE id = (SELECT min(id) FROM offers WHERE status = 'active')")
        .execute(&mut *tx)
        .await
        .unwrap();
    app.count_figures().await;
    assert_eq!(app.figures("torun", "offers_active").await[0].1, before);
    tx.commit().await.unwrap();
    assert_eq!(app.figures("torun", "offers_active").await[0].1, before - 1);
    assert_exact(&app, "a late commit").await;
}

#[tokio::test]
async fn the_job_brings_the_dashboard_up_to_date_by_itself() {
    let app = demo_app().await;
    let direct = app.direct_figures("torun", "offers_active").await[0].1;
    write(
        &app,
        "torun",
        "UPDATE offers SET status = 'archived' WHERE id = (SELECT min(id) FROM offers WHERE status = 'active')",
    )
    .await;
    // No explicit count: the server's own job (every second) gets there.
    let started = std::time::Instant::now();
    loop {
        let mut conn = app.db.platform().acquire().await.unwrap();
        let columns: Vec<_> = app.state.catalogue.figures().to_vec();
        let stored = figures::values(&mut conn, &columns).await.unwrap();
        let at = columns
            .iter()
            .position(|f| f.key == "offers_active")
            .unwrap();
        if stored.get("0463011").map(|v| v[at]) == Some(direct - 1) {
            break;
        }
        assert!(
            started.elapsed() < pestor_tests::browser::PATIENCE,
            "the job never counted the change"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn figures_by_day_sum_over_any_period() {
    let app = demo_app().await;
    app.count_figures().await;
    let t = app.store().find("torun").await.unwrap();
    let today = app.state.clock.today();
    let by_day: Vec<_> = app
        .state
        .catalogue
        .figures()
        .iter()
        .filter(|f| matches!(f.count, pestor_kit::module::Count::ByDay { .. }))
        .copied()
        .collect();
    assert!(by_day.len() >= 5);
    let keys: Vec<&str> = by_day.iter().map(|f| f.key).collect();
    let year = today.year();
    for period in [
        Period::ThisYear,
        Period::LastDays(30),
        Period::LastDays(1),
        Period::Year(year),
        Period::Year(year - 1),
        Period::Between(today - time::Duration::days(800), today),
    ] {
        let mut conn = app.db.platform().acquire().await.unwrap();
        let stored = figures::over(&mut conn, &keys, &[&t], period, today)
            .await
            .unwrap();
        for (i, f) in by_day.iter().enumerate() {
            let sql = figures::direct_sql(f, t.teryt(), today, Some(period));
            let direct: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(app.db.platform())
                .await
                .unwrap();
            let got = stored.get("0463011").map_or(0, |v| v[i]);
            assert_eq!(got, direct, "{} over {period:?}", f.key);
        }
    }
    // The year's sums over several gminas, as the region's indicator page reads them.
    let mut conn = app.db.platform().acquire().await.unwrap();
    let b = app.store().find("bydgoszcz").await.unwrap();
    let years = figures::by_year(&mut conn, &keys, &[&t, &b]).await.unwrap();
    let this = &years[&year];
    let at = keys.iter().position(|k| *k == "clauses_this_year").unwrap();
    let direct = app.direct_figures("torun", "clauses_this_year").await[0].1
        + app.direct_figures("bydgoszcz", "clauses_this_year").await[0].1;
    assert_eq!(this[at].unwrap_or(0), direct);
}

#[tokio::test]
async fn every_table_a_figure_counts_tells_the_store_of_its_changes() {
    let app = spawn_app().await;
    let mut tables = std::collections::BTreeSet::new();
    for f in app.state.catalogue.figures() {
        let sql = match f.count {
            pestor_kit::module::Count::Now(q) => q,
            pestor_kit::module::Count::ByDay { query, .. } => query,
        };
        for part in sql.split("{schema}.").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            tables.insert(name);
        }
    }
    assert!(tables.len() >= 10, "{tables:?}");
    for table in &tables {
        let watched: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
                            JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE n.nspname = 'gmina_0463011' AND c.relname = $1 AND g.tgname = 'figures_mark')",
        )
        .bind(table)
        .fetch_one(app.db.platform())
        .await
        .unwrap();
        assert!(
            watched,
            "the table {table} has no figures_mark trigger (tenant migration 0022)"
        );
    }
}
