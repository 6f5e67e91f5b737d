//! The `pestor` binary end to end: configuration, the embedded cluster, migrations and shutdown.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use pestor_tests::{database_url, fresh_database, scratch_dir, tenants_dir};

fn pestor(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pestor"));
    cmd.args(args)
        .env("PESTOR__TENANTS__DIR", tenants_dir())
        .env_remove("PESTOR_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run pestor")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn config_prints_the_effective_settings_with_secrets_redacted() {
    let out = pestor(
        &["config"],
        &[(
            "PESTOR__DATABASE__URL",
            "postgres://app:tajne-haslo@db.example/pestor",
        )],
    );
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("url = \"postgres://app:***@db.example/pestor\""),
        "{stdout}"
    );
    assert!(!stdout.contains("tajne-haslo"));
    assert!(stdout.contains("base_domain = \"localhost\""));

    let out = pestor(
        &["config"],
        &[("PESTOR__SERVER__BASE_DOMAIN", "Zła Domena")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("server.base_domain"));
}

#[tokio::test]
async fn migrate_names_the_failing_gmina_and_its_exit_code_says_so() {
    let (name, opts) = fresh_database().await;
    let pool = sqlx::PgPool::connect_with(opts).await.unwrap();
    sqlx::query("UPDATE gmina_0461011._sqlx_migrations SET checksum = '\\x00'::bytea")
        .execute(&pool)
        .await
        .unwrap();
    let url = database_url(&name);
    let env = [("PESTOR__DATABASE__URL", url.as_str())];

    let out = pestor(&["migrate"], &env);
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("zmigrowano 2 gmin") && stdout.contains("błędy: 1"),
        "{stdout}"
    );
    assert!(stdout.contains("bydgoszcz (0461011):"), "{stdout}");

    sqlx::query("DROP SCHEMA gmina_0461011 CASCADE")
        .execute(&pool)
        .await
        .unwrap();
    let out = pestor(&["migrate"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("zmigrowano 3 gmin"));
}

#[test]
fn the_embedded_cluster_is_created_once_reused_and_stopped() {
    let dir = scratch_dir("embedded-cli");
    let data = dir.join("pg");
    let data_env = data.to_str().unwrap().to_owned();
    let env = [("PESTOR__DATABASE__DATA_DIR", data_env.as_str())];

    let out = pestor(&["tenants", "sync"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("rejestr: 144 gmin; dodano 144, zmieniono 0"));
    assert!(data.join("pgdata/PG_VERSION").exists());
    assert!(
        !data.join("pgdata/postmaster.pid").exists(),
        "the server was stopped on exit"
    );

    let out = pestor(&["tenants", "provision", "torun"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = pestor(&["tenants", "list"], &env);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("razem 144: aktywne 1, zawieszone 0, zarejestrowane 143"),
        "{stdout}"
    );
    assert!(stdout.contains("0463011  torun"), "{stdout}");
    let out = pestor(&["tenants", "sync"], &env);
    assert!(
        text(&out.stdout).contains("dodano 0, zmieniono 0"),
        "the data was kept between runs"
    );

    let out = pestor(&["tenants", "provision"], &env);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("podaj gminę"));
}

#[test]
fn missing_postgresql_binaries_give_one_clear_message() {
    let dir = scratch_dir("no-binaries");
    let data = dir.join("pg");
    let out = pestor(
        &["tenants", "list"],
        &[
            ("PESTOR__DATABASE__DATA_DIR", data.to_str().unwrap()),
            ("PESTOR__DATABASE__PG_BIN_DIR", "/nonexistent/bin"),
        ],
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("nie znaleziono programów PostgreSQL")
            && stderr.contains("apt-get install postgresql"),
        "{stderr}"
    );
}

#[tokio::test]
async fn serve_starts_everything_itself_and_stops_cleanly_on_ctrl_c() {
    let dir = scratch_dir("serve");
    let data = dir.join("pg");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pestor"))
        .args(["serve", "--demo"])
        .env("PESTOR__TENANTS__DIR", tenants_dir())
        .env("PESTOR__DATABASE__DATA_DIR", &data)
        // The demo's photos go to the scratch folder, not `.pestor/` next to the crate.
        .env("PESTOR__STORAGE__LOCAL_DIR", dir.join("photos"))
        .env("PESTOR__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("PESTOR__SERVER__PUBLIC_PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = pestor_tests::http_client();
    let url = |host: &str| format!("http://{host}:{port}/");
    // Provisioning all 144 gminas and seeding the demo take ~30 s on a quiet 2-core machine and
    // much longer while the rest of the suite runs: wait up to five minutes, unless it exits.
    let mut ready = false;
    for _ in 0..3000 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "serve --demo exited before it came up"
        );
        if client
            .get(url("torun.localhost"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "serve --demo did not come up");
    let text_of = async |host: &str| {
        let response = client.get(url(host)).send().await.unwrap();
        response.text().await.unwrap()
    };
    assert!(
        text_of("torun.localhost")
            .await
            .contains("Gmina Miasta Toruń")
    );
    let portal = text_of("localhost").await;
    assert!(
        portal.contains("Na platformie: <strong>144</strong> gminy z 144."),
        "all gminas provisioned"
    );

    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        !Path::new(&data).join("pgdata/postmaster.pid").exists(),
        "PostgreSQL was stopped with the server"
    );
}

#[tokio::test]
async fn the_operator_appoints_the_first_coordinator_and_a_typo_is_refused() {
    let (name, opts) = fresh_database().await;
    let pool = sqlx::PgPool::connect_with(opts).await.unwrap();
    sqlx::query(
        "INSERT INTO accounts (email, display_name, password_hash, email_verified_at)
         VALUES ('koordynator@region.example', 'Pierwsza Koordynatorka', 'x', now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    let url = database_url(&name);
    let env = [("PESTOR__DATABASE__URL", url.as_str())];

    let out = pestor(&["coordinators", "add", "koordynator@region.exampel"], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Nie ma konta o adresie koordynator@region.exampel"),
        "{}",
        text(&out.stderr)
    );

    let out = pestor(&["coordinators", "add", "Koordynator@Region.example"], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = pestor(&["coordinators", "list"], &env);
    let listed = text(&out.stdout);
    assert!(
        listed.contains("koordynator@region.example")
            && listed.contains("koordynator ")
            && listed.contains("Pierwsza Koordynatorka"),
        "{listed}"
    );
    let logged: (String, String) = sqlx::query_as(
        "SELECT actor, details->>'email' FROM audit_log WHERE action = 'region.coordinator_appointed' AND teryt IS NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        logged,
        (
            "operator (wiersz poleceń)".to_owned(),
            "koordynator@region.example".to_owned()
        )
    );
}

#[tokio::test]
async fn the_operator_exports_archives_and_restores_a_gmina() {
    let (name, opts) = fresh_database().await;
    let pool = sqlx::PgPool::connect_with(opts).await.unwrap();
    let url = database_url(&name);
    let dir = scratch_dir("cli-archive");
    let store = dir.join("store");
    std::fs::create_dir_all(store.join("gmina/0463011/logo")).unwrap();
    std::fs::write(store.join("gmina/0463011/logo/herb.png"), b"herb").unwrap();
    let store = store.to_string_lossy().into_owned();
    let env = [
        ("PESTOR__DATABASE__URL", url.as_str()),
        ("PESTOR__STORAGE__BACKEND", "local"),
        ("PESTOR__STORAGE__LOCAL_DIR", store.as_str()),
    ];
    let file = dir.join("torun.tar.gz");
    let file = file.to_str().unwrap();

    let out = pestor(&["tenants", "export", "torun", file], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.starts_with("torun (0463011): wyeksportowano") && said.contains("1 plików"),
        "{said}"
    );

    // Archiving an active gmina, or with a damaged file, is refused with the reason.
    let out = pestor(&["tenants", "archive", file], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("tylko zawieszoną gminę"),
        "{}",
        text(&out.stderr)
    );
    let broken = dir.join("broken.tar.gz");
    std::fs::write(&broken, b"to nie jest archiwum").unwrap();
    let out = pestor(&["tenants", "import", broken.to_str().unwrap()], &env);
    assert_eq!(out.status.code(), Some(1));

    assert!(
        pestor(
            &["tenants", "suspend", "torun", "--reason", "archiwizacja"],
            &env
        )
        .status
        .success()
    );
    let out = pestor(&["tenants", "archive", file], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let status: String = sqlx::query_scalar("SELECT status FROM tenants WHERE slug = 'torun'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "archived");

    // A forged archive — an operator's account added, the manifest's checksums recomputed — is
    // refused for its signature, and with --unsigned for the account's columns; nothing changes.
    let forged = dir.join("forged.tar.gz");
    pestor_tests::forge::forge(
        Path::new(file),
        &forged,
        pestor_tests::forge::grant_operator,
    );
    let forged = forged.to_str().unwrap();
    let out = pestor(&["tenants", "import", forged], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nie ma ważnego podpisu tej instalacji"),
        "{}",
        text(&out.stderr)
    );
    let out = pestor(&["tenants", "import", "--unsigned", forged], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("role regionalne i hasła nie są przenoszone"),
        "{}",
        text(&out.stderr)
    );
    let (status, accounts): (String, i64) = sqlx::query_as(
        "SELECT (SELECT status FROM tenants WHERE slug = 'torun'), (SELECT count(*) FROM accounts)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), accounts), ("archived", 0));

    let out = pestor(&["tenants", "import", file], &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("zaimportowano"));
    let (status, version): (String, Option<i64>) =
        sqlx::query_as("SELECT status, schema_version FROM tenants WHERE slug = 'torun'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "active");
    assert!(version.is_some());
    assert_eq!(
        std::fs::read(Path::new(&store).join("gmina/0463011/logo/herb.png")).unwrap(),
        b"herb"
    );
    // Importing it again is refused: the gmina is on the platform.
    let out = pestor(&["tenants", "import", file], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("ma już serwis na platformie"),
        "{}",
        text(&out.stderr)
    );
}
