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

/// A page, not a failure: 200, or a 4xx that says what was wrong.
fn check_page(what: &str, status: u16, body: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(status, 200 | 303 | 400 | 404 | 422),
        "{what}: {status} {body}"
    );
    prop_assert!(
        body.is_empty() || body.contains("<html"),
        "{what}: not a page: {body}"
    );
    if status == 400 || status == 422 {
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
        let result = tokio::task::block_in_place(|| {
            runner().run(&pairs(names), |query| {
                let (status, body) = handle.block_on(get_with(&admin, TORUN, path, &query));
                check_page(&format!("{path} {query:?}"), status, &body)
            })
        });
        result.unwrap_or_else(|e| panic!("{path}: {e}"));
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
    let result = tokio::task::block_in_place(|| {
        runner().run(&pairs(names), |mut fields| {
            fields.push(("csrf".into(), token.clone()));
            let (status, body) = handle.block_on(async {
                let r = member
                    .client
                    .post(member.url(TORUN, "/podmioty/nowy"))
                    .form(&fields)
                    .send()
                    .await
                    .expect("request");
                (r.status().as_u16(), r.text().await.unwrap_or_default())
            });
            check_page(&format!("{fields:?}"), status, &body)?;
            let has_nul = fields.iter().any(|(_, v)| v.contains('\0'));
            if has_nul {
                prop_assert_eq!(status, 400);
            }
            Ok(())
        })
    });
    result.unwrap();
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
        &["password", "new_password"],
    ),
    (
        "localhost",
        "/konto",
        "/konto/email",
        &["email", "password"],
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
        let result = tokio::task::block_in_place(|| {
            runner().run(&pairs(names), |mut fields| {
                fields.push(("csrf".into(), token.clone()));
                let (status, body) = handle.block_on(async {
                    let r = admin
                        .client
                        .post(admin.url(host, action))
                        .form(&fields)
                        .send()
                        .await
                        .expect("request");
                    (r.status().as_u16(), r.text().await.unwrap_or_default())
                });
                // Sign-in and password forms may also answer 429 once attempts pile up.
                if status == 429 {
                    return Ok(());
                }
                check_page(&format!("{action} {fields:?}"), status, &body)
            })
        });
        result.unwrap_or_else(|e| panic!("{action}: {e}"));
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
    sqlx::query(
        "INSERT INTO gmina_roles (account_id, teryt, role, organisation_id) VALUES ($1, '0463011', 'pes_member', $2)",
    )
    .bind(admin_id)
    .bind(card)
    .execute(&app.db.pool)
    .await
    .unwrap();
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
        let result = tokio::task::block_in_place(|| {
            runner().run(&pairs(names), |mut fields| {
                fields.push(("csrf".into(), token.clone()));
                let (status, body) = handle.block_on(async {
                    let r = admin
                        .client
                        .post(admin.url(TORUN, &action))
                        .form(&fields)
                        .send()
                        .await
                        .expect("request");
                    (r.status().as_u16(), r.text().await.unwrap_or_default())
                });
                check_page(&format!("{action} {fields:?}"), status, &body)
            })
        });
        result.unwrap_or_else(|e| panic!("{action}: {e}"));
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
        let result = tokio::task::block_in_place(|| {
            runner().run(&strategy, |(fields, bytes)| {
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
            })
        });
        result.unwrap_or_else(|e| panic!("{action}: {e}"));
    }
}
