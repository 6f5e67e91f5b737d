//! The module contract as the running app sees it: every table of a gmina belongs to exactly one
//! module, the figures a module contributes count the gmina's records, and work over the fleet of
//! gminas carries on past a gmina that fails.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pestor_kit::AppError;
use pestor_kit::fleet;
use pestor_tests::{PROVISIONED, add_card, spawn_app};

/// A foreign key from a gmina's table to a public one puts triggers on the public table for every
/// gmina (44,608 on `public.accounts` at 2,477 gminas: slow provisioning, and deleting an account
/// ran out of lock memory). The columns that name an account are declared instead, and each is a
/// plain id column of a table its module owns.
#[tokio::test]
async fn no_gmina_table_has_a_foreign_key_to_a_public_table_and_account_columns_are_declared() {
    let app = spawn_app().await;
    let to_public: Vec<String> = sqlx::query_scalar(
        "SELECT c.conrelid::regclass::text || ' → ' || c.confrelid::regclass::text
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = 'gmina_0463011'::regnamespace
           AND c.confrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)",
    )
    .fetch_all(app.db.platform())
    .await
    .unwrap();
    assert_eq!(to_public, Vec::<String>::new());
    for m in pestor_web::modules().iter() {
        let data = m.gmina_data();
        for (table, column) in data.account_columns {
            assert!(
                data.tenant_tables.contains(table),
                "{}: {table} is not its table",
                m.name()
            );
            let kind: Option<String> = sqlx::query_scalar(
                "SELECT data_type::text FROM information_schema.columns
                 WHERE table_schema = 'gmina_0463011' AND table_name = $1 AND column_name = $2",
            )
            .bind(table)
            .bind(column)
            .fetch_optional(app.db.platform())
            .await
            .unwrap();
            assert_eq!(kind.as_deref(), Some("bigint"), "{table}.{column}");
        }
    }
}

#[tokio::test]
async fn every_table_of_a_gmina_belongs_to_exactly_one_module() {
    let app = spawn_app().await;
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    let in_schema: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(in_schema.len() >= 8, "{in_schema:?}");
    let mut owners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for m in pestor_web::modules().iter() {
        for t in m.gmina_data().tenant_tables {
            owners.entry(t).or_default().push(m.name());
        }
    }
    for table in &in_schema {
        match owners.get(table.as_str()) {
            Some(o) if o.len() == 1 => {}
            Some(o) => panic!("table {table} is claimed by {o:?}"),
            None => panic!("table {table} of the gmina schema belongs to no module"),
        }
    }
    for claimed in owners.keys() {
        assert!(
            in_schema.iter().any(|t| t == claimed),
            "a module claims {claimed}, which the gmina schema does not have"
        );
    }
    // Every public table with gmina rows (a column referring to a gmina) is in some module's
    // data, so exports carry it (or archiving removes it, for work in flight) — except the registry's own record of the gminas, which stays
    // when a gmina is archived.
    const REGISTRY: &[&str] = &[
        "tenant_domains",
        "tenant_events",
        "tenant_onboardings",
        "tenant_slug_history",
    ];
    let with_gmina_rows: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT c.conrelid::regclass::text FROM pg_constraint c
         WHERE c.contype = 'f' AND c.confrelid = 'public.tenants'::regclass
           AND c.connamespace = 'public'::regnamespace ORDER BY 1",
    )
    .fetch_all(app.db.platform())
    .await
    .unwrap();
    let claimed: Vec<&str> = pestor_web::modules()
        .iter()
        .flat_map(|m| {
            let data = m.gmina_data();
            data.public_tables
                .iter()
                .chain(data.transient_tables)
                .map(|(t, _)| *t)
        })
        .collect();
    for table in &with_gmina_rows {
        assert!(
            claimed.contains(&table.as_str()) || REGISTRY.contains(&table.as_str()),
            "public.{table} holds gmina rows but no module's gmina_data names it"
        );
    }
    // Public tables with gmina rows name a column that exists and holds the TERYT.
    for m in pestor_web::modules().iter() {
        for (table, column) in m.gmina_data().public_tables {
            let exists: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2)",
            )
            .bind(table)
            .bind(column)
            .fetch_one(app.db.platform())
            .await
            .unwrap();
            assert!(exists, "{}: public.{table}.{column}", m.name());
        }
    }
}

#[tokio::test]
async fn figures_count_the_records_of_one_gmina_only() {
    let app = spawn_app().await;
    let card = |name: &'static str, slug: &'static str, teryt: &'static str, status| {
        let app = &app;
        async move {
            add_card(
                app,
                slug,
                &[
                    ("name", name),
                    ("legal_form", "fundacja"),
                    ("gmina_teryt", teryt),
                ],
                &["2"],
                &[],
                status,
            )
            .await
        }
    };
    card("Fundacja Pierwsza", "torun", "0463011", "verified").await;
    card("Fundacja Druga", "torun", "0463011", "verified").await;
    card("Fundacja Trzecia", "torun", "0463011", "pending").await;
    card("Fundacja z Bydgoszczy", "bydgoszcz", "0461011", "verified").await;
    let figures = |slug: &'static str| {
        let app = &app;
        async move {
            app.figures(slug, "")
                .await
                .into_iter()
                .collect::<BTreeMap<_, _>>()
        }
    };
    let torun = figures("torun").await;
    assert_eq!(torun["pes_verified"], 2);
    assert_eq!(torun["pes_pending"], 1);
    assert_eq!(torun["pes_not_reverified"], 0);
    assert_eq!(torun["offers_active"], 0);
    let bydgoszcz = figures("bydgoszcz").await;
    assert_eq!(bydgoszcz["pes_verified"], 1);
    assert_eq!(bydgoszcz["pes_pending"], 0);
}

#[tokio::test]
async fn a_fleet_job_carries_on_past_a_failing_gmina_and_counts_the_failure() {
    let app = spawn_app().await;
    let torun = app.store().find("torun").await.unwrap();
    let failing = torun.gmina().teryt.as_str().to_owned();
    let report = fleet::for_each_gmina(&app.state, "test-job", |t| {
        let failing = failing.clone();
        async move {
            if t.tenant.gmina().teryt.as_str() == failing {
                Err(AppError::BadRequest("awaria testowa".into()))
            } else {
                Ok(t.tenant.gmina().slug.as_str().to_owned())
            }
        }
    })
    .await
    .unwrap();
    let done: Vec<&str> = report.done.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(done.len(), PROVISIONED.len() - 1, "{done:?}");
    assert!(!done.contains(&"torun"));
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, failing);
    assert_eq!(app.state.metrics.fleet_failures("test-job", &failing), 1);
    let (_, text) = app.page("localhost", "/metrics").await;
    assert!(
        text.contains(&format!(
            "pestor_fleet_job_failures_total{{job=\"test-job\",teryt=\"{failing}\"}} 1"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn digests_of_other_gminas_go_out_when_one_gmina_fails() {
    let app = spawn_app().await;
    // Two gminas with a confirmed daily subscription due and a new offer each.
    for (slug, teryt, email) in [
        ("torun", "0463011", "torun-digest@example.pl"),
        ("bydgoszcz", "0461011", "bydgoszcz-digest@example.pl"),
    ] {
        let org = add_card(
            &app,
            slug,
            &[
                ("name", "Spółdzielnia Smaki"),
                ("legal_form", "spoldzielnia_socjalna"),
                ("gmina_teryt", teryt),
            ],
            &["2"],
            &[],
            "verified",
        )
        .await;
        let t = app.store().find(slug).await.unwrap();
        let mut tx = app.db.tenant(&t).begin().await.unwrap();
        sqlx::query(
            "INSERT INTO offers (organisation_id, name, description, category, target_groups)
             VALUES ($1, 'Obiady domowe', 'Opis obiadów', 'catering', '{urzad}')",
        )
        .bind(org)
        .execute(&mut *tx)
        .await
        .unwrap();
        // Toruń's is due only once its table is broken below: the app's own worker, which runs
        // at start-up, must not send it first.
        sqlx::query(
            "INSERT INTO offer_subscriptions (email, frequency, token_hash, confirmed_at, digest_from)
             VALUES ($1, 'daily', sha256($1::bytea), now(),
                     now() - CASE WHEN $2 = 'torun' THEN interval '0' ELSE interval '2 days' END)",
        )
        .bind(email)
        .bind(slug)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // Toruń's digests fail: its subscriptions table is not there.
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    sqlx::raw_sql(
        "ALTER TABLE offer_subscriptions RENAME TO offer_subscriptions_broken;
         UPDATE offer_subscriptions_broken SET digest_from = now() - interval '2 days'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let sent = pestor_offers::notices::send_digests(&app.state)
        .await
        .unwrap();
    // The app's own digest worker runs once at start-up; on a busy machine that run can come
    // after the rows above, and send Bydgoszcz's digest itself. Either way it goes out once.
    assert!(sent <= 1, "{sent}");
    let digest = app.mail.wait_for("bydgoszcz-digest@example.pl", 1).await;
    assert_eq!(app.mail.to("bydgoszcz-digest@example.pl").len(), 1);
    assert!(digest.text.contains("Obiady domowe"), "{}", digest.text);
    assert!(app.mail.to("torun-digest@example.pl").is_empty());
    assert!(
        app.state.metrics.fleet_failures(
            pestor_offers::notices::DIGEST_JOB,
            torun.gmina().teryt.as_str()
        ) >= 1
    );
}

// The catalogue against the source tree: what each module registers is what is on disk.
/// Files under `dir` (recursively), as absolute paths.
fn files(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.insert(path.canonicalize().unwrap_or(path));
        }
    }
}

/// Every crate's `<folder>/` files that pass `keep`.
fn on_disk(folder: &str, keep: impl Fn(&Path) -> bool) -> BTreeSet<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let mut all = BTreeSet::new();
    for krate in std::fs::read_dir(&crates).unwrap().flatten() {
        files(&krate.path().join(folder), &mut all);
    }
    all.into_iter().filter(|p| keep(p)).collect()
}

fn registered<'a>(
    assets: impl Iterator<Item = &'a pestor_kit::catalogue::Asset>,
) -> BTreeSet<PathBuf> {
    // Test builds are debug builds: every asset names its file in the source tree.
    assets
        .map(|a| {
            let path = PathBuf::from(a.source.path().expect("debug builds read files"));
            path.canonicalize().unwrap_or(path)
        })
        .collect()
}

/// Every file on disk is registered, and every registered one is on disk.
fn same_files(registered: &BTreeSet<PathBuf>, on_disk: &BTreeSet<PathBuf>) {
    let unregistered: Vec<_> = on_disk.difference(registered).collect();
    let missing: Vec<_> = registered.difference(on_disk).collect();
    assert!(
        unregistered.is_empty(),
        "no module registers {unregistered:?}"
    );
    assert!(missing.is_empty(), "registered but missing: {missing:?}");
}

#[test]
fn every_template_file_is_registered_by_a_module_and_every_registered_one_exists() {
    let catalogue = pestor_web::modules().catalogue();
    let registered = registered(catalogue.templates());
    let on_disk = on_disk("templates", |_| true);
    same_files(&registered, &on_disk);
    assert!(registered.len() > 30, "{}", registered.len());
    // Names are what pages render and gminas override: the path under `templates/`.
    for t in catalogue.templates() {
        assert!(
            t.source
                .path()
                .unwrap()
                .ends_with(&format!("/templates/{}", t.name)),
            "{}",
            t.name
        );
    }
}

#[test]
fn every_servable_static_file_is_registered_and_every_registered_one_exists() {
    let catalogue = pestor_web::modules().catalogue();
    let registered = registered(catalogue.static_files());
    let servable = |p: &Path| pestor_kit::assets::content_type(&p.to_string_lossy()).is_some();
    let on_disk = on_disk("static", servable);
    same_files(&registered, &on_disk);
}

#[test]
fn the_menu_and_the_audit_labels_come_from_the_modules() {
    let catalogue = pestor_web::modules().catalogue();
    let menu: Vec<_> = catalogue.nav().iter().map(|e| e.label).collect();
    assert_eq!(
        menu,
        [
            "Gminy regionu",
            "Strona główna",
            "Baza PES",
            "Mapa PES",
            "Giełda ofert",
            "Bank sprzętu",
            "Lokale dla PES",
            "Wsparcie",
            "Klauzule społeczne",
            "Klauzule społeczne",
            "Szukaj w regionie"
        ]
    );
    assert_eq!(catalogue.audit_label("offer.hidden"), "ukrycie oferty");
    assert_eq!(catalogue.audit_label("role.grant"), "nadanie roli");
    assert_eq!(
        catalogue.audit_label("nieznana.czynnosc"),
        "nieznana.czynnosc"
    );
    assert!(catalogue.csrf_exempt(pestor_offers::notices::UNSUBSCRIBE_PATH));
    assert!(!catalogue.csrf_exempt("/oferty/nowa"));
}

/// The gmina's home page shows every area the gmina has, as its module describes it — none
/// hard-coded, none missing.
#[tokio::test]
async fn the_home_page_shows_every_area_of_the_gmina_from_the_modules() {
    let app = spawn_app().await;
    let (status, home) = app.page("torun.localhost", "/").await;
    assert_eq!(status, 200);
    let catalogue = pestor_web::modules().catalogue();
    let mut tiles = 0;
    for e in catalogue.nav() {
        if e.summary.is_empty() {
            continue;
        }
        tiles += 1;
        let link = format!("href=\"{}\">{}</a>", e.href.replace('/', "&#x2f;"), e.label);
        let plain = format!("href=\"{}\">{}</a>", e.href, e.label);
        assert!(
            home.contains(&link) || home.contains(&plain),
            "{} missing from the home page",
            e.label
        );
        assert!(
            home.contains(&e.summary.replace('/', "&#x2f;")) || home.contains(e.summary),
            "{}",
            e.summary
        );
    }
    assert_eq!(
        tiles, 7,
        "Baza PES, its map, Giełda, equipment, premises, support, clauses"
    );
    assert!(
        !home.contains("wydarze"),
        "no promise of what the gmina does not have yet"
    );
}
