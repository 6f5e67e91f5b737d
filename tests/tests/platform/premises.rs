//! Polityka lokalowa: the registry checked field by field with its filters; a call opened,
//! applied to (with the PDF checks, once per organisation, only by verified PES, only before the
//! deadline — moved with the test clock) and decided after it with a letter to every applicant
//! through the real SMTP server; leases that cannot overlap; the monitoring figures exact on known
//! leases (one crossing a year boundary) on the page, in the CSV and on the dashboard; and none of
//! it seen from another gmina.

use pestor_tests::{TestApp, Visitor, add_card, spawn_app, spawn_app_with};
use time::macros::datetime;

const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";
const NEW: &str = "/lokale/nowy";

/// A small but whole PDF.
fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

pub(crate) fn premises<'a>(
    address: &'a str,
    district: &'a str,
    area: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("address", address),
        ("district", district),
        ("area", area),
        ("rooms", "2"),
        ("floor", "0"),
        ("step_free", "tak"),
        ("standard", "dobry"),
        ("uses", "biuro, sala warsztatowa"),
        ("description", ""),
        ("rent_standard", "25,00"),
        ("rent_pes", "5"),
        ("lat", ""),
        ("lon", ""),
        ("resolution_title", ""),
        ("resolution_number", ""),
        ("resolution_date", ""),
        ("resolution_url", ""),
    ]
}

pub(crate) async fn add(staff: &Visitor, fields: &[(&str, &str)]) -> String {
    let r = staff.submit(TORUN, NEW, NEW, fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location.unwrap().split('?').next().unwrap().to_owned()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.scalar("torun", sql).await
}

#[tokio::test]
async fn staff_add_premises_checked_field_by_field_and_the_list_filters_and_sorts() {
    let app = spawn_app().await;
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    // Every problem named in Polish; nothing stored.
    let mut bad = premises("", "S", "dużo");
    for (k, v) in bad.iter_mut() {
        match *k {
            "rent_pes" => *v = "30",
            "lat" => *v = "50,1",
            "resolution_url" => *v = "javascript:alert(1)",
            "floor" => *v = "parter",
            _ => {}
        }
    }
    let r = staff.submit(TORUN, NEW, NEW, &bad).await;
    assert_eq!(r.status, 422);
    for message in [
        "Podaj adres lokalu",
        "Podaj dzielnicę albo miejscowość",
        "Podaj powierzchnię użytkową w m²",
        "Podaj piętro liczbą",
        "Stawka dla PES nie może być wyższa niż stawka podstawowa.",
        "Podaj obie współrzędne w województwie kujawsko-pomorskim",
        "Podaj adres uchwały zaczynający się od https:",
    ] {
        assert!(r.body.contains(message), "{message}");
    }
    assert!(r.body.contains("value=\"dużo\""), "typed values stay");
    assert_eq!(count(&app, "SELECT count(*) FROM premises").await, 0);

    let szeroka = add(&staff, &premises("ul. Szeroka 12", "Stare Miasto", "45,5")).await;
    let mut upstairs = premises("ul. Gagarina 7", "Bielany", "120");
    upstairs.retain(|(k, _)| *k != "step_free");
    for (k, v) in upstairs.iter_mut() {
        if *k == "rent_pes" {
            *v = "2,50";
        }
        if *k == "floor" {
            *v = "2";
        }
    }
    add(&staff, &upstairs).await;
    add(&staff, &premises("ul. Łazienna 1", "Stare Miasto", "30")).await;
    let page = app.page(TORUN, &szeroka).await.1.replace("&#x2f;", "/");
    assert!(
        page.contains("45,50 m²")
            && page.contains("5 zł/m²")
            && page.contains("Lokal dodany do rejestru.")
    );

    let listed = |query: &'static str| {
        let app = &app;
        async move {
            let page = app.page(TORUN, &format!("/lokale{query}")).await.1;
            ["ul. Szeroka 12", "ul. Gagarina 7", "ul. Łazienna 1"]
                .into_iter()
                .filter(|a| page.contains(a))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("").await.len(), 3);
    assert_eq!(
        listed("?bez_barier=tak").await,
        ["ul. Szeroka 12", "ul. Łazienna 1"]
    );
    assert_eq!(listed("?pow_od=40&pow_do=50").await, ["ul. Szeroka 12"]);
    assert_eq!(listed("?dzielnica=Bielany").await, ["ul. Gagarina 7"]);
    assert_eq!(listed("?status=w-naborze").await, Vec::<&str>::new());
    let by_rent = app.page(TORUN, "/lokale?sort=czynsz").await.1;
    assert!(by_rent.find("ul. Gagarina 7") < by_rent.find("ul. Szeroka 12"));
    let bad_filter = app.page(TORUN, "/lokale?pow_od=sto").await.1;
    assert!(bad_filter.contains("Podaj powierzchnię w m², np. 40 albo 45,5."));
    assert!(app.page(TORUN, "/lokale").await.1.contains("3 lokale"));

    // Withdrawn: out of the public list and page, kept for staff; twice is refused.
    let r = staff
        .submit(
            TORUN,
            &szeroka,
            &format!("{szeroka}/status"),
            &[("decision", "withdraw")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.page(TORUN, &szeroka).await.0, 404);
    assert!(!listed("").await.contains(&"ul. Szeroka 12"));
    let again = staff
        .post(
            TORUN,
            &format!("{szeroka}/status"),
            &[
                ("csrf", &staff.csrf(TORUN, &szeroka).await),
                ("decision", "withdraw"),
            ],
        )
        .await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("Lokal ma już status „wycofany”"));
    // Bydgoszcz knows none of it.
    assert_eq!(app.page(BYDGOSZCZ, "/lokale/2").await.0, 404);
    assert!(
        app.page(BYDGOSZCZ, "/lokale")
            .await
            .1
            .contains("Nie znaleziono lokali")
    );
}

/// Toruń with staff, two verified PES' members and one of a PES waiting for verification, the
/// clock on 1 March 2027, and uploads limited to 1 MB.
struct Town {
    app: TestApp,
    staff: Visitor,
    first: (Visitor, String),
    second: (Visitor, String),
    unverified: Visitor,
}

pub(crate) async fn member(
    app: &TestApp,
    email: &str,
    name: &str,
    status: &str,
) -> (Visitor, String) {
    let org = add_card(
        app,
        "torun",
        &[
            ("name", name),
            ("legal_form", "fundacja"),
            ("gmina_teryt", "0463011"),
        ],
        &["1"],
        &[],
        status,
    )
    .await;
    let (account, v) = app.person(email, "torun", None).await;
    pestor_tests::join_organisation_in(app, account, "torun", org).await;
    (v, format!("0463011-{org}"))
}

async fn town() -> Town {
    let app = spawn_app_with(|s| s.storage.max_upload_bytes = 1024 * 1024).await;
    app.state.clock.set(datetime!(2027-03-01 09:00 UTC));
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let first = member(&app, "start@example.pl", "Fundacja Dobry Start", "verified").await;
    let second = member(
        &app,
        "nowa@example.pl",
        "Spółdzielnia Socjalna Nowa",
        "verified",
    )
    .await;
    let unverified = member(&app, "czeka@example.pl", "Fundacja Czeka", "pending")
        .await
        .0;
    Town {
        app,
        staff,
        first,
        second,
        unverified,
    }
}

async fn apply(
    v: &Visitor,
    call: &str,
    org: &str,
    premises: &str,
    file: Vec<u8>,
) -> pestor_tests::Reply {
    v.upload(
        TORUN,
        call,
        &format!("{call}/wnioski"),
        &[
            ("organisation", org),
            ("premises", premises),
            ("planned_use", "Warsztaty zawodowe dla 20 uczestników CIS."),
            (
                "justification",
                "Lokal na parterze, bez barier — nasi uczestnicy to osoby z niepełnosprawnościami.",
            ),
            ("people_served", "20"),
        ],
        ("attachment", "plan.pdf", file),
    )
    .await
}

#[tokio::test]
async fn a_call_is_applied_to_before_its_deadline_and_decided_after_it_with_a_letter_to_every_applicant()
 {
    let t = town().await;
    let a = add(
        &t.staff,
        &premises("ul. Szeroka 12", "Stare Miasto", "45,5"),
    )
    .await;
    let b = add(&t.staff, &premises("ul. Łazienna 1", "Stare Miasto", "30")).await;
    let (a_id, b_id) = (a.rsplit('/').next().unwrap(), b.rsplit('/').next().unwrap());

    // Opening: checked, then the premises are "w naborze".
    let form = "/lokale/nabory/nowy";
    let r = t
        .staff
        .submit(
            TORUN,
            form,
            form,
            &[("title", "Nab"), ("deadline", "2027-03-01")],
        )
        .await;
    assert_eq!(r.status, 422);
    for m in [
        "Podaj tytuł naboru",
        "Opisz kryteria oceny",
        "Termin musi przypadać najwcześniej jutro.",
        "Wybierz co najmniej jeden wolny lokal.",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    let r = t
        .staff
        .submit(
            TORUN,
            form,
            form,
            &[
                ("title", "Nabór na lokale dla PES — wiosna 2027"),
                (
                    "criteria",
                    "Liczba osób, którym PES będzie służyć (do 60 pkt); plan działań (do 40 pkt).",
                ),
                ("deadline", "2027-03-15"),
                ("premises", a_id),
                ("premises", b_id),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let call = r.location.unwrap();
    assert!(
        t.app
            .page(TORUN, "/lokale?status=w-naborze")
            .await
            .1
            .contains("ul. Łazienna 1")
    );

    // Applications: the PDF checked by content and size, nothing stored when refused.
    let (first, first_org) = (&t.first.0, t.first.1.as_str());
    let r = apply(
        first,
        &call,
        first_org,
        a_id,
        b"PK\x03\x04 to jest zip".to_vec(),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Załącznik nie jest plikiem PDF."));
    let mut big = pdf();
    big.splice(9..9, vec![b' '; 1024 * 1024]);
    let r = apply(first, &call, first_org, a_id, big).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("Załącznik jest za duży (najwyżej 1 MB)."),
        "{}",
        r.body
    );
    assert_eq!(
        count(&t.app, "SELECT count(*) FROM premises_applications").await,
        0
    );
    let r = apply(first, &call, first_org, a_id, pdf()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = apply(first, &call, first_org, a_id, pdf()).await;
    assert_eq!(r.status, 409, "once per organisation and premises");
    assert!(r.body.contains("złożyła już wniosek o ten lokal"));
    let r = apply(&t.second.0, &call, &t.second.1, a_id, Vec::new()).await;
    assert_eq!(r.status, 303, "the attachment is optional: {}", r.body);
    let r = apply(&t.unverified, &call, "0463011-3", a_id, pdf()).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("zweryfikowanych organizacji"));
    assert_eq!(
        count(&t.app, "SELECT count(*) FROM premises_applications").await,
        2
    );
    // The refused duplicate's PDF was queued for removal; the store keeps the first one only.
    let pdfs = |keys: &[String]| keys.iter().filter(|k| k.contains("/lokale/")).count();
    let storage = t.app.purge_until(|keys| pdfs(keys) == 1).await;
    assert_eq!(pdfs(&storage), 1, "{storage:?}");

    // The attachment: to staff and the applicant; not to another PES, not on another host.
    let attachment = format!("{call}/wnioski/1/zalacznik");
    let r = t.staff.get(TORUN, &attachment).await;
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with("%PDF-"));
    assert_eq!(first.get(TORUN, &attachment).await.status, 200);
    assert_eq!(t.second.0.get(TORUN, &attachment).await.status, 403);
    let (_, other) = t
        .app
        .person("admin@bydgoszcz.example", "bydgoszcz", Some("admin"))
        .await;
    assert_eq!(other.get(BYDGOSZCZ, &attachment).await.status, 404);
    assert_eq!(other.get(BYDGOSZCZ, &call).await.status, 404);

    // Not decided before the deadline; no application after it.
    let decision = format!("{call}/rozstrzygniecie");
    let wnioski = format!("{call}/wnioski");
    let early = t.staff.submit(TORUN, &wnioski, &decision, &[]).await;
    assert_eq!(early.status, 409);
    assert!(early.body.contains("rozstrzygnąć go można po terminie"));
    t.app.state.clock.set(datetime!(2027-03-15 22:30 UTC)); // 23:30 in Toruń: still the 15th
    assert_eq!(
        apply(&t.second.0, &call, &t.second.1, b_id, Vec::new())
            .await
            .status,
        303
    );
    t.app.state.clock.set(datetime!(2027-03-16 07:00 UTC));
    let late = apply(first, &call, first_org, b_id, pdf()).await;
    assert_eq!(late.status, 409);
    assert!(late.body.contains("nie przyjmuje już wniosków"));

    // Two winners for one premises, or a missing reason: refused, nothing changed.
    // Ids in order of submission (a refused duplicate used one up).
    let ids: Vec<i64> = {
        let torun = t.app.store().find("torun").await.unwrap();
        let mut tx = t.app.db.tenant(&torun).begin().await.unwrap();
        let ids = sqlx::query_scalar("SELECT id FROM premises_applications ORDER BY id")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        ids
    };
    assert_eq!(ids.len(), 3);
    let mut fields: Vec<(String, String)> = Vec::new();
    for id in &ids {
        fields.push((format!("score_{id}"), "80".into()));
        fields.push((format!("result_{id}"), "won".into()));
        fields.push((
            format!("reason_{id}"),
            "Najlepszy plan działań i najwięcej osób.".into(),
        ));
    }
    let r = t
        .staff
        .submit(TORUN, &wnioski, &decision, &as_refs(&fields))
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Na jeden lokal można wybrać najwyżej jeden wniosek.")
    );
    assert_eq!(
        count(
            &t.app,
            "SELECT count(*) FROM premises_applications WHERE result <> 'pending'"
        )
        .await,
        0
    );
    // Application 2 (Nowa, premises A) loses; 3 (Nowa, premises B) wins.
    fields[4].1 = "lost".into();
    fields[5].1 = "Mniej osób niż w wybranym wniosku.".into();
    fields[3].1 = "45".into();
    let r = t
        .staff
        .submit(TORUN, &wnioski, &decision, &as_refs(&fields))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let letter = t.app.mail.wait_for("start@example.pl", 1).await;
    assert!(
        letter
            .subject
            .contains("Wynik naboru: Nabór na lokale dla PES — wiosna 2027")
    );
    assert!(
        letter.text.contains("został wybrany (80 pkt)"),
        "{}",
        letter.text
    );
    let letter = t.app.mail.wait_for("nowa@example.pl", 2).await;
    let both = format!(
        "{}{}",
        t.app.mail.wait_for("nowa@example.pl", 1).await.text,
        letter.text
    );
    assert!(
        both.contains("nie został wybrany (45 pkt)")
            && both.contains("Mniej osób niż w wybranym wniosku.")
    );
    assert_eq!(t.app.mail.to("czeka@example.pl").len(), 0);
    let again = t
        .staff
        .submit(TORUN, &wnioski, &decision, &as_refs(&fields))
        .await;
    assert_eq!(again.status, 409, "decided once");

    // Both premises have winners: they wait for their leases; the winner is offered first.
    let page = t.staff.get(TORUN, &a).await.body;
    assert!(page.contains("Fundacja Dobry Start (wybrana w naborze"));
    let lease = |from: &'static str, to: &'static str| {
        let staff = &t.staff;
        let a = a.clone();
        async move {
            staff
                .submit(
                    TORUN,
                    &a,
                    &format!("{a}/najem"),
                    &[
                        ("tenant", "1"),
                        ("tenant_name", ""),
                        ("from", from),
                        ("to", to),
                        ("rent", "5"),
                    ],
                )
                .await
        }
    };
    let r = lease("2027-04-01", "2028-03-31").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(t.app.page(TORUN, &a).await.1.contains("wynajęty PES"));
    let r = t
        .staff
        .submit(
            TORUN,
            &a,
            &format!("{a}/najem"),
            &[
                ("tenant", "inny"),
                ("tenant_name", "Kawiarnia Sp. z o.o."),
                ("from", "2027-06-01"),
                ("to", "2027-06-30"),
                ("rent", "25"),
            ],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("W tych dniach lokal jest już wynajęty"));
    assert_eq!(
        count(&t.app, "SELECT count(*) FROM premises_leases").await,
        1
    );
}

#[tokio::test]
async fn the_monitoring_figures_are_computed_exactly_from_known_leases() {
    let app = spawn_app().await;
    app.state.clock.set(datetime!(2027-06-15 09:00 UTC));
    let t = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    // Two premises leased to PES, one to another entity, one never leased.
    sqlx::raw_sql(
        "INSERT INTO premises (address, district, area_m2, rooms, floor, standard, rent_standard_grosze, rent_pes_grosze, created_at) VALUES
            ('ul. Szeroka 1', 'Stare Miasto', 50, 2, 0, 'dobry', 2000, 500, '2025-01-10'),
            ('ul. Łazienna 2', 'Stare Miasto', 40, 1, 1, 'dobry', 3000, 1000, '2025-01-10'),
            ('ul. Gagarina 3', 'Bielany', 100, 4, 0, 'dobry', 1500, 500, '2025-01-10'),
            ('ul. Mickiewicza 4', 'Bielany', 25, 1, 0, 'dobry', 1500, 500, '2027-01-05');
         -- Crosses the year boundary: July 2026 – June 2027, 15 zł/m² off on 50 m².
         INSERT INTO premises_leases (premises_id, tenant_name, to_pes, during, area_m2, rent_standard_grosze, rent_charged_grosze)
         VALUES (1, 'Fundacja Dobry Start', true, '[2026-07-01,2027-07-01)', 50, 2000, 500),
         -- Half of March 2026 (16–31: 16 of 31 days), 20 zł/m² off on 40 m².
                (2, 'Spółdzielnia Socjalna Nowa', true, '[2026-03-16,2026-04-01)', 40, 3000, 1000),
                (3, 'Kawiarnia Sp. z o.o.', false, '[2026-01-01,2028-01-01)', 100, 1500, 1500);
         INSERT INTO premises_calls (title, criteria, opened_at, deadline, status)
         VALUES ('Nabór 2026', 'Kryteria oceny naboru.', '2026-02-01 10:00+01', '2026-02-20', 'decided');
         INSERT INTO premises_call_items VALUES (1, 1), (1, 2);
         INSERT INTO premises_applications (call_id, premises_id, organisation_teryt, organisation_id, organisation_name,
                planned_use, justification, people_served, submitted_at, result)
         VALUES (1, 1, '0463011', 1, 'Fundacja Dobry Start', 'Warsztaty dla seniorów.', 'Uzasadnienie wniosku.', 30, '2026-02-10', 'won'),
                (1, 1, '0463011', 2, 'Fundacja Inna', 'Warsztaty dla dzieci.', 'Uzasadnienie wniosku.', 10, '2026-02-11', 'lost'),
                (1, 2, '0463011', 3, 'Spółdzielnia Socjalna Nowa', 'Biuro spółdzielni.', 'Uzasadnienie wniosku.', 5, '2026-02-12', 'won');",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // 2026: 6 months × 50 m² × 15 zł = 4 500 zł; 16/31 × 40 m² × 20 zł = 412,90 zł (412,903…).
    // 2027: 6 months × 50 × 15 = 4 500 zł. 2025: nothing leased, three premises offered.
    let r = app.get(TORUN, "/lokale/monitoring.csv").await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    assert_eq!(
        csv,
        "\u{feff}rok;lokale wynajęte PES;powierzchnia wynajęta PES (m²);ulga w czynszu (zł);nabory ogłoszone;wnioski;lokale przyznane w naborach;lokale w ofercie;lokale zajęte\r\n\
         2025;0;0,00;0,00;0;0;0;3;0\r\n\
         2026;2;90,00;4912,90;1;3;2;3;2\r\n\
         2027;1;50,00;4500,00;0;0;0;4;2\r\n"
    );
    let page = app.page(TORUN, "/lokale/monitoring").await.1;
    assert!(page.contains("4\u{a0}912,90 zł") && page.contains("<svg role=\"img\""));
    assert!(
        page.contains("2026: 4\u{a0}912,90 zł; 2027: 4\u{a0}500 zł"),
        "the chart's description"
    );
    assert!(page.contains("50 %"), "2027: 2 of 4 occupied on 15 June");

    // The dashboard's figures for this year.
    let mine = app.figures("torun", "premises_").await;
    assert_eq!(
        mine,
        [
            ("premises_leased_pes", 1),
            ("premises_leased_pes_m2", 50),
            ("premises_discount", 4500)
        ]
    );
    // Another gmina's monitoring counts its own records only.
    let other = app
        .get(BYDGOSZCZ, "/lokale/monitoring.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(other.ends_with("2027;0;0,00;0,00;0;0;0;0;0\r\n"), "{other}");
}

fn as_refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn staff_add_photos_of_a_premises_served_in_its_gmina_only_and_deleted_after_a_confirmation()
{
    let app = spawn_app().await;
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let (_, resident) = app.person("mieszkaniec@example.pl", "torun", None).await;
    let premises = add(&staff, &premises("ul. Szeroka 12", "Stare Miasto", "45,5")).await;
    let upload = async |v: &Visitor, alt: &str, bytes: Vec<u8>| {
        v.upload(
            TORUN,
            &premises,
            &format!("{premises}/zdjecia"),
            &[("alt", alt)],
            ("photo", "lokal.jpg", bytes),
        )
        .await
    };
    // Not a photo, or no description: refused, nothing stored.
    let r = upload(
        &staff,
        "Sala na parterze",
        b"%PDF-1.4 to nie zdjecie".to_vec(),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Plik nie jest zdjęciem w formacie JPEG, PNG ani WebP.")
    );
    let r = upload(&staff, "", crate::equipment_edit::jpeg(640, 480)).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Opisz zdjęcie dla osób, które go nie widzą")
    );
    assert_eq!(app.s3.keys().len(), 0);
    // A resident may not add one.
    assert_eq!(
        upload(
            &resident,
            "Sala na parterze",
            crate::equipment_edit::jpeg(640, 480)
        )
        .await
        .status,
        403
    );

    let r = upload(
        &staff,
        "Sala na parterze z witryną",
        crate::equipment_edit::jpeg(640, 480),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.s3.keys().len(), 2, "two sizes");
    let page = app.page(TORUN, &premises).await.1.replace("&#x2f;", "/");
    assert!(page.contains("alt=\"Sala na parterze z witryną\""));
    let src = page
        .split("<figure class=\"pestor-photo\">")
        .nth(1)
        .unwrap()
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(app.get(TORUN, &src).await.status(), 200);
    assert_eq!(
        app.get(BYDGOSZCZ, &src).await.status(),
        404,
        "another gmina's host"
    );
    assert!(
        app.page(TORUN, "/lokale")
            .await
            .1
            .contains("alt=\"Sala na parterze z witryną\"")
    );

    // Deleting: a confirmation, then the row and (soon) the objects are gone.
    let confirm = staff
        .get(TORUN, &format!("{premises}/zdjecia/1/usun"))
        .await
        .body;
    assert!(confirm.contains("Usunąć zdjęcie lokalu?"));
    let r = staff
        .submit(
            TORUN,
            &format!("{premises}/zdjecia/1/usun"),
            &format!("{premises}/zdjecia/1/usun"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(app.get(TORUN, &src).await.status(), 404);
    assert_eq!(app.purge_until(|keys| keys.is_empty()).await.len(), 0);
}
