//! `/deklaracja-dostepnosci`: every gmina publishes its accessibility statement; its admin edits it.

use pestor_tests::spawn_app;

const TORUN: &str = "torun.localhost";
const FORM: &str = "/panel/deklaracja-dostepnosci";

#[tokio::test]
async fn every_gmina_publishes_a_statement_its_admin_keeps_current() {
    let app = spawn_app().await;
    let (status, page) = app.page(TORUN, "/deklaracja-dostepnosci").await;
    assert_eq!(status, 200);
    // What the act and the minister's template require, with the platform's defaults.
    for part in [
        "Gmina Miasta Toruń",
        "ustawą z dnia 4 kwietnia 2019 r.",
        "Data publikacji serwisu",
        "Data ostatniej istotnej aktualizacji",
        "częściowo zgodna",
        "Mapa organizacji nie jest w pełni dostępna",
        "Deklarację sporządzono dnia",
        "samooceny",
        "Ostatni automatyczny test dostępności",
        "Informacje zwrotne i dane kontaktowe",
        "Procedura wnioskowo-skargowa",
        "7 dni",
        "Rzecznika Praw Obywatelskich",
        "Dostępność architektoniczna",
    ] {
        assert!(page.contains(part), "{part}: {page}");
    }
    let (_, home) = app.page(TORUN, "/").await;
    assert!(
        home.contains("href=\"/deklaracja-dostepnosci\""),
        "linked from every page"
    );

    let (_, admin) = app
        .person("admin@torun.example", "torun", Some("admin"))
        .await;
    let form = admin.get(TORUN, FORM).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("nie była jeszcze edytowana"));
    let good = [
        ("published_on", "2026-01-15"),
        ("updated_on", "2026-11-30"),
        ("prepared_on", "2026-12-01"),
        ("compliance", "czesciowo"),
        (
            "non_accessible",
            "Filmy z sesji rady nie mają napisów — nagrania sprzed 2020 r. są wyłączone.",
        ),
        ("prepared_how", "Samoocena przeprowadzona przez urząd."),
        ("contact_person", "Anna Dostępna, Wydział Cyfryzacji"),
        ("contact_email", "dostepnosc@torun.example"),
        ("contact_phone", "56 611 88 00"),
        (
            "architecture",
            "Wejście od ul. Wały gen. Sikorskiego bez progów.\nWinda do wszystkich pięter.",
        ),
    ];

    // Bad input: every problem named, what was typed kept, nothing published.
    let mut bad = good.to_vec();
    bad[0] = ("published_on", "15.01.2026");
    bad[1] = ("updated_on", "2025-01-01");
    bad[7] = ("contact_email", "nie-adres");
    let r = admin.submit(TORUN, FORM, FORM, &bad).await;
    assert_eq!(r.status, 422);
    for message in [
        "datę publikacji serwisu w formacie RRRR-MM-DD",
        "poprawny adres e-mail",
    ] {
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    assert!(
        r.body.contains("Anna Dostępna, Wydział Cyfryzacji"),
        "input kept"
    );
    let mut earlier = good.to_vec();
    earlier[1] = ("updated_on", "2025-01-01");
    let r = admin.submit(TORUN, FORM, FORM, &earlier).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("nie może być wcześniejsza"));
    let (_, page) = app.page(TORUN, "/deklaracja-dostepnosci").await;
    assert!(!page.contains("Anna Dostępna"), "nothing saved");

    let r = admin.submit(TORUN, FORM, FORM, &good).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/deklaracja-dostepnosci"));
    let (_, page) = app.page(TORUN, "/deklaracja-dostepnosci").await;
    for part in [
        "datetime=\"2026-01-15\"",
        "datetime=\"2026-11-30\"",
        "Filmy z sesji rady nie mają napisów",
        "Anna Dostępna, Wydział Cyfryzacji",
        "mailto:dostepnosc@torun.example",
        "Winda do wszystkich pięter.</p>",
    ] {
        assert!(page.contains(part), "{part}");
    }
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'accessibility.update' AND teryt = '0463011'",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // Another gmina keeps its own statement; Toruń's admin is nobody there.
    let (_, other) = app
        .page("bydgoszcz.localhost", "/deklaracja-dostepnosci")
        .await;
    assert!(other.contains("Bydgoszcz") && !other.contains("Anna Dostępna"));
    let r = admin.get("bydgoszcz.localhost", FORM).await;
    assert_ne!(r.status, 200);
}
