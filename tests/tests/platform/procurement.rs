//! Klauzule społeczne: the register checked field by field, statuses moved one allowed step at a
//! time, clauses from the catalogue, fulfilment checks (with the PDF checks) and the reminders of
//! due checks through the real SMTP server with the test clock, the indicators exact on known
//! data on the page, in the CSV and on the dashboard, the API, and another gmina seeing nothing.

use pestor_tests::{TestApp, Visitor, add_card, spawn_app};
use serde_json::Value;
use time::macros::datetime;

const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";
const NEW: &str = "/klauzule-spoleczne/nowe";

fn procurement<'a>(
    reference: &'a str,
    subject: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("reference", reference),
        ("subject", subject),
        ("kind", "uslugi"),
        ("procedure", "tryb_podstawowy"),
        ("value", value),
        ("value_euro", ""),
        ("department", "Wydział Gospodarki Komunalnej"),
        ("published_on", "2027-02-01"),
        ("offers_due", "2027-02-20"),
        ("contractor_pes", ""),
        ("contractor_name", ""),
        ("contractor_nip", ""),
        ("contract_value", ""),
    ]
}

async fn add(staff: &Visitor, fields: &[(&str, &str)]) -> String {
    let r = staff.submit(TORUN, NEW, NEW, fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location.unwrap().split('?').next().unwrap().to_owned()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar("torun", sql).await
}

async fn status(staff: &Visitor, p: &str, to: &str) -> pestor_tests::Reply {
    staff
        .submit(TORUN, p, &format!("{p}/status"), &[("to", to)])
        .await
}

async fn clause(staff: &Visitor, p: &str, fields: &[(&str, &str)]) -> pestor_tests::Reply {
    staff
        .submit(TORUN, p, &format!("{p}/klauzule"), fields)
        .await
}

#[tokio::test]
async fn the_register_is_checked_field_by_field_and_moves_one_allowed_step_at_a_time() {
    let app = spawn_app().await;
    app.state.clock.set(datetime!(2027-03-01 09:00 UTC));
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let pes = add_card(
        &app,
        "torun",
        &[
            ("name", "Spółdzielnia Socjalna Zieleń"),
            ("legal_form", "spoldzielnia_socjalna"),
            ("gmina_teryt", "0463011"),
        ],
        &["1"],
        &[],
        "verified",
    )
    .await;

    // Every problem named in Polish; nothing stored.
    let mut bad = procurement("Z", "Krót", "dużo");
    for (k, v) in bad.iter_mut() {
        match *k {
            "kind" => *v = "zakupy",
            "offers_due" => *v = "2027-01-01",
            "contractor_nip" => *v = "1234567890",
            "contractor_pes" => *v = "0461011-1",
            _ => {}
        }
    }
    let r = staff.submit(TORUN, NEW, NEW, &bad).await;
    assert_eq!(r.status, 422);
    for m in [
        "Podaj znak sprawy",
        "Podaj przedmiot zamówienia",
        "Wybierz rodzaj zamówienia.",
        "Podaj szacunkową wartość zamówienia w zł",
        "Termin składania ofert nie może być przed publikacją.",
        "NIP",
        "Wybierz organizację z listy zweryfikowanych PES",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    assert_eq!(count(&app, "SELECT count(*) FROM procurements").await, 0);

    let p = add(
        &staff,
        &procurement("ZP.271.1.2027", "Utrzymanie zieleni miejskiej", "420 000"),
    )
    .await;
    // The reference is unique.
    let r = staff
        .submit(
            TORUN,
            NEW,
            NEW,
            &procurement("ZP.271.1.2027", "Inne zamówienie tej samej sprawy", "1000"),
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("o tym znaku sprawy jest już w rejestrze"));
    // Whatever the case of its letters: "zp.271.1.2027" is the same case file.
    let r = staff
        .submit(
            TORUN,
            NEW,
            NEW,
            &procurement("zp.271.1.2027", "Inne zamówienie tej samej sprawy", "1000"),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(count(&app, "SELECT count(*) FROM procurements").await, 1);
    // A contractor's NIP of zeros passes the checksum but names no tax office.
    let mut zeros = procurement("ZP.271.2.2027", "Dostawa mebli", "1000");
    zeros.retain(|(k, _)| *k != "contractor_nip");
    zeros.push(("contractor_nip", "0000000000"));
    let r = staff.submit(TORUN, NEW, NEW, &zeros).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("NIP"), "{}", r.body);
    let page = app.page(TORUN, &p).await.1;
    assert!(page.contains("420\u{a0}000 zł") && page.contains("planowane"));

    // A clause from the catalogue; a code outside it, or people without a group, refused.
    let r = clause(
        &staff,
        &p,
        &[
            ("clause", "pzp2030-art1"),
            ("requirement", "Zatrudnienie osób."),
            ("people", "2"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("Wybierz klauzulę z katalogu.") && r.body.contains("Wskaż, z jakiej grupy")
    );
    let r = clause(
        &staff,
        &p,
        &[
            ("clause", "pzp2019-art96"),
            (
                "requirement",
                "Zatrudnienie 2 osób bezrobotnych przez 12 miesięcy.",
            ),
            ("people", "2"),
            ("target_group", "bezrobotni"),
            ("months", "12"),
            ("share_percent", ""),
            ("next_check_on", "2027-06-01"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = clause(
        &staff,
        &p,
        &[
            ("clause", "pzp2019-art96"),
            ("requirement", "Jeszcze raz to samo."),
        ],
    )
    .await;
    assert_eq!(r.status, 409, "once per procurement");

    // Statuses: no skipping, no deciding without a contractor, nothing after the end.
    assert_eq!(status(&staff, &p, "in_progress").await.status, 409);
    assert_eq!(status(&staff, &p, "announced").await.status, 303);
    let r = status(&staff, &p, "decided").await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("wpisz najpierw wykonawcę"));
    let mut with_pes = procurement("ZP.271.1.2027", "Utrzymanie zieleni miejskiej", "420 000");
    let code = format!("0463011-{pes}");
    for (k, v) in with_pes.iter_mut() {
        match *k {
            "contractor_pes" => *v = &code,
            "contract_value" => *v = "390000",
            _ => {}
        }
    }
    let r = staff
        .submit(
            TORUN,
            &format!("{p}/edycja"),
            &format!("{p}/edycja"),
            &with_pes,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        app.page(TORUN, &p)
            .await
            .1
            .contains("Spółdzielnia Socjalna Zieleń (PES)")
    );
    for to in ["decided", "in_progress", "completed"] {
        assert_eq!(status(&staff, &p, to).await.status, 303, "{to}");
    }
    let r = status(&staff, &p, "cancelled").await;
    assert_eq!(r.status, 409);
    assert!(
        r.body
            .contains("nie może przejść do statusu „unieważnione”")
    );
    // Clauses are added before the contract runs.
    let r = clause(
        &staff,
        &p,
        &[
            ("clause", "pzp2019-art95"),
            ("requirement", "Umowy o pracę dla pracowników."),
        ],
    )
    .await;
    assert_eq!(r.status, 409);

    // The public list and filters; another gmina knows none of it.
    let list = app
        .page(TORUN, "/klauzule-spoleczne?klauzula=pzp2019-art96")
        .await
        .1;
    assert!(list.contains("Utrzymanie zieleni miejskiej") && list.contains("1 zamówienie"));
    assert!(
        app.page(TORUN, "/klauzule-spoleczne?status=planned")
            .await
            .1
            .contains("Nie znaleziono zamówień")
    );
    assert!(
        app.page(BYDGOSZCZ, "/klauzule-spoleczne")
            .await
            .1
            .contains("Nie znaleziono zamówień")
    );
    assert_eq!(app.page(BYDGOSZCZ, &p).await.0, 404);
    // The catalogue names both Acts, linked.
    let catalogue = app.page(TORUN, "/klauzule-spoleczne/katalog").await.1;
    assert!(
        catalogue.contains("art. 94")
            && catalogue.contains("art. 138p")
            && catalogue.contains("isap.sejm.gov.pl")
    );
}

/// A procurement in progress with one clause due on 1 June 2027; the clock on 1 March 2027.
pub(crate) async fn running(app: &TestApp, staff: &Visitor) -> String {
    let p = add(
        staff,
        &procurement("ZP.271.7.2027", "Sprzątanie budynków urzędu", "250000"),
    )
    .await;
    let r = clause(
        staff,
        &p,
        &[
            ("clause", "pzp2019-art96"),
            (
                "requirement",
                "Zatrudnienie 2 osób bezrobotnych przez 12 miesięcy.",
            ),
            ("people", "2"),
            ("target_group", "bezrobotni"),
            ("months", "12"),
            ("next_check_on", "2027-06-01"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let t = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    sqlx::query(
        "UPDATE procurements SET status = 'in_progress', contractor_name = 'Firma Sprzątająca'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    p
}

pub(crate) async fn check(
    staff: &Visitor,
    p: &str,
    fields: &[(&str, &str)],
    file: Vec<u8>,
) -> pestor_tests::Reply {
    let mut all = vec![("clause_id", "1")];
    all.extend_from_slice(fields);
    staff
        .upload(
            TORUN,
            p,
            &format!("{p}/kontrole"),
            &all,
            ("evidence_pdf", "dowody.pdf", file),
        )
        .await
}

#[tokio::test]
async fn checks_are_recorded_and_the_official_is_reminded_when_one_is_due() {
    let app = spawn_app().await;
    app.state.clock.set(datetime!(2027-03-01 09:00 UTC));
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let p = running(&app, &staff).await;

    // Nothing due yet: no letter, an empty queue.
    assert_eq!(
        pestor_procurement::send_reminders(&app.state)
            .await
            .unwrap(),
        0
    );
    assert!(
        staff
            .get(TORUN, "/klauzule-spoleczne/kontrole")
            .await
            .body
            .contains("Żadna kontrola")
    );
    // The day comes: one letter to the official who entered it, once.
    app.state.clock.set(datetime!(2027-06-01 06:00 UTC));
    assert!(
        staff
            .get(TORUN, "/klauzule-spoleczne/kontrole")
            .await
            .body
            .contains("ZP.271.7.2027")
    );
    assert_eq!(
        pestor_procurement::send_reminders(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        pestor_procurement::send_reminders(&app.state)
            .await
            .unwrap(),
        0
    );
    let letter = app.mail.wait_for("urzednik@example.pl", 1).await;
    assert!(
        letter
            .subject
            .contains("Kontrola klauzuli społecznej: ZP.271.7.2027"),
        "{}",
        letter.subject
    );
    assert!(letter.text.contains("1 czerwca 2027"), "{}", letter.text);

    // A check: bad input refused with nothing stored (not a PDF, a date ahead, no verdict).
    let r = check(
        &staff,
        &p,
        &[("checked_on", "2027-06-02"), ("evidence", "")],
        b"GIF89a".to_vec(),
    )
    .await;
    assert_eq!(r.status, 422);
    for m in [
        "Data kontroli nie może być w przyszłości.",
        "Załącznik nie jest plikiem PDF.",
        "Wybierz wynik kontroli",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    assert_eq!(count(&app, "SELECT count(*) FROM clause_checks").await, 0);
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let r = check(
        &staff,
        &p,
        &[
            ("checked_on", "2027-06-01"),
            ("people_employed", "1"),
            ("months", "3"),
            (
                "evidence",
                "Jedna umowa o pracę; druga osoba zwolniła się w kwietniu.",
            ),
            ("verdict", "czesciowo"),
            ("penalty", "1500"),
            ("next_check_on", "2027-09-01"),
        ],
        pdf,
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = staff.get(TORUN, &p).await.body.replace("&#x2f;", "/");
    assert!(
        page.contains("spełniona częściowo")
            && page.contains("kara: 1\u{a0}500 zł")
            && page.contains("1 września 2027")
    );
    // The evidence PDF: to staff on its own host only; the public page does not link it.
    let evidence = format!("{p}/kontrole/1/dowod");
    assert!(page.contains(&evidence));
    assert_eq!(staff.get(TORUN, &evidence).await.status, 200);
    assert!(
        !app.page(TORUN, &p)
            .await
            .1
            .replace("&#x2f;", "/")
            .contains(&evidence)
    );
    // The next due date gets its own reminder, on its day.
    assert_eq!(
        pestor_procurement::send_reminders(&app.state)
            .await
            .unwrap(),
        0
    );
    app.state.clock.set(datetime!(2027-09-01 06:00 UTC));
    assert_eq!(
        pestor_procurement::send_reminders(&app.state)
            .await
            .unwrap(),
        1
    );
    app.mail.wait_for("urzednik@example.pl", 2).await;
}

#[tokio::test]
async fn the_indicators_count_the_register_exactly_on_the_page_in_the_csv_the_api_and_the_dashboard()
 {
    let app = spawn_app().await;
    app.state.clock.set(datetime!(2027-06-15 09:00 UTC));
    let t = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO clause_targets VALUES (2026, 3), (2027, 2);
         INSERT INTO procurements (reference, subject, kind, value_grosze, procedure, published_on, status,
                                   contractor_name, contractor_teryt, contractor_org_id, contract_value_grosze) VALUES
            ('A/2026', 'Catering dla seniorów', 'uslugi', 1000000, 'zapytanie_ofertowe', '2026-03-01', 'completed', 'PES Obiady', '0463011', 1, 900000),
            ('B/2026', 'Sprzątanie urzędu', 'uslugi', 5000000, 'tryb_podstawowy', '2026-05-01', 'in_progress', 'Firma', NULL, NULL, NULL),
            ('C/2026', 'Bez klauzuli', 'dostawy', 7000000, 'tryb_podstawowy', '2026-06-01', 'completed', 'Inna firma', NULL, NULL, NULL),
            ('D/2026', 'Unieważnione', 'uslugi', 100000, 'zapytanie_ofertowe', '2026-07-01', 'cancelled', '', NULL, NULL, NULL),
            ('E/2027', 'Remont świetlicy', 'roboty', 20000000, 'tryb_podstawowy', '2027-02-01', 'announced', '', NULL, NULL, NULL);
         INSERT INTO procurement_clauses (procurement_id, clause, requirement) VALUES
            (1, 'pzp2019-art94', 'Zamówienie zastrzeżone dla PES.'),
            (2, 'pzp2019-art96', 'Zatrudnienie 2 osób bezrobotnych.'),
            (2, 'pzp2019-art95', 'Umowy o pracę dla sprzątających.'),
            (4, 'pzp2019-art96', 'Zatrudnienie osoby bezrobotnej.'),
            (5, 'pzp2019-art96', 'Zatrudnienie 1 absolwenta CIS.');
         INSERT INTO clause_checks (clause_id, checked_on, checked_by_name, verdict) VALUES
            (1, '2026-06-01', 'Urzędnik', 'spelniona'),
            (2, '2026-08-01', 'Urzędnik', 'spelniona'),
            (2, '2026-11-01', 'Urzędnik', 'niespelniona');",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // 2026: A and B (C has no clause, D is cancelled); 9 000 + 50 000 zł; one of two won by a PES;
    // clause 1 fulfilled, clause 2 not (its latest check), clause 3 unchecked.
    let csv = app
        .get(TORUN, "/klauzule-spoleczne/wskazniki.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv,
        "\u{feff}rok;cel programu;zamówienia z klauzulami;wartość (zł);z wybranym wykonawcą;wygrane przez PES;klauzule spełnione;spełnione częściowo;niespełnione;jeszcze niesprawdzone\r\n\
         2026;3;2;59000,00;2;1;1;0;1;1\r\n\
         2027;2;1;200000,00;0;0;0;0;0;1\r\n"
    );
    let page = app.page(TORUN, "/klauzule-spoleczne/wskazniki").await.1;
    assert!(
        page.contains("2026: 2 (cel: 3); 2027: 1 (cel: 2)"),
        "the chart's description"
    );
    assert!(page.contains("1 z 2 (50 %)"));

    // The API: the register with its filters; bad parameters named.
    let (status, body) = app
        .page(TORUN, "/api/v1/klauzule?rok=2026&klauzula=pzp2019-art96")
        .await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    let refs: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["reference"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        ["D/2026", "B/2026"],
        "newest first; the cancelled one is in the register"
    );
    assert_eq!(
        body["items"][1]["clauses"],
        serde_json::json!(["pzp2019-art96", "pzp2019-art95"])
    );
    for bad in [
        "?status=gotowe",
        "?rok=dwa",
        "?rodzaj=zakupy",
        "?klauzula=ART%2096",
    ] {
        let (status, body) = app.page(TORUN, &format!("/api/v1/klauzule{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(body.contains("Niepoprawny parametr"), "{body}");
    }

    // The dashboard's figures for this year (2027).
    let mine = app.figures("torun", "clauses_").await;
    assert_eq!(
        mine,
        [
            ("clauses_this_year", 1),
            ("clauses_target", 2),
            ("clauses_value", 200_000),
            ("clauses_won_by_pes", 0),
            ("clauses_not_fulfilled", 1)
        ]
    );
    // Another gmina counts its own register only.
    let other = app
        .get(BYDGOSZCZ, "/klauzule-spoleczne/wskazniki.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(other.lines().count(), 1, "{other}");
}

/// A verified (or not) card in gmina `slug` with one member, and optionally an offer.
async fn pes_with(
    app: &TestApp,
    slug: &str,
    name: &str,
    description: &str,
    also_in: &[&str],
    status: &str,
    offer: Option<(&str, &str)>,
) -> String {
    let teryt = if slug == "torun" {
        "0463011"
    } else {
        "0461011"
    };
    let org = add_card(
        app,
        slug,
        &[
            ("name", name),
            ("legal_form", "spoldzielnia_socjalna"),
            ("gmina_teryt", teryt),
            ("description", description),
        ],
        &["1"],
        also_in,
        status,
    )
    .await;
    let email = format!("{}@example.pl", name.to_lowercase().replace(' ', "."));
    let account = pestor_tests::create_account(app, &email, name, "hasło testowe 123").await;
    pestor_tests::join_organisation_in(app, account, slug, org).await;
    if let Some((offer, category)) = offer {
        let t = app.store().find(slug).await.unwrap();
        let mut tx = app.db.tenant(&t).begin().await.unwrap();
        let offer = pestor_core::offer::Offer {
            name: offer.into(),
            category: category.into(),
            price_grosze: None,
            price_note: String::new(),
            target_groups: vec!["urzad".into()],
            description: "Na zamówienie.".into(),
        };
        pestor_offers::store::insert(&mut tx, org, &offer, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    email
}

#[tokio::test]
async fn matchmaking_finds_the_pes_that_fit_and_tells_only_the_chosen_once() {
    let app = spawn_app().await;
    app.state.clock.set(datetime!(2027-03-01 09:00 UTC));
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let kes = pes_with(
        &app,
        "torun",
        "Smaczny Kęs",
        "Catering i obiady dla instytucji.",
        &[],
        "verified",
        None,
    )
    .await;
    let czysty = pes_with(
        &app,
        "torun",
        "Czysty Dom",
        "Sprzątanie.",
        &[],
        "verified",
        Some(("Sprzątanie biur", "porzadkowe")),
    )
    .await;
    let kuchnia = pes_with(
        &app,
        "torun",
        "Kuchnia Sąsiedzka",
        "Gotujemy.",
        &[],
        "verified",
        Some(("Obiady domowe", "catering")),
    )
    .await;
    let wisla = pes_with(
        &app,
        "bydgoszcz",
        "Wiślana Spółdzielnia",
        "Imprezy.",
        &["0463011"],
        "verified",
        Some(("Katering na imprezy", "catering")),
    )
    .await;
    let czeka = pes_with(
        &app,
        "torun",
        "Catering Czeka",
        "Catering na każdą okazję.",
        &[],
        "pending",
        None,
    )
    .await;
    let p = add(
        &staff,
        &procurement(
            "ZO.1.2027",
            "Catering na spotkanie wigilijne seniorów",
            "6000",
        ),
    )
    .await;
    let matching = format!("{p}/dopasowanie");

    // The organisations listed, in the page's order (Polish order of names).
    let names = |page: &str| {
        let mut found: Vec<(usize, &str)> = [
            "Smaczny Kęs",
            "Czysty Dom",
            "Kuchnia Sąsiedzka",
            "Wiślana Spółdzielnia",
            "Catering Czeka",
        ]
        .into_iter()
        .filter_map(|n| page.find(&format!("\">{n}")).map(|at| (at, n)))
        .collect();
        found.sort();
        found.into_iter().map(|(_, n)| n).collect::<Vec<_>>()
    }; // By the subject: the card that says catering, the neighbour's "katering" offer (a typo away);
    // not the cleaners, not the kitchen whose offer says otherwise, not the unverified.
    let page = staff.get(TORUN, &matching).await.body;
    assert_eq!(
        names(&page),
        ["Smaczny Kęs", "Wiślana Spółdzielnia"],
        "{page}"
    );
    assert!(page.contains("PES z innej gminy działający u nas"));
    // With the Giełda's category, the kitchen too.
    let page = staff
        .get(TORUN, &format!("{matching}?kategoria=catering"))
        .await
        .body;
    assert_eq!(
        names(&page),
        ["Kuchnia Sąsiedzka", "Smaczny Kęs", "Wiślana Spółdzielnia"]
    );

    // Only the chosen are told; a card the match did not find is refused.
    let code = |teryt: &str, id: i64| format!("{teryt}-{id}");
    let r = staff
        .submit(
            TORUN,
            &matching,
            &matching,
            &[("kategoria", "catering"), ("pes", &code("0463011", 2))],
        )
        .await;
    assert_eq!(r.status, 409, "Czysty Dom does not fit");
    let r = staff
        .submit(
            TORUN,
            &matching,
            &matching,
            &[
                ("kategoria", "catering"),
                ("pes", &code("0463011", 1)),
                ("pes", &code("0463011", 3)),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let letter = app.mail.wait_for(&kes, 1).await;
    assert!(
        letter
            .subject
            .contains("Planowane zamówienie: Catering na spotkanie wigilijne seniorów")
    );
    app.mail.wait_for(&kuchnia, 1).await;
    for other in [&czysty, &wisla, &czeka] {
        assert!(app.mail.to(other).is_empty(), "{other}");
    }
    // Once: a second notice to the same PES is refused; the page says it was told.
    let page = staff
        .get(TORUN, &format!("{matching}?kategoria=catering"))
        .await
        .body;
    assert!(page.contains("Smaczny Kęs — już powiadomiona"));
    let r = staff
        .submit(
            TORUN,
            &matching,
            &matching,
            &[("kategoria", "catering"), ("pes", &code("0463011", 1))],
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(
        count(&app, "SELECT count(*) FROM procurement_notices").await,
        2
    );
    // After the tender, no more notices.
    for to in ["announced", "decided"] {
        if to == "decided" {
            let mut fields = procurement(
                "ZO.1.2027",
                "Catering na spotkanie wigilijne seniorów",
                "6000",
            );
            for (k, v) in fields.iter_mut() {
                if *k == "contractor_name" {
                    *v = "Smaczny Kęs";
                }
            }
            staff
                .submit(
                    TORUN,
                    &format!("{p}/edycja"),
                    &format!("{p}/edycja"),
                    &fields,
                )
                .await;
        }
        assert_eq!(status(&staff, &p, to).await.status, 303, "{to}");
    }
    let r = staff
        .submit(TORUN, &p, &matching, &[("pes", &code("0463011", 3))])
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("przed przetargiem"));
}

#[tokio::test]
async fn the_regions_page_sums_every_active_gminas_register() {
    let app = spawn_app().await;
    app.state.clock.set(datetime!(2027-06-15 09:00 UTC));
    for (slug, value, pes) in [("torun", 1_000_000, true), ("bydgoszcz", 3_000_000, false)] {
        let t = app.store().find(slug).await.unwrap();
        let mut tx = app.db.tenant(&t).begin().await.unwrap();
        sqlx::raw_sql("INSERT INTO clause_targets VALUES (2026, 5)")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO procurements (reference, subject, kind, value_grosze, procedure, published_on, status,
                                       contractor_name, contractor_teryt, contractor_org_id)
             VALUES ('R/1', 'Catering dla seniorów', 'uslugi', $1, 'zapytanie_ofertowe', '2026-03-01', 'completed',
                     'Wykonawca', CASE WHEN $2 THEN '0463011' END, CASE WHEN $2 THEN 1 END)",
        )
        .bind(value)
        .bind(pes)
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{slug}: {e}"));
        sqlx::raw_sql(
            "INSERT INTO procurement_clauses (procurement_id, clause, requirement) VALUES (1, 'pzp2019-art94', 'Zastrzeżone.')",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // Chełmża is suspended: its register is not counted.
    let t = app.store().find("gmina-chelmza").await.unwrap();
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO procurements (reference, subject, kind, value_grosze, procedure, published_on, status)
         VALUES ('S/1', 'Zawieszona gmina', 'uslugi', 999900, 'zapytanie_ofertowe', '2026-03-01', 'completed');
         INSERT INTO procurement_clauses (procurement_id, clause, requirement) VALUES (1, 'pzp2019-art94', 'Zastrzeżone.');",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.store()
        .suspend("gmina-chelmza", "przegląd")
        .await
        .unwrap();
    app.count_figures().await;

    let csv = app
        .get("localhost", "/klauzule-spoleczne-w-regionie.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "2026;10;2;40000,00;2;1;0;0;0;2",
        "{csv}"
    );
    let page = app
        .page("localhost", "/klauzule-spoleczne-w-regionie")
        .await
        .1;
    assert!(
        page.contains("Suma rejestrów 2 gmin") && page.contains("2026: 2 (cel: 10)"),
        "{page}"
    );
}

/// The link in the newest letter to `to` that starts with `prefix` (its `token` query kept).
fn link_in(text: &str, prefix: &str) -> String {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[at..]
        .split(|c: char| c.is_whitespace() || c == '>' || c == '"')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn subscribers_confirm_get_notices_of_announced_procurements_of_their_kinds_and_unsubscribe_in_one_click()
 {
    let app = spawn_app().await;
    app.state.clock.set(datetime!(2027-03-01 09:00 UTC));
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let visitor = app.visitor();
    let form = "/klauzule-spoleczne/powiadomienia";
    // A bad address or kind: refused, nothing stored, no letter.
    let r = visitor
        .submit(
            TORUN,
            form,
            form,
            &[("email", "nie-adres"), ("kinds", "uslugi")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Podaj poprawny adres e-mail"));
    let r = visitor
        .submit(
            TORUN,
            form,
            form,
            &[("email", "pes@example.pl"), ("kinds", "zakupy")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        count(&app, "SELECT count(*) FROM procurement_subscriptions").await,
        0
    );
    // Services only; works only; an address that never confirms.
    for (email, kind) in [
        ("uslugi@example.pl", "uslugi"),
        ("roboty@example.pl", "roboty"),
        ("niepotwierdzony@example.pl", "uslugi"),
    ] {
        let r = visitor
            .submit(TORUN, form, form, &[("email", email), ("kinds", kind)])
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Sprawdź skrzynkę e-mail"));
    }
    for email in ["uslugi@example.pl", "roboty@example.pl"] {
        let letter = app.mail.wait_for(email, 1).await;
        let link = link_in(&letter.text, "http://");
        let path = link.split_once(".localhost:").unwrap().1;
        let path = &path[path.find('/').unwrap()..];
        // The link asks for a click; the click confirms.
        let page = visitor.get(TORUN, path).await.body;
        assert!(page.contains("Potwierdzam"));
        let r = visitor.submit(TORUN, path, path, &[]).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("Powiadomienia włączone"), "{}", r.body);
    }

    // A services procurement is announced: one notice, to the confirmed services subscriber.
    let p = add(
        &staff,
        &procurement("ZP.271.9.2027", "Sprzątanie szkół", "300000"),
    )
    .await;
    assert_eq!(status(&staff, &p, "announced").await.status, 303);
    let notice = app.mail.wait_for("uslugi@example.pl", 2).await;
    assert_eq!(notice.subject, "Nowe zamówienie: Sprzątanie szkół");
    assert!(
        notice
            .raw
            .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{}",
        notice.raw
    );
    assert_eq!(
        app.mail.to("roboty@example.pl").len(),
        1,
        "only its confirmation"
    );
    assert_eq!(
        app.mail.to("niepotwierdzony@example.pl").len(),
        1,
        "only its confirmation"
    );

    // A second notice; the first one's link stays the link of the subscription.
    let second = add(
        &staff,
        &procurement("ZP.271.11.2027", "Pranie pościeli", "90000"),
    )
    .await;
    assert_eq!(status(&staff, &second, "announced").await.status, 303);
    let newer = app.mail.wait_for("uslugi@example.pl", 3).await;
    let unsubscribe = link_in(&notice.text, "http://torun.localhost");
    assert_eq!(unsubscribe, link_in(&newer.text, "http://torun.localhost"));

    // A link that names no subscription is told so, and nothing changes.
    let (base, _) = unsubscribe.split_once("token=").unwrap();
    for forged in ["1.AAAA", "nic", "999.podpis"] {
        let r = pestor_tests::http_client()
            .post(format!("{base}token={forged}"))
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("nie pasuje do żadnej subskrypcji")
        );
    }
    assert_eq!(
        count(&app, "SELECT count(*) FROM procurement_subscriptions").await,
        3
    );

    // One click on the older notice's link, as a mail program posts it: no cookie, no CSRF token.
    let r = pestor_tests::http_client()
        .post(&unsubscribe)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Wypisano"));
    assert_eq!(
        count(&app, "SELECT count(*) FROM procurement_subscriptions").await,
        2
    );
    let q = add(
        &staff,
        &procurement("ZP.271.10.2027", "Koszenie trawników", "80000"),
    )
    .await;
    assert_eq!(status(&staff, &q, "announced").await.status, 303);
    assert_eq!(
        app.mail.to("uslugi@example.pl").len(),
        3,
        "nothing after unsubscribing"
    );
    // The same link again: the subscription is gone already — the outcome asked for.
    let r = pestor_tests::http_client()
        .post(&unsubscribe)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Subscribing an address again changes its one subscription (to be confirmed again), never
    // adds a second.
    let r = visitor
        .submit(
            TORUN,
            form,
            form,
            &[("email", "Roboty@Example.pl"), ("kinds", "dostawy")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM procurement_subscriptions WHERE lower(email) = 'roboty@example.pl'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM procurement_subscriptions WHERE lower(email) = 'roboty@example.pl'
             AND kinds = '{dostawy}' AND confirmed_at IS NULL"
        )
        .await,
        1
    );
}
