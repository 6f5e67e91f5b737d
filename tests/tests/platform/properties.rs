//! Property-based: whatever arrives in the query strings of the lists and in the fields of the
//! forms, the answer is a page — never a 500, never a panic — and refused input gets a message.

use pestor_tests::{TestApp, Visitor, csrf_of, spawn_app_with};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const TORUN: &str = "torun.localhost";

/// Values a person, a crawler or an attacker might send: empty, numbers of any size, signs,
/// codes, any Unicode (NUL included), percent signs.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[0-9]{1,25}",
        "-?[0-9]{1,4}([.,][0-9]{1,3})?",
        "[a-z_-]{1,20}",
        any::<String>().prop_map(|s| s.chars().take(300).collect()),
        Just("\u{0}".to_owned()),
        Just("%".to_owned()),
        Just("a".repeat(5000)),
    ]
}

fn pairs(names: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((prop::sample::select(names), value()), 0..8)
        .prop_map(|v| v.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// Deterministic: CI runs exactly the cases a developer ran (a new case is a new seed, on purpose).
fn runner() -> TestRunner {
    use proptest::test_runner::{RngAlgorithm, TestRng};
    TestRunner::new_with_rng(
        Config {
            cases: 48,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    )
}

/// A page, not a failure: 200, a redirect, or a 4xx that says what was wrong (409: the record
/// is not in a state for this action, e.g. a claim already decided). Not 403: every visitor
/// here may do what they try, so a refusal would mean a broken token or role check.
fn check_page(what: &str, status: u16, body: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(status, 200 | 303 | 400 | 404 | 409 | 422),
        "{what}: {status} {body}"
    );
    prop_assert!(
        body.is_empty() || body.contains("<html"),
        "{what}: not a page: {body}"
    );
    if matches!(status, 400 | 409 | 422) {
        prop_assert!(
            body.contains("error-summary") || body.contains("<main"),
            "{what}: a refusal with a message: {body}"
        );
    }
    Ok(())
}

async fn get_with(
    v: &Visitor,
    host: &str,
    path: &str,
    query: &[(String, String)],
) -> (u16, String) {
    let r = v
        .client
        .get(v.url(host, path))
        .query(query)
        .send()
        .await
        .expect("request");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// POSTs URL-encoded `fields` as they are (the caller adds the token) and reads the answer.
async fn post_form(
    v: &Visitor,
    host: &str,
    action: &str,
    fields: &[(String, String)],
) -> (u16, String) {
    let r = v
        .client
        .post(v.url(host, action))
        .form(fields)
        .send()
        .await
        .expect("request");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// Runs the deterministic cases of `strategy` through `case` from inside the async test.
fn run_cases<S: Strategy>(
    what: &str,
    strategy: &S,
    case: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    tokio::task::block_in_place(|| runner().run(strategy, case))
        .unwrap_or_else(|e| panic!("{what}: {e}"));
}

async fn app() -> TestApp {
    spawn_app_with(|s| s.auth.max_requests_per_ip = 1_000_000).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_parameters_never_break_a_page() {
    let app = app().await;
    let (_, admin) = app
        .person("admin@torun.example", "torun", Some("admin"))
        .await;
    let handle = tokio::runtime::Handle::current();
    let lists: [(&str, &'static [&'static str]); 4] = [
        (
            "/podmioty",
            &["q", "forma", "sfera", "powiat", "gmina", "sort", "strona"],
        ),
        (
            "/oferty",
            &[
                "q",
                "organizacja",
                "kategoria",
                "grupa",
                "cena_od",
                "cena_do",
                "sort",
                "strona",
            ],
        ),
        ("/mapa", &["q", "forma", "sfera", "powiat", "gmina"]),
        ("/panel/dziennik", &["strona"]),
    ];
    for (path, names) in lists {
        run_cases(path, &pairs(names), |query| {
            let (status, body) = handle.block_on(get_with(&admin, TORUN, path, &query));
            check_page(&format!("{path} {query:?}"), status, &body)
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_fields_never_break_the_registration_of_an_organisation() {
    let app = app().await;
    let (_, member) = app.person("autor@torun.example", "torun", None).await;
    let token = csrf_of(&member.get(TORUN, "/podmioty/nowy").await.body).expect("csrf");
    let handle = tokio::runtime::Handle::current();
    let names: &'static [&'static str] = &[
        "name",
        "legal_form",
        "krs",
        "nip",
        "regon",
        "year_founded",
        "areas",
        "postal_code",
        "locality",
        "street",
        "gmina_teryt",
        "also_in",
        "phone",
        "email",
        "website",
        "description",
        "lat",
        "lon",
    ];
    run_cases("registration", &pairs(names), |mut fields| {
        fields.push(("csrf".into(), token.clone()));
        let (status, body) = handle.block_on(post_form(&member, TORUN, "/podmioty/nowy", &fields));
        check_page(&format!("{fields:?}"), status, &body)?;
        let has_nul = fields.iter().any(|(_, v)| v.contains('\0'));
        if has_nul {
            prop_assert_eq!(status, 400);
        }
        Ok(())
    });
}

/// The URL-encoded forms, each with a page of its host to take the CSRF token from, and its
/// fields; posted as the gmina's admin (every role check passes, so the fields are what is tested).
const FORMS: &[(&str, &str, &str, &[&str])] = &[
    (
        "localhost",
        "/konto",
        "/logowanie",
        &["email", "password", "powrot", "do"],
    ),
    (
        "localhost",
        "/konto",
        "/rejestracja",
        &["email", "password", "display_name", "consent"],
    ),
    ("localhost", "/konto", "/konto/nazwa", &["display_name"]),
    (
        "localhost",
        "/konto",
        "/konto/haslo",
        &["current", "password", "password2"],
    ),
    (
        "localhost",
        "/konto",
        "/konto/email",
        &["email", "current_email"],
    ),
    (
        TORUN,
        "/oferty/powiadomienia",
        "/oferty/powiadomienia",
        &[
            "email",
            "frequency",
            "categories",
            "groups",
            "organisations",
        ],
    ),
    (TORUN, "/oferty/kategorie", "/oferty/kategorie", &["name"]),
    (
        TORUN,
        "/panel",
        "/panel/zaproszenia",
        &["email", "role", "organisation_id"],
    ),
    (
        TORUN,
        "/panel/wyglad",
        "/panel/wyglad",
        &[
            "display_name",
            "primary_colour",
            "on_primary_colour",
            "accent_colour",
            "contact_email",
            "website",
            "map_tiles",
        ],
    ),
    (
        TORUN,
        "/panel/deklaracja-dostepnosci",
        "/panel/deklaracja-dostepnosci",
        &[
            "published_on",
            "updated_on",
            "prepared_on",
            "compliance",
            "non_accessible",
            "contact_email",
        ],
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_fields_never_break_any_form() {
    let app = app().await;
    let (_, admin) = app
        .person("admin@torun.example", "torun", Some("admin"))
        .await;
    let handle = tokio::runtime::Handle::current();
    for &(host, page, action, names) in FORMS {
        let token = admin.csrf(host, page).await;
        let names: &'static [&'static str] = names;
        run_cases(action, &pairs(names), |mut fields| {
            fields.push(("csrf".into(), token.clone()));
            let (status, body) = handle.block_on(post_form(&admin, host, action, &fields));
            // Sign-in and password forms may also answer 429 once attempts pile up.
            if status == 429 {
                return Ok(());
            }
            check_page(&format!("{action} {fields:?}"), status, &body)
        });
    }
}

/// A small valid JPEG for the upload forms.
fn small_jpeg() -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
    }));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// Files an uploader might send: a real photo, nothing, random bytes, text, a CSV-like text.
fn file() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(small_jpeg()),
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 0..2000),
        value().prop_map(String::into_bytes),
        prop::collection::vec(
            (value(), value()).prop_map(|(a, b)| format!("{a};{b}\r\n")),
            0..6
        )
        .prop_map(|rows| format!("Nazwa;Forma prawna\r\n{}", rows.concat()).into_bytes()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_on_records_and_uploads_never_break() {
    let app = app().await;
    let card = pestor_tests::add_card(
        &app,
        "torun",
        &[
            ("name", "Spółdzielnia Próbna"),
            ("legal_form", "spoldzielnia_socjalna"),
            ("gmina_teryt", "0463011"),
        ],
        &["2"],
        &[],
        "verified",
    )
    .await;
    let (admin_id, admin) = app
        .person("admin@torun.example", "torun", Some("admin"))
        .await;
    // The admin is also a member of the organisation, so every offer form is theirs to use.
    pestor_tests::join_organisation(&app, admin_id, card).await;
    let offer = crate::offers::offer(
        &app,
        card,
        "Obiady próbne",
        "catering",
        Some(1500),
        &["urzad"],
    )
    .await;
    let handle = tokio::runtime::Handle::current();

    let card_page = format!("/podmioty/{card}");
    let offer_page = format!("/oferty/{offer}");
    let on_records: Vec<(String, String, &'static [&'static str])> = vec![
        (
            format!("{card_page}/edycja"),
            format!("{card_page}/edycja"),
            &[
                "name",
                "legal_form",
                "krs",
                "nip",
                "postal_code",
                "gmina_teryt",
                "areas",
                "website",
                "lat",
            ],
        ),
        (
            card_page.clone(),
            format!("{card_page}/widocznosc"),
            &["decision", "reason"],
        ),
        (
            card_page.clone(),
            format!("{card_page}/weryfikacja"),
            &["decision", "reason"],
        ),
        (
            format!("{offer_page}/edycja"),
            format!("{offer_page}/edycja"),
            &[
                "name",
                "description",
                "category",
                "price",
                "price_note",
                "target_groups",
            ],
        ),
        (
            offer_page.clone(),
            format!("{offer_page}/status"),
            &["status"],
        ),
        (
            offer_page.clone(),
            format!("{offer_page}/widocznosc"),
            &["decision", "reason"],
        ),
        (
            "/oferty/kategorie".into(),
            "/oferty/kategorie/catering".into(),
            &["name"],
        ),
        (
            "/oferty/kategorie".into(),
            "/oferty/kategorie/catering/przesun".into(),
            &["kierunek"],
        ),
    ];
    for (page, action, names) in on_records {
        let token = admin.csrf(TORUN, &page).await;
        run_cases(&action, &pairs(names), |mut fields| {
            fields.push(("csrf".into(), token.clone()));
            let (status, body) = handle.block_on(post_form(&admin, TORUN, &action, &fields));
            check_page(&format!("{action} {fields:?}"), status, &body)
        });
    }

    // Multipart forms: text fields and a file, the token in the query string as the pages send it.
    let uploads: [(&str, String, &'static [&'static str], &str); 3] = [
        (
            "/oferty/nowa",
            "/oferty/nowa".into(),
            &[
                "name",
                "description",
                "category",
                "price",
                "price_note",
                "alt",
                "target_groups",
            ],
            "photo",
        ),
        (
            "/podmioty/import",
            "/podmioty/import".into(),
            &["tryb"],
            "plik",
        ),
        (
            "/panel/wyglad",
            "/panel/wyglad/logo".into(),
            &["alt"],
            "logo",
        ),
    ];
    for (page, action, names, file_field) in uploads {
        let token = admin.csrf(TORUN, page).await;
        let strategy = (pairs(names), file());
        run_cases(&action, &strategy, |(fields, bytes)| {
            let (status, body) = handle.block_on(async {
                let mut form = reqwest::multipart::Form::new();
                for (k, v) in &fields {
                    form = form.text(k.clone(), v.clone());
                }
                form = form.part(
                    file_field,
                    reqwest::multipart::Part::bytes(bytes.clone()).file_name("plik.bin"),
                );
                let url = format!("{}?csrf={token}", admin.url(TORUN, &action));
                let r = admin
                    .client
                    .post(url)
                    .multipart(form)
                    .send()
                    .await
                    .expect("request");
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            });
            check_page(
                &format!("{action} {fields:?} ({} bytes)", bytes.len()),
                status,
                &body,
            )?;
            if fields.iter().any(|(_, v)| v.contains('\0')) {
                prop_assert!(
                    matches!(status, 400 | 422),
                    "{action}: NUL refused, got {status}"
                );
            }
            Ok(())
        });
    }
}

/// One-click actions on records (photos, roles, claims, confirmations, deletions) and the
/// token links from e-mails: arbitrary fields and tokens give a page, never a failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_on_records_and_token_links_never_break() {
    let app = app().await;
    let card = pestor_tests::add_card(
        &app,
        "torun",
        &[
            ("name", "Fundacja Próbna"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", "0463011"),
        ],
        &["2"],
        &[],
        "verified",
    )
    .await;
    let (admin_id, admin) = app
        .person("admin@torun.example", "torun", Some("admin"))
        .await;
    let (_, staff) = app
        .person("urzednik@torun.example", "torun", Some("staff"))
        .await;
    let (_, resident) = app.person("mieszkaniec@torun.example", "torun", None).await;
    pestor_tests::join_organisation(&app, admin_id, card).await;
    let offer =
        crate::offers::offer(&app, card, "Warsztaty próbne", "edukacja", None, &["urzad"]).await;
    let offer_page = format!("/oferty/{offer}");
    let added = admin
        .upload(
            TORUN,
            &offer_page,
            &format!("{offer_page}/zdjecia"),
            &[("alt", "Sala warsztatowa")],
            ("photo", "sala.jpg", small_jpeg()),
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let torun = app.store().find("torun").await.unwrap();
    let in_torun = |sql: &'static str| {
        let torun = app.db.tenant(&torun);
        async move {
            let mut tx = torun.begin().await.unwrap();
            let v: i64 = sqlx::query_scalar(sql).fetch_one(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            v
        }
    };
    let photo = in_torun("SELECT min(id) FROM offer_photos").await;
    // An unclaimed card and a waiting claim on it, for the claim forms.
    let unclaimed = pestor_tests::add_card(
        &app,
        "torun",
        &[
            ("name", "Stowarzyszenie Bez Opiekuna"),
            ("legal_form", "stowarzyszenie"),
            ("gmina_teryt", "0463011"),
        ],
        &["2"],
        &[],
        "verified",
    )
    .await;
    {
        // As if staff had added it (only such cards can be claimed).
        let mut tx = app.db.tenant(&torun).begin().await.unwrap();
        sqlx::query("UPDATE organisations SET added_by_staff = true WHERE id = $1")
            .bind(unclaimed)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let claim_page = format!("/podmioty/{unclaimed}/przejecie");
    let claimed = resident
        .submit(
            TORUN,
            &claim_page,
            &claim_page,
            &[("message", "Prezes zarządu, tel. 600 100 200")],
        )
        .await;
    assert_eq!(claimed.status, 303, "{}", claimed.body);
    let claim = in_torun("SELECT id FROM organisation_claims").await;
    let staff_role: i64 = sqlx::query_scalar(
        "SELECT r.id FROM gmina_roles r JOIN accounts a ON a.id = r.account_id WHERE a.email = 'urzednik@torun.example'",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    let handle = tokio::runtime::Handle::current();

    // (who, host, page with the token, action, fields). Destructive ones come last: a deleted
    // record then answers 404, which is a page too.
    let photo_path = format!("{offer_page}/zdjecia/{photo}");
    let card_page = format!("/podmioty/{card}");
    let actions: Vec<(&Visitor, &str, String, String, &'static [&'static str])> = vec![
        (
            &admin,
            TORUN,
            offer_page.clone(),
            format!("{photo_path}/przesun"),
            &["kierunek"],
        ),
        (
            &admin,
            TORUN,
            card_page.clone(),
            format!("{card_page}/potwierdzenie"),
            &["powrot"],
        ),
        (
            &resident,
            TORUN,
            format!("/podmioty/{unclaimed}"),
            claim_page.clone(),
            &["message"],
        ),
        (
            &staff,
            TORUN,
            "/podmioty/weryfikacja".into(),
            format!("/podmioty/przejecia/{claim}"),
            &["decision", "reason"],
        ),
        (
            &staff,
            TORUN,
            "/podmioty/weryfikacja".into(),
            "/podmioty/przypomnienia".into(),
            &["powrot"],
        ),
        (
            &admin,
            TORUN,
            "/panel".into(),
            format!("/panel/role/{staff_role}"),
            &["role"],
        ),
        (
            &resident,
            TORUN,
            "/podmioty".into(),
            "/zaproszenie/przyjmij".into(),
            &["token"],
        ),
        (
            &resident,
            "localhost",
            "/haslo/nie-pamietam".into(),
            "/haslo/nie-pamietam".into(),
            &["email"],
        ),
        (
            &resident,
            "localhost",
            "/haslo/nie-pamietam".into(),
            "/haslo/nowe".into(),
            &["token", "password", "password2"],
        ),
        (
            &resident,
            "localhost",
            "/konto/usun".into(),
            "/konto/usun".into(),
            &["current"],
        ),
        (
            &admin,
            TORUN,
            "/oferty/kategorie".into(),
            "/oferty/kategorie/rekodzielo/usun".into(),
            &["target"],
        ),
        (
            &admin,
            TORUN,
            offer_page.clone(),
            format!("{photo_path}/usun"),
            &["powrot"],
        ),
        (
            &admin,
            TORUN,
            "/panel".into(),
            format!("/panel/role/{staff_role}/usun"),
            &["powrot"],
        ),
    ];
    for (who, host, page, action, names) in actions {
        let token = who.csrf(host, &page).await;
        run_cases(&action, &pairs(names), |mut fields| {
            fields.push(("csrf".into(), token.clone()));
            let (status, body) = handle.block_on(post_form(who, host, &action, &fields));
            check_page(&format!("{action} {fields:?}"), status, &body)
        });
    }

    // The forms were really reached (a token or role check refusing all of them would pass
    // unnoticed otherwise): the revocation, last of all, went through.
    let role_left: i64 = sqlx::query_scalar("SELECT count(*) FROM gmina_roles WHERE id = $1")
        .bind(staff_role)
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    assert_eq!(role_left, 0, "the staff role was revoked");

    // E-mail links carry their token in the query string: forged or mangled, it is a page.
    // The confirmation is a form of the site (the unsubscribe link needs no token, by design).
    let token = resident.csrf(TORUN, "/podmioty").await;
    for path in [
        "/oferty/powiadomienia/potwierdz",
        pestor_offers::notices::UNSUBSCRIBE_PATH,
    ] {
        run_cases(path, &pairs(&["token", "t"]), |query| {
            let (status, body) = handle.block_on(get_with(&resident, TORUN, path, &query));
            check_page(&format!("GET {path} {query:?}"), status, &body)?;
            let (status, body) = handle.block_on(async {
                let r = resident
                    .client
                    .post(resident.url(TORUN, path))
                    .query(&query)
                    .form(&[("csrf", &token)])
                    .send()
                    .await
                    .expect("request");
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            });
            check_page(&format!("POST {path} {query:?}"), status, &body)
        });
    }

    // The photo upload: alt text and bytes of any kind on an existing offer.
    let token = admin.csrf(TORUN, &offer_page).await;
    run_cases(
        "photo upload",
        &(pairs(&["alt"]), file()),
        |(fields, bytes)| {
            let (status, body) = handle.block_on(async {
                let mut form = reqwest::multipart::Form::new();
                for (k, v) in &fields {
                    form = form.text(k.clone(), v.clone());
                }
                form = form.part(
                    "photo",
                    reqwest::multipart::Part::bytes(bytes.clone()).file_name("zdjecie.jpg"),
                );
                let url = format!(
                    "{}?csrf={token}",
                    admin.url(TORUN, &format!("{offer_page}/zdjecia"))
                );
                let r = admin
                    .client
                    .post(url)
                    .multipart(form)
                    .send()
                    .await
                    .expect("request");
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            });
            check_page(
                &format!("photo {fields:?} ({} bytes)", bytes.len()),
                status,
                &body,
            )
        },
    );
}

/// Record ids in paths are whatever a visitor types: any segment gives a page (404 for none).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_segments_never_break_a_page() {
    let app = app().await;
    let (_, admin) = app
        .person("admin@torun.example", "torun", Some("admin"))
        .await;
    let handle = tokio::runtime::Handle::current();
    let templates = [
        "/podmioty/{}",
        "/podmioty/{}/edycja",
        "/podmioty/{}/przejecie",
        "/oferty/{}",
        "/oferty/{}/edycja",
        "/oferty/{}/usun",
        "/oferty/kategorie/{}/usun",
        "/panel/role/{}/usun",
        "/zdjecia/{}/{}",
    ];
    for template in templates {
        run_cases(template, &(value(), value()), |(a, b)| {
            let mut url = reqwest::Url::parse(&admin.url(TORUN, "/")).unwrap();
            {
                let mut segments = url.path_segments_mut().unwrap();
                segments.clear();
                let mut values = [a.as_str(), b.as_str()].into_iter();
                for part in template.trim_start_matches('/').split('/') {
                    segments.push(if part == "{}" {
                        values.next().unwrap()
                    } else {
                        part
                    });
                }
            }
            let (status, body) = handle.block_on(async {
                let r = admin.client.get(url.clone()).send().await.expect("request");
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            });
            // Photos answer with images or a plain 404; everything else with a page.
            if template.starts_with("/zdjecia") {
                prop_assert!(matches!(status, 200 | 400 | 404), "{url}: {status}");
                return Ok(());
            }
            // An edit form of no offer is nobody's to edit: 403 with the reason.
            if status == 403 {
                prop_assert!(body.contains("<main"), "{url}: 403 without a page");
                return Ok(());
            }
            check_page(&format!("GET {url}"), status, &body)
        });
    }
}
