//! The authorisation matrix and CSRF on every form, both driven by the app's own route table
//! (`pestor_web::routes()`), so a new route cannot be added without a row here.

use pestor_kit::auth::{Hosts, csrf, session, tokens};
use pestor_tests::{TestApp, create_account, grant, spawn_app};

const PORTAL: &str = "localhost";
const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";

/// Who a test request is made as. One account per persona, made by [`personas`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Persona {
    Anonymous,
    Resident,
    /// A member of an organisation in Toruń.
    PesMember,
    /// Toruń's staff.
    Staff,
    /// Toruń's admin.
    Admin,
    /// Bydgoszcz's admin, asking on Toruń's site.
    OtherGminaAdmin,
    /// The region's coordinator.
    Coordinator,
}

use Persona::*;

impl Persona {
    const ALL: [Persona; 7] = [
        Anonymous,
        Resident,
        PesMember,
        Staff,
        Admin,
        OtherGminaAdmin,
        Coordinator,
    ];
}

// Named sets of personas. A new role is one new persona and the sets it belongs to — never an
// edit of every row.

/// Anyone, signed in or not.
const EVERYONE: &[Persona] = &Persona::ALL;

/// Any account, whatever its roles.
const SIGNED_IN: &[Persona] = &[
    Resident,
    PesMember,
    Staff,
    Admin,
    OtherGminaAdmin,
    Coordinator,
];

/// Toruń's staff and admin (an admin may do what staff may).
const STAFF_AND_UP: &[Persona] = &[Staff, Admin];

/// Members of an organisation in Toruń only (offers are the organisation's own; which
/// organisation is the handler's check).
const MEMBERS_OF_ORG: &[Persona] = &[PesMember];

/// Members of an organisation in Toruń, and Toruń's staff (which organisation is the handler's
/// check, tested in the module's own tests).
const MEMBERS_OR_STAFF: &[Persona] = &[PesMember, Staff, Admin];

/// Toruń's own admin only: not its staff, not another gmina's admin, not the coordinator.
const GMINA_ADMIN: &[Persona] = &[Admin];

/// The region's coordinators only: no gmina's staff or admin.
const COORDINATORS: &[Persona] = &[Coordinator];

/// Method, path, and who may use it.
type Row = (&'static str, &'static str, &'static [Persona]);

/// Each module's routes and who may use them. Written by hand — not derived from the rules in
/// the code — so that a wrong rule fails here; a module without a table fails the test.
const MATRIX: &[(&str, &[Row])] = &[
    ("kit", KIT),
    ("home", HOME),
    ("accounts", ACCOUNTS),
    ("organisations", BAZA_PES),
    ("offers", GIELDA),
    ("panel", PANEL),
    ("region", REGION),
    ("equipment", EQUIPMENT),
    ("premises", PREMISES),
    ("support", SUPPORT),
    ("procurement", PROCUREMENT),
];

/// Klauzule społeczne: anyone reads the register, the catalogue and the indicators; staff keep
/// the register, its clauses and checks.
const PROCUREMENT: &[Row] = &[
    ("GET", "/klauzule-spoleczne-w-regionie", EVERYONE),
    ("GET", "/klauzule-spoleczne-w-regionie.csv", EVERYONE),
    ("GET", "/klauzule-spoleczne", EVERYONE),
    ("GET", "/klauzule-spoleczne/katalog", EVERYONE),
    ("GET", "/klauzule-spoleczne/wskazniki", EVERYONE),
    ("GET", "/klauzule-spoleczne/wskazniki.csv", EVERYONE),
    ("POST", "/klauzule-spoleczne/wskazniki/cel", STAFF_AND_UP),
    ("GET", "/api/v1/klauzule", EVERYONE),
    ("GET", "/klauzule-spoleczne/powiadomienia", EVERYONE),
    ("POST", "/klauzule-spoleczne/powiadomienia", EVERYONE),
    (
        "GET",
        "/klauzule-spoleczne/powiadomienia/potwierdz",
        EVERYONE,
    ),
    (
        "POST",
        "/klauzule-spoleczne/powiadomienia/potwierdz",
        EVERYONE,
    ),
    ("GET", "/klauzule-spoleczne/powiadomienia/wypisz", EVERYONE),
    ("POST", "/klauzule-spoleczne/powiadomienia/wypisz", EVERYONE),
    ("GET", "/klauzule-spoleczne/nowe", STAFF_AND_UP),
    ("POST", "/klauzule-spoleczne/nowe", STAFF_AND_UP),
    ("GET", "/klauzule-spoleczne/kontrole", STAFF_AND_UP),
    ("GET", "/klauzule-spoleczne/{id}", EVERYONE),
    ("GET", "/klauzule-spoleczne/{id}/edycja", STAFF_AND_UP),
    ("POST", "/klauzule-spoleczne/{id}/edycja", STAFF_AND_UP),
    ("POST", "/klauzule-spoleczne/{id}/status", STAFF_AND_UP),
    ("GET", "/klauzule-spoleczne/{id}/dopasowanie", STAFF_AND_UP),
    ("POST", "/klauzule-spoleczne/{id}/dopasowanie", STAFF_AND_UP),
    ("POST", "/klauzule-spoleczne/{id}/klauzule", STAFF_AND_UP),
    ("POST", "/klauzule-spoleczne/{id}/kontrole", STAFF_AND_UP),
    (
        "GET",
        "/klauzule-spoleczne/{id}/kontrole/{check}/dowod",
        STAFF_AND_UP,
    ),
];

/// Mapa wsparcia: anyone reads it; a gmina's staff keep its own entries, coordinators the
/// regional ones (portal).
const SUPPORT: &[Row] = &[
    ("GET", "/wsparcie", EVERYONE),
    ("GET", "/api/v1/wsparcie", EVERYONE),
    ("GET", "/wsparcie/nowy", STAFF_AND_UP),
    ("POST", "/wsparcie/nowy", STAFF_AND_UP),
    ("GET", "/wsparcie/{id}/edycja", STAFF_AND_UP),
    ("POST", "/wsparcie/{id}/edycja", STAFF_AND_UP),
    ("GET", "/wsparcie/{id}/usun", STAFF_AND_UP),
    ("POST", "/wsparcie/{id}/usun", STAFF_AND_UP),
    ("GET", "/koordynator/wsparcie", COORDINATORS),
    ("GET", "/koordynator/wsparcie/nowy", COORDINATORS),
    ("POST", "/koordynator/wsparcie/nowy", COORDINATORS),
    ("GET", "/koordynator/wsparcie/{id}/edycja", COORDINATORS),
    ("POST", "/koordynator/wsparcie/{id}/edycja", COORDINATORS),
    ("GET", "/koordynator/wsparcie/{id}/usun", COORDINATORS),
    ("POST", "/koordynator/wsparcie/{id}/usun", COORDINATORS),
];

/// Polityka lokalowa: anyone browses and reads the monitoring; staff keep the registry and run
/// calls; any account reaches the application form and attachments (which organisation and
/// whether it is verified is the handler's check, tested in the module's tests).
const PREMISES: &[Row] = &[
    ("GET", "/lokale", EVERYONE),
    ("GET", "/lokale/nowy", STAFF_AND_UP),
    ("POST", "/lokale/nowy", STAFF_AND_UP),
    ("GET", "/lokale/monitoring", EVERYONE),
    ("GET", "/lokale/monitoring.csv", EVERYONE),
    ("GET", "/lokale/nabory", EVERYONE),
    ("GET", "/lokale/nabory/nowy", STAFF_AND_UP),
    ("POST", "/lokale/nabory/nowy", STAFF_AND_UP),
    ("GET", "/lokale/nabory/{id}", EVERYONE),
    ("GET", "/lokale/nabory/{id}/wnioski", SIGNED_IN),
    ("POST", "/lokale/nabory/{id}/wnioski", SIGNED_IN),
    ("POST", "/lokale/nabory/{id}/rozstrzygniecie", STAFF_AND_UP),
    (
        "GET",
        "/lokale/nabory/{id}/wnioski/{application}/zalacznik",
        SIGNED_IN,
    ),
    ("GET", "/lokale/{id}", EVERYONE),
    ("GET", "/lokale/{id}/edycja", STAFF_AND_UP),
    ("POST", "/lokale/{id}/edycja", STAFF_AND_UP),
    ("POST", "/lokale/{id}/status", STAFF_AND_UP),
    ("POST", "/lokale/{id}/najem", STAFF_AND_UP),
    ("GET", "/lokale/zdjecia/{object}/{variant}", EVERYONE),
    ("POST", "/lokale/{id}/zdjecia", STAFF_AND_UP),
    ("GET", "/lokale/{id}/zdjecia/{photo}/usun", STAFF_AND_UP),
    ("POST", "/lokale/{id}/zdjecia/{photo}/usun", STAFF_AND_UP),
];

/// Bank sprzętu: anyone browses; any signed-in account adds an item.
const EQUIPMENT: &[Row] = &[
    ("GET", "/bank-sprzetu", EVERYONE),
    ("GET", "/bank-sprzetu/nowy", SIGNED_IN),
    ("POST", "/bank-sprzetu/nowy", SIGNED_IN),
    ("GET", "/bank-sprzetu/{id}", EVERYONE),
    ("GET", "/api/v1/bank-sprzetu", EVERYONE),
    ("GET", "/bank-sprzetu/{id}/wycofanie", SIGNED_IN),
    ("POST", "/bank-sprzetu/{id}/status", SIGNED_IN),
    // Who asks (a verified PES' member) and who decides (the giver, staff) is each handler's
    // check against the item, tested in equipment_workflow.rs.
    ("GET", "/bank-sprzetu.atom", EVERYONE),
    ("GET", "/bank-sprzetu/zdjecia/{object}/{variant}", EVERYONE),
    ("GET", "/bank-sprzetu/{id}/edycja", SIGNED_IN),
    ("POST", "/bank-sprzetu/{id}/edycja", SIGNED_IN),
    ("POST", "/bank-sprzetu/{id}/zdjecia", SIGNED_IN),
    ("GET", "/bank-sprzetu/{id}/zdjecia/{photo}/usun", SIGNED_IN),
    ("POST", "/bank-sprzetu/{id}/zdjecia/{photo}/usun", SIGNED_IN),
    ("GET", "/bank-sprzetu/moje", SIGNED_IN),
    ("GET", "/bank-sprzetu/moje-prosby", SIGNED_IN),
    ("POST", "/bank-sprzetu/{id}/prosby", SIGNED_IN),
    ("POST", "/bank-sprzetu/{id}/prosby/{request}", SIGNED_IN),
    ("POST", "/bank-sprzetu/{id}/wypozyczenia", SIGNED_IN),
    ("POST", "/bank-sprzetu/{id}/wypozyczenia/{loan}", SIGNED_IN),
];

/// The search across gminas (everyone) and the coordinators' pages (portal only).
const REGION: &[Row] = &[
    ("GET", "/szukaj", EVERYONE),
    ("GET", "/api/v1/szukaj", EVERYONE),
    ("GET", "/koordynator", COORDINATORS),
    ("GET", "/koordynator/gminy.csv", COORDINATORS),
    ("GET", "/koordynator/gminy/{slug}", COORDINATORS),
    (
        "GET",
        "/koordynator/gminy/{slug}/przylaczenie",
        COORDINATORS,
    ),
    (
        "POST",
        "/koordynator/gminy/{slug}/przylaczenie",
        COORDINATORS,
    ),
    ("GET", "/koordynator/gminy/{slug}/zawieszenie", COORDINATORS),
    (
        "POST",
        "/koordynator/gminy/{slug}/zawieszenie",
        COORDINATORS,
    ),
    ("GET", "/koordynator/gminy/{slug}/wznowienie", COORDINATORS),
    ("POST", "/koordynator/gminy/{slug}/wznowienie", COORDINATORS),
    ("GET", "/koordynator/gminy/{slug}/eksport", COORDINATORS),
    (
        "GET",
        "/koordynator/gminy/{slug}/archiwizacja",
        COORDINATORS,
    ),
    (
        "POST",
        "/koordynator/gminy/{slug}/archiwizacja",
        COORDINATORS,
    ),
    (
        "GET",
        "/koordynator/gminy/{slug}/archiwa/{name}",
        COORDINATORS,
    ),
    (
        "POST",
        "/koordynator/gminy/{slug}/przywrocenie",
        COORDINATORS,
    ),
    ("GET", "/koordynator/koordynatorzy", COORDINATORS),
    ("POST", "/koordynator/koordynatorzy", COORDINATORS),
    ("GET", "/koordynator/koordynatorzy/{id}/usun", COORDINATORS),
    ("POST", "/koordynator/koordynatorzy/{id}/usun", COORDINATORS),
    ("GET", "/koordynator/dziennik", COORDINATORS),
];

/// The kit: gmina branding files and photos.
const KIT: &[Row] = &[("GET", "/api/v1/openapi.json", EVERYONE)];

/// The home pages of the portal and of each gmina.
const HOME: &[Row] = &[
    ("GET", "/", EVERYONE),
    ("GET", "/powiaty/{teryt}", EVERYONE),
    ("GET", "/api/v1/gminy.geojson", EVERYONE),
    ("GET", "/branding/theme.css", EVERYONE),
    ("GET", "/branding/logo", EVERYONE),
];

/// Accounts: registration, sign-in, password, e-mail, personal data.
const ACCOUNTS: &[Row] = &[
    ("GET", "/rejestracja", EVERYONE),
    ("POST", "/rejestracja", EVERYONE),
    ("GET", "/weryfikacja", EVERYONE),
    ("POST", "/weryfikacja/ponow", EVERYONE),
    ("GET", "/logowanie", EVERYONE),
    ("POST", "/logowanie", EVERYONE),
    ("GET", "/logowanie/przekaz", EVERYONE),
    ("POST", "/wyloguj", SIGNED_IN),
    ("GET", "/haslo/nie-pamietam", EVERYONE),
    ("POST", "/haslo/nie-pamietam", EVERYONE),
    ("GET", "/haslo/nowe", EVERYONE),
    ("POST", "/haslo/nowe", EVERYONE),
    ("GET", "/konto", SIGNED_IN),
    ("POST", "/konto/nazwa", SIGNED_IN),
    ("POST", "/konto/haslo", SIGNED_IN),
    ("POST", "/konto/wyloguj-wszedzie", SIGNED_IN),
    ("GET", "/logowanie/sprawdz", EVERYONE),
    ("GET", "/logowanie/oidc/powrot", EVERYONE),
    ("GET", "/logowanie/oidc/{provider}", EVERYONE),
    ("POST", "/konto/email", SIGNED_IN),
    ("GET", "/konto/email/potwierdz", EVERYONE),
    ("GET", "/konto/dane", SIGNED_IN),
    ("GET", "/konto/usun", SIGNED_IN),
    ("POST", "/konto/usun", SIGNED_IN),
];

/// Baza PES: the registry of organisations, its map and open data.
const BAZA_PES: &[Row] = &[
    ("GET", "/podmioty/nowy", SIGNED_IN),
    ("POST", "/podmioty/nowy", SIGNED_IN),
    ("GET", "/podmioty/weryfikacja", STAFF_AND_UP),
    ("GET", "/podmioty/z-innych-gmin", STAFF_AND_UP),
    ("GET", "/podmioty/z-innych-gmin/{teryt}/{id}", STAFF_AND_UP),
    ("POST", "/podmioty/z-innych-gmin/{teryt}/{id}", STAFF_AND_UP),
    ("GET", "/podmioty/{id}", EVERYONE),
    ("GET", "/podmioty", EVERYONE),
    ("POST", "/podmioty/{id}/weryfikacja", STAFF_AND_UP),
    ("GET", "/podmioty/{id}/edycja", MEMBERS_OR_STAFF),
    ("POST", "/podmioty/{id}/edycja", MEMBERS_OR_STAFF),
    ("POST", "/podmioty/{id}/potwierdzenie", MEMBERS_OR_STAFF),
    ("POST", "/podmioty/{id}/widocznosc", STAFF_AND_UP),
    ("GET", "/podmioty/{id}/przejecie", SIGNED_IN),
    ("POST", "/podmioty/{id}/przejecie", SIGNED_IN),
    ("POST", "/podmioty/przejecia/{id}", STAFF_AND_UP),
    ("POST", "/podmioty/przypomnienia", STAFF_AND_UP),
    ("GET", "/podmioty/import", STAFF_AND_UP),
    ("POST", "/podmioty/import", STAFF_AND_UP),
    ("GET", "/mapa", EVERYONE),
    ("GET", "/api/v1/podmioty", EVERYONE),
    ("GET", "/api/v1/podmioty.geojson", EVERYONE),
    ("GET", "/api/v1/podmioty.csv", EVERYONE),
];

/// Giełda: offers, their photos, categories, feeds and e-mail notices.
const GIELDA: &[Row] = &[
    ("GET", "/oferty", EVERYONE),
    ("GET", "/oferty.atom", EVERYONE),
    ("GET", "/oferty/powiadomienia", EVERYONE),
    ("POST", "/oferty/powiadomienia", EVERYONE),
    ("GET", "/oferty/powiadomienia/potwierdz", EVERYONE),
    ("POST", "/oferty/powiadomienia/potwierdz", EVERYONE),
    ("GET", "/oferty/powiadomienia/wypisz", EVERYONE),
    ("POST", "/oferty/powiadomienia/wypisz", EVERYONE),
    ("GET", "/api/v1/oferty", EVERYONE),
    ("GET", "/oferty/nowa", MEMBERS_OF_ORG),
    ("POST", "/oferty/nowa", MEMBERS_OF_ORG),
    ("GET", "/oferty/kategorie", STAFF_AND_UP),
    ("POST", "/oferty/kategorie", STAFF_AND_UP),
    ("POST", "/oferty/kategorie/{code}", STAFF_AND_UP),
    ("POST", "/oferty/kategorie/{code}/przesun", STAFF_AND_UP),
    ("GET", "/oferty/kategorie/{code}/usun", STAFF_AND_UP),
    ("POST", "/oferty/kategorie/{code}/usun", STAFF_AND_UP),
    ("GET", "/oferty/{id}", EVERYONE),
    ("GET", "/oferty/z-innych-gmin", STAFF_AND_UP),
    ("GET", "/oferty/z-innych-gmin/{teryt}/{id}", STAFF_AND_UP),
    ("POST", "/oferty/z-innych-gmin/{teryt}/{id}", STAFF_AND_UP),
    ("GET", "/oferty/{id}/edycja", MEMBERS_OF_ORG),
    ("POST", "/oferty/{id}/edycja", MEMBERS_OF_ORG),
    ("POST", "/oferty/{id}/status", MEMBERS_OF_ORG),
    ("GET", "/oferty/{id}/usun", MEMBERS_OF_ORG),
    ("POST", "/oferty/{id}/usun", MEMBERS_OF_ORG),
    ("POST", "/oferty/{id}/widocznosc", STAFF_AND_UP),
    ("POST", "/oferty/{id}/zdjecia", MEMBERS_OF_ORG),
    (
        "POST",
        "/oferty/{id}/zdjecia/{photo}/przesun",
        MEMBERS_OF_ORG,
    ),
    ("GET", "/oferty/{id}/zdjecia/{photo}/usun", MEMBERS_OF_ORG),
    ("POST", "/oferty/{id}/zdjecia/{photo}/usun", MEMBERS_OF_ORG),
    ("GET", "/zdjecia/{object}/{variant}", EVERYONE),
];

/// The gmina panel: people and roles, branding, audit log, accessibility statement.
const PANEL: &[Row] = &[
    ("GET", "/panel", GMINA_ADMIN),
    ("POST", "/panel/zaproszenia", GMINA_ADMIN),
    ("POST", "/panel/role/{id}", GMINA_ADMIN),
    ("GET", "/panel/role/{id}/usun", GMINA_ADMIN),
    ("POST", "/panel/role/{id}/usun", GMINA_ADMIN),
    ("GET", "/panel/wyglad", GMINA_ADMIN),
    ("POST", "/panel/wyglad", GMINA_ADMIN),
    ("POST", "/panel/wyglad/logo", GMINA_ADMIN),
    ("GET", "/panel/dziennik", GMINA_ADMIN),
    ("GET", "/deklaracja-dostepnosci", EVERYONE),
    ("GET", "/panel/deklaracja-dostepnosci", GMINA_ADMIN),
    ("POST", "/panel/deklaracja-dostepnosci", GMINA_ADMIN),
    ("GET", "/zaproszenie", EVERYONE),
    ("POST", "/zaproszenie/przyjmij", SIGNED_IN),
];

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
            let (_, table) = MATRIX
                .iter()
                .find(|(module, _)| *module == rule.module)
                .unwrap_or_else(|| panic!("module {} has no table in MATRIX", rule.module));
            let (_, _, allowed) = table
                .iter()
                .find(|(m, p, _)| m == method && *p == rule.path)
                .unwrap_or_else(|| {
                    panic!(
                        "{method} {} has no row in {}'s table",
                        rule.path, rule.module
                    )
                });
            covered += 1;
            let (home, elsewhere) = match rule.hosts {
                Hosts::Portal => (vec![PORTAL], Some(TORUN)),
                Hosts::Gmina => (vec![TORUN], Some(PORTAL)),
                Hosts::Both => (vec![PORTAL, TORUN], None),
            };
            for host in home {
                for (persona, account) in Persona::ALL.iter().zip(&accounts) {
                    let (status, location) = request(&app, *account, method, host, rule.path).await;
                    assert_eq!(
                        !denied(status, &location),
                        allowed.contains(persona),
                        "{method} {host}{} as {persona:?}: {status} {location}",
                        rule.path,
                    );
                }
            }
            if let Some(host) = elsewhere {
                let (status, _) =
                    request(&app, accounts[Admin as usize], method, host, rule.path).await;
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
        MATRIX.iter().map(|(_, table)| table.len()).sum::<usize>(),
        "MATRIX lists a route that no longer exists (or lists it under another module)"
    );
}

#[tokio::test]
async fn every_form_refuses_a_post_without_a_valid_token_and_changes_nothing() {
    let app = spawn_app().await;
    let accounts = personas(&app).await;
    let admin = accounts[Admin as usize];
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
        // the link's own secret is its proof (tested in offers.rs and procurement.rs). The
        // modules declare these paths; each is exempt from the token and nothing else.
        if app.state.catalogue.csrf_exempt(rule.path) {
            assert!(
                rule.path.ends_with("/powiadomienia/wypisz"),
                "{}",
                rule.path
            );
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
