//! Input the database cannot store, or numbers that would overflow, get a clear error — never 500.

use pestor_tests::{add_card, spawn_app};

const TORUN: &str = "torun.localhost";

#[tokio::test]
async fn a_nul_character_anywhere_is_refused_before_the_database() {
    let app = spawn_app().await;
    for path in [
        "/podmioty?q=a%00b",
        "/oferty?q=%00",
        "/mapa?sfera=%00",
        "/oferty.atom?q=x%00",
        "/podmioty/%00",
    ] {
        let (status, body) = app.page(TORUN, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(body.contains("znak NUL"), "{path}: {body}");
        assert!(body.contains("<html"), "{path}: a page, not bare text");
    }
    for path in ["/api/v1/podmioty?q=%00", "/api/v1/oferty?grupa=%00"] {
        let r = app.get(TORUN, path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert_eq!(r.headers()["content-type"], "application/json", "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("znak NUL"),
            "{body}"
        );
    }

    // Forms: refused before the CSRF check or any handler; nothing saved.
    let v = app.visitor();
    let r = v
        .post(
            "localhost",
            "/logowanie",
            &[("email", "a\0@b.pl"), ("password", "x")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("znak NUL"));
    let (_, member) = app.person("autor@torun.example", "torun", None).await;
    let r = member
        .submit(
            TORUN,
            "/podmioty/nowy",
            "/podmioty/nowy",
            &[
                ("name", "Stowarzyszenie\0Zero"),
                ("legal_form", "stowarzyszenie"),
                ("areas", "1"),
                ("gmina_teryt", "0463011"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    let saved: i64 = sqlx::query_scalar("SELECT count(*) FROM pes_directory")
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    assert_eq!(saved, 0);
    let r = member
        .submit(
            "localhost",
            "/konto",
            "/konto/nazwa",
            &[("display_name", "Ala\0")],
        )
        .await;
    assert_eq!(r.status, 400);

    // A CSV file: the dry run names the line, the import saves nothing.
    let (_, staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    let csv = "Nazwa;Forma prawna;KRS;NIP;Sfery działalności\r\nFundacja Dobra;fundacja;;;1\r\nFundacja\0Zła;fundacja;;;1\r\n";
    for mode in ["sprawdz", "importuj"] {
        let r = staff
            .upload(
                TORUN,
                "/podmioty/import",
                "/podmioty/import",
                &[("tryb", mode)],
                ("plik", "organizacje.csv", csv.as_bytes().to_vec()),
            )
            .await;
        assert_eq!(r.status, 422, "{mode}: {}", r.body);
        assert!(r.body.contains("Wiersz 3 zawiera znak NUL"), "{}", r.body);
    }
    let saved: i64 = sqlx::query_scalar("SELECT count(*) FROM pes_directory")
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    assert_eq!(saved, 0);
}

#[tokio::test]
async fn huge_page_numbers_give_an_empty_page_with_the_true_total() {
    let app = spawn_app().await;
    add_card(
        &app,
        "torun",
        &[
            ("name", "Fundacja Jedyna"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", "0463011"),
        ],
        &["1"],
        &[],
        "verified",
    )
    .await;
    let huge = "9223372036854775807";
    for path in ["/podmioty", "/oferty"] {
        let (status, body) = app.page(TORUN, &format!("{path}?strona={huge}")).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let r = app
        .get(TORUN, &format!("/api/v1/podmioty?strona={huge}"))
        .await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["total"], 1, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 0);
    let r = app
        .get(TORUN, &format!("/api/v1/oferty?strona={huge}"))
        .await;
    assert_eq!(r.status(), 200);
    let (_, admin) = app
        .person("admin@torun.example", "torun", Some("admin"))
        .await;
    let r = admin
        .get(TORUN, &format!("/panel/dziennik?strona={huge}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn every_api_list_parameter_is_checked_with_json_errors() {
    let app = spawn_app().await;
    for (path, named) in [
        ("/api/v1/oferty?strona=abc", "strona"),
        ("/api/v1/oferty?sort=xyz", "sort"),
        ("/api/v1/oferty?grupa=nikt", "grupa"),
        ("/api/v1/oferty?organizacja=x", "organizacja"),
        ("/api/v1/oferty?kategoria=Zł%20kod", "kategoria"),
        ("/api/v1/podmioty?strona=abc", "strona"),
        ("/api/v1/podmioty?q=a&q=b", "q"),
        ("/api/v1/oferty?q=a&q=b", "q"),
    ] {
        let r = app.get(TORUN, path).await;
        assert_eq!(r.status(), 400, "{path}");
        assert_eq!(r.headers()["content-type"], "application/json", "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{path}: {body}");
    }
    let long = "a".repeat(201);
    let r = app.get(TORUN, &format!("/api/v1/oferty?q={long}")).await;
    assert_eq!(r.status(), 400);
    // A repeated parameter on a page is the Polish error page.
    let (status, body) = app.page(TORUN, "/podmioty?q=a&q=b").await;
    assert_eq!(status, 400);
    assert!(body.contains("podany więcej niż raz"), "{body}");
}

/// A date out of a plausible range (year 1, year 9999) is refused by every form with the same
/// message and changes nothing: one such lease once grew the monitoring page by 2,026 yearly rows.
#[tokio::test]
async fn dates_out_of_a_plausible_range_are_refused_with_one_message() {
    let app = spawn_app().await;
    app.state
        .clock
        .set(time::macros::datetime!(2027-03-01 09:00 UTC));
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let count = async |sql: &str| app.scalar("torun", sql).await;

    // Premises: a resolution dated in year 1 or 9999.
    for bad in ["0001-01-01", "9999-12-31"] {
        let mut fields = crate::premises::premises("ul. Szeroka 12", "Stare Miasto", "45,5");
        fields.retain(|(k, _)| *k != "resolution_date");
        fields.push(("resolution_date", bad));
        let r = staff
            .submit(TORUN, "/lokale/nowy", "/lokale/nowy", &fields)
            .await;
        assert_eq!(r.status, 422, "{bad}");
        assert!(
            r.body.contains(
                "Podaj datę uchwały w formacie RRRR-MM-DD, między 1990-01-01 a 2028-12-31."
            ),
            "{bad}: {}",
            r.body
        );
    }
    assert_eq!(count("SELECT count(*) FROM premises").await, 0);

    // A lease from year 1.
    let place = crate::premises::add(
        &staff,
        &crate::premises::premises("ul. Szeroka 12", "Stare Miasto", "45,5"),
    )
    .await;
    let r = staff
        .submit(
            TORUN,
            &place,
            &format!("{place}/najem"),
            &[
                ("tenant", "inny"),
                ("tenant_name", "Kawiarnia Sp. z o.o."),
                ("from", "0001-01-01"),
                ("to", "2027-06-30"),
                ("rent", "25"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains(
            "Podaj początek najmu w formacie RRRR-MM-DD, między 1990-01-01 a 2057-12-31."
        ),
        "{}",
        r.body
    );
    assert_eq!(count("SELECT count(*) FROM premises_leases").await, 0);

    // A procurement published in year 1.
    let mut fields = vec![
        ("reference", "ZP.271.1.2027"),
        ("subject", "Sprzątanie budynków urzędu"),
        ("kind", "uslugi"),
        ("procedure", "tryb_podstawowy"),
        ("value", "250000"),
        ("value_euro", ""),
        ("department", ""),
        ("offers_due", ""),
        ("contractor_pes", ""),
        ("contractor_name", ""),
        ("contractor_nip", ""),
        ("contract_value", ""),
    ];
    fields.push(("published_on", "0001-01-01"));
    let form = "/klauzule-spoleczne/nowe";
    let r = staff.submit(TORUN, form, form, &fields).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains(
            "Podaj datę publikacji w formacie RRRR-MM-DD, między 1990-01-01 a 2032-12-31."
        ),
        "{}",
        r.body
    );
    assert_eq!(count("SELECT count(*) FROM procurements").await, 0);
}
