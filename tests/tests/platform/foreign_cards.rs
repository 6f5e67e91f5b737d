//! Cards of other gminas' PES that declare they work here: this gmina's staff are told by e-mail
//! once, see them listed, and may hide one from their own site with a reason; the home gmina and
//! every other gmina see no change, and the coordinators' dashboard counts both.

use pestor_tests::{add_card, create_account, grant, spawn_app};

const BYDGOSZCZ: &str = "bydgoszcz.localhost";
const TORUN: &str = "torun.localhost";

#[tokio::test]
async fn a_gmina_is_told_of_cards_that_name_it_and_may_hide_them_from_its_own_site() {
    let app = spawn_app().await;
    let staff = create_account(
        &app,
        "urzednik@bydgoszcz.example",
        "Urzędniczka Bydgoszczy",
        "hasło testowe 123",
    )
    .await;
    grant(&app, staff, "bydgoszcz", "staff").await;
    let card = async |name: &str, also_in: &[&str], status: &str| {
        add_card(
            &app,
            "torun",
            &[
                ("name", name),
                ("legal_form", "fundacja"),
                ("gmina_teryt", "0463011"),
            ],
            &["1"],
            also_in,
            status,
        )
        .await
    };
    let shared = card("Fundacja Wspólna Wisła", &["0461011"], "verified").await;
    card("Fundacja Czekająca na Weryfikację", &["0461011"], "pending").await;
    let own = card("Fundacja Tylko Toruńska", &[], "verified").await;

    // One letter per verified card, to the staff of the gmina it names; never twice.
    assert_eq!(
        pestor_organisations::notices::send(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        pestor_organisations::notices::send(&app.state)
            .await
            .unwrap(),
        0
    );
    let mail = app.mail.wait_for("urzednik@bydgoszcz.example", 1).await;
    assert!(
        mail.subject
            .contains("Organizacja z gminy Toruń działa także u Was"),
        "{}",
        mail.subject
    );
    assert!(
        mail.text.contains("„Fundacja Wspólna Wisła”"),
        "{}",
        mail.text
    );
    let v = app.visitor();
    assert!(
        mail.link("/podmioty/z-innych-gmin")
            .unwrap()
            .starts_with(&v.url(BYDGOSZCZ, "/podmioty/z-innych-gmin"))
    );

    v.sign_in("urzednik@bydgoszcz.example", "hasło testowe 123")
        .await;
    v.sign_in_to(BYDGOSZCZ).await;
    let list = v.get(BYDGOSZCZ, "/podmioty/z-innych-gmin").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Fundacja Wspólna Wisła") && list.body.contains("widoczna"));
    assert!(!list.body.contains("Czekająca") && !list.body.contains("Tylko Toruńska"));
    let api = |host: &'static str| {
        let app = &app;
        async move { app.page(host, "/api/v1/podmioty").await.1 }
    };
    assert!(api(BYDGOSZCZ).await.contains("Fundacja Wspólna Wisła"));

    // Only cards that name this gmina can be managed here; Toruń's own card is not Bydgoszcz's.
    assert_eq!(
        v.get(BYDGOSZCZ, &format!("/podmioty/z-innych-gmin/0463011/{own}"))
            .await
            .status,
        404
    );
    assert_eq!(
        v.get(BYDGOSZCZ, "/podmioty/z-innych-gmin/0463011/abc")
            .await
            .status,
        404
    );
    let page = format!("/podmioty/z-innych-gmin/0463011/{shared}");
    let short = v
        .submit(
            BYDGOSZCZ,
            &page,
            &page,
            &[("decision", "hide"), ("reason", "krótko")],
        )
        .await;
    assert_eq!(short.status, 400);
    assert!(
        short.body.contains("co najmniej 10 znaków"),
        "{}",
        short.body
    );
    assert!(
        api(BYDGOSZCZ).await.contains("Fundacja Wspólna Wisła"),
        "nothing changed"
    );

    let reason = "Organizacja nie prowadzi działań na terenie Bydgoszczy.";
    let r = v
        .submit(
            BYDGOSZCZ,
            &page,
            &page,
            &[("decision", "hide"), ("reason", reason)],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/podmioty/z-innych-gmin?komunikat=ukryto"))
    );
    let list = v
        .get(BYDGOSZCZ, "/podmioty/z-innych-gmin?komunikat=ukryto")
        .await
        .body;
    assert!(list.contains("ukryta") && list.contains(reason));
    for path in [
        "/api/v1/podmioty",
        "/api/v1/podmioty.geojson",
        "/api/v1/podmioty.csv",
        "/podmioty",
    ] {
        let (_, body) = app.page(BYDGOSZCZ, path).await;
        assert!(!body.contains("Fundacja Wspólna Wisła"), "{path}");
    }
    assert!(
        api(TORUN).await.contains("Fundacja Wspólna Wisła"),
        "the home gmina's registry keeps it"
    );
    assert_eq!(app.page(TORUN, &format!("/podmioty/{shared}")).await.0, 200);
    let log = v.get(BYDGOSZCZ, "/panel/dziennik").await;
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE teryt = '0461011' AND action = 'organisation.foreign_hidden'",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(logged, 1, "{}", log.status);

    // The dashboard counts the cards naming each gmina and those it hid.
    let figures: std::collections::BTreeMap<_, _> =
        app.figures("bydgoszcz", "pes_").await.into_iter().collect();
    let at = |key: &str| figures[key];
    assert_eq!(
        (at("pes_from_elsewhere"), at("pes_from_elsewhere_hidden")),
        (1, 1)
    );

    // Shown again: back in the registry.
    let r = v
        .submit(BYDGOSZCZ, &page, &page, &[("decision", "show")])
        .await;
    assert_eq!(r.status, 303);
    assert!(api(BYDGOSZCZ).await.contains("Fundacja Wspólna Wisła"));
    // Staff of another gmina (Toruń) cannot reach Bydgoszcz's list: it is of their own gmina.
    let torun_staff = create_account(
        &app,
        "urzednik@torun.example",
        "Urzędnik Torunia",
        "hasło testowe 123",
    )
    .await;
    grant(&app, torun_staff, "torun", "staff").await;
    let t = app.visitor();
    t.sign_in("urzednik@torun.example", "hasło testowe 123")
        .await;
    t.sign_in_to(TORUN).await;
    assert!(
        !t.get(TORUN, "/podmioty/z-innych-gmin")
            .await
            .body
            .contains("Fundacja Wspólna Wisła")
    );
}

/// A Toruń offer its members make available in the gminas its card names: it shows in
/// Bydgoszcz's Giełda (list, API, feed) marked with its home gmina and linking there — not in
/// Chełmża, not once unticked, not once Bydgoszcz hides the card, not while Toruń is suspended.
#[tokio::test]
async fn an_offer_made_available_elsewhere_shows_only_in_the_gminas_its_card_names() {
    let app = spawn_app().await;
    let org = add_card(
        &app,
        "torun",
        &[
            ("name", "Spółdzielnia Socjalna Razem"),
            ("legal_form", "spoldzielnia_socjalna"),
            ("gmina_teryt", "0463011"),
        ],
        &["2"],
        &["0461011"],
        "verified",
    )
    .await;
    let (account, member) = app.person("czlonek@razem.example", "torun", None).await;
    pestor_tests::join_organisation(&app, account, org).await;
    let id = catering_offer(&app, org, "Pierogi ruskie na wynos", false).await;
    let shows = async |host: &str| {
        app.page(host, "/oferty")
            .await
            .1
            .contains("Pierogi ruskie na wynos")
    };
    assert!(
        shows(TORUN).await && !shows(BYDGOSZCZ).await,
        "not ticked: home only"
    );

    // Someone in Bydgoszcz wants to hear of new offers at once.
    sqlx::raw_sql(
        "INSERT INTO gmina_0461011.offer_subscriptions (email, frequency, token_hash, confirmed_at)
         VALUES ('od-razu@example.pl', 'immediate', '\\x03', now())",
    )
    .execute(app.db.platform())
    .await
    .unwrap();
    // The member ticks the box on the edit form, in the home gmina.
    let edit = format!("/oferty/{id}/edycja");
    let form = member.get(TORUN, &edit).await.body;
    assert!(form.contains("Oferta dostępna także w innych gminach, w których działa organizacja"));
    let fields = [
        ("name", "Pierogi ruskie na wynos"),
        ("category", "catering"),
        ("description", "Lepione ręcznie."),
        ("price", "24"),
        ("price_note", ""),
        ("target_groups", "mieszkancy"),
        ("across_gminas", "1"),
    ];
    let r = member.submit(TORUN, &edit, &edit, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        member
            .get(TORUN, &edit)
            .await
            .body
            .contains("id=\"across_gminas\" name=\"across_gminas\" value=\"1\" checked")
    );

    // Bydgoszcz's immediate subscriber is told, once.
    assert_eq!(
        pestor_offers::notices::send_elsewhere_notices(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        pestor_offers::notices::send_elsewhere_notices(&app.state)
            .await
            .unwrap(),
        0
    );
    let notice = app.mail.wait_for("od-razu@example.pl", 1).await;
    assert!(
        notice
            .subject
            .contains("Nowa oferta: Pierogi ruskie na wynos")
    );
    assert!(
        notice.text.contains("(PES z gminy Toruń)"),
        "{}",
        notice.text
    );
    let (_, list) = app.page(BYDGOSZCZ, "/oferty").await;
    let list = list.replace("&#x2f;", "/");
    assert!(
        list.contains("PES z gminy Toruń") && list.contains("Pierogi ruskie na wynos"),
        "{list}"
    );
    assert!(list.contains(&format!(
        "{}/oferty/{id}",
        app.state.settings.host_url(Some("torun"))
    )));
    assert!(
        !shows("gmina-chelmza.localhost").await,
        "nowhere its card does not name"
    );
    // Filters apply: a category or text that does not fit leaves it out.
    assert!(
        !app.page(BYDGOSZCZ, "/oferty?kategoria=zielen")
            .await
            .1
            .contains("Pierogi ruskie")
    );
    assert!(
        app.page(BYDGOSZCZ, "/oferty?q=pierogi")
            .await
            .1
            .contains("Pierogi ruskie")
    );
    let (_, api) = app.page(BYDGOSZCZ, "/api/v1/oferty").await;
    let api: serde_json::Value = serde_json::from_str(&api).unwrap();
    assert_eq!(api["other_gminas"][0]["name"], "Pierogi ruskie na wynos");
    assert_eq!(api["other_gminas"][0]["gmina"]["name"], "Toruń");
    assert_eq!(api["total"], 0, "Bydgoszcz's own offers are counted apart");
    let (_, feed) = app.page(BYDGOSZCZ, "/oferty.atom").await;
    assert!(
        feed.contains("Pierogi ruskie na wynos") && feed.contains("(PES z gminy Toruń)"),
        "{feed}"
    );
    // Bydgoszcz's daily digest lists it with its home gmina; one for chosen Bydgoszcz
    // organisations does not.
    sqlx::raw_sql(
        "INSERT INTO gmina_0461011.offer_subscriptions (email, frequency, token_hash, confirmed_at, digest_from)
         VALUES ('mieszkanka@example.pl', 'daily', '\\x01', now(), now() - interval '2 days');
         INSERT INTO gmina_0461011.offer_subscriptions (email, frequency, token_hash, confirmed_at, digest_from, organisations)
         VALUES ('wybrane@example.pl', 'daily', '\\x02', now(), now() - interval '2 days', '{1}')",
    )
    .execute(app.db.platform())
    .await
    .unwrap();
    pestor_offers::notices::send_digests(&app.state)
        .await
        .unwrap();
    let digest = app.mail.wait_for("mieszkanka@example.pl", 1).await;
    assert!(
        digest
            .text
            .contains("Pierogi ruskie na wynos — Spółdzielnia Socjalna Razem (PES z gminy Toruń)"),
        "{}",
        digest.text
    );
    assert!(app.mail.to("wybrane@example.pl").is_empty());
    // The coordinators' dashboard counts it for Bydgoszcz.
    let figures = app.figures("bydgoszcz", "offers_from_elsewhere").await;
    assert_eq!(figures, [("offers_from_elsewhere", 1)]);
    // Members manage it at home only: Bydgoszcz gives them no way to edit it.
    let there = member.get(BYDGOSZCZ, &edit).await;
    assert!(
        there.status == 303 && there.location.unwrap().starts_with("/logowanie"),
        "members of a Toruń organisation have no role in Bydgoszcz"
    );

    // Bydgoszcz hides the card: its offers go too.
    let staff = create_account(
        &app,
        "urzednik@bydgoszcz.example",
        "Urzędniczka",
        "hasło testowe 123",
    )
    .await;
    grant(&app, staff, "bydgoszcz", "staff").await;
    let v = app.visitor();
    v.sign_in("urzednik@bydgoszcz.example", "hasło testowe 123")
        .await;
    v.sign_in_to(BYDGOSZCZ).await;
    let page = format!("/podmioty/z-innych-gmin/0463011/{org}");
    let hide = [
        ("decision", "hide"),
        ("reason", "Nie działa na terenie naszej gminy."),
    ];
    assert_eq!(v.submit(BYDGOSZCZ, &page, &page, &hide).await.status, 303);
    assert!(!shows(BYDGOSZCZ).await);
    assert_eq!(
        v.submit(BYDGOSZCZ, &page, &page, &[("decision", "show")])
            .await
            .status,
        303
    );
    assert!(shows(BYDGOSZCZ).await);
    // Or only this offer, from Bydgoszcz's Giełda; the card and Toruń keep it.
    let one = format!("/oferty/z-innych-gmin/0463011/{id}");
    let list = v
        .get(BYDGOSZCZ, "/oferty")
        .await
        .body
        .replace("&#x2f;", "/");
    assert!(list.contains(&one), "staff see a way to hide it");
    let hide_offer = [
        ("decision", "hide"),
        ("reason", "Oferta nie dotyczy mieszkańców Bydgoszczy."),
    ];
    let r = v.submit(BYDGOSZCZ, &one, &one, &hide_offer).await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/oferty/z-innych-gmin?komunikat=ukryto"))
    );
    assert!(!shows(BYDGOSZCZ).await && shows(TORUN).await);
    assert!(
        !app.page(BYDGOSZCZ, "/oferty.atom")
            .await
            .1
            .contains("Pierogi ruskie")
    );
    assert!(
        !app.page(BYDGOSZCZ, "/api/v1/oferty")
            .await
            .1
            .contains("Pierogi ruskie")
    );
    let hidden = v.get(BYDGOSZCZ, "/oferty/z-innych-gmin").await.body;
    assert!(
        hidden.contains("ukryta") && hidden.contains("Oferta nie dotyczy mieszkańców Bydgoszczy.")
    );
    assert!(
        app.page(BYDGOSZCZ, "/api/v1/podmioty")
            .await
            .1
            .contains("Spółdzielnia Socjalna Razem"),
        "the card stays"
    );
    assert_eq!(
        v.submit(BYDGOSZCZ, &one, &one, &[("decision", "show")])
            .await
            .status,
        303
    );
    assert!(shows(BYDGOSZCZ).await);
    assert_eq!(
        v.get(BYDGOSZCZ, "/oferty/z-innych-gmin/0463011/999")
            .await
            .status,
        404
    );
    // Its home gmina suspended: gone from everywhere.
    app.store().suspend("torun", "przegląd").await.unwrap();
    assert!(!shows(BYDGOSZCZ).await);
    app.store().resume("torun").await.unwrap();
    // Unticked: home only again.
    let unticked: Vec<_> = fields
        .iter()
        .filter(|(k, _)| *k != "across_gminas")
        .copied()
        .collect();
    assert_eq!(
        member.submit(TORUN, &edit, &edit, &unticked).await.status,
        303
    );
    assert!(!shows(BYDGOSZCZ).await && shows(TORUN).await);
}

#[tokio::test]
async fn a_suspended_gminas_cards_and_offers_are_not_published_by_other_gminas() {
    let app = spawn_app().await;
    let org = add_card(
        &app,
        "torun",
        &[
            ("name", "Fundacja Zawieszona Wisła"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", "0463011"),
            ("lat", "53.0138"),
            ("lon", "18.5984"),
        ],
        &["1"],
        &["0461011"],
        "verified",
    )
    .await;
    catering_offer(&app, org, "Pierogi z zawieszonej gminy", true).await;
    let published = async || {
        let mut seen = Vec::new();
        for path in [
            "/podmioty",
            "/api/v1/podmioty",
            "/api/v1/podmioty.geojson",
            "/api/v1/podmioty.csv",
        ] {
            let (status, body) = app.page(BYDGOSZCZ, path).await;
            assert_eq!(status, 200, "{path}");
            seen.push(body.contains("Fundacja Zawieszona Wisła"));
        }
        let (_, offers) = app.page(BYDGOSZCZ, "/oferty").await;
        seen.push(offers.contains("Pierogi z zawieszonej gminy"));
        let (_, api) = app.page(BYDGOSZCZ, "/api/v1/oferty").await;
        seen.push(api.contains("Pierogi z zawieszonej gminy"));
        seen
    };
    assert_eq!(published().await, [true; 6], "shown while Toruń is up");

    app.store()
        .suspend("torun", "przerwa techniczna")
        .await
        .unwrap();
    app.state.invalidate_tenants();
    assert_eq!(app.page(TORUN, "/").await.0, 503);
    assert_eq!(
        published().await,
        [false; 6],
        "a suspended gmina's card and offer go"
    );
    let hidden_list: i64 = app
        .scalar(
            "bydgoszcz",
            "SELECT count(*) FROM public.pes_visible WHERE gmina = '0461011' AND teryt = '0463011'",
        )
        .await;
    assert_eq!(hidden_list, 0);

    app.store().resume("torun").await.unwrap();
    app.state.invalidate_tenants();
    assert_eq!(published().await, [true; 6], "and come back with it");
}

/// A catering offer of Toruń's organisation `org`, made available in other gminas if `across`.
async fn catering_offer(app: &pestor_tests::TestApp, org: i64, name: &str, across: bool) -> i64 {
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    let offer = pestor_core::offer::Offer {
        name: name.into(),
        category: "catering".into(),
        price_grosze: Some(2400),
        price_note: String::new(),
        target_groups: vec!["mieszkancy".into()],
        description: "Lepione ręcznie.".into(),
    };
    let id = pestor_offers::store::insert(&mut tx, org, &offer, None)
        .await
        .unwrap();
    if across {
        pestor_offers::store::set_across_gminas(&mut tx, id, true)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    id
}
