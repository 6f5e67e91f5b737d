//! Protocol and header details, and clients that are slow or idle on purpose.

use std::time::Duration;

use pestor_tests::{TestApp, spawn_app, spawn_app_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TORUN: &str = "torun.localhost";

/// Sends `request` as-is on a new connection and reads the whole answer.
async fn raw(app: &TestApp, request: &str) -> String {
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn hosts_methods_and_security_headers_follow_the_rfcs() {
    let app = spawn_app().await;
    let port = app.addr.port();
    let two_hosts = raw(
        &app,
        "GET / HTTP/1.1\r\nHost: torun.localhost\r\nHost: bydgoszcz.localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(two_hosts.starts_with("HTTP/1.1 400"), "{two_hosts}");
    let absolute = raw(
        &app,
        &format!("GET http://bydgoszcz.localhost:{port}/api/v1/podmioty HTTP/1.1\r\nHost: torun.localhost\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(absolute.starts_with("HTTP/1.1 200"), "{absolute}");
    assert!(
        absolute.contains("\"teryt\":\"0461011\""),
        "Bydgoszcz answers: {absolute}"
    );

    for method in ["TRACE", "PUT", "DELETE"] {
        let r = app
            .client
            .request(method.parse().unwrap(), app.url(TORUN, "/"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method}");
        assert_eq!(r.headers()["allow"], "GET, HEAD, POST, OPTIONS");
    }

    let r = app.get(TORUN, "/podmioty").await;
    assert!(
        r.headers()["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=()")
    );
    assert!(
        r.headers().get("strict-transport-security").is_none(),
        "no HSTS over http"
    );
    assert_ne!(
        r.headers().get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..]),
        "anonymous pages may be cached"
    );

    // Signed-in pages are kept by no cache.
    let (_, v) = app.person("ala@torun.example", "torun", None).await;
    for (host, path) in [(TORUN, "/podmioty"), ("localhost", "/konto")] {
        let r = v.client.get(v.url(host, path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{host}{path}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{host}{path}");
    }

    let https = spawn_app_with(|s| s.server.public_scheme = "https".into()).await;
    let r = https.get(TORUN, "/healthz").await;
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn the_csrf_token_is_bound_to_the_session_and_rotated_at_sign_in() {
    let app = spawn_app().await;
    let v = app.visitor();
    // A token taken before signing in (as a planted cookie and its token would be) …
    let anonymous = v.csrf("localhost", "/rejestracja").await;
    pestor_tests::create_account(&app, "ola@example.pl", "Ola", "hasło testowe 123").await;
    v.sign_in("ola@example.pl", "hasło testowe 123").await;
    // … no longer vouches for the signed-in browser's forms, with the very same CSRF cookie.
    let r = v
        .post(
            "localhost",
            "/konto/nazwa",
            &[("display_name", "Przejęta"), ("csrf", &anonymous)],
        )
        .await;
    assert_eq!(r.status, 403);
    let name: String =
        sqlx::query_scalar("SELECT display_name FROM accounts WHERE email = 'ola@example.pl'")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert_eq!(name, "Ola", "nothing changed");
    // A token of the signed-in page works.
    let r = v
        .submit(
            "localhost",
            "/konto",
            "/konto/nazwa",
            &[("display_name", "Ola Nowa")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
}

#[tokio::test]
async fn hand_over_targets_and_return_paths_stay_well_formed() {
    let app = spawn_app().await;
    let port = app.addr.port();
    let v = app.visitor();
    let bad = v
        .get("localhost", "/logowanie?do=torun.localhost:1234&powrot=/")
        .await;
    assert_eq!(bad.status, 400, "a foreign port is refused");
    let good = v
        .get(
            "localhost",
            &format!("/logowanie?do=torun.localhost:{port}&powrot=/"),
        )
        .await;
    assert_eq!(good.status, 200);
    assert!(!good.body.contains(":1234"));

    pestor_tests::create_account(&app, "ela@example.pl", "Ela", "hasło testowe 123").await;
    let token = v.csrf("localhost", "/rejestracja").await;
    let r = v
        .client
        .post(v.url("localhost", "/logowanie"))
        .form(&[
            ("email", "ela@example.pl"),
            ("password", "hasło testowe 123"),
            ("powrot", "/konto?x=żółw"),
            ("csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().expect("Location is ASCII");
    assert_eq!(location, "/konto?x=%C5%BC%C3%B3%C5%82w");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_cannot_exhaust_the_server() {
    let app = spawn_app_with(|s| {
        s.server.request_timeout_secs = 2;
        s.server.header_read_timeout_secs = 1;
        s.server.idle_timeout_secs = 3;
        s.server.max_connections = 250;
    })
    .await;
    // 200 slowloris clients: a request line, then one header line now and then, never the end.
    let mut slow = Vec::new();
    for _ in 0..200 {
        let mut s = TcpStream::connect(app.addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: torun.localhost\r\n")
            .await
            .unwrap();
        slow.push(s);
    }
    let drip = tokio::spawn(async move {
        let mut closed = 0;
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(400)).await;
            closed = 0;
            for s in &mut slow {
                if s.write_all(b"X-Slow: 1\r\n").await.is_err() {
                    closed += 1;
                }
            }
        }
        // The server cut them off: reading gives the end of the stream (or a reset).
        let mut ended = 0;
        for s in &mut slow {
            let mut buf = [0u8; 512];
            match tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => ended += 1,
                Ok(Ok(_)) => ended += 1, // a 408 answer before the close
                Err(_) => {}
            }
        }
        (closed, ended)
    });
    // Meanwhile normal visitors are served.
    for _ in 0..20 {
        let (status, body) = app.page(TORUN, "/podmioty").await;
        assert_eq!(status, 200);
        assert!(body.contains("Baza podmiotów") || body.contains("podmiot"));
    }
    let (_, ended) = drip.await.unwrap();
    assert_eq!(
        ended, 200,
        "every slow-header connection was closed by the server"
    );

    // A kept-alive connection with nothing to say is closed after the idle limit.
    let mut idle = TcpStream::connect(app.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: torun.localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let rest = tokio::time::timeout(Duration::from_secs(10), idle.read(&mut buf)).await;
    assert!(
        matches!(rest, Ok(Ok(0)) | Ok(Err(_))),
        "the idle connection was closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_wait_and_are_then_served() {
    let app = spawn_app_with(|s| {
        s.server.request_timeout_secs = 1;
        s.server.idle_timeout_secs = 2;
        s.server.max_connections = 10;
    })
    .await;
    // Ten silent connections take every slot …
    let mut silent = Vec::new();
    for _ in 0..10 {
        silent.push(TcpStream::connect(app.addr).await.unwrap());
    }
    // … the next visitor waits in the backlog until the idle limit frees one, and is served.
    let r = app
        .client
        .get(app.url(TORUN, "/"))
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .expect("served once a slot is free");
    assert_eq!(r.status(), 200);
    for mut s in silent {
        let mut buf = [0u8; 16];
        let end = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await;
        assert!(
            matches!(end, Ok(Ok(0)) | Ok(Err(_))),
            "silent connection closed"
        );
    }
}
