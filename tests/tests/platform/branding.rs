//! Each gmina's pages carry its own name, coat of arms, colours, contact data and welcome text.

use pestor_tests::{spawn_app, spawn_app_with};

#[tokio::test]
async fn torun_shows_its_branding_and_another_gmina_its_registry_defaults() {
    let app = spawn_app().await;
    let (status, torun) = app.page("torun.localhost", "/").await;
    assert_eq!(status, 200);
    assert!(torun.contains("<title>Gmina Miasta Toruń — Platforma PES</title>"));
    assert!(torun.contains("alt=\"Herb Torunia (uproszczony): czerwona tarcza z bramą miejską\""));
    assert!(torun.contains("Urząd Miasta Torunia, ul. Wały gen. Sikorskiego 8"));
    assert!(torun.contains("Platforma PES-TOR: tu urząd miasta"));

    let theme = app
        .get("torun.localhost", "/branding/theme.css")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        theme.contains("--govuk-brand-colour: #8b1a1a;")
            && theme.contains("--govuk-inverse-text-colour: #ffffff;")
            && theme.contains("--govuk-link-colour: #8b1a1a;")
            && theme.contains("--govuk-link-hover-colour: #460d0d;")
            && theme.contains("--govuk-surface-background-colour: #f9f4f4;"),
        "{theme}"
    );
    let logo = app.get("torun.localhost", "/branding/logo").await;
    assert_eq!(logo.headers()["content-type"], "image/svg+xml");
    assert!(logo.text().await.unwrap().contains("Herb Torunia"));

    let (_, bydgoszcz) = app.page("bydgoszcz.localhost", "/").await;
    assert!(bydgoszcz.contains("<h1 class=\"govuk-heading-xl\">Miasto Bydgoszcz</h1>"));
    assert!(
        !bydgoszcz.contains("Toruń (gmina"),
        "no Toruń data on Bydgoszcz"
    );
    let theme = app
        .get("bydgoszcz.localhost", "/branding/theme.css")
        .await
        .text()
        .await
        .unwrap();
    assert!(theme.contains("--govuk-brand-colour: #1d4f91;"), "{theme}");
    // The portal wears the region's neutral theme too.
    let portal = app
        .get("localhost", "/branding/theme.css")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(portal, theme);
    let logo = app
        .get("bydgoszcz.localhost", "/branding/logo")
        .await
        .text()
        .await
        .unwrap();
    assert!(!logo.contains("Herb Torunia"), "default emblem");
    let (_, rural) = app.page("gmina-chelmza.localhost", "/").await;
    assert!(rural.contains("<h1 class=\"govuk-heading-xl\">Gmina Chełmża</h1>"));
}

#[tokio::test]
async fn branding_edits_stored_in_the_database_show_at_once_and_bad_colours_are_ignored() {
    let app = spawn_app().await;
    // A stored edit that breaks contrast is not applied; the site keeps working with the file
    // branding. It is written before Toruń is ever requested, so no cached tenant can hide it.
    sqlx::query("UPDATE tenants SET branding = $1 WHERE slug = 'torun'")
        .bind(serde_json::json!({ "display_name": "Zły kontrast", "on_primary_colour": "#8c1b1b" }))
        .execute(app.db.platform())
        .await
        .unwrap();
    let (status, body) = app.page("torun.localhost", "/").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<h1 class=\"govuk-heading-xl\">Gmina Miasta Toruń</h1>")
            && !body.contains("Zły kontrast")
    );

    assert!(
        app.page("bydgoszcz.localhost", "/")
            .await
            .1
            .contains("Miasto Bydgoszcz")
    );
    sqlx::query("UPDATE tenants SET branding = $1 WHERE slug = 'bydgoszcz'; ")
        .bind(serde_json::json!({ "display_name": "Bydgoszcz — miasto nad Brdą", "primary_colour": "#0b5d1e" }))
        .execute(app.db.platform())
        .await
        .unwrap();
    sqlx::query("SELECT pg_notify('pestor_tenants', '0461011')")
        .execute(app.db.platform())
        .await
        .unwrap();
    let (_, body) = app
        .eventually("bydgoszcz.localhost", "/", |_, b| {
            b.contains("miasto nad Brdą")
        })
        .await;
    assert!(body.contains("<h1 class=\"govuk-heading-xl\">Bydgoszcz — miasto nad Brdą</h1>"));
}

#[tokio::test]
async fn a_gmina_may_override_any_template() {
    // A tenants folder of our own: the registry files plus one override for Bydgoszcz (TERYT 0461011).
    let dir = tempfile::tempdir().unwrap();
    for f in ["gminy.csv", "powiaty.csv"] {
        std::fs::copy(pestor_tests::tenants_dir().join(f), dir.path().join(f)).unwrap();
    }
    let templates = dir.path().join("0461011/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("tenant_home.html"),
        "{% extends \"base.html\" %}{% block content %}<h1>Własna strona: {{ site_name }}</h1>{% endblock %}",
    )
    .unwrap();
    let path = dir.path().to_owned();
    let app = spawn_app_with(move |s| s.tenants.dir = path).await;
    let (status, body) = app.page("bydgoszcz.localhost", "/").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<h1>Własna strona: Miasto Bydgoszcz</h1>"),
        "{body}"
    );
    assert!(
        body.contains("Przejdź do treści"),
        "the override still extends the shared layout"
    );
    let (_, torun) = app.page("torun.localhost", "/").await;
    assert!(!torun.contains("Własna strona"), "overrides are per gmina");
}

#[tokio::test]
async fn pages_have_the_accessible_polish_layout_and_a_menu_of_existing_modules_only() {
    let app = spawn_app().await;
    for host in ["localhost", "torun.localhost"] {
        let (_, body) = app.page(host, "/").await;
        assert!(
            body.contains("<html lang=\"pl\" class=\"govuk-template\">"),
            "{host}"
        );
        assert!(
            body.contains("<a class=\"govuk-skip-link\" href=\"#tresc\">Przejdź do treści</a>")
        );
        assert!(body.contains("<main class=\"govuk-main-wrapper\" id=\"tresc\""));
        for landmark in [
            "<header",
            "<nav aria-label=\"Menu główne\" class=\"govuk-service-navigation__wrapper\">",
            "<footer",
        ] {
            assert!(body.contains(landmark), "{host}: {landmark}");
        }
        let menu = body
            .split("<nav aria-label=\"Menu główne\"")
            .nth(1)
            .unwrap()
            .split("</nav>")
            .next()
            .unwrap();
        let links: Vec<String> = menu
            .split("href=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap().replace("&#x2f;", "/"))
            .collect();
        assert!(!links.is_empty());
        for link in links {
            assert_eq!(
                app.page(host, &link).await.0,
                200,
                "{host}: menu link {link} must exist"
            );
        }
    }
}
