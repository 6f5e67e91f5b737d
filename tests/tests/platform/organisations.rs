//! Baza PES storage: cards live in their gmina's schema, the regional projection follows every
//! write in the same transaction, duplicates by KRS/NIP are field errors, gminas are isolated.

use std::collections::HashMap;

use pestor_core::Registry;
use pestor_core::organisation::{Organisation, OrganisationDraft};
use pestor_organisations::store::{self, SaveError};
use pestor_tests::{spawn_app, tenants_dir};

const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";

fn card(name: &str, krs: &str, gmina: &str) -> Organisation {
    let fields: HashMap<String, String> = [
        ("name", name),
        ("legal_form", "stowarzyszenie"),
        ("krs", krs),
        ("gmina_teryt", gmina),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let areas = vec!["1".to_owned()];
    let also_in = vec!["0461011".to_owned()];
    OrganisationDraft {
        fields: &fields,
        areas: &areas,
        also_in: &also_in,
    }
    .validate(&Registry::load(&tenants_dir()).unwrap(), 2026)
    .unwrap()
}

#[tokio::test]
async fn cards_are_stored_per_gmina_with_their_regional_projection() {
    let app = spawn_app().await;
    let torun = app.store().find("torun").await.unwrap();
    let bydgoszcz = app.store().find("bydgoszcz").await.unwrap();

    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    let id = store::insert(
        &mut tx,
        &card("Stowarzyszenie „JESTEM”", "1111", "0463011"),
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let projected: (String, String, Vec<String>) =
        sqlx::query_as("SELECT name, status, also_in FROM pes_directory WHERE teryt = '0463011' AND organisation_id = $1")
            .bind(id)
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert_eq!(
        projected,
        (
            "Stowarzyszenie „JESTEM”".into(),
            "pending".into(),
            vec!["0461011".into()]
        )
    );

    // An update moves the projection with it.
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    assert!(
        store::update(
            &mut tx,
            id,
            &card("Stowarzyszenie JESTEM", "1111", "0463011")
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
    let name: String =
        sqlx::query_scalar("SELECT name FROM pes_directory WHERE organisation_id = $1")
            .bind(id)
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert_eq!(name, "Stowarzyszenie JESTEM");

    // The same KRS twice in one gmina is a field error and leaves nothing behind…
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    match store::insert(&mut tx, &card("Kopia", "0000001111", "0463011"), None).await {
        Err(SaveError::Duplicate(errors)) => {
            assert!(errors["krs"].contains("numerem KRS jest już w bazie"))
        }
        other => panic!("{other:?}"),
    }
    drop(tx);
    // …while another gmina keeps its own registry: the same KRS is fine there, and neither sees
    // the other's rows.
    let mut tx = app.db.tenant(&bydgoszcz).begin().await.unwrap();
    assert!(
        !store::update(&mut tx, id, &card("Obca", "2222", "0461011"))
            .await
            .unwrap(),
        "Toruń's id is not Bydgoszcz's row"
    );
    store::insert(
        &mut tx,
        &card("Fundacja z Bydgoszczy", "1111", "0461011"),
        None,
    )
    .await
    .unwrap();
    let seen: Vec<String> = sqlx::query_scalar("SELECT name FROM organisations ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, ["Fundacja z Bydgoszczy"]);
    tx.commit().await.unwrap();
    let regional: Vec<(String, String)> =
        sqlx::query_as("SELECT teryt, name FROM pes_directory ORDER BY teryt")
            .fetch_all(app.db.platform())
            .await
            .unwrap();
    assert_eq!(
        regional,
        [
            ("0461011".into(), "Fundacja z Bydgoszczy".into()),
            ("0463011".into(), "Stowarzyszenie JESTEM".into())
        ]
    );
}

#[tokio::test]
async fn the_name_index_finds_cards_without_diacritics() {
    let app = spawn_app().await;
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    for (name, krs) in [
        ("Fundacja Bank Żywności", "1"),
        ("Stowarzyszenie Inicjatyw Kulturalnych tARTak", "2"),
        ("Fundacja Dr Clown", "3"),
    ] {
        store::insert(&mut tx, &card(name, krs, "0463011"), None)
            .await
            .unwrap();
    }
    let found: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM organisations WHERE public.fold(name) LIKE '%' || public.fold($1) || '%' ORDER BY name COLLATE \"pl-x-icu\"",
    )
    .bind("zywnosc")
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(found, ["Fundacja Bank Żywności"]);
}

#[tokio::test]
async fn a_resident_registers_an_organisation_that_waits_for_staff() {
    let app = spawn_app().await;
    let staff =
        pestor_tests::create_account(&app, "urzad@torun.example", "Urząd", "hasło urzędu 123")
            .await;
    pestor_tests::grant(&app, staff, "torun", "staff").await;
    pestor_tests::create_account(&app, "prezes@jestem.example", "Prezes", "hasło prezesa 123")
        .await;
    let v = app.visitor();
    v.sign_in("prezes@jestem.example", "hasło prezesa 123")
        .await;
    v.sign_in_to("torun.localhost").await;

    let form = v.get("torun.localhost", "/podmioty/nowy").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("<option value=\"0463011\" selected>Toruń (gmina miejska)</option>"),
        "this gmina preselected"
    );

    // Bad input: every problem named, what was typed kept, nothing saved.
    let bad = v
        .submit(
            "torun.localhost",
            "/podmioty/nowy",
            "/podmioty/nowy",
            &[
                ("name", "Stowarzyszenie „JESTEM”"),
                ("legal_form", "stowarzyszenie"),
                ("nip", "1234563217"),
                ("postal_code", "87100"),
                ("gmina_teryt", "0463011"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    for message in ["cyfrę kontrolną", "NN-NNN", "co najmniej jedną sferę"] {
        assert!(bad.body.contains(message), "{message}");
    }
    assert!(
        bad.body.contains("value=\"Stowarzyszenie „JESTEM”\""),
        "input kept"
    );
    let cards: i64 = sqlx::query_scalar("SELECT count(*) FROM pes_directory")
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    assert_eq!(cards, 0);

    let ok = v
        .submit(
            "torun.localhost",
            "/podmioty/nowy",
            "/podmioty/nowy",
            &[
                ("name", "Stowarzyszenie „JESTEM”"),
                ("legal_form", "stowarzyszenie"),
                ("krs", "0000123456"),
                ("areas", "1"),
                ("areas", "4"),
                ("gmina_teryt", "0463011"),
                ("also_in", "0461011"),
            ],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("Zgłoszenie przyjęte"));
    let (status, areas, also_in): (String, Vec<String>, Vec<String>) =
        sqlx::query_as("SELECT status, areas, also_in FROM gmina_0463011.organisations")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), areas, also_in),
        (
            "pending",
            vec!["1".to_owned(), "4".to_owned()],
            vec!["0461011".to_owned()]
        )
    );
    let role: String = sqlx::query_scalar(
        "SELECT r.role FROM gmina_roles r JOIN accounts a ON a.id = r.account_id WHERE a.email = 'prezes@jestem.example'",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(role, "pes_member");
    let notice = app.mail.wait_for("urzad@torun.example", 1).await;
    assert!(
        notice
            .subject
            .contains("Nowa organizacja czeka na weryfikację: Stowarzyszenie „JESTEM”"),
        "{}",
        notice.subject
    );

    // The same KRS again is a field error.
    let again = v
        .submit(
            "torun.localhost",
            "/podmioty/nowy",
            "/podmioty/nowy",
            &[
                ("name", "Kopia"),
                ("legal_form", "stowarzyszenie"),
                ("krs", "123456"),
                ("areas", "1"),
                ("gmina_teryt", "0463011"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("numerem KRS jest już w bazie"));
}

/// Registers a card in Toruń as `email` (a fresh resident) and returns its id.
async fn registered(app: &pestor_tests::TestApp, email: &str, name: &str, krs: &str) -> i64 {
    pestor_tests::create_account(app, email, "Autor", "hasło autora 123").await;
    let v = app.visitor();
    v.sign_in(email, "hasło autora 123").await;
    v.sign_in_to("torun.localhost").await;
    let r = v
        .submit(
            "torun.localhost",
            "/podmioty/nowy",
            "/podmioty/nowy",
            &[
                ("name", name),
                ("legal_form", "fundacja"),
                ("krs", krs),
                ("areas", "1"),
                ("gmina_teryt", "0463011"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    sqlx::query_scalar("SELECT organisation_id FROM pes_directory WHERE name = $1")
        .bind(name)
        .fetch_one(app.db.platform())
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_verify_or_reject_with_a_reason_and_the_members_are_told() {
    let app = spawn_app().await;
    let staff = pestor_tests::create_account(
        &app,
        "urzednik@torun.example",
        "Urzędnik",
        "hasło urzędnika 1",
    )
    .await;
    pestor_tests::grant(&app, staff, "torun", "staff").await;
    let dr_clown = registered(&app, "clown@example.pl", "Fundacja Dr Clown", "111").await;
    let rusz = registered(&app, "rusz@example.pl", "Fundacja RUSZ", "222").await;
    let s = app.visitor();
    s.sign_in("urzednik@torun.example", "hasło urzędnika 1")
        .await;
    s.sign_in_to("torun.localhost").await;
    let queue = s.get("torun.localhost", "/podmioty/weryfikacja").await.body;
    assert!(
        queue.contains("Nowe zgłoszenia (2)")
            && queue.contains("Fundacja Dr Clown")
            && queue.contains("clown@example.pl")
    );

    let r = s
        .submit(
            "torun.localhost",
            "/podmioty/weryfikacja",
            &format!("/podmioty/{dr_clown}/weryfikacja"),
            &[("decision", "verify")],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/podmioty/weryfikacja?komunikat=zweryfikowano")
    );
    let status: String =
        sqlx::query_scalar("SELECT status FROM pes_directory WHERE organisation_id = $1")
            .bind(dr_clown)
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert_eq!(status, "verified", "the projection follows");
    let mail = app.mail.wait_for("clown@example.pl", 1).await;
    assert_eq!(mail.subject, "Organizacja zweryfikowana: Fundacja Dr Clown");
    // Decided once.
    let again = s
        .submit(
            "torun.localhost",
            "/podmioty/weryfikacja",
            &format!("/podmioty/{dr_clown}/weryfikacja"),
            &[("decision", "reject"), ("reason", "Jednak nie, bo nie.")],
        )
        .await;
    assert_eq!(again.status, 400);

    // A rejection needs a reason; without one nothing changes.
    let bare = s
        .submit(
            "torun.localhost",
            "/podmioty/weryfikacja",
            &format!("/podmioty/{rusz}/weryfikacja"),
            &[("decision", "reject"), ("reason", " ")],
        )
        .await;
    assert_eq!(bare.status, 400);
    assert!(bare.body.contains("Podaj uzasadnienie odrzucenia"));
    let r = s
        .submit(
            "torun.localhost",
            "/podmioty/weryfikacja",
            &format!("/podmioty/{rusz}/weryfikacja"),
            &[
                ("decision", "reject"),
                ("reason", "Brak wpisu w KRS pod podanym numerem."),
            ],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/podmioty/weryfikacja?komunikat=odrzucono")
    );
    let mail = app.mail.wait_for("rusz@example.pl", 1).await;
    assert!(
        mail.text
            .contains("Uzasadnienie: Brak wpisu w KRS pod podanym numerem."),
        "{}",
        mail.text
    );
    assert!(
        s.get("torun.localhost", "/podmioty/weryfikacja")
            .await
            .body
            .contains("Nie ma zgłoszeń czekających")
    );

    let log: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE teryt = '0463011' ORDER BY id")
            .fetch_all(app.db.platform())
            .await
            .unwrap();
    assert_eq!(log, ["organisation.verified", "organisation.rejected"]);

    // Bydgoszcz's staff cannot decide on Toruń's cards: the id does not exist there.
    let other =
        pestor_tests::create_account(&app, "b@bydgoszcz.example", "B", "hasło bydgoszczy 1").await;
    pestor_tests::grant(&app, other, "bydgoszcz", "staff").await;
    let b = app.visitor();
    b.sign_in("b@bydgoszcz.example", "hasło bydgoszczy 1").await;
    b.sign_in_to("bydgoszcz.localhost").await;
    let r = b
        .submit(
            "bydgoszcz.localhost",
            "/podmioty/weryfikacja",
            &format!("/podmioty/{rusz}/weryfikacja"),
            &[("decision", "verify")],
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_card_is_public_once_verified_and_until_then_only_for_its_members_and_staff() {
    let app = spawn_app().await;
    let staff =
        pestor_tests::create_account(&app, "s@torun.example", "S", "hasło urzędnika 1").await;
    pestor_tests::grant(&app, staff, "torun", "staff").await;
    let id = registered(
        &app,
        "tartak@example.pl",
        "Stowarzyszenie Inicjatyw Kulturalnych tARTak",
        "333",
    )
    .await;
    let path = format!("/podmioty/{id}");

    // Pending: a stranger and a resident see nothing; the member and staff see it, marked.
    assert_eq!(app.page(TORUN, &path).await.0, 404);
    pestor_tests::create_account(&app, "ktos@example.pl", "Ktoś", "hasło kogoś 123").await;
    let resident = app.visitor();
    resident.sign_in("ktos@example.pl", "hasło kogoś 123").await;
    resident.sign_in_to(TORUN).await;
    assert_eq!(resident.get(TORUN, &path).await.status, 404);
    let member = app.visitor();
    member
        .sign_in("tartak@example.pl", "hasło autora 123")
        .await;
    member.sign_in_to(TORUN).await;
    let own = member.get(TORUN, &path).await;
    assert_eq!(own.status, 200);
    assert!(own.body.contains("czeka na weryfikację"));

    let s = app.visitor();
    s.sign_in("s@torun.example", "hasło urzędnika 1").await;
    s.sign_in_to(TORUN).await;
    assert_eq!(s.get(TORUN, &path).await.status, 200);
    s.submit(
        TORUN,
        "/podmioty/weryfikacja",
        &format!("/podmioty/{id}/weryfikacja"),
        &[("decision", "verify")],
    )
    .await;

    // Verified: public, with every field and structured data.
    let (status, body) = app.page(TORUN, &path).await;
    assert_eq!(status, 200);
    for expected in [
        "<h1 class=\"govuk-heading-xl\">Stowarzyszenie Inicjatyw Kulturalnych tARTak</h1>",
        "<dt class=\"govuk-summary-list__key\">Forma prawna</dt><dd class=\"govuk-summary-list__value\">Fundacja</dd>",
        "<dt class=\"govuk-summary-list__key\">KRS</dt><dd class=\"govuk-summary-list__value\">0000000333</dd>",
        "<dt class=\"govuk-summary-list__key\">Sfery działalności</dt><dd class=\"govuk-summary-list__value\">Pomoc społeczna</dd>",
        "<dt class=\"govuk-summary-list__key\">Gmina</dt><dd class=\"govuk-summary-list__value\">Toruń (gmina miejska)</dd>",
        "<dt class=\"govuk-summary-list__key\">Powiat</dt><dd class=\"govuk-summary-list__value\">Toruń</dd>",
        "\"@type\":\"Organization\"",
    ] {
        assert!(body.contains(expected), "{expected}\n{body}");
    }
    assert!(!body.contains("czeka na weryfikację"));
    assert!(
        body.contains("<dt class=\"govuk-summary-list__key\">Ostatnia weryfikacja</dt><dd class=\"govuk-summary-list__value\">")
            && !body.contains("jeszcze nie zweryfikowano")
    );

    // Toruń's card does not exist on Bydgoszcz, nor does a nonsense id.
    assert_eq!(app.page(BYDGOSZCZ, &path).await.0, 404);
    assert_eq!(app.page(TORUN, "/podmioty/abc").await.0, 404);
    assert_eq!(app.page(TORUN, "/podmioty/999999").await.0, 404);
}

/// Stores a verified card in gmina `slug` (the form and the queue are tested above).
async fn verified(
    app: &pestor_tests::TestApp,
    slug: &str,
    name: &str,
    form: &str,
    areas: &[&str],
    seat: &str,
    krs: &str,
) {
    let fields = [
        ("name", name),
        ("legal_form", form),
        ("krs", krs),
        ("gmina_teryt", seat),
        ("locality", "Toruń"),
    ];
    pestor_tests::add_card(app, slug, &fields, areas, &[], "verified").await;
}

fn names_in(body: &str) -> Vec<String> {
    body.split("<tr class=\"govuk-table__row\"><td class=\"govuk-table__cell\"><a class=\"govuk-link\" href=\"")
        .skip(1)
        .map(|s| {
            s.split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .replace("&#x27;", "'")
        })
        .collect()
}

#[tokio::test]
async fn the_list_filters_searches_without_diacritics_sorts_in_polish_and_pages() {
    let app = spawn_app().await;
    assert!(
        app.page(TORUN, "/podmioty")
            .await
            .1
            .contains("Nie znaleziono organizacji")
    );
    let cards = [
        ("Żywność dla Wszystkich", "fundacja", &["1"][..], "0463011"),
        (
            "Fundacja Bank Żywności",
            "fundacja",
            &["1", "2"][..],
            "0463011",
        ),
        (
            "Łódzkie Stowarzyszenie Sąsiedzkie",
            "stowarzyszenie",
            &["4"][..],
            "0415042",
        ),
        (
            "Lokalna Grupa Działania",
            "stowarzyszenie",
            &["4"][..],
            "0463011",
        ),
        (
            "Śnieżna Spółdzielnia Socjalna",
            "spoldzielnia_socjalna",
            &["1"][..],
            "0463011",
        ),
        (
            "Stowarzyszenie „JESTEM”",
            "stowarzyszenie",
            &["1"][..],
            "0463011",
        ),
        (
            "Zakład Aktywności Zawodowej",
            "zaklad_aktywnosci_zawodowej",
            &["1"][..],
            "0463011",
        ),
    ];
    for (i, (name, form, areas, seat)) in cards.iter().enumerate() {
        verified(
            &app,
            "torun",
            name,
            form,
            areas,
            seat,
            &format!("{}", i + 1),
        )
        .await;
    }
    // A pending card and another gmina's card never show.
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    store::insert(
        &mut tx,
        &card("Czeka Na Weryfikację", "99", "0463011"),
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    verified(
        &app,
        "bydgoszcz",
        "Fundacja z Bydgoszczy",
        "fundacja",
        &["1"],
        "0461011",
        "1",
    )
    .await;

    let (status, body) = app.page(TORUN, "/podmioty").await;
    assert_eq!(status, 200);
    assert!(
        body.contains(">7 organizacji") && body.matches("7 organizacji").count() == 1,
        "{body}"
    );
    assert_eq!(
        names_in(&body),
        [
            "Fundacja Bank Żywności",
            "Lokalna Grupa Działania",
            "Łódzkie Stowarzyszenie Sąsiedzkie",
            "Stowarzyszenie „JESTEM”",
            "Śnieżna Spółdzielnia Socjalna",
            "Zakład Aktywności Zawodowej",
            "Żywność dla Wszystkich",
        ],
        "Polish order: L before Ł, S before Ś, Z before Ż"
    );

    let (_, found) = app.page(TORUN, "/podmioty?q=zywnosc").await;
    assert_eq!(
        names_in(&found),
        ["Fundacja Bank Żywności", "Żywność dla Wszystkich"]
    );
    assert!(found.contains(">2 organizacje") && found.matches("2 organizacje").count() == 1);
    assert!(
        found.contains("value=\"zywnosc\""),
        "the search stays in the form"
    );

    let (_, by_form) = app.page(TORUN, "/podmioty?forma=stowarzyszenie").await;
    assert_eq!(names_in(&by_form).len(), 3);
    let (_, by_area) = app.page(TORUN, "/podmioty?sfera=2").await;
    assert_eq!(names_in(&by_area), ["Fundacja Bank Żywności"]);
    assert!(by_area.contains("1 organizacja"));
    let (_, by_gmina) = app.page(TORUN, "/podmioty?gmina=0415042").await;
    assert_eq!(names_in(&by_gmina), ["Łódzkie Stowarzyszenie Sąsiedzkie"]);
    let (_, by_powiat) = app.page(TORUN, "/podmioty?powiat=0415").await;
    assert_eq!(names_in(&by_powiat), ["Łódzkie Stowarzyszenie Sąsiedzkie"]);
    let (_, newest) = app.page(TORUN, "/podmioty?sort=dodano").await;
    assert_eq!(names_in(&newest)[0], "Zakład Aktywności Zawodowej");
    let (_, unknown_sort) = app.page(TORUN, "/podmioty?sort=DROP%20TABLE").await;
    assert_eq!(
        names_in(&unknown_sort)[0],
        "Fundacja Bank Żywności",
        "unknown sort falls back to the name"
    );
    let (_, none) = app.page(TORUN, "/podmioty?q=nie+ma+takiej").await;
    assert!(none.contains("Nie znaleziono organizacji spełniających wybrane warunki"));

    let (_, bydgoszcz) = app.page(BYDGOSZCZ, "/podmioty").await;
    assert_eq!(names_in(&bydgoszcz), ["Fundacja z Bydgoszczy"]);
}

#[tokio::test]
async fn the_list_pages_by_twenty_and_keeps_the_filters_in_its_links() {
    let app = spawn_app().await;
    for i in 0..25 {
        verified(
            &app,
            "torun",
            &format!("Stowarzyszenie nr {i:02}"),
            "stowarzyszenie",
            &["1"],
            "0463011",
            &format!("{}", i + 1),
        )
        .await;
    }
    let (_, first) = app.page(TORUN, "/podmioty?forma=stowarzyszenie").await;
    assert_eq!(names_in(&first).len(), 20);
    assert!(first.contains("strona 1 z 2"));
    assert!(
        first.contains("href=\"&#x2f;podmioty?forma=stowarzyszenie&amp;sort=nazwa&amp;strona=2\""),
        "{first}"
    );
    let (_, second) = app
        .page(TORUN, "/podmioty?forma=stowarzyszenie&sort=nazwa&strona=2")
        .await;
    assert_eq!(
        names_in(&second),
        (20..25)
            .map(|i| format!("Stowarzyszenie nr {i:02}"))
            .collect::<Vec<_>>()
    );
    let (status, _) = app.page(TORUN, "/podmioty?strona=abc").await;
    assert_eq!(status, 200, "a bad page number shows the first page");
}
