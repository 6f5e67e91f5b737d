//! Accounts end to end: registration and verification through a real SMTP server, sign-in on the
//! portal handed over to gminas, sign-out everywhere, password reset, throttling, cookies.

use pestor_tests::{absolute, create_account, spawn_app, spawn_app_with};

const PORTAL: &str = "localhost";
const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";

async fn count(app: &pestor_tests::TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(app.db.platform())
        .await
        .unwrap()
}

fn register_fields<'a>(email: &'a str, pass: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("email", email),
        ("display_name", "Anna Nowak"),
        ("password", pass),
        ("password2", pass),
        ("consent", "tak"),
    ]
}

#[tokio::test]
async fn register_verify_from_the_received_email_then_sign_in() {
    let app = spawn_app().await;
    let v = app.visitor();
    let r = v
        .submit(
            PORTAL,
            "/rejestracja",
            "/rejestracja",
            &register_fields("anna@example.pl", "zielona łąka 2026"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Sprawdź skrzynkę e-mail") && r.body.contains("anna@example.pl"));

    // Not verified yet: the right password still does not sign in.
    let r = v
        .submit(
            PORTAL,
            "/logowanie",
            "/logowanie",
            &[
                ("email", "anna@example.pl"),
                ("password", "zielona łąka 2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("nie ma jeszcze potwierdzonego adresu"),
        "{}",
        r.body
    );

    let mail = app.mail.wait_for("anna@example.pl", 1).await;
    assert_eq!(mail.subject, "Potwierdź adres e-mail — Platforma PES");
    assert!(mail.text.starts_with("Dzień dobry,"), "{}", mail.text);
    assert!(mail.html.contains("lang=\"pl\"") && mail.html.contains("Potwierdź adres e-mail"));
    let link = mail.link("/weryfikacja?token=").expect("verification link");
    let (r, _) = v.follow(&link).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Adres e-mail potwierdzony"), "{}", r.body);
    // Single use.
    let (r, _) = v.follow(&link).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("został już użyty"));

    let r = v
        .submit(
            PORTAL,
            "/logowanie",
            "/logowanie",
            &[
                ("email", "ANNA@example.pl"),
                ("password", "zielona łąka 2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/"));
    let cookie = r
        .set_cookies
        .iter()
        .find(|c| c.starts_with("pestor_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Domain"),
        "{cookie}"
    );
    let r = v.get(PORTAL, "/konto").await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("anna@example.pl")
            && r.body
                .contains("Zalogowano: <a href=\"/konto\">Anna Nowak</a>")
    );
}

#[tokio::test]
async fn registration_refuses_bad_input_keeps_what_was_typed_and_saves_nothing() {
    let app = spawn_app().await;
    let v = app.visitor();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("email", "nie-adres"),
                ("display_name", "A"),
                ("password", "dość długie hasło"),
                ("password2", "dość długie hasło"),
                ("consent", "tak"),
            ],
            "Podaj poprawny adres e-mail",
        ),
        (
            &[
                ("email", "a@example.pl"),
                ("display_name", " "),
                ("password", "dość długie hasło"),
                ("password2", "dość długie hasło"),
                ("consent", "tak"),
            ],
            "Podaj imię i nazwisko",
        ),
        (
            &[
                ("email", "a@example.pl"),
                ("display_name", "A"),
                ("password", "krótkie"),
                ("password2", "krótkie"),
                ("consent", "tak"),
            ],
            "co najmniej 10 znaków",
        ),
        (
            &[
                ("email", "a@example.pl"),
                ("display_name", "A"),
                ("password", "dość długie hasło"),
                ("password2", "inne długie hasło"),
                ("consent", "tak"),
            ],
            "Hasła nie są takie same",
        ),
        (
            &[
                ("email", "a@example.pl"),
                ("display_name", "A"),
                ("password", "dość długie hasło"),
                ("password2", "dość długie hasło"),
            ],
            "zaznacz zgodę",
        ),
        (&[], "Podaj poprawny adres e-mail"),
    ];
    for (fields, message) in cases {
        let r = v
            .submit(PORTAL, "/rejestracja", "/rejestracja", fields)
            .await;
        assert_eq!(r.status, 422, "{fields:?}");
        assert!(r.body.contains(message), "{fields:?} → {}", r.body);
        assert!(r.body.contains("aria-invalid=\"true\""));
        if let Some((_, email)) = fields.iter().find(|(k, _)| *k == "email") {
            assert!(r.body.contains(&format!("value=\"{email}\"")), "input kept");
        }
        assert!(
            !r.body.contains("dość długie hasło"),
            "a password is never echoed"
        );
    }
    assert_eq!(count(&app, "SELECT count(*) FROM accounts").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn registering_a_taken_address_looks_the_same_and_only_warns_its_owner() {
    let app = spawn_app().await;
    create_account(&app, "jan@example.pl", "Jan", "stare dobre hasło").await;
    let v = app.visitor();
    let fresh = v
        .submit(
            PORTAL,
            "/rejestracja",
            "/rejestracja",
            &register_fields("nowy@example.pl", "zielona łąka 2026"),
        )
        .await;
    let taken = v
        .submit(
            PORTAL,
            "/rejestracja",
            "/rejestracja",
            &register_fields("JAN@example.pl", "zielona łąka 2026"),
        )
        .await;
    assert_eq!((fresh.status, taken.status), (200, 200));
    let strip = |b: &str, e: &str| b.replace(e, "EMAIL").replace(char::is_numeric, "");
    let without_tokens = |b: String| {
        b.lines()
            .filter(|l| !l.contains("csrf"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        without_tokens(strip(&fresh.body, "nowy@example.pl")),
        without_tokens(strip(&taken.body, "JAN@example.pl"))
    );
    assert_eq!(count(&app, "SELECT count(*) FROM accounts").await, 2);
    let warning = app.mail.wait_for("jan@example.pl", 1).await;
    assert!(
        warning.subject.starts_with("Próba rejestracji"),
        "{}",
        warning.subject
    );
    assert!(warning.link("/haslo/nie-pamietam").is_some());
}

/// Signs `v` in on the portal with the password; the reply is the redirect after sign-in.
async fn sign_in(v: &pestor_tests::Visitor, email: &str, password: &str) -> pestor_tests::Reply {
    // The registration page always has a form, signed in or not; its token serves every form.
    v.submit(
        PORTAL,
        "/rejestracja",
        "/logowanie",
        &[("email", email), ("password", password)],
    )
    .await
}

#[tokio::test]
async fn one_sign_in_reaches_every_gmina_and_signing_out_anywhere_ends_it_everywhere() {
    let app = spawn_app().await;
    create_account(&app, "ewa@example.pl", "Ewa Kowalska", "bardzo tajne hasło").await;
    let v = app.visitor();

    // From Toruń's sign-in link to the portal's form, which remembers where to go back.
    let r = v.get(TORUN, "/logowanie?powrot=/").await;
    assert_eq!(r.status, 303);
    let portal_form = r.location.unwrap();
    assert_eq!(
        portal_form,
        format!(
            "{}?do=torun.localhost&powrot=/",
            v.url(PORTAL, "/logowanie")
        )
    );
    // The form may end on Toruń's host (browsers apply form-action to the redirect that follows).
    let csp =
        app.client.get(&portal_form).send().await.unwrap().headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
    assert!(
        csp.contains(&format!("form-action 'self' {}", app.url(TORUN, ""))),
        "{csp}"
    );
    let (form, _) = v.follow(&portal_form).await;
    assert!(
        form.body
            .contains("Logujesz się do serwisu: <strong>Gmina Miasta Toruń</strong>"),
        "{}",
        form.body
    );
    let token = pestor_tests::csrf_of(&form.body).unwrap();
    let r = v
        .post(
            PORTAL,
            "/logowanie",
            &[
                ("email", "ewa@example.pl"),
                ("password", "bardzo tajne hasło"),
                ("do", "torun.localhost"),
                ("powrot", "/"),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let handover = r.location.unwrap();
    assert!(
        handover.starts_with(&v.url(TORUN, "/logowanie/przekaz?kod=")),
        "{handover}"
    );
    let (home, url) = v.follow(&handover).await;
    assert_eq!(url, v.url(TORUN, "/"));
    assert!(
        home.body.contains("Zalogowano: Ewa Kowalska"),
        "{}",
        home.body
    );

    // A replayed code does nothing.
    let replay = v.get_url(&handover).await;
    assert_eq!(replay.status, 400);
    assert!(replay.body.contains("wygasł albo został już użyty"));

    // Bydgoszcz: one click on "Zaloguj się", no password.
    let (home, url) = v.follow(&v.url(BYDGOSZCZ, "/logowanie?powrot=/")).await;
    assert_eq!(url, v.url(BYDGOSZCZ, "/"));
    assert!(home.body.contains("Zalogowano: Ewa Kowalska"));
    assert_eq!(
        count(&app, "SELECT count(*) FROM sessions").await,
        3,
        "portal, Toruń, Bydgoszcz"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM logins").await,
        1,
        "one sign-in"
    );

    // A code issued for Toruń does not open Bydgoszcz.
    let mut conn = app.db.platform().acquire().await.unwrap();
    let login: i64 = sqlx::query_scalar("SELECT id FROM logins")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let code = pestor_kit::auth::session::handover_code(&mut conn, login, TORUN)
        .await
        .unwrap();
    let stolen = app
        .visitor()
        .get(BYDGOSZCZ, &format!("/logowanie/przekaz?kod={code}"))
        .await;
    assert_eq!(stolen.status, 400);

    // Sign out in Bydgoszcz: Toruń and the portal are signed out too.
    let r = v.submit(BYDGOSZCZ, "/", "/wyloguj", &[]).await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/")));
    for host in [TORUN, BYDGOSZCZ, PORTAL] {
        let body = v.get(host, "/").await.body;
        assert!(
            body.contains("Zaloguj się") && !body.contains("Ewa Kowalska"),
            "{host}"
        );
    }
    assert_eq!(count(&app, "SELECT count(*) FROM sessions").await, 0);
    let r = v.get(PORTAL, "/konto").await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/logowanie?powrot=/konto"))
    );
}

#[tokio::test]
async fn a_session_cookie_works_only_on_the_host_that_issued_it() {
    let app = spawn_app().await;
    create_account(&app, "ola@example.pl", "Ola", "bardzo tajne hasło").await;
    let v = app.visitor();
    let r = sign_in(&v, "ola@example.pl", "bardzo tajne hasło").await;
    let cookie = r
        .set_cookies
        .iter()
        .find(|c| c.starts_with("pestor_session="))
        .unwrap();
    let value = cookie.split(';').next().unwrap();
    // Tossed onto a gmina host (as a sibling subdomain could), the portal's cookie signs nobody in.
    let body = app
        .client
        .get(app.url(TORUN, "/"))
        .header("cookie", value)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Zaloguj się") && !body.contains("Zalogowano"));
    let body = app
        .client
        .get(app.url(PORTAL, "/konto"))
        .header("cookie", value)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("ola@example.pl"),
        "the cookie is valid where it was issued"
    );
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_absolute_limit() {
    let app = spawn_app().await;
    create_account(&app, "idle@example.pl", "Idle", "bardzo tajne hasło").await;
    let v = app.visitor();
    sign_in(&v, "idle@example.pl", "bardzo tajne hasło").await;
    assert_eq!(v.get(PORTAL, "/konto").await.status, 200);
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '9 hours'")
        .execute(app.db.platform())
        .await
        .unwrap();
    assert_eq!(
        v.get(PORTAL, "/konto").await.status,
        303,
        "idle for longer than 8 h"
    );

    sign_in(&v, "idle@example.pl", "bardzo tajne hasło").await;
    assert_eq!(v.get(PORTAL, "/konto").await.status, 200);
    sqlx::query("UPDATE logins SET expires_at = now() - interval '1 second'")
        .execute(app.db.platform())
        .await
        .unwrap();
    assert_eq!(
        v.get(PORTAL, "/konto").await.status,
        303,
        "past the absolute limit"
    );
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    let app = spawn_app().await;
    create_account(&app, "rot@example.pl", "Rot", "bardzo tajne hasło").await;
    let v = app.visitor();
    let first = sign_in(&v, "rot@example.pl", "bardzo tajne hasło").await;
    let second = sign_in(&v, "rot@example.pl", "bardzo tajne hasło").await;
    let value = |r: &pestor_tests::Reply| {
        r.set_cookies
            .iter()
            .find(|c| c.starts_with("pestor_session="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_ne!(value(&first), value(&second));
    assert_eq!(
        count(&app, "SELECT count(*) FROM sessions").await,
        1,
        "the old session was dropped"
    );
}

#[tokio::test]
async fn wrong_passwords_are_throttled_and_unknown_addresses_look_the_same() {
    let app = spawn_app().await;
    create_account(&app, "piotr@example.pl", "Piotr", "bardzo tajne hasło").await;
    let v = app.visitor();
    let unknown = sign_in(&v, "nikt@example.pl", "cokolwiek długiego").await;
    assert_eq!(unknown.status, 422);
    assert!(
        unknown
            .body
            .contains("Nieprawidłowy adres e-mail lub hasło.")
    );
    for _ in 0..5 {
        let r = sign_in(&v, "piotr@example.pl", "złe hasło złe hasło").await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("Nieprawidłowy adres e-mail lub hasło."));
    }
    // The account is locked for the window — even with the right password.
    let r = sign_in(&v, "piotr@example.pl", "bardzo tajne hasło").await;
    assert_eq!(r.status, 429);
    assert!(r.body.contains("Zbyt wiele nieudanych prób logowania"));
    assert_eq!(count(&app, "SELECT count(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn many_failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app_with(|s| s.auth.max_failed_logins_per_ip = 3).await;
    create_account(&app, "zofia@example.pl", "Zofia", "bardzo tajne hasło").await;
    let v = app.visitor();
    for e in ["a@example.pl", "b@example.pl", "c@example.pl"] {
        assert_eq!(sign_in(&v, e, "zgadywane hasło").await.status, 422);
    }
    let r = sign_in(&v, "zofia@example.pl", "bardzo tajne hasło").await;
    assert_eq!(r.status, 429, "the address is locked for every account");
}

#[tokio::test]
async fn password_reset_through_the_received_link_ends_every_session() {
    let app = spawn_app().await;
    create_account(&app, "marta@example.pl", "Marta", "stare hasło marty").await;
    let other_device = app.visitor();
    sign_in(&other_device, "marta@example.pl", "stare hasło marty").await;
    assert_eq!(other_device.get(PORTAL, "/konto").await.status, 200);

    let v = app.visitor();
    let r = v
        .submit(
            PORTAL,
            "/haslo/nie-pamietam",
            "/haslo/nie-pamietam",
            &[("email", "marta@example.pl")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body
            .contains("Jeśli konto z adresem marta@example.pl istnieje")
    );
    let unknown = v
        .submit(
            PORTAL,
            "/haslo/nie-pamietam",
            "/haslo/nie-pamietam",
            &[("email", "nikt@example.pl")],
        )
        .await;
    assert!(
        unknown
            .body
            .contains("Jeśli konto z adresem nikt@example.pl istnieje")
    );

    let mail = app.mail.wait_for("marta@example.pl", 1).await;
    assert_eq!(mail.subject, "Ustaw nowe hasło — Platforma PES");
    let link = mail.link("/haslo/nowe?token=").unwrap();
    let (form, url) = v.follow(&link).await;
    assert_eq!(form.status, 200);
    let path = &url[url.find("/haslo").unwrap()..];
    // Too short: refused, the link still works.
    let r = v
        .submit(
            PORTAL,
            path,
            "/haslo/nowe",
            &[
                ("token", &link[link.find("token=").unwrap() + 6..]),
                ("password", "krótkie"),
                ("password2", "krótkie"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let token = &link[link.find("token=").unwrap() + 6..];
    let r = v
        .submit(
            PORTAL,
            path,
            "/haslo/nowe",
            &[
                ("token", token),
                ("password", "nowe hasło marty"),
                ("password2", "nowe hasło marty"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Hasło zostało zmienione"));

    assert_eq!(
        other_device.get(PORTAL, "/konto").await.status,
        303,
        "signed out everywhere"
    );
    assert_eq!(
        sign_in(&v, "marta@example.pl", "stare hasło marty")
            .await
            .status,
        422
    );
    assert_eq!(
        sign_in(&v, "marta@example.pl", "nowe hasło marty")
            .await
            .status,
        303
    );
    let (again, _) = v.follow(&link).await;
    assert_eq!(again.status, 400, "the link works once");
    assert!(app.mail.to("nikt@example.pl").is_empty());
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_other_devices() {
    let app = spawn_app().await;
    create_account(&app, "kasia@example.pl", "Kasia", "pierwsze hasło kasi").await;
    let (v, other) = (app.visitor(), app.visitor());
    sign_in(&v, "kasia@example.pl", "pierwsze hasło kasi").await;
    sign_in(&other, "kasia@example.pl", "pierwsze hasło kasi").await;
    let wrong = v
        .submit(
            PORTAL,
            "/konto",
            "/konto/haslo",
            &[
                ("current", "nie to hasło"),
                ("password", "drugie hasło kasi"),
                ("password2", "drugie hasło kasi"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("Obecne hasło jest nieprawidłowe."));
    let ok = v
        .submit(
            PORTAL,
            "/konto",
            "/konto/haslo",
            &[
                ("current", "pierwsze hasło kasi"),
                ("password", "drugie hasło kasi"),
                ("password2", "drugie hasło kasi"),
            ],
        )
        .await;
    assert_eq!(
        (ok.status, ok.location.as_deref()),
        (303, Some("/konto?zmieniono=haslo"))
    );
    assert!(
        v.get(PORTAL, "/konto?zmieniono=haslo")
            .await
            .body
            .contains("Hasło zostało zmienione")
    );
    assert_eq!(other.get(PORTAL, "/konto").await.status, 303);
    let notice = app.mail.wait_for("kasia@example.pl", 1).await;
    assert_eq!(notice.subject, "Hasło zostało zmienione — Platforma PES");

    let name = v
        .submit(PORTAL, "/konto", "/konto/nazwa", &[("display_name", "")])
        .await;
    assert_eq!(name.status, 422);
    assert!(name.body.contains("Nazwa nie może być pusta."));
    let name = v
        .submit(
            PORTAL,
            "/konto",
            "/konto/nazwa",
            &[("display_name", "Katarzyna")],
        )
        .await;
    assert_eq!(name.status, 303);
    assert!(
        v.get(PORTAL, "/konto")
            .await
            .body
            .contains("Zalogowano: <a href=\"/konto\">Katarzyna</a>")
    );
}

#[tokio::test]
async fn behind_https_cookies_are_secure_and_host_prefixed() {
    let app = spawn_app_with(|s| s.server.public_scheme = "https".into()).await;
    create_account(&app, "tls@example.pl", "TLS", "bardzo tajne hasło").await;
    let v = app.visitor();
    let page = v.get(PORTAL, "/logowanie").await;
    let csrf_cookie = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-pestor_csrf="))
        .expect("csrf cookie");
    assert!(csrf_cookie.contains("Secure") && csrf_cookie.contains("Path=/"));
    // reqwest keeps Secure cookies away from http://, so send the pair by hand.
    let cookie = csrf_cookie.split(';').next().unwrap().to_owned();
    let token = pestor_tests::csrf_of(&page.body).unwrap();
    let r = app
        .client
        .post(app.url(PORTAL, "/logowanie"))
        .header("cookie", cookie)
        .form(&[
            ("email", "tls@example.pl"),
            ("password", "bardzo tajne hasło"),
            ("csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-pestor_session="))
        .expect("session cookie");
    assert!(
        session.contains("; Secure") && session.contains("HttpOnly") && !session.contains("Domain"),
        "{session}"
    );
}

#[tokio::test]
async fn mail_waits_while_smtp_is_down_and_leaves_when_it_is_back() {
    let app = spawn_app().await;
    create_account(&app, "adam@example.pl", "Adam", "bardzo tajne hasło").await;
    app.mail.set_down(true);
    let v = app.visitor();
    let r = v
        .submit(
            PORTAL,
            "/haslo/nie-pamietam",
            "/haslo/nie-pamietam",
            &[("email", "adam@example.pl")],
        )
        .await;
    assert_eq!(r.status, 200, "the user is answered although SMTP is down");
    // The sender tried, failed, and scheduled a retry; the message is still there.
    let mut tries = 0;
    let (attempts, error): (i32, Option<String>) = loop {
        let row: (i32, Option<String>) = sqlx::query_as("SELECT attempts, last_error FROM outbox")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
        if row.0 > 0 || tries > 200 {
            break row;
        }
        tries += 1;
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    assert!(attempts >= 1 && error.is_some(), "{attempts} {error:?}");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND send_after > now()"
        )
        .await,
        1
    );
    assert!(app.mail.all().is_empty());

    app.mail.set_down(false);
    // Skip the 30-second backoff instead of waiting for it.
    sqlx::raw_sql("UPDATE outbox SET send_after = now(); SELECT pg_notify('pestor_outbox', '')")
        .execute(app.db.platform())
        .await
        .unwrap();
    let mail = app.mail.wait_for("adam@example.pl", 1).await;
    assert!(mail.link("/haslo/nowe?token=").is_some());
    // The server has the message before the sender records it as sent: wait for the record.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let sent = loop {
        let sent = count(
            &app,
            "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL",
        )
        .await;
        if sent == 1 || tokio::time::Instant::now() > deadline {
            break sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    assert_eq!(sent, 1);
}

#[tokio::test]
async fn retention_removes_stale_unverified_accounts_and_spent_tokens() {
    let app = spawn_app().await;
    let kept = create_account(
        &app,
        "stary@example.pl",
        "Zweryfikowany",
        "bardzo tajne hasło",
    )
    .await;
    sqlx::raw_sql(
        "INSERT INTO accounts (email, display_name, password_hash, created_at) VALUES
           ('porzucone@example.pl', 'Porzucone', 'x', now() - interval '4 days'),
           ('swieze@example.pl', 'Świeże', 'x', now() - interval '1 hour');
         UPDATE accounts SET created_at = now() - interval '1 year' WHERE email = 'stary@example.pl'",
    )
    .execute(app.db.platform())
    .await
    .unwrap();
    sqlx::query("INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at) VALUES ('\\x01', $1, 'reset_password', now() - interval '1 minute'), ('\\x02', $1, 'reset_password', now() + interval '1 hour')")
        .bind(kept)
        .execute(app.db.platform())
        .await
        .unwrap();
    let purged = pestor_kit::auth::retention::purge(app.db.platform(), &app.state.settings.auth)
        .await
        .unwrap();
    assert_eq!((purged.unverified_accounts, purged.tokens), (1, 1));
    let left: Vec<String> = sqlx::query_scalar("SELECT email FROM accounts ORDER BY email")
        .fetch_all(app.db.platform())
        .await
        .unwrap();
    assert_eq!(left, ["stary@example.pl", "swieze@example.pl"]);
    assert_eq!(count(&app, "SELECT count(*) FROM account_tokens").await, 1);
}

#[tokio::test]
async fn a_return_path_cannot_leave_the_site() {
    let app = spawn_app().await;
    create_account(&app, "x@example.pl", "X", "bardzo tajne hasło").await;
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        // A new browser each time: signing in rotates the CSRF token.
        let v = app.visitor();
        let token = v.csrf(PORTAL, "/logowanie").await;
        let r = v
            .post(
                PORTAL,
                "/logowanie",
                &[
                    ("email", "x@example.pl"),
                    ("password", "bardzo tajne hasło"),
                    ("powrot", evil),
                    ("csrf", &token),
                ],
            )
            .await;
        assert_eq!(r.location.as_deref(), Some("/"), "{evil}");
    }
    let v = app.visitor();
    // A target host that is not an active gmina is refused.
    let r = v.get(PORTAL, "/logowanie?do=evil.example").await;
    assert_eq!(r.status, 400);
    let r = v.get(PORTAL, "/logowanie?do=grudziadz.localhost").await;
    assert_eq!(r.status, 400, "registered but not provisioned");
    let _ = absolute;
}

#[tokio::test]
async fn my_data_downloads_as_json_and_holds_only_mine() {
    let app = spawn_app().await;
    let me = create_account(&app, "moje@example.pl", "Moje Dane", "bardzo tajne hasło").await;
    pestor_tests::grant(&app, me, "torun", "staff").await;
    create_account(&app, "cudze@example.pl", "Cudze", "bardzo tajne hasło").await;
    let v = app.visitor();
    v.sign_in("moje@example.pl", "bardzo tajne hasło").await;
    let r = v
        .client
        .get(v.url(PORTAL, "/konto/dane"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["konto"]["email"], "moje@example.pl");
    assert_eq!(doc["role"][0]["gmina"], "Toruń");
    assert_eq!(doc["role"][0]["rola"], "staff");
    assert_eq!(doc["logowania"].as_array().unwrap().len(), 1);
    assert!(!doc.to_string().contains("cudze@example.pl"));
}

#[tokio::test]
async fn deleting_my_account_needs_the_password_and_removes_personal_data() {
    let app = spawn_app().await;
    let me = create_account(
        &app,
        "usun@example.pl",
        "Do Usunięcia",
        "bardzo tajne hasło",
    )
    .await;
    pestor_tests::grant(&app, me, "torun", "admin").await;
    let v = app.visitor();
    v.sign_in("usun@example.pl", "bardzo tajne hasło").await;
    v.sign_in_to(TORUN).await;
    // Leave a trace in Toruń's audit log.
    let r = v
        .submit(
            TORUN,
            "/panel",
            "/panel/zaproszenia",
            &[("email", "ktos@example.pl"), ("role", "staff")],
        )
        .await;
    assert_eq!(r.status, 303);

    let wrong = v
        .submit(
            PORTAL,
            "/konto/usun",
            "/konto/usun",
            &[("current", "nie to")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("Konto nie zostało usunięte"));
    assert_eq!(count(&app, "SELECT count(*) FROM accounts").await, 1);

    let r = v
        .submit(
            PORTAL,
            "/konto/usun",
            "/konto/usun",
            &[("current", "bardzo tajne hasło")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Konto zostało usunięte"));
    assert_eq!(count(&app, "SELECT count(*) FROM accounts").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM gmina_roles").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM sessions").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM audit_log WHERE actor LIKE '%usun@example.pl%' OR actor LIKE '%Do Usunięcia%'").await, 0);
    assert_eq!(
        count(&app, "SELECT count(*) FROM audit_log WHERE teryt = '0463011' AND action = 'role.invite' AND actor LIKE 'konto usunięte #%'").await,
        1,
        "what was done stays in the gmina's log, pseudonymised"
    );
    assert!(
        v.get(TORUN, "/").await.body.contains("Zaloguj się"),
        "signed out everywhere"
    );
    let again = v
        .submit(
            PORTAL,
            "/rejestracja",
            "/logowanie",
            &[
                ("email", "usun@example.pl"),
                ("password", "bardzo tajne hasło"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
}

#[tokio::test]
async fn a_new_email_address_counts_only_once_its_link_is_opened() {
    let app = spawn_app().await;
    create_account(
        &app,
        "stary.adres@example.pl",
        "Zmiana",
        "bardzo tajne hasło",
    )
    .await;
    create_account(&app, "zajety@example.pl", "Zajęty", "bardzo tajne hasło").await;
    let v = app.visitor();
    v.sign_in("stary.adres@example.pl", "bardzo tajne hasło")
        .await;
    let bad = v
        .submit(
            PORTAL,
            "/konto",
            "/konto/email",
            &[
                ("email", "nowy.adres@example.pl"),
                ("current_email", "złe hasło"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body
            .contains("Hasło jest nieprawidłowe. Adres nie został zmieniony.")
    );
    let r = v
        .submit(
            PORTAL,
            "/konto",
            "/konto/email",
            &[
                ("email", "nowy.adres@example.pl"),
                ("current_email", "bardzo tajne hasło"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/konto?zmieniono=email"));
    let warning = app.mail.wait_for("stary.adres@example.pl", 1).await;
    assert!(warning.text.contains("nowy.adres@example.pl"));
    let link = app
        .mail
        .wait_for("nowy.adres@example.pl", 1)
        .await
        .link("/konto/email/potwierdz")
        .unwrap();
    // Until the link is opened, the old address signs in.
    assert!(
        v.get(PORTAL, "/konto")
            .await
            .body
            .contains("stary.adres@example.pl")
    );
    let (r, _) = v.follow(&link).await;
    assert!(
        r.body
            .contains("Od teraz logujesz się adresem nowy.adres@example.pl"),
        "{}",
        r.body
    );
    let fresh = app.visitor();
    fresh
        .sign_in("nowy.adres@example.pl", "bardzo tajne hasło")
        .await;

    // An address taken meanwhile is refused when the link is opened.
    v.submit(
        PORTAL,
        "/konto",
        "/konto/email",
        &[
            ("email", "trzeci@example.pl"),
            ("current_email", "bardzo tajne hasło"),
        ],
    )
    .await;
    let link = app
        .mail
        .wait_for("trzeci@example.pl", 1)
        .await
        .link("/konto/email/potwierdz")
        .unwrap();
    sqlx::query(
        "UPDATE accounts SET email = 'trzeci@example.pl' WHERE email = 'zajety@example.pl'",
    )
    .execute(app.db.platform())
    .await
    .unwrap();
    let (r, _) = v.follow(&link).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Ten adres jest już używany"));
}

#[tokio::test]
async fn a_gmina_subdomain_opened_after_signing_in_on_the_portal_is_already_signed_in() {
    let app = spawn_app().await;
    create_account(&app, "hint@example.pl", "Hanna", "bardzo tajne hasło").await;
    let v = app.visitor();
    // Anonymous visitors and crawlers are not redirected anywhere.
    let (r, url) = v.open(BYDGOSZCZ, "/").await;
    assert_eq!(
        (r.status, url.as_str()),
        (200, v.url(BYDGOSZCZ, "/").as_str())
    );

    let r = v.sign_in("hint@example.pl", "bardzo tajne hasło").await;
    let hint = r
        .set_cookies
        .iter()
        .find(|c| c.starts_with("pestor_region="))
        .expect("hint cookie");
    assert!(
        hint.contains("Domain=localhost") && hint.contains("HttpOnly"),
        "{hint}"
    );

    let (page, url) = v.open(BYDGOSZCZ, "/?x=1").await;
    assert_eq!(url, v.url(BYDGOSZCZ, "/?x=1"), "back on the page asked for");
    assert!(page.body.contains("Zalogowano: Hanna"), "{}", page.body);
    // Assets and non-HTML requests never bounce.
    assert_eq!(v.get(TORUN, "/branding/theme.css").await.status, 200);
    // …and never set cookies, which a shared cache could hand to everyone.
    let fresh = app.visitor();
    let asset = fresh.get(TORUN, "/branding/theme.css").await;
    assert!(asset.set_cookies.is_empty(), "{:?}", asset.set_cookies);
    let page = fresh.get(TORUN, "/").await;
    assert!(
        page.set_cookies
            .iter()
            .any(|c| c.starts_with("pestor_csrf="))
    );

    // A check for a host that is no gmina of ours goes nowhere and signs nobody out.
    let r = v
        .get(PORTAL, "/logowanie/sprawdz?do=evil.example&powrot=/")
        .await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/")));
    assert!(r.set_cookies.is_empty(), "{:?}", r.set_cookies);
    assert_eq!(v.get(PORTAL, "/konto").await.status, 200);

    // Signed out on another device: the stale hint is dropped, no loop, just anonymous.
    sqlx::query("UPDATE logins SET ended_at = now()")
        .execute(app.db.platform())
        .await
        .unwrap();
    let (page, url) = v.open(TORUN, "/").await;
    assert_eq!(url, v.url(TORUN, "/"));
    assert!(page.body.contains("Zaloguj się"));
    let (_, url) = v.open(TORUN, "/").await;
    assert_eq!(url, v.url(TORUN, "/"));
    let hops = v
        .client
        .get(v.url(TORUN, "/"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(
        hops, 200,
        "the hint is gone, so no more round trips to the portal"
    );
}

#[tokio::test]
async fn registration_and_reset_requests_are_limited_per_address() {
    let app = spawn_app_with(|s| s.auth.max_requests_per_ip = 2).await;
    let v = app.visitor();
    for i in 0..2 {
        let email = format!("osoba{i}@example.pl");
        let r = v
            .submit(
                PORTAL,
                "/rejestracja",
                "/rejestracja",
                &register_fields(&email, "zielona łąka 2026"),
            )
            .await;
        assert_eq!(r.status, 200);
    }
    let r = v
        .submit(
            PORTAL,
            "/rejestracja",
            "/rejestracja",
            &register_fields("trzecia@example.pl", "zielona łąka 2026"),
        )
        .await;
    assert_eq!(r.status, 429);
    assert!(r.body.contains("Odczekaj kwadrans"));
    assert_eq!(
        count(&app, "SELECT count(*) FROM accounts").await,
        2,
        "the refused one saved nothing"
    );

    for _ in 0..2 {
        let r = v
            .submit(
                PORTAL,
                "/haslo/nie-pamietam",
                "/haslo/nie-pamietam",
                &[("email", "osoba0@example.pl")],
            )
            .await;
        assert_eq!(r.status, 200);
    }
    let r = v
        .submit(
            PORTAL,
            "/haslo/nie-pamietam",
            "/haslo/nie-pamietam",
            &[("email", "osoba0@example.pl")],
        )
        .await;
    assert_eq!(r.status, 429);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM account_tokens WHERE purpose = 'reset_password'"
        )
        .await,
        2
    );
}
