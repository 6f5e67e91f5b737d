//! Bulk onboarding from CSV: a dry run names every bad row by line and column, the import is
//! all-or-nothing, a second run of the same file changes nothing, and the open-data export can be
//! imported back (into another gmina — whose registry alone it changes).

use pestor_tests::{TestApp, Visitor, add_card, spawn_app};

const TORUN: &str = "torun.localhost";
const PAGE: &str = "/podmioty/import";

async fn upload(v: &Visitor, host: &str, mode: &str, csv: &[u8]) -> pestor_tests::Reply {
    v.upload(
        host,
        PAGE,
        PAGE,
        &[("tryb", mode)],
        ("plik", "organizacje.csv", csv.to_vec()),
    )
    .await
}

async fn cards(app: &TestApp, teryt: &str) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT name, status, coalesce(krs, nip, '-') FROM pes_directory WHERE teryt = $1 ORDER BY name",
    )
    .bind(teryt)
    .fetch_all(app.db.platform())
    .await
    .unwrap()
}

/// The rows of the report's error table as "line|column|message".
fn problems(body: &str) -> Vec<String> {
    let Some(table) = body.split(">Błędy w pliku").nth(1) else {
        return Vec::new();
    };
    table
        .split("<tbody class=\"govuk-table__body\">")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap()
        .split("<tr class=\"govuk-table__row\">")
        .skip(1)
        .map(|row| {
            row.split("<td class=\"govuk-table__cell\">")
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

#[tokio::test]
async fn a_file_with_bad_rows_is_reported_line_by_line_and_nothing_is_saved() {
    let app = spawn_app().await;
    let (_, staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    let csv = "\u{feff}Nazwa;Forma prawna;KRS;NIP;Sfery działalności;Kod pocztowy;Uwagi\r\n\
               CISTOR Stowarzyszenie Partnerstwo Społeczne;Stowarzyszenie;100;;1 | 5;87-100;dobra\r\n\
               ;fundacja;;1234567890;1;;brak nazwy i zły NIP\r\n\
               Fundacja RUSZ;fundacja;;;1;87100;zły kod\r\n\
               CISTOR jeszcze raz;stowarzyszenie;0000000100;;1;;powtórka\r\n\
               ;;;;;;\r\n\
               Fundacja Bez Sfery;fundacja;;;99;;zła sfera\r\n\
               \"Fundacja \"\"Cudzysłów\"\";fundacja;;;1;;niezamknięty\r\n";
    for mode in ["sprawdz", "importuj"] {
        let r = upload(&staff, TORUN, mode, csv.as_bytes()).await;
        assert_eq!(r.status, 422, "{mode}");
        assert!(
            r.body
                .contains("W pliku są błędy — nic nie zostało zapisane")
        );
        let found = problems(&r.body);
        assert!(
            found.contains(&"3|Nazwa|Podaj nazwę organizacji.".to_owned()),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("3|NIP|NIP ma błędną cyfrę kontrolną")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.starts_with("4|Kod pocztowy|")),
            "{found:?}"
        );
        assert!(
            found.contains(&"5|KRS|Ta sama organizacja jest już w wierszu 2.".to_owned()),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.starts_with("7|Sfery działalności|")),
            "{found:?}"
        );
        assert!(
            // An unclosed quote swallows the rest of the file into one cell: that row is reported.
            found.contains(&"8|Forma prawna|Wybierz formę prawną z listy.".to_owned()),
            "{found:?}"
        );
        assert!(
            !found
                .iter()
                .any(|p| p.starts_with("2|") || p.starts_with("6|")),
            "good and empty rows: {found:?}"
        );
        assert!(r.body.contains("Pominięte kolumny (nieznane): Uwagi."));
        assert!(cards(&app, "0463011").await.is_empty(), "all or nothing");
    }

    // Problems with the file as a whole.
    let latin2 = b"Nazwa;Forma prawna\r\nSp\xf3\xb3dzielnia;fundacja\r\n";
    let r = upload(&staff, TORUN, "sprawdz", latin2).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Plik nie jest zapisany w kodowaniu UTF-8"));
    let r = upload(&staff, TORUN, "sprawdz", b"Name,Type\r\nX,Y\r\n").await;
    assert!(
        r.body.contains("W pierwszym wierszu brak kolumny „Nazwa”"),
        "{}",
        r.body
    );
    let r = upload(&staff, TORUN, "sprawdz", b"").await;
    assert!(r.body.contains("Wybierz plik CSV do wczytania."));
    let big = vec![b'a'; 3 * 1024 * 1024];
    let r = upload(&staff, TORUN, "sprawdz", &big).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Plik jest za duży"), "{}", r.body);
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'organisation.imported'")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn an_import_is_checked_first_then_saved_whole_and_a_second_run_changes_nothing() {
    let app = spawn_app().await;
    let (_, staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    // Already in the registry (matched by NIP): the file brings its new address.
    add_card(
        &app,
        "torun",
        &[
            ("name", "Fundacja Bank Żywności"),
            ("legal_form", "fundacja"),
            ("nip", "9562307984"),
            ("gmina_teryt", "0463011"),
        ],
        &["2"],
        &[],
        "verified",
    )
    .await;
    let csv = "Nazwa,Forma prawna,NIP,Sfery działalności,Ulica i numer,Miejscowość,Gmina siedziby,Działa także w\n\
               Fundacja Bank Żywności,Fundacja,956-230-79-84,2,ul. Równinna 15,Toruń,,\n\
               Koło Gospodyń Wiejskich w Lubiczu,koło gospodyń wiejskich,,\"13, 16\",ul. Leśna 1,Lubicz,Lubicz,Toruń\n\
               Stowarzyszenie Inicjatyw Kulturalnych tARTak,stowarzyszenie,,\"Kultura, sztuka i dziedzictwo narodowe | 14\",,Toruń,0463011,\n";
    let dry = upload(&staff, TORUN, "sprawdz", csv.as_bytes()).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert!(
        dry.body
            .contains("Plik jest poprawny — nic jeszcze nie zapisano")
    );
    assert!(
        dry.body
            .contains("Import doda 2, zaktualizuje 1, bez zmian zostanie 0"),
        "{}",
        dry.body
    );
    assert_eq!(
        cards(&app, "0463011").await.len(),
        1,
        "a dry run saves nothing"
    );

    let done = upload(&staff, TORUN, "importuj", csv.as_bytes()).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body
            .contains("Dodano 2, zaktualizowano 1, bez zmian 0"),
        "{}",
        done.body
    );
    let now = cards(&app, "0463011").await;
    assert_eq!(now.len(), 3);
    assert!(
        now.iter().all(|c| c.1 == "verified"),
        "staff imports are published: {now:?}"
    );
    let (street, also_in): (String, Vec<String>) = sqlx::query_as(
        "SELECT street, also_in FROM pes_directory WHERE name = 'Fundacja Bank Żywności'",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!((street.as_str(), also_in.len()), ("ul. Równinna 15", 0));
    let (areas, seat, also): (Vec<String>, String, Vec<String>) = sqlx::query_as(
        "SELECT areas, gmina_teryt, also_in FROM pes_directory WHERE name LIKE 'Koło Gospodyń%'",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(
        (areas, seat.as_str(), also),
        (
            vec!["13".to_owned(), "16".to_owned()],
            "0415042",
            vec!["0463011".to_owned()]
        )
    );

    // The same file again: nothing to do, nothing written.
    let again = upload(&staff, TORUN, "importuj", csv.as_bytes()).await;
    assert!(
        again
            .body
            .contains("Dodano 0, zaktualizowano 0, bez zmian 3"),
        "{}",
        again.body
    );
    assert_eq!(cards(&app, "0463011").await, now);
    let log: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'organisation.imported' ORDER BY id",
    )
    .fetch_all(app.db.platform())
    .await
    .unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["new"], 2);
    assert_eq!(log[1]["unchanged"], 3);

    // The open-data export of Toruń imports into Bydgoszcz as it is; Toruń's registry is untouched.
    let export = app
        .get(TORUN, "/api/v1/podmioty.csv")
        .await
        .bytes()
        .await
        .unwrap();
    let (_, b_staff) = app
        .person("urzad@bydgoszcz.example", "bydgoszcz", Some("staff"))
        .await;
    let r = upload(&b_staff, "bydgoszcz.localhost", "importuj", &export).await;
    assert!(
        r.body.contains("Dodano 3, zaktualizowano 0, bez zmian 0"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("Pominięte kolumny (nieznane): Ostatnia weryfikacja, Karta w serwisie.")
    );
    assert_eq!(cards(&app, "0461011").await.len(), 3);
    assert_eq!(cards(&app, "0463011").await, now);
}
