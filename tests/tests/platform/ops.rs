//! Probes, metrics and request ids.

use pestor_tests::spawn_app;

#[tokio::test]
async fn probes_answer_on_any_host_and_readiness_follows_the_database() {
    let app = spawn_app().await;
    assert_eq!(
        app.page("whatever.example", "/healthz").await,
        (200, "ok".into())
    );
    assert_eq!(
        app.page("localhost", "/readyz").await,
        (200, "ready".into())
    );
    app.db.platform().close().await;
    let (status, body) = app.page("localhost", "/readyz").await;
    assert_eq!((status, body.as_str()), (503, "database unavailable"));
    assert_eq!(
        app.page("localhost", "/healthz").await.0,
        200,
        "liveness does not depend on the database"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_status_and_tenant() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.page("torun.localhost", "/").await;
    }
    app.page("bydgoszcz.localhost", "/brak").await;
    app.store().suspend("gmina-chelmza", "").await.unwrap();
    let (status, m) = app.page("localhost", "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        m.contains("pestor_http_requests_total{route=\"/\",status=\"200\",tenant=\"torun\"} 3"),
        "{m}"
    );
    assert!(
        m.contains(
            "pestor_http_requests_total{route=\"fallback\",status=\"404\",tenant=\"bydgoszcz\"} 1"
        ),
        "{m}"
    );
    assert!(m.contains("pestor_tenants{status=\"active\"} 2"));
    assert!(m.contains("pestor_tenants{status=\"suspended\"} 1"));
    assert!(m.contains("pestor_tenants{status=\"registered\"} 141"));
    assert!(m.contains("pestor_db_pool_max_connections 5"));
    assert!(m.contains("pestor_db_pool_connections{state=\"idle\"}"));
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_a_given_one() {
    let app = spawn_app().await;
    let r = app.get("torun.localhost", "/").await;
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let r = app
        .client
        .get(app.url("torun.localhost", "/"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

/// With its database gone, the e-mail sender keeps running (waiting between failed passes rather
/// than retrying at once) and still stops when asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_sender_can_be_stopped_while_its_database_is_gone() {
    let (name, opts) = pestor_tests::fresh_database().await;
    let db = pestor_db::Database::connect(
        opts,
        pestor_db::PoolLimits::new(2, std::time::Duration::from_secs(1)),
    )
    .await
    .unwrap();
    let mut settings = pestor_config::Settings::default().mail;
    settings.poll_secs = 1;
    let sender = pestor_mail::Sender::new(db.platform().clone(), &settings).unwrap();
    let task = tokio::spawn(sender.run(std::future::pending()));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    pestor_tests::drop_database(&name).await;
    // Let it run into the errors for a while.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    task.abort();
    // A deadlock guard, not a performance bound.
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(20), task).await;
    assert!(
        matches!(stopped, Ok(Err(ref e)) if e.is_cancelled()),
        "the sender did not stop: {stopped:?}"
    );
}

/// Graceful shutdown: a request already running when the signal comes is answered in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_running_request_finish() {
    let app = spawn_app().await;
    // A second server on the same state, with a shutdown switch.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pestor_web::serve(listener, app.state.clone(), async move {
        let _ = stopped.await;
    }));
    // Hold Toruń's table so the home page's query waits.
    let mut lock = pestor_db::begin(app.db.platform()).await.unwrap();
    sqlx::query("LOCK TABLE gmina_0463011.tenant_info IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let client = app.client.clone();
    let request = tokio::spawn(async move {
        let r = client
            .get(format!("http://torun.localhost:{port}/"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    // Until the query is waiting on the lock, the request is surely in flight.
    loop {
        let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE NOT granted")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
        if waiting > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop.send(()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(
        !server.is_finished(),
        "the server waits for the running request"
    );
    lock.commit().await.unwrap();
    let (status, body) = request.await.unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("<h1 class=\"govuk-heading-xl\">Gmina Miasta Toruń</h1>"));
    server.await.unwrap().unwrap();
    let refused = app
        .client
        .get(format!("http://torun.localhost:{port}/"))
        .send()
        .await;
    assert!(refused.is_err(), "no new connections after shutdown");
}
