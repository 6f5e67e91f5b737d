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
    let figures = pestor_kit::figures::count_figures(
        &app.db,
        app.state.catalogue.figures(),
        &[&app.store().find("bydgoszcz").await.unwrap()],
    )
    .await
    .unwrap();
    let keys: Vec<&str> = app
        .state
        .catalogue
        .figures()
        .iter()
        .map(|f| f.key)
        .collect();
    let at = |key: &str| figures["0461011"][keys.iter().position(|k| *k == key).unwrap()];
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
