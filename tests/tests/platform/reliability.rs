//! Cancellation: clients that vanish at any moment must not leave a pooled connection inside a
//! transaction, lose an acknowledged write, or leave half of an abandoned one.

use std::sync::Arc;
use std::time::Duration;

use pestor_tests::{TestApp, csrf_of, postgres_log_of, spawn_app_with};

/// A small deterministic generator (the seed is printed, so a failing run can be repeated).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Gmina {
    host: &'static str,
    teryt: &'static str,
    schema: &'static str,
}

const GMINAS: [Gmina; 2] = [
    Gmina {
        host: "torun.localhost",
        teryt: "0463011",
        schema: "gmina_0463011",
    },
    Gmina {
        host: "bydgoszcz.localhost",
        teryt: "0461011",
        schema: "gmina_0461011",
    },
];

/// What one attempted registration ended as, seen from the client.
struct Attempt {
    gmina: usize,
    name: String,
    acknowledged: bool,
}

/// The rows one registration writes: the card in the gmina's schema, its regional projection and
/// the author's membership (both in `public`).
async fn rows_of(app: &TestApp, name: &str) -> [i64; 3] {
    let mut counts = [0; 3];
    for (i, sql) in [
        "SELECT (SELECT count(*) FROM gmina_0463011.organisations WHERE name = $1)
              + (SELECT count(*) FROM gmina_0461011.organisations WHERE name = $1)",
        "SELECT count(*) FROM public.pes_directory WHERE name = $1",
        "SELECT count(*) FROM public.gmina_roles r JOIN public.pes_directory d
           ON d.teryt = r.teryt AND d.organisation_id = r.organisation_id WHERE d.name = $1",
    ]
    .into_iter()
    .enumerate()
    {
        counts[i] = sqlx::query_scalar(sql)
            .bind(name)
            .fetch_one(app.db.platform())
            .await
            .expect("count rows");
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn abandoned_requests_leave_no_connection_in_a_transaction_and_no_half_write() {
    // Two connections for everyone: every abandoned request's connection is the next one's.
    let app = Arc::new(
        spawn_app_with(|s| {
            s.database.max_connections = 2;
            s.auth.max_requests_per_ip = 100_000;
        })
        .await,
    );
    let mut people = Vec::new();
    for g in &GMINAS {
        let slug = g.host.trim_end_matches(".localhost");
        let (_, v) = app
            .person(&format!("autor@{slug}.example"), slug, None)
            .await;
        let form = v.get(g.host, "/podmioty/nowy").await;
        let token = csrf_of(&form.body).expect("csrf");
        people.push((v.client.clone(), token));
    }
    let people = Arc::new(people);

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("seed {seed}");
    let mut rng = Rng(seed);
    let mut tasks = Vec::new();
    for i in 0..1500u64 {
        let gmina = rng.below(2) as usize;
        let write = rng.below(3) > 0;
        // Most requests are abandoned somewhere between 0 and 40 ms; a fifth run to the end.
        let patience = (rng.below(5) > 0).then(|| Duration::from_micros(rng.below(40_000)));
        let (app, people) = (app.clone(), people.clone());
        tasks.push(tokio::spawn(async move {
            let (client, token) = &people[gmina];
            let g = &GMINAS[gmina];
            let name = format!("Próba {i} {}", g.teryt);
            let request = if write {
                client.post(app.url(g.host, "/podmioty/nowy")).form(&[
                    ("name", name.as_str()),
                    ("legal_form", "stowarzyszenie"),
                    ("areas", "1"),
                    ("gmina_teryt", g.teryt),
                    ("csrf", token.as_str()),
                ])
            } else {
                client.get(app.url(g.host, "/podmioty?q=proba&sort=nazwa"))
            };
            let request = match patience {
                Some(d) => request.timeout(d),
                None => request,
            };
            let acknowledged = match request.send().await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let body = r.text().await.unwrap_or_default();
                    if status == 500 {
                        panic!("request {i} answered 500: {body}");
                    }
                    status == 200 && body.contains("Zgłoszenie przyjęte")
                }
                Err(_) => false,
            };
            write.then_some(Attempt {
                gmina,
                name,
                acknowledged,
            })
        }));
        if i % 16 == 15 {
            tokio::time::sleep(Duration::from_millis(rng.below(20))).await;
        }
    }
    let mut attempts = Vec::new();
    for t in tasks {
        if let Some(a) = t.await.expect("request task") {
            attempts.push(a);
        }
    }

    // Handlers of abandoned requests may still be finishing; then no session of this database
    // may sit inside a transaction.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let in_transaction = loop {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')",
        )
        .fetch_one(app.db.platform())
        .await
        .unwrap();
        if n == 0 || tokio::time::Instant::now() > deadline {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let warnings: Vec<String> = postgres_log_of(&app.db_name)
        .into_iter()
        .filter(|l| {
            l.contains("transaction in progress") || l.contains("current transaction is aborted")
        })
        .collect();
    let acknowledged = attempts.iter().filter(|a| a.acknowledged).count();
    println!(
        "{} writes, {acknowledged} acknowledged; server log of this database:\n{}",
        attempts.len(),
        warnings.join("\n")
    );
    assert!(
        acknowledged > 10,
        "some writes must get through: {acknowledged}"
    );
    assert!(
        acknowledged < attempts.len(),
        "some writes must be abandoned"
    );
    assert!(
        warnings.is_empty(),
        "{} warnings of a connection handed on inside a transaction",
        warnings.len()
    );
    assert_eq!(in_transaction, 0, "sessions left inside a transaction");

    for a in &attempts {
        let rows = rows_of(&app, &a.name).await;
        if a.acknowledged {
            assert_eq!(
                rows,
                [1, 1, 1],
                "acknowledged write {} lost or partial",
                a.name
            );
        } else {
            assert!(
                rows == [0, 0, 0] || rows == [1, 1, 1],
                "abandoned write {} half-applied: {rows:?}",
                a.name
            );
        }
        let here: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {}.organisations WHERE name = $1",
            GMINAS[a.gmina].schema
        )))
        .bind(&a.name)
        .fetch_one(app.db.platform())
        .await
        .unwrap();
        assert_eq!(here, rows[0], "{} stored in the wrong gmina", a.name);
    }

    // The pool is healthy afterwards: a write and a read on both connections succeed.
    for g in &GMINAS {
        let (client, token) = &people[if g.teryt == "0463011" { 0 } else { 1 }];
        let r = client
            .post(app.url(g.host, "/podmioty/nowy"))
            .form(&[
                ("name", "Po próbie"),
                ("legal_form", "stowarzyszenie"),
                ("areas", "1"),
                ("gmina_teryt", g.teryt),
                ("csrf", token.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(rows_of(&app, "Po próbie").await, [2, 2, 2]);
}

#[tokio::test]
async fn the_pool_closes_a_connection_after_its_uses_so_the_server_frees_its_caches() {
    // One connection, shared with the server's own workers: whoever borrows it, a session serves
    // at most three borrowings before the pool opens a new one.
    let app = spawn_app_with(|s| {
        s.database.max_connections = 2;
        s.database.regional_concurrency = 1;
        s.database.connection_max_uses = 3;
    })
    .await;
    let mut seen: std::collections::HashMap<i32, usize> = Default::default();
    for _ in 0..12 {
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
        *seen.entry(pid).or_default() += 1;
    }
    assert!(seen.values().all(|n| *n <= 3), "{seen:?}");
    assert!(seen.len() >= 4, "{seen:?}");
    // The server's pages are unaffected.
    assert_eq!(app.page("torun.localhost", "/oferty").await.0, 200);
}

#[tokio::test]
async fn the_pool_closes_a_connection_returned_inside_a_transaction() {
    let app = spawn_app_with(|s| s.database.max_connections = 1).await;
    let mut conn = app.db.platform().acquire().await.unwrap();
    // The check must never misfire on a clean session …
    for _ in 0..200 {
        assert!(
            !pestor_db::pool::left_in_transaction(&mut conn)
                .await
                .unwrap()
        );
    }
    // … and must see a block that sqlx does not know about, as a cancelled `BEGIN` leaves it.
    sqlx::raw_sql("BEGIN").execute(&mut *conn).await.unwrap();
    assert!(
        pestor_db::pool::left_in_transaction(&mut conn)
            .await
            .unwrap()
    );
    sqlx::raw_sql("INSERT INTO powiats (teryt, name, seat) VALUES ('9999', 'nigdy', 'nigdy')")
        .execute(&mut *conn)
        .await
        .ok();
    let before = pestor_db::pool::discarded_in_transaction();
    drop(conn);

    // The one connection of the pool is now a fresh one: outside any transaction, and the write of
    // the abandoned block is gone.
    let mut next = app.db.platform().acquire().await.unwrap();
    assert!(
        !pestor_db::pool::left_in_transaction(&mut next)
            .await
            .unwrap()
    );
    let leaked: i64 = sqlx::query_scalar("SELECT count(*) FROM powiats WHERE teryt = '9999'")
        .fetch_one(&mut *next)
        .await
        .unwrap();
    assert_eq!(leaked, 0);
    drop(next);
    assert!(pestor_db::pool::discarded_in_transaction() > before);
    let (_, metrics) = app.page("localhost", "/metrics").await;
    assert!(
        metrics.contains("pestor_db_connections_discarded_in_transaction_total "),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_under_load_answers_503_and_heals_by_itself() {
    let mut cluster = pestor_tests::OwnCluster::start("outage").await;
    let app = Arc::new(
        pestor_tests::spawn_app_on("pestor_template".into(), cluster.connect_options(), |s| {
            s.database.acquire_timeout_secs = 2;
            s.auth.max_requests_per_ip = 100_000;
        })
        .await,
    );
    let (_, author) = app.person("autor@torun.example", "torun", None).await;
    let token = csrf_of(&author.get(GMINAS[0].host, "/podmioty/nowy").await.body).unwrap();
    let write = {
        let (client, app) = (author.client.clone(), app.clone());
        move |name: String| {
            let (client, token, app) = (client.clone(), token.clone(), app.clone());
            async move {
                let r = client
                    .post(app.url(GMINAS[0].host, "/podmioty/nowy"))
                    .form(&[
                        ("name", name.as_str()),
                        ("legal_form", "stowarzyszenie"),
                        ("areas", "1"),
                        ("gmina_teryt", GMINAS[0].teryt),
                        ("csrf", token.as_str()),
                    ])
                    .timeout(Duration::from_secs(20))
                    .send()
                    .await
                    .expect("an answer within the configured timeouts, never a hang");
                let status = r.status().as_u16();
                let body = r.text().await.unwrap();
                (status, body)
            }
        }
    };
    let mut acknowledged = Vec::new();
    for i in 0..10 {
        let name = format!("Przed awarią {i}");
        let (status, body) = write(name.clone()).await;
        assert_eq!(status, 200, "{body}");
        acknowledged.push(name);
    }

    // Load throughout: reads and writes, none of which may panic, hang or answer 500.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (app, stop, write) = (app.clone(), stop.clone(), write.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let page = app
                    .client
                    .get(app.url(GMINAS[0].host, "/podmioty"))
                    .timeout(Duration::from_secs(20))
                    .send()
                    .await
                    .expect("an answer, never a hang");
                let status = page.status().as_u16();
                seen.push((status, page.text().await.unwrap()));
                let (status, body) = write(format!("W trakcie {i}")).await;
                seen.push((status, body));
                i += 1;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    cluster.stop().await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (status, body) = app.page(GMINAS[0].host, "/podmioty").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("Serwis chwilowo niedostępny") && body.contains("<html"),
        "{body}"
    );
    cluster.restart().await;
    let (status, _) = app
        .eventually(GMINAS[0].host, "/podmioty", |s, _| s == 200)
        .await;
    assert_eq!(status, 200, "recovered without a restart of the app");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = load.await.unwrap();
    let statuses: std::collections::BTreeSet<u16> = seen.iter().map(|(s, _)| *s).collect();
    assert!(statuses.contains(&503), "the outage was seen: {statuses:?}");
    for (status, body) in &seen {
        assert!(
            matches!(status, 200 | 503),
            "only answers or a Polish 503 page during the outage: {status} {body}"
        );
    }

    // Every write acknowledged before the outage is there, and writing works again.
    for name in &acknowledged {
        assert_eq!(rows_of(&app, name).await, [1, 1, 1], "{name}");
    }
    let (status, body) = write("Po awarii".into()).await;
    assert_eq!(status, 200, "{body}");
}
