//! `/szukaj` and `/api/v1/szukaj` on the portal: every active gmina's verified organisations and
//! their offers in one list, from the regional projections; filters, sorts, pages, typos, bad
//! parameters; a suspended gmina's rows never appear; the offer projection follows every change.

use pestor_core::offer::Offer;
use pestor_tests::{TestApp, add_card, spawn_app};
use serde_json::Value;

const PORTAL: &str = "localhost";

async fn offer(app: &TestApp, slug: &str, organisation: i64, o: Offer) -> i64 {
    let t = app.store().find(slug).await.unwrap();
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    let id = pestor_offers::store::insert(&mut tx, organisation, &o, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn an_offer(name: &str, category: &str, price: Option<i64>, group: &str) -> Offer {
    Offer {
        name: name.into(),
        category: category.into(),
        price_grosze: price,
        price_note: String::new(),
        target_groups: vec![group.into()],
        description: format!("{name} — opis oferty."),
    }
}

/// Ids of what was seeded.
struct Seeded {
    torun_org: i64,
    torun_offer: i64,
    bydgoszcz_org: i64,
}

async fn seed(app: &TestApp) -> Seeded {
    let card = async |slug: &str, name: &str, form: &str, teryt: &str, area: &str, status: &str| {
        add_card(
            app,
            slug,
            &[("name", name), ("legal_form", form), ("gmina_teryt", teryt)],
            &[area],
            &[],
            status,
        )
        .await
    };
    let torun_org = card(
        "torun",
        "Spółdzielnia Socjalna Żółty Koń",
        "spoldzielnia_socjalna",
        "0463011",
        "1",
        "verified",
    )
    .await;
    let torun_offer = offer(
        app,
        "torun",
        torun_org,
        an_offer(
            "Catering na uroczystości",
            "catering",
            Some(2500),
            "mieszkancy",
        ),
    )
    .await;
    let pending = card(
        "torun",
        "Fundacja Niezweryfikowana",
        "fundacja",
        "0463011",
        "1",
        "pending",
    )
    .await;
    offer(
        app,
        "torun",
        pending,
        an_offer(
            "Catering od niezweryfikowanych",
            "catering",
            Some(100),
            "mieszkancy",
        ),
    )
    .await;
    let bydgoszcz_org = card(
        "bydgoszcz",
        "Fundacja Zielony Ogród",
        "fundacja",
        "0461011",
        "4",
        "verified",
    )
    .await;
    offer(
        app,
        "bydgoszcz",
        bydgoszcz_org,
        an_offer("Koszenie trawników", "zielen", None, "urzad"),
    )
    .await;
    let chelmza = card(
        "gmina-chelmza",
        "Stowarzyszenie Chełmżyńskie",
        "stowarzyszenie",
        "0415022",
        "1",
        "verified",
    )
    .await;
    offer(
        app,
        "gmina-chelmza",
        chelmza,
        an_offer("Catering wiejski", "catering", Some(1500), "mieszkancy"),
    )
    .await;
    app.store()
        .suspend("gmina-chelmza", "przegląd")
        .await
        .unwrap();
    Seeded {
        torun_org,
        torun_offer,
        bydgoszcz_org,
    }
}

async fn api(app: &TestApp, query: &str) -> (u16, Value) {
    let (status, body) = app.page(PORTAL, &format!("/api/v1/szukaj{query}")).await;
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("{body}")),
    )
}

/// (kind, title, gmina slug) of each item.
fn hits(body: &Value) -> Vec<(String, String, String)> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["title"].as_str().unwrap().to_owned(),
                i["gmina"]["slug"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn titles(body: &Value) -> Vec<String> {
    hits(body).into_iter().map(|h| h.1).collect()
}

#[tokio::test]
async fn the_search_lists_every_active_gminas_verified_records_with_filters_sorts_and_pages() {
    let app = spawn_app().await;
    let s = seed(&app).await;

    let (status, all) = api(&app, "").await;
    assert_eq!(status, 200);
    assert_eq!(all["total"], 4, "{all}");
    assert_eq!(
        hits(&all),
        [
            (
                "oferta".into(),
                "Catering na uroczystości".into(),
                "torun".into()
            ),
            (
                "podmiot".into(),
                "Fundacja Zielony Ogród".into(),
                "bydgoszcz".into()
            ),
            (
                "oferta".into(),
                "Koszenie trawników".into(),
                "bydgoszcz".into()
            ),
            (
                "podmiot".into(),
                "Spółdzielnia Socjalna Żółty Koń".into(),
                "torun".into()
            ),
        ],
        "by name in Polish order; the pending card, its offer and the suspended gmina are absent"
    );
    let first = &all["items"][0];
    assert_eq!(
        first["url"],
        format!(
            "{}/oferty/{}",
            app.state.settings.host_url(Some("torun")),
            s.torun_offer
        )
    );
    assert_eq!(first["organisation"], "Spółdzielnia Socjalna Żółty Koń");
    assert_eq!(first["legal_form"]["code"], "spoldzielnia_socjalna");
    assert_eq!(first["category"]["name"], "Catering");
    assert_eq!(first["price"], "25 zł");
    assert_eq!(first["gmina"]["name"], "Toruń");
    assert_eq!(
        all["items"][1]["url"],
        format!(
            "{}/podmioty/{}",
            app.state.settings.host_url(Some("bydgoszcz")),
            s.bydgoszcz_org
        )
    );

    // Text without diacritics; a typo finds near matches and says so.
    let (_, found) = api(&app, "?q=zolty%20kon").await;
    assert_eq!(
        (titles(&found), &found["text_match"]),
        (
            vec!["Spółdzielnia Socjalna Żółty Koń".to_owned()],
            &"exact".into()
        )
    );
    let (_, typo) = api(&app, "?q=katering").await;
    assert_eq!(typo["text_match"], "near");
    assert_eq!(titles(&typo), ["Catering na uroczystości"]);
    // Relevance: a title containing the text comes before a description that does.
    let (_, relevant) = api(&app, "?q=trawnik").await;
    assert_eq!(titles(&relevant), ["Koszenie trawników"]);

    for (query, expected) in [
        (
            "?typ=oferta",
            vec!["Catering na uroczystości", "Koszenie trawników"],
        ),
        ("?typ=podmiot&powiat=0461", vec!["Fundacja Zielony Ogród"]),
        (
            "?gmina=0463011",
            vec![
                "Catering na uroczystości",
                "Spółdzielnia Socjalna Żółty Koń",
            ],
        ),
        (
            "?forma=fundacja",
            vec!["Fundacja Zielony Ogród", "Koszenie trawników"],
        ),
        (
            "?sfera=1",
            vec![
                "Catering na uroczystości",
                "Spółdzielnia Socjalna Żółty Koń",
            ],
        ),
        ("?kategoria=catering", vec!["Catering na uroczystości"]),
        ("?grupa=urzad", vec!["Koszenie trawników"]),
        (
            "?sort=cena&typ=oferta",
            vec!["Catering na uroczystości", "Koszenie trawników"],
        ),
        ("?powiat=0415", vec![]),
    ] {
        let (status, body) = api(&app, query).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(titles(&body), expected, "{query}");
        assert_eq!(body["total"], expected.len(), "{query}");
    }
    let (_, by_price) = api(&app, "?sort=cena").await;
    assert_eq!(
        titles(&by_price)[..2],
        ["Catering na uroczystości", "Fundacja Zielony Ogród"],
        "priced first, then the rest by name"
    );

    // Pages: the true total on every page, also past the last.
    let (_, second) = api(&app, "?na_strone=1&strona=2").await;
    assert_eq!(
        (titles(&second), &second["total"], &second["pages"]),
        (
            vec!["Fundacja Zielony Ogród".to_owned()],
            &4.into(),
            &4.into()
        )
    );
    assert_eq!(
        second["next"],
        "/api/v1/szukaj?sort=nazwa&strona=3&na_strone=1"
    );
    let (_, beyond) = api(&app, "?strona=9").await;
    assert_eq!(
        (beyond["items"].as_array().unwrap().len(), &beyond["total"]),
        (0, &4.into())
    );

    // Bad parameters: a 400 naming the parameter, in Polish.
    for (query, named) in [
        ("?powiat=12", "powiat"),
        ("?gmina=abc", "gmina"),
        ("?typ=przedmiot", "typ"),
        ("?forma=spolka", "forma"),
        ("?sfera=999", "sfera"),
        ("?kategoria=Zła!", "kategoria"),
        ("?grupa=wszyscy", "grupa"),
        ("?sort=cena_malejaco", "sort"),
        ("?strona=0", "strona"),
        ("?na_strone=1000", "na_strone"),
    ] {
        let (status, body) = api(&app, query).await;
        assert_eq!(status, 400, "{query}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(named),
            "{query}: {body}"
        );
    }
    let long = format!("?q={}", "a".repeat(201));
    assert_eq!(api(&app, &long).await.0, 400);

    // A suspended gmina's records come back when it is resumed.
    app.store().resume("gmina-chelmza").await.unwrap();
    let (_, back) = api(&app, "?q=chelmz").await;
    assert_eq!(titles(&back), ["Stowarzyszenie Chełmżyńskie"]);
    let (_, catering) = api(&app, "?kategoria=catering").await;
    assert_eq!(
        titles(&catering),
        ["Catering na uroczystości", "Catering wiejski"]
    );

    // The page: hits linking to the gmina's own pages, filters kept, an empty state.
    let (status, page) = app.page(PORTAL, "/szukaj?q=zolty").await;
    assert_eq!(status, 200);
    let page = page.replace("&#x2f;", "/");
    assert!(
        page.contains(&format!(
            "href=\"{}/podmioty/{}\">Spółdzielnia Socjalna Żółty Koń</a>",
            app.state.settings.host_url(Some("torun")),
            s.torun_org
        )),
        "{page}"
    );
    assert!(page.contains(">1 wynik</p>") && page.contains("value=\"zolty\""));
    let (_, typo_page) = app.page(PORTAL, "/szukaj?q=katering").await;
    assert!(typo_page.contains("może to literówka?"));
    let (_, none) = app.page(PORTAL, "/szukaj?q=xyzxyz&typ=oferta").await;
    assert!(none.contains("Nic nie znaleziono") && !none.contains("literówka"));
    let (status, bad) = app.page(PORTAL, "/szukaj?powiat=1").await;
    assert_eq!(status, 400);
    assert!(bad.contains("Niepoprawny parametr: powiat"));
    // Only on the portal.
    assert_eq!(app.page("torun.localhost", "/szukaj").await.0, 404);
}

/// The projection row of a Toruń offer: (teryt, name, category name), if any.
async fn projected(app: &TestApp, offer: i64) -> Option<(String, String, String)> {
    sqlx::query_as(
        "SELECT teryt, name, category_name FROM offer_directory WHERE teryt = '0463011' AND offer_id = $1",
    )
        .bind(offer)
        .fetch_optional(app.db.platform())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_offer_projection_follows_every_change_in_the_transaction_that_makes_it() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let torun = app.store().find("torun").await.unwrap();
    assert_eq!(
        projected(&app, s.torun_offer).await,
        Some((
            "0463011".into(),
            "Catering na uroczystości".into(),
            "Catering".into()
        ))
    );
    let exec = async |sql: &'static str| {
        let mut tx = app.db.tenant(&torun).begin().await.unwrap();
        sqlx::query(sql)
            .bind(s.torun_offer)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    };
    // An edit rolled back leaves the projection as it was.
    {
        let mut tx = app.db.tenant(&torun).begin().await.unwrap();
        sqlx::query("UPDATE offers SET name = 'Wycofane' WHERE id = $1")
            .bind(s.torun_offer)
            .execute(&mut *tx)
            .await
            .unwrap();
        drop(tx);
    }
    assert_eq!(
        projected(&app, s.torun_offer).await.unwrap().1,
        "Catering na uroczystości"
    );
    exec("UPDATE offers SET name = 'Catering weselny' WHERE id = $1").await;
    assert_eq!(
        projected(&app, s.torun_offer).await.unwrap().1,
        "Catering weselny"
    );
    exec("UPDATE offer_categories SET name = 'Gastronomia' WHERE code = 'catering' AND $1 > 0")
        .await;
    assert_eq!(
        projected(&app, s.torun_offer).await.unwrap().2,
        "Gastronomia"
    );
    exec("UPDATE offers SET status = 'archived' WHERE id = $1").await;
    assert_eq!(projected(&app, s.torun_offer).await, None);
    exec("UPDATE offers SET status = 'active' WHERE id = $1").await;
    assert!(projected(&app, s.torun_offer).await.is_some());
    exec("UPDATE offers SET status = 'hidden', status_reason = 'test' WHERE id = $1").await;
    assert_eq!(projected(&app, s.torun_offer).await, None);
    exec("UPDATE offers SET status = 'active' WHERE id = $1").await;
    // Deleting the organisation takes its offers with it (a cascade fires the trigger too).
    exec("DELETE FROM organisations WHERE id = (SELECT organisation_id FROM offers WHERE id = $1)")
        .await;
    assert_eq!(projected(&app, s.torun_offer).await, None);

    // Isolation: a gmina's rows carry its own code, and the same offer id in two gminas are two rows.
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT teryt, count(*) FROM offer_directory GROUP BY teryt ORDER BY teryt")
            .fetch_all(app.db.platform())
            .await
            .unwrap();
    // Toruń keeps the pending card's offer: the projection mirrors offers, the search asks for
    // verified organisations.
    assert_eq!(
        rows,
        [
            ("0415022".to_owned(), 1),
            ("0461011".to_owned(), 1),
            ("0463011".to_owned(), 1)
        ]
    );
}
