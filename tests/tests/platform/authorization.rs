//! The authorisation matrix and CSRF on every form, both driven by the app's own route table
//! (`pestor_web::routes()`), so a new route cannot be added without a row here.

use pestor_kit::auth::{Hosts, csrf, session, tokens};
use pestor_tests::{TestApp, create_account, grant, spawn_app};

const PORTAL: &str = "localhost";
const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";

const PERSONAS: [&str; 7] = [
    "anonim",
    "mieszkaniec",
    "członek PES (Toruń)",
    "pracownik (Toruń)",
    "administrator (Toruń)",
    "administrator innej gminy (Bydgoszcz)",
    "koordynator regionu",
];

/// Who may use each route, per persona in the order of [`PERSONAS`]. Written by hand — not
/// derived from the rules in the code — so that a wrong rule fails here.
const MATRIX: &[(&str, &str, [bool; 7])] = &[
    ("GET", "/", [true; 7]),
    ("GET", "/branding/theme.css", [true; 7]),
    ("GET", "/branding/logo", [true; 7]),
    ("GET", "/rejestracja", [true; 7]),
    ("POST", "/rejestracja", [true; 7]),
    ("GET", "/weryfikacja", [true; 7]),
    ("POST", "/weryfikacja/ponow", [true; 7]),
    ("GET", "/logowanie", [true; 7]),
    ("POST", "/logowanie", [true; 7]),
    ("GET", "/logowanie/przekaz", [true; 7]),
    (
        "POST",
        "/wyloguj",
        [false, true, true, true, true, true, true],
    ),
    ("GET", "/haslo/nie-pamietam", [true; 7]),
    ("POST", "/haslo/nie-pamietam", [true; 7]),
    ("GET", "/haslo/nowe", [true; 7]),
    ("POST", "/haslo/nowe", [true; 7]),
    ("GET", "/konto", [false, true, true, true, true, true, true]),
    (
        "POST",
        "/konto/nazwa",
        [false, true, true, true, true, true, true],
    ),
    (
        "POST",
        "/konto/haslo",
        [false, true, true, true, true, true, true],
    ),
    (
        "POST",
        "/konto/wyloguj-wszedzie",
        [false, true, true, true, true, true, true],
    ),
    ("GET", "/logowanie/sprawdz", [true; 7]),
    ("GET", "/logowanie/oidc/powrot", [true; 7]),
    ("GET", "/logowanie/oidc/{provider}", [true; 7]),
    ("POST", "/konto/email", SIGNED_IN),
    ("GET", "/konto/email/potwierdz", [true; 7]),
    ("GET", "/konto/dane", SIGNED_IN),
    ("GET", "/konto/usun", SIGNED_IN),
    ("POST", "/konto/usun", SIGNED_IN),
    ("GET", "/podmioty/nowy", SIGNED_IN),
    ("POST", "/podmioty/nowy", SIGNED_IN),
    ("GET", "/podmioty/weryfikacja", STAFF),
    ("GET", "/podmioty/{id}", [true; 7]),
    ("GET", "/podmioty", [true; 7]),
    ("POST", "/podmioty/{id}/weryfikacja", STAFF),
    ("GET", "/podmioty/{id}/edycja", MEMBER_OR_STAFF),
    ("POST", "/podmioty/{id}/edycja", MEMBER_OR_STAFF),
    ("POST", "/podmioty/{id}/potwierdzenie", MEMBER_OR_STAFF),
    ("POST", "/podmioty/{id}/widocznosc", STAFF),
    ("GET", "/podmioty/{id}/przejecie", SIGNED_IN),
    ("POST", "/podmioty/{id}/przejecie", SIGNED_IN),
    ("POST", "/podmioty/przejecia/{id}", STAFF),
    ("POST", "/podmioty/przypomnienia", STAFF),
    ("GET", "/podmioty/import", STAFF),
    ("POST", "/podmioty/import", STAFF),
    ("GET", "/mapa", [true; 7]),
    ("GET", "/oferty", [true; 7]),
    ("GET", "/oferty.atom", [true; 7]),
    ("GET", "/oferty/powiadomienia", [true; 7]),
    ("POST", "/oferty/powiadomienia", [true; 7]),
    ("GET", "/oferty/powiadomienia/potwierdz", [true; 7]),
    ("POST", "/oferty/powiadomienia/potwierdz", [true; 7]),
    ("GET", "/oferty/powiadomienia/wypisz", [true; 7]),
    ("POST", "/oferty/powiadomienia/wypisz", [true; 7]),
    ("GET", "/api/v1/oferty", [true; 7]),
    ("GET", "/oferty/nowa", PES_MEMBER),
    ("POST", "/oferty/nowa", PES_MEMBER),
    ("GET", "/oferty/kategorie", STAFF),
    ("POST", "/oferty/kategorie", STAFF),
    ("POST", "/oferty/kategorie/{code}", STAFF),
    ("POST", "/oferty/kategorie/{code}/przesun", STAFF),
    ("GET", "/oferty/kategorie/{code}/usun", STAFF),
    ("POST", "/oferty/kategorie/{code}/usun", STAFF),
    ("GET", "/oferty/{id}", [true; 7]),
    ("GET", "/oferty/{id}/edycja", PES_MEMBER),
    ("POST", "/oferty/{id}/edycja", PES_MEMBER),
    ("POST", "/oferty/{id}/status", PES_MEMBER),
    ("GET", "/oferty/{id}/usun", PES_MEMBER),
    ("POST", "/oferty/{id}/usun", PES_MEMBER),
    ("POST", "/oferty/{id}/widocznosc", STAFF),
    ("POST", "/oferty/{id}/zdjecia", PES_MEMBER),
    ("POST", "/oferty/{id}/zdjecia/{photo}/przesun", PES_MEMBER),
    ("GET", "/oferty/{id}/zdjecia/{photo}/usun", PES_MEMBER),
    ("POST", "/oferty/{id}/zdjecia/{photo}/usun", PES_MEMBER),
    ("GET", "/zdjecia/{object}/{variant}", [true; 7]),
    ("GET", "/api/v1/podmioty", [true; 7]),
    ("GET", "/api/v1/podmioty.geojson", [true; 7]),
    ("GET", "/api/v1/podmioty.csv", [true; 7]),
    ("GET", "/api/v1/openapi.json", [true; 7]),
    ("GET", "/panel", ADMIN_ONLY),
    ("POST", "/panel/zaproszenia", ADMIN_ONLY),
    ("POST", "/panel/role/{id}", ADMIN_ONLY),
    ("GET", "/panel/role/{id}/usun", ADMIN_ONLY),
    ("POST", "/panel/role/{id}/usun", ADMIN_ONLY),
    ("GET", "/panel/wyglad", ADMIN_ONLY),
    ("POST", "/panel/wyglad", ADMIN_ONLY),
    ("POST", "/panel/wyglad/logo", ADMIN_ONLY),
    ("GET", "/panel/dziennik", ADMIN_ONLY),
    ("GET", "/deklaracja-dostepnosci", [true; 7]),
    ("GET", "/panel/deklaracja-dostepnosci", ADMIN_ONLY),
    ("POST", "/panel/deklaracja-dostepnosci", ADMIN_ONLY),
    ("GET", "/zaproszenie", [true; 7]),
    (
        "POST",
        "/zaproszenie/przyjmij",
        [false, true, true, true, true, true, true],
    ),
];

/// Any account, whatever its roles.
const SIGNED_IN: [bool; 7] = [false, true, true, true, true, true, true];

/// Toruń's staff and admin (an admin may do what staff may).
const STAFF: [bool; 7] = [false, false, false, true, true, false, false];

/// Members of an organisation in Toruń only (offers are the organisation's own; which
/// organisation is the handler's check).
const PES_MEMBER: [bool; 7] = [false, false, true, false, false, false, false];

/// Members of an organisation in Toruń, and Toruń's staff (which organisation is the handler's
/// check, tested in the module's own tests).
const MEMBER_OR_STAFF: [bool; 7] = [false, false, true, true, true, false, false];

/// Toruń's own admin only: not its staff, not another gmina's admin, not the coordinator.
const ADMIN_ONLY: [bool; 7] = [false, false, false, false, true, false, false];

/// The persona's account (none for the anonymous visitor).
async fn personas(app: &TestApp) -> Vec<Option<i64>> {
    let mut ids = vec![None];
    for (i, (email, role)) in [
        ("mieszkaniec@example.pl", None),
        ("pes@example.pl", Some(("torun", "pes_member"))),
        ("pracownik@example.pl", Some(("torun", "staff"))),
        ("admin@example.pl", Some(("torun", "admin"))),
        ("admin-bydgoszcz@example.pl", Some(("bydgoszcz", "admin"))),
        ("koordynator@example.pl", None),
    ]
    .into_iter()
    .enumerate()
    {
        let id = create_account(app, email, &format!("Osoba {i}"), "hasło testowe 123").await;
        if let Some((slug, role)) = role {
            grant(app, id, slug, role).await;
        }
        ids.push(Some(id));
    }
    sqlx::query(
        "UPDATE accounts SET region_role = 'coordinator' WHERE email = 'koordynator@example.pl'",
    )
    .execute(app.db.platform())
    .await
    .unwrap();
    ids
}

/// Sends one request as `account` on `host`, with a fresh session and a valid CSRF pair.
async fn request(
    app: &TestApp,
    account: Option<i64>,
    method: &str,
    host: &str,
    path: &str,
) -> (u16, String) {
    let mut cookies = String::from("pestor_csrf=");
    let csrf_cookie = tokens::random_token();
    cookies.push_str(&csrf_cookie);
    let mut session_cookie = String::new();
    if let Some(id) = account {
        let mut conn = app.db.platform().acquire().await.unwrap();
        let (token, _) = session::sign_in(&mut conn, &app.state, id, host, None)
            .await
            .unwrap();
        cookies.push_str(&format!("; pestor_session={token}"));
        session_cookie = token;
    }
    let url = app.url(host, path);
    let builder = match method {
        "GET" => app.client.get(url),
        _ => app.client.post(url).form(&[("x", "")]),
    };
    let r = builder
        .header("cookie", cookies)
        .header(
            "x-csrf-token",
            csrf::token_for(&app.state, host, &csrf_cookie, &session_cookie),
        )
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, location)
}

fn denied(status: u16, location: &str) -> bool {
    matches!(status, 401 | 403) || (status == 303 && location.starts_with("/logowanie?powrot="))
}

#[tokio::test]
async fn every_route_allows_and_denies_exactly_the_personas_in_the_matrix() {
    let app = spawn_app().await;
    let accounts = personas(&app).await;
    let (_, rules) = pestor_web::routes().into_parts();
    let mut covered = 0;
    for rule in &rules {
        for method in rule.methods {
            let (_, _, expected) = MATRIX
                .iter()
                .find(|(m, p, _)| m == method && *p == rule.path)
                .unwrap_or_else(|| panic!("{method} {} has no row in MATRIX", rule.path));
            covered += 1;
            let (home, elsewhere) = match rule.hosts {
                Hosts::Portal => (vec![PORTAL], Some(TORUN)),
                Hosts::Gmina => (vec![TORUN], Some(PORTAL)),
                Hosts::Both => (vec![PORTAL, TORUN], None),
            };
            for host in home {
                for (i, account) in accounts.iter().enumerate() {
                    let (status, location) = request(&app, *account, method, host, rule.path).await;
                    assert_eq!(
                        !denied(status, &location),
                        expected[i],
                        "{method} {host}{} as {}: {status} {location}",
                        rule.path,
                        PERSONAS[i]
                    );
                }
            }
            if let Some(host) = elsewhere {
                let (status, _) = request(&app, accounts[4], method, host, rule.path).await;
                assert_eq!(
                    status, 404,
                    "{method} {host}{} exists only on its own hosts",
                    rule.path
                );
            }
        }
    }
    assert_eq!(
        covered,
        MATRIX.len(),
        "MATRIX lists a route that no longer exists"
    );
}

#[tokio::test]
async fn every_form_refuses_a_post_without_a_valid_token_and_changes_nothing() {
    let app = spawn_app().await;
    let accounts = personas(&app).await;
    let admin = accounts[4];
    let snapshot = |app: &TestApp| {
        let pool = app.db.platform().clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT concat_ws('|', (SELECT string_agg(email || display_name || coalesce(password_hash, ''), ',' ORDER BY id) FROM accounts),
                                       (SELECT count(*) FROM logins WHERE ended_at IS NULL), (SELECT count(*) FROM outbox),
                                       (SELECT count(*) FROM account_tokens), (SELECT count(*) FROM gmina_roles),
                                       (SELECT string_agg(role, ',' ORDER BY id) FROM gmina_roles),
                                       (SELECT count(*) FROM invitations), (SELECT count(*) FROM audit_log),
                                       (SELECT count(*) FROM pes_directory),
                                       (SELECT string_agg(branding::text, ',' ORDER BY teryt) FROM tenants))",
            )
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let (_, rules) = pestor_web::routes().into_parts();
    let posts: Vec<_> = rules
        .iter()
        .filter(|r| r.methods.contains(&"POST"))
        .collect();
    assert!(posts.len() >= 8, "every form of the accounts module");
    for rule in posts {
        // One-click unsubscribe (RFC 8058) is posted by mail programs without cookies or token;
        // the link's own secret is its proof (tested in offers.rs).
        if rule.path == pestor_offers::notices::UNSUBSCRIBE_PATH {
            continue;
        }
        let host = if rule.hosts == Hosts::Gmina {
            TORUN
        } else {
            PORTAL
        };
        let mut conn = app.db.platform().acquire().await.unwrap();
        let (session_token, _) =
            session::sign_in(&mut conn, &app.state, admin.unwrap(), host, None)
                .await
                .unwrap();
        drop(conn);
        let before = snapshot(&app).await;
        let csrf_cookie = tokens::random_token();
        let good = csrf::token_for(&app.state, host, &csrf_cookie, &session_token);
        let for_other_host = csrf::token_for(&app.state, BYDGOSZCZ, &csrf_cookie, &session_token);
        let fields = [
            ("display_name", "Zmieniona"),
            ("email", "admin@example.pl"),
            ("password", "hasło testowe 123"),
        ];
        let cases: [(&str, Option<&str>, Option<&str>); 5] = [
            ("no token", None, None),
            ("a wrong token", Some("AAAA"), None),
            ("a token of another host", Some(&for_other_host), None),
            (
                "a valid token from another site",
                Some(&good),
                Some("https://evil.example"),
            ),
            ("no CSRF cookie", Some(&good), Some("-")),
        ];
        for (what, token, origin) in cases {
            let mut form: Vec<(&str, &str)> = fields.to_vec();
            if let Some(t) = token {
                form.push(("csrf", t));
            }
            let cookie = if origin == Some("-") {
                format!("pestor_session={session_token}")
            } else {
                format!("pestor_session={session_token}; pestor_csrf={csrf_cookie}")
            };
            let mut req = app
                .client
                .post(app.url(host, rule.path))
                .header("cookie", cookie)
                .form(&form);
            if let Some(o) = origin.filter(|o| *o != "-") {
                req = req.header("origin", o);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 403, "POST {host}{} with {what}", rule.path);
            let body = r.text().await.unwrap();
            assert!(
                body.contains("Formularz wygasł") && body.contains("Nic nie zostało zmienione"),
                "{body}"
            );
        }
        assert_eq!(
            snapshot(&app).await,
            before,
            "POST {host}{} changed data",
            rule.path
        );
    }
}
