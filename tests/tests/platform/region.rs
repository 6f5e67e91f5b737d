//! The coordinators' dashboard counts every gmina's records exactly, filters, sorts and exports
//! them; coordinators appoint and remove each other, and every such act is in the region's log.

use std::collections::BTreeMap;

use pestor_tests::{TestApp, Visitor, add_card, create_account, grant, spawn_app};

const PORTAL: &str = "localhost";

/// A coordinator signed in on the portal.
async fn coordinator(app: &TestApp, email: &str) -> (i64, Visitor) {
    let id = create_account(app, email, "Koordynatorka Regionu", "hasło testowe 123").await;
    sqlx::query("UPDATE accounts SET region_role = 'coordinator' WHERE id = $1")
        .bind(id)
        .execute(app.db.platform())
        .await
        .unwrap();
    let v = app.visitor();
    v.sign_in(email, "hasło testowe 123").await;
    (id, v)
}

/// The dashboard's CSV as TERYT → its cells.
async fn table(v: &Visitor, query: &str) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let r = v
        .get(PORTAL, &format!("/koordynator/gminy.csv{query}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.body.strip_prefix('\u{feff}').expect("BOM for Excel");
    let mut lines = body.split("\r\n").filter(|l| !l.is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(';')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| {
            let cells: Vec<String> = l.split(';').map(str::to_owned).collect();
            (cells[0].clone(), cells)
        })
        .collect();
    (header, rows)
}

async fn seed(app: &TestApp) {
    let card = async |name: &str, slug: &str, teryt: &str, status: &str| {
        add_card(
            app,
            slug,
            &[
                ("name", name),
                ("legal_form", "fundacja"),
                ("gmina_teryt", teryt),
            ],
            &["1"],
            &[],
            status,
        )
        .await
    };
    let first = card("Fundacja Pierwsza", "torun", "0463011", "verified").await;
    card("Fundacja Druga", "torun", "0463011", "verified").await;
    card("Fundacja Trzecia", "torun", "0463011", "pending").await;
    card("Fundacja z Bydgoszczy", "bydgoszcz", "0461011", "verified").await;
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    let offer = pestor_core::offer::Offer {
        name: "Obiady domowe".into(),
        category: "catering".into(),
        price_grosze: Some(1890),
        price_note: String::new(),
        target_groups: vec!["mieszkancy".into()],
        description: String::new(),
    };
    pestor_offers::store::insert(&mut tx, first, &offer, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let staff = create_account(
        app,
        "urzednik@torun.example",
        "Jan Urzędnik",
        "hasło testowe 123",
    )
    .await;
    grant(app, staff, "torun", "staff").await;
    app.store()
        .suspend("gmina-chelmza", "przegląd")
        .await
        .unwrap();
    // The regional pages read the figures' store; the job would count these within a second.
    app.count_figures().await;
}

#[tokio::test]
async fn the_dashboard_counts_every_gmina_exactly_filters_sorts_and_exports() {
    let app = spawn_app().await;
    seed(&app).await;
    let (_, v) = coordinator(&app, "koordynator@example.pl").await;

    let (header, rows) = table(&v, "").await;
    assert_eq!(
        header,
        [
            "TERYT",
            "Gmina",
            "Powiat",
            "Status",
            "konta z rolą w gminie",
            "PES zweryfikowane",
            "PES czekające na weryfikację",
            "PES bez potwierdzenia danych od 12 miesięcy",
            "PES z innych gmin działające w gminie",
            "z nich ukryte przez gminę",
            "aktywne oferty",
            "oferty dodane w ostatnich 30 dniach",
            "oferty PES z innych gmin dostępne w gminie",
            "przedmioty w banku sprzętu",
            "przedmioty przekazane PES w tym roku",
            "wypożyczenia wydane w tym roku",
            "trwające wypożyczenia",
            "wypożyczenia po terminie zwrotu",
            "lokale wynajęte PES w tym roku",
            "m² lokali wynajętych PES w tym roku",
            "ulga w czynszu dla PES w tym roku (zł)",
            "wpisy gminy na mapie wsparcia",
            "zamówienia z klauzulami w tym roku",
            "cel programu na ten rok",
            "wartość zamówień z klauzulami w tym roku (zł)",
            "z nich wygrane przez PES",
            "klauzule niespełnione (ostatnia kontrola)",
            "Ostatnia aktywność",
        ]
    );
    assert_eq!(rows.len(), 144, "every gmina of the region");
    assert_eq!(
        rows["0463011"][1..12],
        [
            "Toruń",
            "Toruń (miasto na prawach powiatu)",
            "aktywna",
            "1",
            "2",
            "1",
            "0",
            "0",
            "0",
            "1",
            "1"
        ]
    );
    assert_eq!(
        rows["0461011"][3..12],
        ["aktywna", "0", "1", "0", "0", "0", "0", "0", "0"]
    );
    assert_eq!(
        rows["0415022"][3..12],
        ["zawieszona", "0", "0", "0", "0", "0", "0", "0", "0"],
        "a suspended gmina keeps its schema and figures"
    );
    // A gmina that has not joined has no schema: no figures rather than zeros.
    let brodnica = &rows["0402011"];
    assert_eq!(brodnica[3], "nie dołączyła");
    assert!(brodnica[4..12].iter().all(String::is_empty), "{brodnica:?}");

    let page = v.get(PORTAL, "/koordynator").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("href=\"/koordynator/gminy/torun\">Toruń</a>")
    );
    let region_total: Vec<&str> = page
        .body
        .split("pestor-total")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap()
        .split("govuk-table__cell--numeric\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    assert_eq!(
        region_total,
        [
            "144", "1", "3", "1", "0", "0", "0", "1", "1", "0", "0", "0", "0", "0", "0", "0", "0",
            "0", "0", "0", "0", "0", "0", "0"
        ]
    );
    assert!(page.body.contains(">144 gminy</p>"));

    // Filters, with the count and the CSV following them.
    let (_, torun_only) = table(&v, "?powiat=0463").await;
    assert_eq!(torun_only.keys().collect::<Vec<_>>(), ["0463011"]);
    let (_, suspended) = table(&v, "?status=suspended").await;
    assert_eq!(suspended.keys().collect::<Vec<_>>(), ["0415022"]);
    let filtered = v.get(PORTAL, "/koordynator?powiat=0463").await.body;
    assert!(
        filtered.contains(">1 gmina</p>")
            && filtered.contains("href=\"/koordynator/gminy.csv?powiat=0463\"")
    );
    // Sorting by a figure, largest first; then by name in Polish order.
    let sorted = v
        .get(
            PORTAL,
            "/koordynator/gminy.csv?sort=pes_verified&kierunek=malejaco",
        )
        .await
        .body;
    let order: Vec<&str> = sorted
        .split("\r\n")
        .skip(1)
        .take(2)
        .map(|l| l.split(';').nth(1).unwrap())
        .collect();
    assert_eq!(order, ["Toruń", "Bydgoszcz"]);
    let by_name = v.get(PORTAL, "/koordynator/gminy.csv").await.body;
    let names: Vec<&str> = by_name
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(';').nth(1).unwrap())
        .collect();
    let l = names.iter().position(|n| *n == "Lubicz").unwrap();
    let ł = names.iter().position(|n| *n == "Łabiszyn").unwrap();
    assert!(l < ł, "L before Ł");

    // Bad input: a clear message, not an empty table.
    for (query, message) in [
        (
            "?powiat=9999",
            "Nie ma w województwie powiatu o kodzie „9999”.",
        ),
        ("?status=kasowana", "Nieznany status gminy „kasowana”."),
        ("?sort=haslo", "Nie można sortować według „haslo”."),
        ("?strona=0", "strona (liczba od 1)"),
    ] {
        let r = v.get(PORTAL, &format!("/koordynator{query}")).await;
        assert_eq!(r.status, 400, "{query}");
        assert!(r.body.contains(message), "{query}: {}", r.body);
    }

    // The region's 144 gminas fit one page (200 a page): no pagination, and a page past the
    // last shows the last.
    let one = v.get(PORTAL, "/koordynator?strona=5").await;
    assert_eq!(one.status, 200);
    assert!(one.body.contains("144 gminy</p>") && !one.body.contains("govuk-pagination"));

    // The page of one gmina: every figure by name, and what its staff did.
    let torun = v.get(PORTAL, "/koordynator/gminy/torun").await;
    assert_eq!(torun.status, 200);
    for (label, value) in [
        ("PES zweryfikowane", "2"),
        ("aktywne oferty", "1"),
        ("konta z rolą w gminie", "1"),
    ] {
        assert!(
            torun.body.contains(&format!("<dt class=\"govuk-summary-list__key\">{label}</dt><dd class=\"govuk-summary-list__value\">{value}</dd>")),
            "{label}"
        );
    }
    let brodnica = v.get(PORTAL, "/koordynator/gminy/brodnica").await;
    assert!(
        brodnica
            .body
            .contains("Gmina nie ma jeszcze serwisu na platformie")
    );
    assert_eq!(
        v.get(PORTAL, "/koordynator/gminy/nie-ma-takiej")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn coordinators_appoint_and_remove_each_other_and_the_log_says_who_did_it() {
    let app = spawn_app().await;
    let (anna, v) = coordinator(&app, "anna@region.example").await;
    let bartek = create_account(
        &app,
        "bartek@region.example",
        "Bartek Nowy",
        "hasło testowe 123",
    )
    .await;
    let role = async |id: i64| -> Option<String> {
        sqlx::query_scalar("SELECT region_role FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_one(app.db.platform())
            .await
            .unwrap()
    };
    let log_rows = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE teryt IS NULL")
            .fetch_one(app.db.platform())
            .await
            .unwrap()
    };
    const LIST: &str = "/koordynator/koordynatorzy";

    // Refused appointments change nothing and say why.
    for (email, message) in [
        ("", "Podaj adres e-mail konta."),
        ("nikt@example.pl", "Nie ma konta o adresie nikt@example.pl."),
        (
            "anna@region.example",
            "anna@region.example jest już koordynatorem.",
        ),
    ] {
        let r = v.submit(PORTAL, LIST, LIST, &[("email", email)]).await;
        assert_eq!(r.status, 422, "{email}");
        assert!(r.body.contains(message), "{email}: {}", r.body);
    }
    assert_eq!(log_rows().await, 0);

    let r = v
        .submit(PORTAL, LIST, LIST, &[("email", "  Bartek@Region.example ")])
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/koordynator/koordynatorzy?komunikat=powolano")
    );
    assert_eq!(role(bartek).await.as_deref(), Some("coordinator"));
    let list = v.get(PORTAL, LIST).await.body;
    assert!(
        list.contains("Bartek Nowy")
            && list.contains(&format!("/koordynator/koordynatorzy/{bartek}/usun"))
    );
    assert!(
        !list.contains(&format!("/koordynator/koordynatorzy/{anna}/usun")),
        "no link to remove oneself"
    );

    // No one removes themselves: the region keeps someone who can appoint.
    let own = format!("/koordynator/koordynatorzy/{anna}/usun");
    let r = v.submit(PORTAL, LIST, &own, &[]).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Nie możesz odwołać samego siebie"));
    assert_eq!(role(anna).await.as_deref(), Some("coordinator"));

    let removal = format!("/koordynator/koordynatorzy/{bartek}/usun");
    let confirm = v.get(PORTAL, &removal).await;
    assert!(
        confirm.body.contains("Odwołać koordynatora?")
            && confirm.body.contains("bartek@region.example")
    );
    let r = v.submit(PORTAL, &removal, &removal, &[]).await;
    assert_eq!(
        r.location.as_deref(),
        Some("/koordynator/koordynatorzy?komunikat=odwolano")
    );
    assert_eq!(role(bartek).await, None);
    // Removing someone who is no longer a coordinator is "not found", and logs nothing.
    assert_eq!(v.submit(PORTAL, LIST, &removal, &[]).await.status, 404);

    let log = v.get(PORTAL, "/koordynator/dziennik").await.body;
    assert_eq!(log_rows().await, 2);
    assert!(log.contains(">2 wpisy"));
    for action in ["powołanie koordynatora", "odwołanie koordynatora"] {
        assert!(log.contains(action), "{action}");
    }
    assert!(
        log.contains("Koordynatorka Regionu &lt;anna@region.example&gt;")
            && log.contains("bartek@region.example")
    );
}

#[tokio::test]
async fn the_portal_shows_each_active_gminas_public_figures_their_sum_and_a_map() {
    let app = spawn_app().await;
    seed(&app).await;
    let (status, body) = app.page(PORTAL, "/").await;
    assert_eq!(status, 200);
    // The home lists powiats (not every gmina: 2,477 would be too many), each with its gminas on
    // the platform.
    let toruński = body
        .split("<a class=\"govuk-link\" href=\"/powiaty/0415\">")
        .nth(1)
        .unwrap()
        .split("</li>")
        .next()
        .unwrap();
    assert!(
        toruński.starts_with("powiat toruński</a>")
            && toruński.contains("na platformie 0 z 9 gmin"),
        "{toruński}"
    );
    assert!(body.contains("Toruń (miasto na prawach powiatu)</a>"));
    assert!(!body.contains("id=\"gmina-"));
    assert!(!body.contains("konta z rolą w gminie") && !body.contains("czekające na weryfikację"));
    let figures = |body: &str| -> Vec<String> {
        body.split("<span class=\"pestor-figure\">")
            .skip(1)
            .map(|s| s.split("</div>").next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        figures(&body),
        [
            "3</span> PES zweryfikowane",
            "1</span> aktywne oferty",
            "1</span> oferty dodane w ostatnich 30 dniach"
        ]
    );

    // A powiat's page: only the figures the modules make public, and only of active gminas
    // (Chełmża is suspended).
    let (status, torun_page) = app.page(PORTAL, "/powiaty/0463").await;
    assert_eq!(status, 200);
    let torun = torun_page
        .split("<li id=\"gmina-0463011\">")
        .nth(1)
        .unwrap()
        .split("</li>")
        .next()
        .unwrap();
    assert!(
        torun.contains(
            "PES zweryfikowane: 2 · aktywne oferty: 1 · oferty dodane w ostatnich 30 dniach: 1"
        ),
        "{torun}"
    );
    assert_eq!(
        figures(&torun_page),
        [
            "2</span> PES zweryfikowane",
            "1</span> aktywne oferty",
            "1</span> oferty dodane w ostatnich 30 dniach"
        ]
    );
    let (_, powiat) = app.page(PORTAL, "/powiaty/0415").await;
    assert!(powiat.contains("<h1 class=\"govuk-heading-xl\">powiat toruński</h1>"));
    let chelmza = powiat
        .split("<li id=\"gmina-0415022\">")
        .nth(1)
        .unwrap()
        .split("</li>")
        .next()
        .unwrap();
    assert!(
        chelmza.contains("serwis zawieszony") && !chelmza.contains("PES zweryfikowane"),
        "{chelmza}"
    );
    // No active gmina in the powiat: no figures to sum.
    assert!(
        figures(&powiat).is_empty() && powiat.contains("Na platformie: <strong>0</strong> z 9")
    );
    // A code that is no powiat of the registry (or no code at all) is not found.
    for bad in ["/powiaty/9999", "/powiaty/04150", "/powiaty/%27%3B"] {
        assert_eq!(app.page(PORTAL, bad).await.0, 404, "{bad}");
    }

    // The map's data: every gmina with known seat coordinates, its status in words.
    let geo: serde_json::Value = app
        .get(PORTAL, "/api/v1/gminy.geojson")
        .await
        .json()
        .await
        .unwrap();
    let features = geo["features"].as_array().unwrap();
    assert!(features.len() >= 140, "{}", features.len());
    let find = |teryt: &str| {
        features
            .iter()
            .find(|f| f["properties"]["teryt"] == teryt)
            .unwrap()
            .clone()
    };
    let t = find("0463011");
    assert_eq!(t["properties"]["name"], "Toruń (serwis działa)");
    assert!(
        t["properties"]["address_text"]
            .as_str()
            .unwrap()
            .contains("PES zweryfikowane: 2")
    );
    assert_eq!(
        t["geometry"]["coordinates"][1].as_f64().unwrap().round(),
        53.0
    );
    let c = find("0415022");
    assert_eq!(c["properties"]["name"], "Chełmża (serwis zawieszony)");
    assert!(
        !c["properties"]["address_text"]
            .as_str()
            .unwrap()
            .contains("PES")
    );
    assert_eq!(c["properties"]["url"], "/powiaty/0415#gmina-0415022");
    assert_eq!(
        find("0402011")["properties"]["name"],
        "Brodnica (jeszcze nie dołączyła)"
    );
}

async fn status_of(app: &TestApp, slug: &str) -> String {
    sqlx::query_scalar("SELECT status FROM tenants WHERE slug = $1")
        .bind(slug)
        .fetch_one(app.db.platform())
        .await
        .unwrap()
}

async fn schema_exists(app: &TestApp, schema: &str) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
        .bind(schema)
        .fetch_one(app.db.platform())
        .await
        .unwrap()
}

/// The region log's entries, newest first, as the page lists them.
async fn region_log(v: &Visitor) -> String {
    let r = v.get(PORTAL, "/koordynator/dziennik").await;
    assert_eq!(r.status, 200);
    r.body
}

#[tokio::test]
async fn a_coordinator_onboards_a_gmina_and_a_failed_run_leaves_nothing_behind() {
    let app = spawn_app().await;
    let (_, v) = coordinator(&app, "koordynator@example.pl").await;
    const PAGE: &str = "/koordynator/gminy/chelmno/przylaczenie";
    const HOST: &str = "chelmno.localhost";

    let card = v.get(PORTAL, "/koordynator/gminy/chelmno").await.body;
    assert!(
        card.contains(&format!("href=\"{PAGE}\">Przyłącz gminę</a>")),
        "{card}"
    );
    assert!(
        v.get(PORTAL, PAGE)
            .await
            .body
            .contains("Dane do przyłączenia")
    );
    assert_eq!(app.visitor().get(HOST, "/").await.status, 404);

    // Bad input: every problem named, nothing started.
    let r = v
        .submit(
            PORTAL,
            PAGE,
            PAGE,
            &[
                ("admin_email", "nie-adres"),
                ("primary_colour", "czerwony"),
                ("contact_email", "urząd@"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for message in [
        "Podaj poprawny adres e-mail pierwszego administratora gminy.",
        "„czerwony” nie jest kolorem w zapisie #RRGGBB",
        "Adres kontaktowy urzędu nie jest poprawnym adresem e-mail.",
    ] {
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    assert!(r.body.contains("value=\"nie-adres\""), "typed values stay");
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant_onboardings")
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    assert_eq!(runs, 0);
    // A colour the header text cannot be read on is refused with the pair that fails.
    let r = v
        .submit(
            PORTAL,
            PAGE,
            PAGE,
            &[("admin_email", "a@b.pl"), ("primary_colour", "#ffff00")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("WCAG 2.1 AA wymaga"), "{}", r.body);

    // Sabotage the schema: a table in the way makes the first migration fail.
    sqlx::raw_sql(
        "CREATE SCHEMA gmina_0404011; CREATE TABLE gmina_0404011.tenant_info (in_the_way int)",
    )
    .execute(app.db.platform())
    .await
    .unwrap();
    let fields = [
        ("admin_email", "burmistrz@chelmno.example"),
        ("display_name", "Chełmno — miasto zakochanych"),
        ("primary_colour", "#1d4f91"),
    ];
    let r = v.submit(PORTAL, PAGE, PAGE, &fields).await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some(PAGE)));
    let failed = v.get(PORTAL, PAGE).await.body;
    assert!(
        failed.contains("Przyłączenie nie powiodło się")
            && failed.contains("Błąd techniczny")
            && failed.contains("Spróbuj ponownie"),
        "{failed}"
    );
    assert_eq!(status_of(&app, "chelmno").await, "registered");
    assert!(
        !schema_exists(&app, "gmina_0404011").await,
        "nothing half-made stays"
    );
    assert_eq!(app.visitor().get(HOST, "/").await.status, 404);
    assert!(app.mail.to("burmistrz@chelmno.example").is_empty());

    // The retry goes through: the site answers at once, the admin is invited from it.
    let r = v.submit(PORTAL, PAGE, PAGE, &fields).await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some(PAGE)));
    let done = v.get(PORTAL, PAGE).await.body;
    assert!(
        done.contains("Gmina jest na platformie")
            && done.contains("burmistrz@chelmno.example")
            && !done.contains("Przyłącz gminę"),
        "{done}"
    );
    assert_eq!(status_of(&app, "chelmno").await, "active");
    let home = app.visitor().get(HOST, "/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Chełmno — miasto zakochanych"));
    assert!(
        app.visitor()
            .get(HOST, "/branding/theme.css")
            .await
            .body
            .contains("#1d4f91")
    );
    let mail = app.mail.wait_for("burmistrz@chelmno.example", 1).await;
    assert!(
        mail.subject
            .contains("Zaproszenie: administrator gminy — Chełmno — miasto zakochanych"),
        "{}",
        mail.subject
    );
    assert!(
        mail.link("/zaproszenie?token=")
            .unwrap()
            .starts_with(&v.url(HOST, "/zaproszenie?token=")),
        "the link is on the gmina's own host"
    );

    // Twice is refused; the log tells the story.
    let again = v.submit(PORTAL, PAGE, PAGE, &fields).await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("jest już na platformie"));
    let log = region_log(&v).await;
    for entry in [
        "rozpoczęcie przyłączania gminy",
        "nieudane przyłączenie gminy",
        "przyłączenie gminy",
    ] {
        assert!(log.contains(entry), "{entry}: {log}");
    }
    assert!(log.contains("chelmno — burmistrz@chelmno.example"));
    // The gmina's own log names the coordinator who invited its admin.
    let invited: String = sqlx::query_scalar(
        "SELECT actor FROM audit_log WHERE teryt = '0404011' AND action = 'role.invite'",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(invited, "Koordynatorka Regionu <koordynator@example.pl>");
}

#[tokio::test]
async fn suspending_shows_the_reason_on_the_site_and_resuming_brings_it_back() {
    let app = spawn_app().await;
    let (_, v) = coordinator(&app, "koordynator@example.pl").await;
    const SUSPEND: &str = "/koordynator/gminy/torun/zawieszenie";
    const RESUME: &str = "/koordynator/gminy/torun/wznowienie";
    const TORUN: &str = "torun.localhost";

    let confirm = v.get(PORTAL, SUSPEND).await.body;
    assert!(confirm.contains("Zawiesić serwis gminy?") && confirm.contains("Tak, zawieś serwis"));
    let r = v
        .submit(PORTAL, SUSPEND, SUSPEND, &[("reason", "  ")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Podaj powód zawieszenia"));
    let long = "x".repeat(301);
    let r = v
        .submit(PORTAL, SUSPEND, SUSPEND, &[("reason", &long)])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("najwyżej 300 znaków"));
    assert_eq!(status_of(&app, "torun").await, "active");
    assert_eq!(app.visitor().get(TORUN, "/").await.status, 200);

    let reason = "Przegląd danych przed zmianą administratora.";
    let r = v
        .submit(PORTAL, SUSPEND, SUSPEND, &[("reason", reason)])
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/koordynator/gminy/torun?komunikat=zawieszono"))
    );
    let site = app.visitor().get(TORUN, "/podmioty").await;
    assert_eq!(site.status, 503);
    assert!(site.body.contains(reason), "{}", site.body);
    let card = v
        .get(PORTAL, "/koordynator/gminy/torun?komunikat=zawieszono")
        .await
        .body;
    assert!(card.contains("jest zawieszony na wszystkich serwerach") && card.contains(reason));
    assert!(card.contains("Wznów serwis"));
    // A second suspension (a double click, or another coordinator) changes nothing.
    let r = v
        .submit(PORTAL, SUSPEND, SUSPEND, &[("reason", "znowu")])
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/koordynator/gminy/torun"))
    );
    assert!(app.visitor().get(TORUN, "/").await.body.contains(reason));

    let confirm = v.get(PORTAL, RESUME).await.body;
    assert!(confirm.contains("Wznowić serwis gminy?") && confirm.contains(reason));
    let r = v.submit(PORTAL, RESUME, RESUME, &[]).await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/koordynator/gminy/torun?komunikat=wznowiono"))
    );
    assert_eq!(app.visitor().get(TORUN, "/").await.status, 200);
    // Resuming twice changes nothing and says nothing new.
    let r = v.submit(PORTAL, RESUME, RESUME, &[]).await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/koordynator/gminy/torun"))
    );
    // A gmina that has not joined can be neither suspended nor resumed.
    let p = "/koordynator/gminy/chelmno/zawieszenie";
    assert!(
        v.get(PORTAL, p)
            .await
            .body
            .contains("Tej zmiany nie można teraz wykonać")
    );
    assert_eq!(
        v.submit(PORTAL, p, p, &[("reason", "test")]).await.status,
        400
    );

    let log = region_log(&v).await;
    assert!(log.contains("zawieszenie serwisu gminy") && log.contains("wznowienie serwisu gminy"));
    assert!(log.contains(&format!("torun — {reason}")), "{log}");
    let entries: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE teryt IS NULL AND action IN ('region.gmina_suspended', 'region.gmina_resumed')",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(entries, 2, "one entry per change, none for refusals");
}

#[tokio::test]
async fn one_onboarding_runs_at_a_time_and_one_cut_short_can_be_retried() {
    let app = spawn_app().await;
    let (id, v) = coordinator(&app, "koordynator@example.pl").await;
    const PAGE: &str = "/koordynator/gminy/chelmno/przylaczenie";
    // A run under way (as another coordinator's request would leave it for a moment).
    sqlx::query(
        "INSERT INTO tenant_onboardings (teryt, admin_email, requested_by) VALUES ('0404011', 'inny@example.pl', $1)",
    )
    .bind(id)
    .execute(app.db.platform())
    .await
    .unwrap();
    let page = v.get(PORTAL, PAGE).await.body;
    assert!(page.contains("Przyłączanie trwa") && page.contains("Sprawdź postęp"));
    assert!(
        !page.contains("Przyłącz gminę</button>"),
        "no second start offered"
    );
    let fields = [("admin_email", "burmistrz@chelmno.example")];
    let r = v.submit(PORTAL, "/koordynator", PAGE, &fields).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("Przyłączanie tej gminy już trwa"),
        "{}",
        r.body
    );
    assert_eq!(status_of(&app, "chelmno").await, "registered");

    // Its server died: after 15 minutes the run shows as cut short and a new one may start.
    sqlx::query("UPDATE tenant_onboardings SET started_at = now() - interval '20 minutes'")
        .execute(app.db.platform())
        .await
        .unwrap();
    let page = v.get(PORTAL, PAGE).await.body;
    assert!(
        page.contains("Przerwane: serwer zatrzymał się w trakcie.")
            && page.contains("Spróbuj ponownie")
    );
    let r = v.submit(PORTAL, PAGE, PAGE, &fields).await;
    assert_eq!(r.status, 303);
    assert_eq!(status_of(&app, "chelmno").await, "active");
    let ends: Vec<(Option<String>, String)> =
        sqlx::query_as("SELECT error, step FROM tenant_onboardings ORDER BY id")
            .fetch_all(app.db.platform())
            .await
            .unwrap();
    assert_eq!(
        ends,
        [
            (
                Some("Przerwane: serwer zatrzymał się w trakcie.".into()),
                "schema".into()
            ),
            (None, "done".into())
        ]
    );
}

/// Two servers on one database: a gmina onboarded through one answers on the other at once (the
/// tenant NOTIFY drops the other's cached "not joined"), and so does its suspension.
#[tokio::test]
async fn an_onboarded_or_suspended_gmina_changes_on_every_server_without_a_restart() {
    let (db_name, opts) = pestor_tests::fresh_database().await;
    let a = pestor_tests::spawn_app_on(db_name.clone(), opts.clone(), |_| {}).await;
    let b = pestor_tests::spawn_app_on(db_name, opts, |_| {}).await;
    const HOST: &str = "chelmno.localhost";
    // The other server has looked the host up and cached the answer.
    assert_eq!(b.page(HOST, "/").await.0, 404);
    let (_, v) = coordinator(&a, "koordynator@example.pl").await;
    const PAGE: &str = "/koordynator/gminy/chelmno/przylaczenie";
    let r = v
        .submit(
            PORTAL,
            PAGE,
            PAGE,
            &[("admin_email", "burmistrz@chelmno.example")],
        )
        .await;
    assert_eq!(r.status, 303);
    let (status, _) = b.eventually(HOST, "/", |s, _| s == 200).await;
    assert_eq!(status, 200, "the other server serves the new gmina");
    const SUSPEND: &str = "/koordynator/gminy/chelmno/zawieszenie";
    let reason = "Przerwa na przegląd danych.";
    let r = v
        .submit(PORTAL, SUSPEND, SUSPEND, &[("reason", reason)])
        .await;
    assert_eq!(r.status, 303);
    let (status, body) = b.eventually(HOST, "/", |s, _| s == 503).await;
    assert_eq!(status, 503);
    assert!(body.contains(reason));
}

/// Regional work has its own small share of the pool: while a slow computation over every gmina
/// holds the only regional permit, the dashboard answers a Polish 503 "Spróbuj za chwilę" once it
/// has waited its turn, the slow one ends at its statement timeout with a 503 too — and the
/// gminas' pages and the portal's other pages answer all the while.
#[tokio::test]
async fn slow_regional_work_never_starves_the_gminas_pages() {
    let app = pestor_tests::spawn_app_with(|s| {
        s.database.regional_concurrency = 1;
        // Long enough that the dashboard's wait (acquire_timeout_secs, 5 s) ends first even on a
        // busy machine.
        s.database.regional_statement_timeout_secs = 20;
    })
    .await;
    let (_, v) = coordinator(&app, "koordynator@example.pl").await;
    // Regional work that would take a minute (the store's reads take milliseconds).
    let state = app.state.clone();
    let slow = tokio::spawn(async move {
        state
            .regional(async |conn| {
                sqlx::query("SELECT pg_sleep(60)").execute(conn).await?;
                Ok(())
            })
            .await
    });
    let started = tokio::time::Instant::now();
    while app.state.regional.available_permits() > 0 {
        assert!(
            started.elapsed().as_secs() < 60,
            "the slow work never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // The dashboard waits its turn (database.acquire_timeout_secs), then asks to come back.
    let r = v.get("localhost", "/koordynator").await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.body.contains("Spróbuj za chwilę"), "{}", r.body);
    assert!(r.body.contains("serwisy gmin działają bez przerwy"));
    // The gminas' pages do not wait for it.
    assert_eq!(app.state.regional.available_permits(), 0, "still running");
    for path in ["/", "/podmioty", "/oferty", "/bank-sprzetu"] {
        assert_eq!(app.page("torun.localhost", path).await.0, 200, "{path}");
    }

    // The slow one ends at its statement timeout: 503, not 500; then the dashboard answers.
    let err = slow.await.unwrap().unwrap_err();
    assert!(matches!(err, pestor_kit::AppError::Busy), "{err}");
    assert_eq!(err.status(), 503);
    assert_eq!(app.state.regional.available_permits(), 1);
    assert_eq!(v.get("localhost", "/koordynator").await.status, 200);
}
