//! Host → portal or gmina: case, ports, custom domains, reserved names, proxies, unknown and bad hosts.

use pestor_tests::{spawn_app, spawn_app_with};

#[tokio::test]
async fn the_portal_lists_every_powiat_and_each_powiat_page_its_gminas_linking_only_active_ones() {
    let app = spawn_app().await;
    let (status, body) = app.page("localhost", "/").await;
    assert_eq!(status, 200);
    assert_eq!(body.matches("href=\"/powiaty/").count(), 23);
    assert!(
        body.contains("Na platformie: <strong>3</strong> gminy z 144."),
        "Polish plural for 3"
    );
    // Powiats in Polish order: ś after s; cities with powiat rights are labelled.
    let pos = |s: &str| body.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(pos("powiat sępoleński") < pos("powiat świecki"));
    assert!(pos("powiat świecki") < pos("powiat toruński"));
    assert!(body.contains("Toruń (miasto na prawach powiatu)"));
    assert!(
        body.contains("na platformie 1 z 1 gminy") && body.contains("na platformie 0 z 13 gmin")
    );

    // Every gmina is on its powiat's page: 144 in all, linked only while active.
    let port = app.addr.port();
    let mut gminas = 0;
    let mut pages = String::new();
    for teryt in body.split("href=\"/powiaty/").skip(1) {
        let teryt = teryt.split('"').next().unwrap();
        let (status, page) = app.page("localhost", &format!("/powiaty/{teryt}")).await;
        assert_eq!(status, 200, "{teryt}");
        gminas += page.matches("<li id=\"gmina-").count();
        pages.push_str(&page);
    }
    assert_eq!(gminas, 144);
    for slug in ["torun", "bydgoszcz", "gmina-chelmza"] {
        assert!(
            pages.contains(&format!(
                "href=\"http:&#x2f;&#x2f;{slug}.localhost:{port}&#x2f;\""
            )),
            "{slug} linked"
        );
    }
    assert!(
        !pages.contains("wloclawek.localhost"),
        "inactive gminas are not linked"
    );
    // Gminas in Polish order: Ł after L.
    let (_, toruński) = app.page("localhost", "/powiaty/0415").await;
    let at = |s: &str| {
        toruński
            .find(&format!(">{s}<"))
            .unwrap_or_else(|| panic!("{s} missing"))
    };
    assert!(
        at("Lubicz") < at("Łubianka")
            && at("Łubianka") < at("Łysomice")
            && at("Łysomice") < at("Obrowo")
    );
}

#[tokio::test]
async fn hosts_are_case_insensitive_and_ports_are_ignored() {
    let app = spawn_app().await;
    let (status, body) = app.page("TORUN.LocalHost", "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1 class=\"govuk-heading-xl\">Gmina Miasta Toruń</h1>"));
    let (status, raw) = app.raw_get(Some("Torun.localhost:1234"), "").await;
    assert_eq!(status, 200);
    assert!(raw.contains("Gmina Miasta Toruń"));
}

#[tokio::test]
async fn an_unknown_subdomain_gets_a_polish_404_linking_to_the_portal() {
    let app = spawn_app().await;
    for host in ["nieistniejaca.localhost", "a.b.localhost", "example.org"] {
        let (status, body) = app.page(host, "/").await;
        assert_eq!(status, 404, "{host}");
        assert!(
            body.contains("Nie ma takiego serwisu gminy"),
            "{host}: {body}"
        );
        assert!(
            body.contains(&format!("http:&#x2f;&#x2f;localhost:{}/", app.addr.port())),
            "portal link"
        );
        assert!(body.contains("lang=\"pl\""));
    }
}

#[tokio::test]
async fn an_ip_address_gets_a_404_that_names_the_host_to_open() {
    let app = spawn_app().await;
    let portal = format!("http://localhost:{}", app.addr.port());
    for host in [
        "127.0.0.1",
        "127.0.0.1:8080",
        "10.1.2.3",
        "[::1]",
        "[::1]:8080",
        "[2001:DB8::1]",
    ] {
        let (status, body) = app.raw_get(Some(host), "").await;
        assert_eq!(status, 404, "{host}");
        assert!(
            body.contains("Otwórz platformę pod jej nazwą"),
            "{host}: {body}"
        );
        let named = |s: &str| s.replace('/', "&#x2f;");
        assert!(body.contains(&named(&portal)), "{host}: {body}");
        assert!(
            body.contains(&named(&format!("torun.localhost:{}", app.addr.port()))),
            "{host}: {body}"
        );
        assert!(!body.contains("Nie ma takiego serwisu gminy"), "{host}");
    }
    // Brackets that hold no address, or junk after them, stay a bad request.
    for host in ["[::1", "[not-an-address]", "[::1]x", "[::1]:"] {
        assert_eq!(app.raw_get(Some(host), "").await.0, 400, "{host}");
    }
}

#[tokio::test]
async fn reserved_subdomains_are_never_tenants() {
    let app = spawn_app().await;
    for host in [
        "api.localhost",
        "admin.localhost",
        "static.localhost",
        "mail.localhost",
    ] {
        assert_eq!(app.page(host, "/").await.0, 404, "{host}");
    }
    let r = app.get("www.localhost", "/szukaj?q=1").await;
    assert_eq!(r.status(), 301);
    assert_eq!(
        r.headers()["location"],
        format!("http://localhost:{}/szukaj?q=1", app.addr.port())
    );
}

#[tokio::test]
async fn a_malformed_or_missing_host_is_a_bad_request() {
    let app = spawn_app().await;
    for host in ["bad_host", "a..b", "torun.localhost:port", "-x.localhost"] {
        let (status, raw) = app.raw_get(Some(host), "").await;
        assert_eq!(status, 400, "{host}");
        assert!(raw.contains("Niepoprawne żądanie"), "{host}");
    }
    assert_eq!(app.raw_get(None, "").await.0, 400);
}

#[tokio::test]
async fn a_registered_but_unprovisioned_gmina_is_404_and_a_suspended_one_503() {
    let app = spawn_app().await;
    let (status, body) = app.page("wloclawek.localhost", "/").await;
    assert_eq!(status, 404);
    assert!(
        body.contains("Miasto Włocławek nie prowadzi jeszcze serwisu"),
        "{body}"
    );

    app.store().suspend("bydgoszcz", "kontrola").await.unwrap();
    let r = app.get("bydgoszcz.localhost", "/").await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "3600");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Serwis gminy jest czasowo niedostępny") && body.contains("Miasto Bydgoszcz")
    );
    // Other gminas are unaffected.
    assert_eq!(app.page("torun.localhost", "/").await.0, 200);
}

#[tokio::test]
async fn custom_domains_route_to_their_gmina() {
    let app = spawn_app().await;
    assert_eq!(app.page("pes.torun.pl", "/").await.0, 404);
    app.store()
        .add_domain("torun", "PES.Torun.pl", "localhost")
        .await
        .unwrap();
    let (status, body) = app.eventually("pes.torun.pl", "/", |s, _| s == 200).await;
    assert_eq!(status, 200);
    assert!(body.contains("<dd class=\"govuk-summary-list__value teryt\">0463011</dd>"));
    // Hosts under the platform's own domain cannot be added as custom domains.
    for bad in ["x.localhost", "localhost", "bad_domain.pl", "nodot"] {
        assert!(
            app.store()
                .add_domain("torun", bad, "localhost")
                .await
                .is_err(),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn x_forwarded_host_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    let app = spawn_app().await;
    let (status, raw) = app
        .raw_get(
            Some("torun.localhost"),
            "X-Forwarded-Host: bydgoszcz.localhost\r\n",
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        raw.contains("0463011") && !raw.contains("0461011"),
        "spoofed header must not pick the tenant"
    );

    let proxied =
        spawn_app_with(|s| s.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let (status, raw) = proxied
        .raw_get(
            Some("internal:8080"),
            "X-Forwarded-Host: bydgoszcz.localhost\r\n",
        )
        .await;
    assert_eq!(status, 200);
    assert!(raw.contains("0461011"), "a trusted proxy's header is used");
}

#[tokio::test]
async fn unknown_paths_on_a_gmina_get_its_branded_404() {
    let app = spawn_app().await;
    let (status, body) = app.page("torun.localhost", "/nie-ma-takiej-strony").await;
    assert_eq!(status, 404);
    assert!(body.contains("Nie znaleziono strony") && body.contains("Gmina Miasta Toruń"));
}
