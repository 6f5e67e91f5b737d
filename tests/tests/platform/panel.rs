//! The gmina admin panel: invitations by e-mail, roles, branding edits and the audit log.

use pestor_tests::{TestApp, Visitor, create_account, grant, spawn_app};

const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";

async fn torun_admin(app: &TestApp) -> (Visitor, i64) {
    let id = create_account(
        app,
        "admin@torun.example",
        "Admin Torunia",
        "hasło admina 123",
    )
    .await;
    grant(app, id, "torun", "admin").await;
    let v = app.visitor();
    v.sign_in("admin@torun.example", "hasło admina 123").await;
    v.sign_in_to(TORUN).await;
    (v, id)
}

async fn roles(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT a.email, t.slug, r.role FROM gmina_roles r JOIN accounts a ON a.id = r.account_id
         JOIN tenants t ON t.teryt = r.teryt ORDER BY a.email, t.slug",
    )
    .fetch_all(app.db.platform())
    .await
    .unwrap()
}

#[tokio::test]
async fn an_invitation_by_email_is_accepted_by_the_invited_account_only() {
    let app = spawn_app().await;
    let (admin, _) = torun_admin(&app).await;
    let r = admin
        .submit(
            TORUN,
            "/panel",
            "/panel/zaproszenia",
            &[("email", "Urzednik@Example.pl"), ("role", "staff")],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/panel?komunikat=zaproszono"))
    );
    let panel = admin.get(TORUN, "/panel?komunikat=zaproszono").await.body;
    assert!(
        panel.contains("Wysłaliśmy zaproszenie")
            && panel.contains("Urzednik@Example.pl — pracownik urzędu")
    );

    let mail = app.mail.wait_for("Urzednik@Example.pl", 1).await;
    assert!(
        mail.subject
            .contains("Zaproszenie: pracownik urzędu — Gmina Miasta Toruń"),
        "{}",
        mail.subject
    );
    assert!(
        mail.html.contains("#8b1a1a"),
        "the message carries Toruń's colours"
    );
    let link = mail.link("/zaproszenie?token=").unwrap();
    assert!(
        link.starts_with(&admin.url(TORUN, "/zaproszenie?token=")),
        "{link}"
    );

    // Someone else, signed in, cannot take it.
    create_account(&app, "obcy@example.pl", "Obcy", "hasło obcego 123").await;
    let stranger = app.visitor();
    stranger
        .sign_in("obcy@example.pl", "hasło obcego 123")
        .await;
    stranger.sign_in_to(TORUN).await;
    let (page, _) = stranger.follow(&link).await;
    let path = &link[link.find("/zaproszenie").unwrap()..];
    assert!(page.body.contains("Przyjmij zaproszenie"));
    let token = &link[link.find("token=").unwrap() + 6..];
    let r = stranger
        .submit(TORUN, path, "/zaproszenie/przyjmij", &[("token", token)])
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains("To zaproszenie jest dla adresu Urzednik@Example.pl"),
        "{}",
        r.body
    );
    // Nor does the token work in another gmina.
    let other = app.visitor().get(BYDGOSZCZ, path).await;
    assert_eq!(other.status, 400);

    create_account(
        &app,
        "urzednik@example.pl",
        "Jan Urzędnik",
        "hasło urzędnika 1",
    )
    .await;
    let invitee = app.visitor();
    invitee
        .sign_in("urzednik@example.pl", "hasło urzędnika 1")
        .await;
    invitee.sign_in_to(TORUN).await;
    let r = invitee
        .submit(TORUN, path, "/zaproszenie/przyjmij", &[("token", token)])
        .await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/")));
    assert!(roles(&app).await.contains(&(
        "urzednik@example.pl".into(),
        "torun".into(),
        "staff".into()
    )));
    let again = invitee
        .submit(TORUN, "/", "/zaproszenie/przyjmij", &[("token", token)])
        .await;
    assert_eq!(again.status, 400, "an invitation is used once");

    let log = admin.get(TORUN, "/panel/dziennik").await.body;
    assert!(
        log.contains("zaproszenie do roli")
            && log.contains("nadanie roli")
            && log.contains("Admin Torunia &lt;admin@torun.example&gt;"),
        "{log}"
    );
}

#[tokio::test]
async fn inviting_an_existing_account_grants_the_role_at_once_and_tells_them() {
    let app = spawn_app().await;
    let (admin, _) = torun_admin(&app).await;
    create_account(&app, "ma.konto@example.pl", "Ma Konto", "hasło ma konto 1").await;
    let r = admin
        .submit(
            TORUN,
            "/panel",
            "/panel/zaproszenia",
            &[("email", "MA.KONTO@example.pl"), ("role", "admin")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/panel?komunikat=nadano"));
    assert!(roles(&app).await.contains(&(
        "ma.konto@example.pl".into(),
        "torun".into(),
        "admin".into()
    )));
    let mail = app.mail.wait_for("MA.KONTO@example.pl", 1).await;
    assert!(
        mail.subject.starts_with("Nowa rola: administrator gminy"),
        "{}",
        mail.subject
    );
}

#[tokio::test]
async fn bad_invitations_are_refused_with_a_message_and_send_nothing() {
    let app = spawn_app().await;
    let (admin, _) = torun_admin(&app).await;
    for (fields, message) in [
        (
            vec![("email", "nie-adres"), ("role", "staff")],
            "Podaj poprawny adres e-mail",
        ),
        (
            vec![("email", "a@example.pl"), ("role", "pes_member")],
            "Wybierz rolę",
        ),
        (
            vec![("email", "a@example.pl"), ("role", "operator")],
            "Wybierz rolę",
        ),
    ] {
        let r = admin
            .submit(TORUN, "/panel", "/panel/zaproszenia", &fields)
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains(message), "{fields:?}");
    }
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    let invitations: i64 = sqlx::query_scalar("SELECT count(*) FROM invitations")
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    assert_eq!((queued, invitations), (0, 0));
}

#[tokio::test]
async fn roles_change_and_are_revoked_after_confirmation_within_this_gmina_only() {
    let app = spawn_app().await;
    let (admin, admin_id) = torun_admin(&app).await;
    let staff = create_account(
        &app,
        "pracownik@example.pl",
        "Pracownik",
        "hasło pracownika",
    )
    .await;
    grant(&app, staff, "torun", "staff").await;
    let elsewhere = create_account(
        &app,
        "bydgoszcz@example.pl",
        "Z Bydgoszczy",
        "hasło bydgoszczy",
    )
    .await;
    grant(&app, elsewhere, "bydgoszcz", "staff").await;
    let id = |email: &'static str| {
        let pool = app.db.platform().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT r.id FROM gmina_roles r JOIN accounts a ON a.id = r.account_id WHERE a.email = $1")
                .bind(email)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let staff_role = id("pracownik@example.pl").await;
    let r = admin
        .submit(
            TORUN,
            "/panel",
            &format!("/panel/role/{staff_role}"),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/panel?komunikat=zmieniono"));
    assert!(roles(&app).await.contains(&(
        "pracownik@example.pl".into(),
        "torun".into(),
        "admin".into()
    )));

    // Revoking asks first; the GET changes nothing.
    let confirm = admin
        .get(TORUN, &format!("/panel/role/{staff_role}/usun"))
        .await;
    assert!(
        confirm.body.contains("Odebrać rolę?")
            && confirm.body.contains("Pracownik (pracownik@example.pl)")
    );
    assert_eq!(roles(&app).await.len(), 3);
    let r = admin
        .submit(
            TORUN,
            "/panel",
            &format!("/panel/role/{staff_role}/usun"),
            &[],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/panel?komunikat=usunieto"));
    assert!(
        !roles(&app)
            .await
            .iter()
            .any(|r| r.0 == "pracownik@example.pl")
    );

    // Another gmina's role rows do not exist here.
    let foreign = id("bydgoszcz@example.pl").await;
    for path in [
        format!("/panel/role/{foreign}/usun"),
        format!("/panel/role/{foreign}"),
    ] {
        let r = admin
            .submit(TORUN, "/panel", &path, &[("role", "admin")])
            .await;
        assert_eq!(r.status, 404, "{path}");
    }
    assert_eq!(
        admin
            .get(TORUN, &format!("/panel/role/{foreign}/usun"))
            .await
            .status,
        404
    );
    assert_eq!(admin.get(TORUN, "/panel/role/abc/usun").await.status, 404);

    // An admin cannot demote themselves (and so lock the gmina out).
    let own: i64 = sqlx::query_scalar("SELECT id FROM gmina_roles WHERE account_id = $1")
        .bind(admin_id)
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    let r = admin
        .submit(TORUN, "/panel", &format!("/panel/role/{own}/usun"), &[])
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains("Nie możesz odebrać ani zmienić własnej roli administratora")
    );
    assert!(roles(&app).await.contains(&(
        "admin@torun.example".into(),
        "torun".into(),
        "admin".into()
    )));
}

#[tokio::test]
async fn branding_edits_are_checked_for_contrast_and_show_at_once() {
    let app = spawn_app().await;
    let (admin, _) = torun_admin(&app).await;
    let form = admin.get(TORUN, "/panel/wyglad").await.body;
    assert!(form.contains("value=\"Gmina Miasta Toruń\"") && form.contains("value=\"#8b1a1a\""));
    let mut fields = vec![
        ("display_name", "Toruń — Miasto Kopernika"),
        ("primary_colour", "#8b1a1a"),
        ("on_primary_colour", "#9a2a2a"),
        ("accent_colour", "#8b1a1a"),
        (
            "contact_address",
            "ul. Wały gen. Sikorskiego 8, 87-100 Toruń",
        ),
        ("contact_phone", "56 611 88 88"),
        ("contact_email", "pes@torun.example"),
        ("website", "https://www.torun.pl"),
        ("welcome_text", "Witamy w Toruniu."),
    ];
    let r = admin
        .submit(TORUN, "/panel/wyglad", "/panel/wyglad", &fields)
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("WCAG 2.1 AA wymaga co najmniej 4,5:1"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("value=\"Toruń — Miasto Kopernika\""),
        "input kept"
    );
    assert!(
        app.page(TORUN, "/")
            .await
            .1
            .contains("<h1 class=\"govuk-heading-xl\">Gmina Miasta Toruń</h1>"),
        "nothing saved"
    );

    fields[2] = ("on_primary_colour", "#FFFFFF");
    let r = admin
        .submit(TORUN, "/panel/wyglad", "/panel/wyglad", &fields)
        .await;
    assert_eq!(r.location.as_deref(), Some("/panel?komunikat=wyglad"));
    let (_, home) = app.page(TORUN, "/").await;
    assert!(
        home.contains("<h1 class=\"govuk-heading-xl\">Toruń — Miasto Kopernika</h1>")
            && home.contains("Witamy w Toruniu."),
        "{home}"
    );
    assert!(
        app.page(BYDGOSZCZ, "/")
            .await
            .1
            .contains("<h1 class=\"govuk-heading-xl\">Miasto Bydgoszcz</h1>")
    );

    // Map tiles: an https template only; its origin is the one the map page's CSP adds.
    let tiles = "https://{s}.kafelki.example.pl/{z}/{x}/{y}.png";
    let mut with_map = fields.clone();
    with_map.push(("map_tiles", "http://kafelki.example.pl/{z}/{x}/{y}.png"));
    with_map.push(("map_attribution", "© Kafelki Przykładowe"));
    let r = admin
        .submit(TORUN, "/panel/wyglad", "/panel/wyglad", &with_map)
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("adres kafelków mapy musi zaczynać się od https:")
    );
    let map = app.get(TORUN, "/mapa").await;
    assert!(
        !map.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("kafelki"),
        "nothing saved"
    );
    with_map[9] = ("map_tiles", tiles);
    let r = admin
        .submit(TORUN, "/panel/wyglad", "/panel/wyglad", &with_map)
        .await;
    assert_eq!(r.status, 303);
    let map = app.get(TORUN, "/mapa").await;
    let csp = map.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("https://*.kafelki.example.pl"), "{csp}");
    let body = map.text().await.unwrap();
    assert!(
        body.contains(
            "data-tiles=\"https:&#x2f;&#x2f;{s}.kafelki.example.pl&#x2f;{z}&#x2f;{x}&#x2f;{y}.png\""
        ) && body.contains("© Kafelki Przykładowe"),
        "{body}"
    );
    // Emptied, they fall back to the default tiles.
    with_map[9] = ("map_tiles", "");
    with_map[10] = ("map_attribution", "");
    admin
        .submit(TORUN, "/panel/wyglad", "/panel/wyglad", &with_map)
        .await;
    let map = app.get(TORUN, "/mapa").await;
    assert!(
        map.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("https://tile.openstreetmap.org")
    );

    let log = admin.get(TORUN, "/panel/dziennik").await.body;
    assert!(
        log.contains("zmiana wyglądu serwisu") && log.contains(">3 wpisy"),
        "{log}"
    );
    // Bydgoszcz's admin sees Bydgoszcz's log only.
    let other = create_account(
        &app,
        "admin@bydgoszcz.example",
        "Admin Bydgoszczy",
        "hasło admina 456",
    )
    .await;
    grant(&app, other, "bydgoszcz", "admin").await;
    let b = app.visitor();
    b.sign_in("admin@bydgoszcz.example", "hasło admina 456")
        .await;
    b.sign_in_to(BYDGOSZCZ).await;
    let log = b.get(BYDGOSZCZ, "/panel/dziennik").await.body;
    assert!(
        log.contains("Dziennik jest pusty") && log.contains("Dziennik jest pusty"),
        "{log}"
    );
}

#[tokio::test]
async fn the_demo_has_an_administrator_and_organisations_and_can_be_seeded_twice() {
    let app = spawn_app().await;
    // `serve --demo` provisions every gmina; the harness has three, so add the demo's others.
    for slug in ["lubicz", "wloclawek"] {
        app.store().provision(slug).await.unwrap();
    }
    let seed = || pestor_web::demo::seed(&app.db, &app.state.registry, &app.state.settings);
    assert!(seed().await.unwrap());
    assert!(!seed().await.unwrap(), "seeding twice changes nothing");
    let per_gmina: Vec<(String, i64)> = sqlx::query_as(
        "SELECT t.slug, count(*) FROM pes_directory d JOIN tenants t USING (teryt)
         WHERE d.status = 'verified' GROUP BY t.slug ORDER BY t.slug",
    )
    .fetch_all(app.db.platform())
    .await
    .unwrap();
    assert_eq!(
        per_gmina,
        [
            ("bydgoszcz".to_owned(), 2),
            ("lubicz".to_owned(), 1),
            ("torun".to_owned(), 10),
            ("wloclawek".to_owned(), 1)
        ]
    );
    let (_, list) = app.page(TORUN, "/podmioty").await;
    assert!(
        list.contains(">12 organizacji"),
        "Toruń's ten and two from elsewhere that work there"
    );
    // Offers with photos in Toruń's Giełda, stored like uploads (two variants each).
    let (_, offers) = app.page(TORUN, "/oferty").await;
    assert!(offers.contains(">10 ofert"), "{offers}");
    assert!(offers.contains("Obiady dla szkół i przedszkoli") && offers.contains("14,50 zł"));
    assert_eq!(app.s3.keys().len(), 20);
    let photo = offers
        .split("<img class=\"pestor-card__photo\" src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#x2f;", "/");
    assert_eq!(app.get(TORUN, &photo).await.status(), 200, "{photo}");
    for name in [
        "CISTOR Stowarzyszenie Partnerstwo Społeczne",
        "Stowarzyszenie „JESTEM”",
        "Fundacja Bank Żywności",
        "Stowarzyszenie Inicjatyw Kulturalnych tARTak",
        "Fundacja Dr Clown",
        "Fundacja RUSZ",
        "Koło Gospodyń Wiejskich w Lubiczu Dolnym",
    ] {
        assert!(list.contains(name), "{name}");
    }
    // Polityka lokalowa: four premises, one leased to a demo PES after a decided call, one in an
    // open call; the monitoring counts the lease.
    let (_, premises) = app.page(TORUN, "/lokale").await;
    assert!(premises.contains(">4 lokale"), "{premises}");
    let (_, calls) = app.page(TORUN, "/lokale/nabory").await;
    assert!(calls.contains("przyjmuje wnioski") && calls.contains("rozstrzygnięty"));
    let csv = app
        .get(TORUN, "/lokale/monitoring.csv")
        .await
        .text()
        .await
        .unwrap();
    let this_year = csv.lines().last().unwrap();
    assert!(this_year.contains(";1;48,50;"), "{csv}");
    // Mapa wsparcia: the region's entries in every gmina, Toruń's own in Toruń.
    let (_, support) = app.page(TORUN, "/wsparcie").await;
    for name in [
        "Regionalny Ośrodek Polityki Społecznej w Toruniu",
        "Powiatowy Urząd Pracy dla Miasta Torunia",
        "Miejski Ośrodek Pomocy Rodzinie w Toruniu",
    ] {
        assert!(support.contains(name), "{name}");
    }
    let (_, elsewhere) = app.page("bydgoszcz.localhost", "/wsparcie").await;
    assert!(
        elsewhere.contains("Regionalny Ośrodek Polityki Społecznej w Toruniu")
            && !elsewhere.contains("Miejski Ośrodek Pomocy Rodzinie w Toruniu")
    );
    // Klauzule społeczne: Toruń's procurements of 2013–2014 against the target of 10, marked demo.
    let (_, register) = app.page(TORUN, "/klauzule-spoleczne?rok=2013").await;
    assert!(
        register.contains("Catering na spotkanie wigilijne")
            && register.contains("dane demonstracyjne")
    );
    let indicators = app
        .get(TORUN, "/klauzule-spoleczne/wskazniki.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(indicators.contains("\r\n2013;10;2;"), "{indicators}");
    let v = app.visitor();
    v.sign_in(
        pestor_web::demo::ADMIN_EMAIL,
        pestor_web::demo::ADMIN_PASSWORD,
    )
    .await;
    v.sign_in_to(TORUN).await;
    let panel = v.get(TORUN, "/panel").await;
    assert_eq!(panel.status, 200);
    assert!(panel.body.contains("Administrator demo (Toruń)"));

    // The other roles, with the same public password: staff see the verification queue, the
    // member edits the cooperative's offers, the coordinator opens the dashboard.
    for (email, host, path) in [
        ("urzednik@torun.example", TORUN, "/podmioty/weryfikacja"),
        ("pes@torun.example", TORUN, "/oferty/nowa"),
        ("koordynator@region.example", "localhost", "/koordynator"),
    ] {
        let v = app.visitor();
        v.sign_in(email, pestor_web::demo::ADMIN_PASSWORD).await;
        if host != "localhost" {
            v.sign_in_to(host).await;
        }
        let r = v.get(host, path).await;
        assert_eq!(r.status, 200, "{email} {path}: {}", r.body);
    }
    let member_of: String = sqlx::query_scalar(
        "SELECT o.name FROM gmina_roles r JOIN accounts a ON a.id = r.account_id
         JOIN gmina_0463011.organisations o ON o.id = r.organisation_id
         WHERE a.email = 'pes@torun.example' AND r.role = 'pes_member'",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(member_of, "Spółdzielnia Socjalna Smaki Podgórza");
}
