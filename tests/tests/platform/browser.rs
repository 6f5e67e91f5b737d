//! Real headless Chromium: the portal and a gmina render with their branding, and axe-core finds no
//! serious or critical WCAG 2.1 A/AA violation.

use pestor_tests::browser::Browser;
use pestor_tests::{spawn_app, spawn_app_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_and_gmina_pages_render_branded_and_pass_axe() {
    let app = spawn_app().await;
    let browser = Browser::start().await;

    browser.goto(&app.url("localhost", "/")).await;
    let title = browser
        .eval("return document.querySelector('h1').textContent")
        .await;
    assert_eq!(
        title,
        "Platforma ekonomii społecznej województwa kujawsko-pomorskiego"
    );
    let links = browser
        .eval("return document.querySelectorAll('.pestor-powiat a').length")
        .await;
    assert_eq!(links, 23, "every powiat of the region");
    browser.assert_passes("portal").await;

    browser.goto(&app.url("localhost", "/powiaty/0415")).await;
    let gminas = browser
        .eval("return document.querySelectorAll('li[id^=gmina-]').length")
        .await;
    assert_eq!(gminas, 9, "powiat toruński's gminas");
    browser.assert_passes("portal powiat").await;

    browser.goto(&app.url("torun.localhost", "/")).await;
    let header = browser
        .eval("return getComputedStyle(document.querySelector('.govuk-header')).backgroundColor")
        .await;
    assert_eq!(
        header, "rgb(139, 26, 26)",
        "Toruń's colour from its branding"
    );
    // The defect this design replaced: the sign-in link took the header's own colour.
    let sign_in = browser
        .eval("return getComputedStyle(document.querySelector('.pestor-account a')).color")
        .await;
    assert_eq!(sign_in, "rgb(255, 255, 255)", "sign-in link on the header");
    assert!(
        browser.image_loaded(".pestor-header__arms", None).await,
        "the logo loads"
    );
    browser.assert_passes("Toruń home").await;

    browser.goto(&app.url("bydgoszcz.localhost", "/")).await;
    let header = browser
        .eval("return getComputedStyle(document.querySelector('.govuk-header')).backgroundColor")
        .await;
    assert_eq!(header, "rgb(29, 79, 145)", "default colour");
    let contact = browser.text("footer address").await;
    assert!(
        contact.contains("Siedziba urzędu: Bydgoszcz, miasto na prawach powiatu"),
        "{contact}"
    );
    browser.assert_passes("Bydgoszcz home").await;

    browser
        .goto(&app.url("torun.localhost", "/deklaracja-dostepnosci"))
        .await;
    assert_eq!(
        browser.text("h1").await,
        "Deklaracja dostępności",
        "the accessibility statement"
    );
    browser.assert_passes("accessibility statement").await;

    // Controls: each check catches what it is for. An image without alternative text (axe) …
    browser.eval("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/branding/logo\">')").await;
    let found = browser.serious_accessibility_violations().await;
    assert!(
        found.iter().any(|v| v.starts_with("image-alt")),
        "{found:?}"
    );
    // … an invalid page (an address autocomplete on a one-line input: the HTML validator) …
    browser.eval("document.querySelector('main').insertAdjacentHTML('beforeend', '<label for=\"x\">X</label><input id=\"x\" name=\"x\" autocomplete=\"street-address\">')").await;
    let found = browser.html_problems().await;
    assert!(
        found.iter().any(|v| v.contains("valid-autocomplete")),
        "{found:?}"
    );
    // … text whose background axe cannot see is not a pass; nor is a too-wide page …
    browser.goto(&app.url("torun.localhost", "/")).await;
    // (Styles are set through the CSSOM: the page's CSP refuses inline style attributes.)
    browser.eval("const m = document.querySelector('main');\
        const p = document.createElement('p'); p.textContent = 'Szary tekst na gradiencie';\
        p.style.color = '#999'; p.style.backgroundImage = 'linear-gradient(#fff, #eee)'; m.append(p);\
        const d = document.createElement('div'); d.textContent = 'szeroki'; d.style.width = '2000px'; m.append(d);").await;
    let found = browser.check_page("control").await;
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("color-contrast (nierozstrzygnięty")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|v| v.contains("at 320 px the page is")),
        "{found:?}"
    );
    // … and a control whose focus cannot be seen.
    browser.goto(&app.url("torun.localhost", "/")).await;
    browser.eval("const b = document.createElement('button'); b.id = 'bez-fokusu'; b.textContent = 'Przycisk';\
        for (const [k, v] of [['outline', 'none'], ['box-shadow', 'none'], ['background', '#eee'], ['color', '#000'], ['border', '0']]) b.style.setProperty(k, v, 'important');\
        document.querySelector('main').append(b);").await;
    let found = browser.check_page("control").await;
    assert!(
        found
            .iter()
            .any(|v| v.contains("no visible focus on button#bez-fokusu")),
        "{found:?}"
    );
    let _ =
        std::fs::remove_file(pestor_tests::repo_root().join("target/screenshots/control-390.png"));
    let _ =
        std::fs::remove_file(pestor_tests::repo_root().join("target/screenshots/control-1280.png"));
}

/// Registration to sign-out in a real browser: the verification link comes from the e-mail the
/// SMTP server received; the sign-in made for Toruń carries over to Bydgoszcz with one click.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_verify_sign_in_across_gminas_and_sign_out_in_chromium() {
    // A real-looking base domain: browsers keep `Domain=localhost` cookies to `localhost` itself, so
    // the regional sign-in hint is tested the way production uses it.
    let app = spawn_app_with(|s| s.server.base_domain = "pes.test".into()).await;
    let browser = Browser::start().await;

    browser.goto(&app.url("pes.test", "/rejestracja")).await;
    browser.assert_passes("registration form").await;
    browser.click("form.pestor-form button[type=submit]").await;
    assert!(
        browser
            .wait_for_text(".govuk-error-summary", "Podaj poprawny adres e-mail")
            .await
            .contains("Podaj poprawny adres e-mail")
    );
    browser.assert_passes("registration form with errors").await;
    browser.fill("#email", "jadwiga@example.pl").await;
    browser.fill("#display_name", "Jadwiga Wiśniewska").await;
    browser.fill("#password", "kwitnąca wiśnia 7").await;
    browser.fill("#password2", "kwitnąca wiśnia 7").await;
    browser.click("#consent").await;
    browser.click("form.pestor-form button[type=submit]").await;
    assert_eq!(
        browser.wait_for_text("h1", "Sprawdź skrzynkę").await,
        "Sprawdź skrzynkę e-mail"
    );
    browser.assert_passes("check your mail").await;

    let link = app
        .mail
        .wait_for("jadwiga@example.pl", 1)
        .await
        .link("/weryfikacja")
        .unwrap();
    browser.goto(&link).await;
    assert_eq!(browser.text("h1").await, "Adres e-mail potwierdzony");
    browser.assert_passes("verified").await;

    // Sign in from Toruń: the portal's form, then back to Toruń signed in.
    browser.goto(&app.url("torun.pes.test", "/")).await;
    browser.click(".pestor-account a[href^='/logowanie']").await;
    assert!(
        browser
            .current_url()
            .await
            .starts_with(&app.url("pes.test", "/logowanie?do=torun.pes.test"))
    );
    assert!(
        browser
            .text("main")
            .await
            .contains("Logujesz się do serwisu: Gmina Miasta Toruń")
    );
    browser.assert_passes("sign-in form").await;
    browser.fill("#email", "jadwiga@example.pl").await;
    browser.fill("#password", "kwitnąca wiśnia 7").await;
    browser.click("form.pestor-form button[type=submit]").await;
    // The sign-in goes through two redirects (portal → Toruń's handover → its page).
    browser.wait_for_text(".pestor-account", "Zalogowano").await;
    assert_eq!(
        browser.current_url().await,
        app.url("torun.pes.test", "/"),
        "{}",
        browser.text("main").await
    );
    assert!(
        browser
            .text(".pestor-account")
            .await
            .contains("Zalogowano: Jadwiga Wiśniewska")
    );
    browser.assert_passes("Toruń signed in").await;

    // Bydgoszcz: already signed in on opening, no click, no password.
    browser.goto(&app.url("bydgoszcz.pes.test", "/")).await;
    assert_eq!(
        browser.current_url().await,
        app.url("bydgoszcz.pes.test", "/")
    );
    assert!(
        browser
            .text(".pestor-account")
            .await
            .contains("Zalogowano: Jadwiga Wiśniewska")
    );
    browser.assert_passes("Bydgoszcz signed in").await;

    // The organisation list (empty state) and form, empty and with its errors.
    browser
        .goto(&app.url("bydgoszcz.pes.test", "/podmioty?q=nic"))
        .await;
    assert!(
        browser
            .text("main")
            .await
            .contains("Nie znaleziono organizacji")
    );
    browser.assert_passes("organisation list").await;
    browser
        .goto(&app.url("bydgoszcz.pes.test", "/podmioty/nowy"))
        .await;
    browser.assert_passes("organisation form").await;
    browser.click("form.pestor-form button[type=submit]").await;
    assert!(
        browser
            .wait_for_text(".govuk-error-summary", "Podaj nazwę organizacji.")
            .await
            .contains("Podaj nazwę organizacji.")
    );
    browser.assert_passes("organisation form with errors").await;

    // The staff side of Baza PES, once Jadwiga works for Bydgoszcz: the queue (a pending card and
    // a card due for re-verification), the edit form, the CSV import with its error report.
    let jadwiga: i64 =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'jadwiga@example.pl'")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    pestor_tests::grant(&app, jadwiga, "bydgoszcz", "staff").await;
    // A Toruń card that names Bydgoszcz: the staff's list of such cards and the hiding form.
    let shared = pestor_tests::add_card(
        &app,
        "torun",
        &[
            ("name", "Fundacja Wspólna Wisła"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", "0463011"),
        ],
        &["1"],
        &["0461011"],
        "verified",
    )
    .await;
    browser
        .goto(&app.url("bydgoszcz.pes.test", "/podmioty/z-innych-gmin"))
        .await;
    assert!(
        browser
            .text("main")
            .await
            .contains("Fundacja Wspólna Wisła")
    );
    browser.assert_passes("cards of other gminas").await;
    browser
        .goto(&app.url(
            "bydgoszcz.pes.test",
            &format!("/podmioty/z-innych-gmin/0463011/{shared}"),
        ))
        .await;
    browser
        .assert_passes("hiding a card of another gmina")
        .await;
    // Its offer, made available in the gminas it works in, in Bydgoszcz's Giełda.
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    let offer = pestor_core::offer::Offer {
        name: "Spływy kajakowe po Wiśle".into(),
        category: "rozrywka".into(),
        price_grosze: Some(6000),
        price_note: "za osobę".into(),
        target_groups: vec!["mieszkancy".into()],
        description: "Z przewodnikiem.".into(),
    };
    let id = pestor_offers::store::insert(&mut tx, shared, &offer, None)
        .await
        .unwrap();
    pestor_offers::store::set_across_gminas(&mut tx, id, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    browser
        .goto(&app.url("bydgoszcz.pes.test", "/oferty"))
        .await;
    assert!(browser.text("main").await.contains("PES z gminy Toruń"));
    browser
        .assert_passes("Giełda with an offer of another gmina")
        .await;
    let seat = ("gmina_teryt", "0461011");
    pestor_tests::add_card(
        &app,
        "bydgoszcz",
        &[
            ("name", "Fundacja Do Sprawdzenia"),
            ("legal_form", "fundacja"),
            seat,
        ],
        &["1"],
        &[],
        "pending",
    )
    .await;
    let old = pestor_tests::add_card(
        &app,
        "bydgoszcz",
        &[
            ("name", "Stowarzyszenie Dawno Sprawdzone"),
            ("legal_form", "stowarzyszenie"),
            ("lat", "53.12"),
            ("lon", "18.0"),
            seat,
        ],
        &["2"],
        &[],
        "verified",
    )
    .await;
    let bydgoszcz = app.store().find("bydgoszcz").await.unwrap();
    let mut tx = app.db.tenant(&bydgoszcz).begin().await.unwrap();
    sqlx::query("UPDATE organisations SET verified_at = now() - interval '2 years' WHERE id = $1")
        .bind(old)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    browser
        .goto(&app.url("bydgoszcz.pes.test", "/podmioty/weryfikacja"))
        .await;
    assert!(
        browser
            .text("main")
            .await
            .contains("Stowarzyszenie Dawno Sprawdzone")
    );
    browser.assert_passes("verification queue").await;
    browser
        .goto(&app.url("bydgoszcz.pes.test", &format!("/podmioty/{old}")))
        .await;
    browser
        .assert_passes("card as staff, with its map and actions")
        .await;
    browser
        .goto(&app.url("bydgoszcz.pes.test", &format!("/podmioty/{old}/edycja")))
        .await;
    browser.assert_passes("edit form").await;
    browser
        .goto(&app.url("bydgoszcz.pes.test", "/podmioty/import"))
        .await;
    browser.assert_passes("import form").await;
    let csv = pestor_tests::scratch_dir("browser-import").join("organizacje.csv");
    std::fs::write(
        &csv,
        "Nazwa;Forma prawna;Sfery działalności\nFundacja Bez Formy;;1\n",
    )
    .unwrap();
    browser.fill("#plik", csv.to_str().unwrap()).await;
    browser.click("button[value=sprawdz]").await;
    assert!(
        browser
            .wait_for_text("main", "Wybierz formę prawną z listy.")
            .await
            .contains("Wybierz formę prawną z listy.")
    );
    browser.assert_passes("import report with errors").await;
    browser
        .goto(&app.url("bydgoszcz.pes.test", "/oferty/kategorie"))
        .await;
    browser.assert_passes("offer categories").await;
    browser.fill("#name", "A").await;
    browser
        .click("form[action='/oferty/kategorie'] button")
        .await;
    assert!(
        browser
            .wait_for_text("main", "co najmniej 2 znaki")
            .await
            .contains("Nazwa kategorii musi mieć co najmniej 2 znaki.")
    );
    browser
        .assert_passes("offer categories with an error")
        .await;
    browser
        .goto(&app.url("bydgoszcz.pes.test", "/oferty/kategorie/catering/usun"))
        .await;
    browser.assert_passes("category delete confirmation").await;
    // Made the gmina's admin as well: the branding form, map fields included.
    pestor_tests::grant(&app, jadwiga, "bydgoszcz", "admin").await;
    browser
        .goto(&app.url("bydgoszcz.pes.test", "/panel/wyglad"))
        .await;
    assert!(browser.text("main").await.contains("Adres kafelków mapy"));
    browser.assert_passes("branding form").await;

    browser.click(".pestor-account button").await;
    assert!(
        browser
            .wait_for_text(".pestor-account", "Zaloguj się")
            .await
            .contains("Zaloguj się")
    );
    browser.goto(&app.url("torun.pes.test", "/")).await;
    assert!(
        browser
            .text(".pestor-account")
            .await
            .contains("Zaloguj się"),
        "signed out in Toruń too"
    );
    browser.assert_passes("signed out").await;
}

/// The list and the map of Baza PES in Chromium: header sort links, markers from the GeoJSON
/// endpoint clustered when dense, a popup that links to the card, the card's own small map —
/// each page free of serious accessibility violations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organisation_list_and_map_work_in_chromium_and_pass_axe() {
    let app = spawn_app().await;
    let mut first = 0;
    for i in 0..24 {
        // Two dozen organisations within a few hundred metres of the Old Town: dense enough to cluster.
        let name = format!("Stowarzyszenie Starówka {i:02}");
        let lat = format!("{:.5}", 53.0100 + f64::from(i) * 0.0002);
        let id = pestor_tests::add_card(
            &app,
            "torun",
            &[
                ("name", &name),
                ("legal_form", "stowarzyszenie"),
                ("gmina_teryt", "0463011"),
                ("locality", "Toruń"),
                ("lat", &lat),
                ("lon", "18.6040"),
            ],
            &["1"],
            &[],
            "verified",
        )
        .await;
        if i == 0 {
            first = id;
        }
    }
    pestor_tests::add_card(
        &app,
        "torun",
        &[
            ("name", "Łódka Bez Położenia"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", "0463011"),
        ],
        &["2"],
        &[],
        "verified",
    )
    .await;
    let browser = Browser::start().await;

    browser.goto(&app.url("torun.localhost", "/podmioty")).await;
    assert_eq!(browser.text("h1").await, "Baza PES");
    assert!(browser.text("main").await.contains("25 organizacji"));
    browser.assert_passes("organisation list").await;
    browser.click("th a[href*='sort=dodano']").await;
    browser.wait_for_text("th[aria-sort]", "Dodano").await;
    assert!(
        browser
            .current_url()
            .await
            .ends_with("/podmioty?sort=dodano")
    );
    assert_eq!(
        browser.text("tbody tr td a").await,
        "Łódka Bez Położenia",
        "newest first"
    );

    browser.goto(&app.url("torun.localhost", "/mapa")).await;
    browser.wait_for_text("#stan-mapy", "Na mapie: 24.").await;
    assert_eq!(browser.text("#stan-mapy").await, "Na mapie: 24.");
    let clusters = browser
        .eval("return document.querySelectorAll('.marker-cluster').length")
        .await;
    assert!(
        clusters.as_u64().unwrap() >= 1,
        "dense markers are clustered"
    );
    // Markers and clusters fade in; axe measures the contrast of a half-faded one as too low.
    assert!(
        browser
            .wait_until(
                "[...document.querySelectorAll('.leaflet-marker-icon')]
                    .every(e => getComputedStyle(e).opacity === '1')"
            )
            .await,
        "the markers finish fading in"
    );
    browser.assert_passes("map").await;
    // Zoomed in to the last level the markers separate; a popup links to the card.
    browser
        .eval("document.querySelector('.marker-cluster').click()")
        .await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while browser
        .eval("return document.querySelectorAll('img.leaflet-marker-icon').length")
        .await
        .as_u64()
        .unwrap()
        == 0
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the cluster opens into markers"
        );
        browser.eval("document.querySelector('.marker-cluster') && document.querySelector('.marker-cluster').click()").await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    browser
        .eval("document.querySelector('img.leaflet-marker-icon').click()")
        .await;
    browser
        .wait_for_text(".leaflet-popup-content", "Stowarzyszenie Starówka")
        .await;
    let href = browser
        .eval("return document.querySelector('.leaflet-popup-content a').getAttribute('href')")
        .await;
    assert!(href.as_str().unwrap().contains("/podmioty/"), "{href}");

    // The area filter works without JavaScript too: it is a plain form.
    browser
        .goto(&app.url("torun.localhost", "/mapa?sfera=2"))
        .await;
    browser.wait_for_text("#stan-mapy", "Na mapie: 0.").await;
    assert_eq!(
        browser.text("#stan-mapy").await,
        "Na mapie: 0.",
        "the one area-2 card has no location"
    );

    browser
        .goto(&app.url("torun.localhost", &format!("/podmioty/{first}")))
        .await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while browser
        .eval("return document.querySelectorAll('.pestor-map img.leaflet-marker-icon').length")
        .await
        != 1
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the card's map shows its marker"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser.assert_passes("card with its map").await;
}

/// A member adds an offer with a photo in Chromium and finds it by a search without Polish
/// letters; the form, the offer, the list and the edit page pass axe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_adds_an_offer_with_a_photo_and_finds_it_in_chromium() {
    let app = spawn_app_with(|s| s.server.base_domain = "pes.test".into()).await;
    let org = pestor_tests::add_card(
        &app,
        "torun",
        &[
            ("name", "Koło Gospodyń Wiejskich w Kaszczorku"),
            ("legal_form", "kolo_gospodyn_wiejskich"),
            ("gmina_teryt", "0463011"),
        ],
        &["13"],
        &[],
        "verified",
    )
    .await;
    let account =
        pestor_tests::create_account(&app, "kgw@example.pl", "Halina Nowak", "żurek z chrzanem 9")
            .await;
    pestor_tests::join_organisation(&app, account, org).await;
    let photo = pestor_tests::scratch_dir("browser-offer").join("zurek.png");
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(800, 600, |x, y| {
        image::Rgb([200, (x / 4 % 256) as u8, (y / 3 % 256) as u8])
    }))
    .save(&photo)
    .unwrap();
    let browser = Browser::start().await;

    browser.goto(&app.url("torun.pes.test", "/")).await;
    browser.click(".pestor-account a[href^='/logowanie']").await;
    browser.fill("#email", "kgw@example.pl").await;
    browser.fill("#password", "żurek z chrzanem 9").await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser.wait_for_text(".pestor-account", "Zalogowano").await;

    browser
        .goto(&app.url("torun.pes.test", "/oferty/nowa"))
        .await;
    browser.assert_passes("new offer form").await;
    browser.fill("#name", "Żurek na festyn").await;
    browser
        .eval("document.querySelector('#category').value = 'catering'")
        .await;
    browser.click("#grupa-urzad").await;
    browser.fill("#price", "12,50").await;
    browser
        .fill("#alt", "Garnek żurku z jajkiem i kiełbasą")
        .await;
    browser.fill("#photo", photo.to_str().unwrap()).await;
    browser.click("form.pestor-form button[type=submit]").await;
    assert_eq!(
        browser.wait_for_text("h1", "Żurek na festyn").await,
        "Żurek na festyn"
    );
    assert!(browser.text("main").await.contains("12,50 zł"));
    assert!(
        browser.image_loaded("figure.pestor-photo img", None).await,
        "the photo is served from the store"
    );
    // A 700 px slot picks the 800 px display variant of the srcset, not the 400 px thumbnail.
    let source = browser
        .eval("return document.querySelector('figure.pestor-photo img').currentSrc")
        .await;
    assert!(source.as_str().unwrap().ends_with("/duze"), "{source}");
    browser.assert_passes("offer page").await;

    browser
        .goto(&app.url("torun.pes.test", "/oferty?q=zurek"))
        .await;
    assert_eq!(browser.text("h1").await, "Giełda ofert");
    assert!(browser.text("main").await.contains("1 oferta"));
    assert_eq!(browser.text("li.pestor-card h2").await, "Żurek na festyn");
    assert!(
        browser.image_loaded("li.pestor-card img", None).await,
        "the thumbnail"
    );
    let srcset = browser
        .eval("return document.querySelector('li.pestor-card img').srcset")
        .await;
    assert!(
        srcset.as_str().unwrap().contains("/miniatura 400w, "),
        "the card offers the thumbnail (Chromium may still reuse the large one it has cached): {srcset}"
    );
    browser.assert_passes("offer list").await;

    browser.click("li.pestor-card h2 a").await;
    browser.wait_for_text("h1", "Żurek na festyn").await;
    browser.click("a[href$='/edycja']").await;
    browser.wait_for_text("h1", "Edycja oferty").await;
    browser
        .assert_passes("offer edit page with its photos")
        .await;
}

/// The pages the journeys above do not pass through — the gmina panel, its log and its
/// accessibility form, a confirmation page, the account page, the e-mail notices form, a
/// message page and the "not found" page — meet the same checks (reflow, focus, axe, HTML).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_remaining_pages_pass_every_check_in_chromium() {
    let app = spawn_app_with(|s| s.server.base_domain = "pes.test".into()).await;
    let admin = pestor_tests::create_account(
        &app,
        "admin@torun.example",
        "Anna Urzędowa",
        "hasło admina 2026",
    )
    .await;
    pestor_tests::grant(&app, admin, "torun", "admin").await;
    let staff = pestor_tests::create_account(
        &app,
        "urzednik@torun.example",
        "Jan Pracownik",
        "hasło pracownika 1",
    )
    .await;
    pestor_tests::grant(&app, staff, "torun", "staff").await;
    let browser = Browser::start().await;

    browser
        .goto(&app.url("torun.pes.test", "/oferty/powiadomienia"))
        .await;
    assert_eq!(browser.text("h1").await, "Powiadomienia o nowych ofertach");
    browser.assert_passes("offer notices form").await;
    browser
        .goto(&app.url("torun.pes.test", "/nie-ma-takiej-strony"))
        .await;
    browser.assert_passes("not found").await;
    browser
        .goto(&app.url("pes.test", "/haslo/nie-pamietam"))
        .await;
    browser.fill("#email", "ktos@example.pl").await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser.wait_for_text("main", "").await;
    browser.assert_passes("password reset requested").await;

    browser.goto(&app.url("torun.pes.test", "/logowanie")).await;
    browser.fill("#email", "admin@torun.example").await;
    browser.fill("#password", "hasło admina 2026").await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser
        .wait_for_text(".pestor-account", "Panel gminy")
        .await;
    browser.goto(&app.url("torun.pes.test", "/panel")).await;
    assert_eq!(browser.text("h1").await, "Panel gminy");
    assert!(browser.text("main").await.contains("Jan Pracownik"));
    browser.assert_passes("panel").await;
    browser
        .goto(&app.url("torun.pes.test", &format!("/panel/role/{staff}/usun")))
        .await;
    assert_eq!(browser.text("h1").await, "Odebrać rolę?");
    browser.assert_passes("revoke confirmation").await;
    browser
        .goto(&app.url("torun.pes.test", "/panel/dziennik"))
        .await;
    browser.assert_passes("change log").await;
    browser
        .goto(&app.url("torun.pes.test", "/panel/deklaracja-dostepnosci"))
        .await;
    browser.assert_passes("accessibility statement form").await;
    browser.goto(&app.url("pes.test", "/konto")).await;
    assert_eq!(browser.text("h1").await, "Moje konto");
    browser.assert_passes("account").await;

    // The coordinator's pages (the admin is made a coordinator; the session sees it at once).
    sqlx::query("UPDATE accounts SET region_role = 'coordinator' WHERE id = $1")
        .bind(admin)
        .execute(app.db.platform())
        .await
        .unwrap();
    pestor_region_appoint(&app, "urzednik@torun.example").await;
    browser.goto(&app.url("pes.test", "/")).await;
    browser
        .click(".pestor-account a[href='/koordynator']")
        .await;
    browser.wait_for_text("h1", "Pulpit koordynatora").await;
    browser.assert_passes("coordinator dashboard").await;
    browser
        .goto(&app.url("pes.test", "/koordynator/gminy/torun"))
        .await;
    browser.assert_passes("coordinator gmina page").await;
    browser
        .goto(&app.url("pes.test", "/koordynator/koordynatorzy"))
        .await;
    browser.assert_passes("coordinators").await;
    browser
        .goto(&app.url(
            "pes.test",
            &format!("/koordynator/koordynatorzy/{staff}/usun"),
        ))
        .await;
    browser
        .assert_passes("coordinator removal confirmation")
        .await;
    browser
        .goto(&app.url("pes.test", "/koordynator/dziennik"))
        .await;
    assert!(
        browser
            .text("main")
            .await
            .contains("powołanie koordynatora")
    );
    browser.assert_passes("coordinators' log").await;
}

/// Appoints a coordinator as the operator does at the command line.
async fn pestor_region_appoint(app: &pestor_tests::TestApp, email: &str) {
    let actor = pestor_region::coordinators::Actor::command_line();
    pestor_region::coordinators::appoint(&app.db, email, &actor)
        .await
        .unwrap();
}

/// A coordinator brings a gmina onto the platform in Chromium; the invited admin opens the link
/// from the e-mail (a second browser), signs in and accepts, and is the gmina's admin on the new
/// subdomain. The suspension and resumption confirmations are checked on the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_onboards_a_gmina_and_its_first_admin_signs_in_on_the_new_subdomain() {
    let app = spawn_app_with(|s| s.server.base_domain = "pes.test".into()).await;
    let coordinator = pestor_tests::create_account(
        &app,
        "koordynator@example.pl",
        "Koordynatorka Regionu",
        "hasło koordynatora 1",
    )
    .await;
    sqlx::query("UPDATE accounts SET region_role = 'coordinator' WHERE id = $1")
        .bind(coordinator)
        .execute(app.db.platform())
        .await
        .unwrap();
    let browser = Browser::start().await;
    browser.goto(&app.url("pes.test", "/logowanie")).await;
    browser.fill("#email", "koordynator@example.pl").await;
    browser.fill("#password", "hasło koordynatora 1").await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser.wait_for_text(".pestor-account", "Zalogowano").await;

    browser
        .goto(&app.url("pes.test", "/koordynator/gminy/golub-dobrzyn"))
        .await;
    browser
        .assert_passes("coordinator page of a gmina not joined")
        .await;
    browser
        .click("a[href='/koordynator/gminy/golub-dobrzyn/przylaczenie']")
        .await;
    browser.wait_for_text("h1", "Przyłączenie gminy").await;
    browser.assert_passes("onboarding form").await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser
        .wait_for_text(".govuk-error-summary", "Podaj poprawny adres e-mail")
        .await;
    browser.assert_passes("onboarding form with errors").await;
    browser
        .fill("#admin_email", "burmistrz@golub.example")
        .await;
    browser
        .fill("#display_name", "Golub-Dobrzyń nad Drwęcą")
        .await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser
        .wait_for_text("h2", "Gmina jest na platformie")
        .await;
    assert!(
        browser
            .text("main")
            .await
            .contains("burmistrz@golub.example")
    );
    browser.assert_passes("onboarding done").await;

    // The confirmations of the other two changes.
    browser
        .goto(&app.url("pes.test", "/koordynator/gminy/torun/zawieszenie"))
        .await;
    browser.assert_passes("suspension confirmation").await;
    app.store()
        .suspend("gmina-chelmza", "przegląd danych")
        .await
        .unwrap();
    browser
        .goto(&app.url("pes.test", "/koordynator/gminy/gmina-chelmza/wznowienie"))
        .await;
    assert!(browser.text("main").await.contains("przegląd danych"));
    browser.assert_passes("resumption confirmation").await;
    browser
        .goto(&app.url("pes.test", "/koordynator/gminy/gmina-chelmza/archiwizacja"))
        .await;
    assert!(browser.text("main").await.contains("Zarchiwizować gminę?"));
    browser.assert_passes("archiving confirmation").await;

    // The invited admin, in a browser of their own.
    let link = app
        .mail
        .wait_for("burmistrz@golub.example", 1)
        .await
        .link("/zaproszenie?token=")
        .unwrap();
    assert!(
        link.starts_with(&app.url("golub-dobrzyn.pes.test", "/zaproszenie")),
        "{link}"
    );
    pestor_tests::create_account(
        &app,
        "burmistrz@golub.example",
        "Burmistrz Golubia",
        "hasło burmistrza 1",
    )
    .await;
    let admin = Browser::start().await;
    admin.goto(&link).await;
    assert!(
        admin
            .text("main")
            .await
            .contains("do roli „administrator gminy” w serwisie Golub-Dobrzyń nad Drwęcą")
    );
    admin.click("main a[href^='/logowanie']").await;
    admin.fill("#email", "burmistrz@golub.example").await;
    admin.fill("#password", "hasło burmistrza 1").await;
    admin.click("form.pestor-form button[type=submit]").await;
    admin
        .wait_for_text("main button", "Przyjmij zaproszenie")
        .await;
    admin.click("main form button[type=submit]").await;
    admin.wait_for_text(".pestor-account", "Panel gminy").await;
    admin
        .goto(&app.url("golub-dobrzyn.pes.test", "/panel"))
        .await;
    assert_eq!(admin.text("h1").await, "Panel gminy");
    assert!(admin.text("main").await.contains("Burmistrz Golubia"));
}

/// The search across gminas in Chromium: the form (no JavaScript needed) narrows the hits, each
/// links to its gmina's own page; the typo notice and the empty state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_regional_search_finds_records_of_every_gmina_in_chromium() {
    let app = spawn_app().await;
    for (slug, name, teryt) in [
        ("torun", "Spółdzielnia Socjalna Żółty Koń", "0463011"),
        ("bydgoszcz", "Fundacja Zielony Ogród nad Brdą", "0461011"),
    ] {
        let id = pestor_tests::add_card(
            &app,
            slug,
            &[
                ("name", name),
                ("legal_form", "fundacja"),
                ("gmina_teryt", teryt),
            ],
            &["1"],
            &[],
            "verified",
        )
        .await;
        let t = app.store().find(slug).await.unwrap();
        let mut tx = app.db.tenant(&t).begin().await.unwrap();
        let offer = pestor_core::offer::Offer {
            name: format!("Obiady domowe — {slug}"),
            category: "catering".into(),
            price_grosze: Some(2190),
            price_note: String::new(),
            target_groups: vec!["mieszkancy".into()],
            description: "Dwudaniowe obiady z dowozem na terenie gminy, także dla osób starszych i z niepełnosprawnościami.".into(),
        };
        pestor_offers::store::insert(&mut tx, id, &offer, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let browser = Browser::start().await;
    browser.goto(&app.url("localhost", "/")).await;
    browser.click("a[href='/szukaj']").await;
    browser.wait_for_text("h1", "Szukaj w regionie").await;
    assert!(browser.text("[role=status]").await.starts_with("4 wyniki"));
    browser.assert_passes("regional search").await;

    browser.fill("#q", "obiady").await;
    browser
        .eval("document.querySelector('#powiat').value = '0461'; return true")
        .await;
    browser
        .click("form.pestor-filters button[type=submit]")
        .await;
    browser.wait_for_text("[role=status]", "1 wynik").await;
    assert!(
        browser
            .current_url()
            .await
            .contains("q=obiady&typ=&powiat=0461")
    );
    browser.click(".pestor-hit a").await;
    browser.wait_for_text("h1", "Obiady domowe").await;
    assert!(
        browser
            .current_url()
            .await
            .starts_with(&app.url("bydgoszcz.localhost", "/oferty/"))
    );

    browser
        .goto(&app.url("localhost", "/szukaj?q=obiadky"))
        .await;
    assert!(browser.text("main").await.contains("może to literówka?"));
    browser.assert_passes("regional search, near matches").await;
    browser
        .goto(&app.url("localhost", "/szukaj?q=nie+ma+takiej+rzeczy"))
        .await;
    assert!(browser.text("main").await.contains("Nic nie znaleziono"));
    browser
        .assert_passes("regional search, nothing found")
        .await;
}

/// Bank sprzętu in Chromium: the form with its errors, an item added, its page and the list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_is_given_to_the_equipment_bank_in_chromium() {
    let app = spawn_app_with(|s| s.server.base_domain = "pes.test".into()).await;
    pestor_tests::create_account(
        &app,
        "darczynca@example.pl",
        "Anna Darczyńca",
        "hasło darczyńcy 1",
    )
    .await;
    let browser = Browser::start().await;
    browser.goto(&app.url("torun.pes.test", "/logowanie")).await;
    browser.fill("#email", "darczynca@example.pl").await;
    browser.fill("#password", "hasło darczyńcy 1").await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser.wait_for_text(".pestor-account", "Zalogowano").await;

    browser
        .goto(&app.url("torun.pes.test", "/bank-sprzetu"))
        .await;
    assert!(
        browser
            .text("main")
            .await
            .contains("Nie znaleziono przedmiotów")
    );
    browser.assert_passes("equipment bank, empty").await;
    browser.click("a[href='/bank-sprzetu/nowy']").await;
    browser
        .wait_for_text("h1", "Przekaż lub użycz przedmiot")
        .await;
    browser.assert_passes("equipment item form").await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser
        .wait_for_text(".govuk-error-summary", "Podaj nazwę przedmiotu")
        .await;
    browser
        .assert_passes("equipment item form with errors")
        .await;
    browser.fill("#name", "Gitara klasyczna").await;
    browser
        .eval(
            "document.querySelector('#kind').value = 'loan';
             document.querySelector('#category').value = 'instrumenty';
             document.querySelector('#condition').value = 'dobry'; return true",
        )
        .await;
    // The field starts at 1 piece.
    assert_eq!(
        browser
            .eval("return document.querySelector('#quantity').value")
            .await,
        "1"
    );
    browser
        .fill(
            "#pickup_place",
            "Centrum Inicjatyw Pozarządowych, ul. Szczytna 2",
        )
        .await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser.wait_for_text("h1", "Gitara klasyczna").await;
    assert!(
        browser
            .text("main")
            .await
            .contains("użyczenie (wypożyczenie)")
    );
    browser.assert_passes("equipment item").await;
    browser.click("a[href$='/wycofanie']").await;
    browser.wait_for_text("h1", "Wycofać przedmiot?").await;
    browser
        .assert_passes("equipment withdrawal confirmation")
        .await;
    browser
        .goto(&app.url("torun.pes.test", "/bank-sprzetu"))
        .await;
    assert!(
        browser
            .text("[role=status]")
            .await
            .starts_with("1 przedmiot")
    );
    browser.assert_passes("equipment bank").await;
}

/// "Jan Członek" (start@example.pl), a member of Toruń's verified "Fundacja Dobry Start".
async fn dobry_start_member(app: &pestor_tests::TestApp, password: &str) {
    let member =
        pestor_tests::create_account(app, "start@example.pl", "Jan Członek", password).await;
    let org = pestor_tests::add_card(
        app,
        "torun",
        &[
            ("name", "Fundacja Dobry Start"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", "0463011"),
        ],
        &["1"],
        &[],
        "verified",
    )
    .await;
    pestor_tests::join_organisation(app, member, org).await;
}

/// Signs `email` in on Toruń's site at `base_domain` pes.test in a new browser.
async fn signed_in_browser(app: &pestor_tests::TestApp, email: &str, password: &str) -> Browser {
    let browser = Browser::start().await;
    browser.goto(&app.url("torun.pes.test", "/logowanie")).await;
    browser.fill("#email", email).await;
    browser.fill("#password", password).await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser.wait_for_text(".pestor-account", "Zalogowano").await;
    browser
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gift_is_requested_accepted_and_handed_over_and_a_loan_fills_the_calendar_in_chromium() {
    let app = spawn_app_with(|s| s.server.base_domain = "pes.test".into()).await;
    // Monday 1 March 2027 in Toruń.
    app.state
        .clock
        .set(time::macros::datetime!(2027-03-01 09:00 UTC));
    let password = "hasło testowe 123";
    let giver =
        pestor_tests::create_account(&app, "darczynca@example.pl", "Anna Darczyńca", password)
            .await;
    dobry_start_member(&app, password).await;
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO equipment_items (name, description, category, kind, condition, quantity, available,
                                      pickup_place, pickup_hours, giver_id)
         VALUES ('Biurko komputerowe', 'Z szufladą na klawiaturę.', 'meble', 'gift', 'dobry', 1, 1,
                 'ul. Szeroka 1, Toruń', 'pon.–pt. 9–15', $1),
                ('Aparat Canon EOS', 'Z obiektywem 18–55 mm.', 'audio-wideo', 'loan', 'bardzo dobry', 1, 1,
                 'ul. Szeroka 1, Toruń', '', $1)
         RETURNING id",
    )
    .bind(giver)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (desk, camera) = (
        app.url("torun.pes.test", &format!("/bank-sprzetu/{}", ids[0])),
        app.url("torun.pes.test", &format!("/bank-sprzetu/{}", ids[1])),
    );

    // The member asks for the desk.
    let pes = signed_in_browser(&app, "start@example.pl", password).await;
    pes.goto(&desk).await;
    assert!(
        pes.text("main")
            .await
            .contains("Prosisz w imieniu: Fundacja Dobry Start")
    );
    pes.assert_passes("equipment gift with the request form")
        .await;
    pes.click("#prosba ~ form button[type=submit]").await;
    pes.wait_for_text(".govuk-error-summary", "Napisz krótko")
        .await;
    pes.assert_passes("equipment request with errors").await;
    pes.fill(
        "#justification",
        "Biurko do świetlicy dla dzieci z osiedla.",
    )
    .await;
    pes.click("#prosba ~ form button[type=submit]").await;
    pes.wait_for_text(".govuk-notification-banner", "Prośba została wysłana")
        .await;
    assert!(
        pes.text("#prosby ~ .pestor-request")
            .await
            .contains("czeka na decyzję")
    );
    pes.assert_passes("equipment gift with my request").await;
    pes.goto(&app.url("torun.pes.test", "/bank-sprzetu/moje-prosby"))
        .await;
    assert!(pes.text("main").await.contains("Biurko komputerowe"));
    pes.assert_passes("equipment my requests").await;

    // The giver accepts it and marks it handed over.
    let owner = signed_in_browser(&app, "darczynca@example.pl", password).await;
    owner
        .goto(&app.url("torun.pes.test", "/bank-sprzetu/moje"))
        .await;
    assert!(owner.text("main").await.contains("Biurko komputerowe"));
    owner.assert_passes("equipment my items").await;
    owner.goto(&desk).await;
    owner
        .assert_passes("equipment gift with a request to decide")
        .await;
    owner.click("button[value=accept]").await;
    owner
        .wait_for_text(".govuk-notification-banner", "Prośba została przyjęta")
        .await;
    owner.click("button[value=hand_over]").await;
    owner
        .wait_for_text(".govuk-notification-banner", "oznaczono jako przekazany")
        .await;
    assert!(
        owner
            .text("#prosby ~ .pestor-request")
            .await
            .contains("przekazano")
    );
    owner.assert_passes("equipment gift handed over").await;
    owner.goto(&format!("{desk}/edycja")).await;
    owner.wait_for_text("h1", "Zmień przedmiot").await;
    owner.assert_passes("equipment item edit").await;

    // The member asks to borrow the camera for three days; the giver approves; the calendar shows them.
    pes.goto(&camera).await;
    assert_eq!(
        pes.eval("return document.querySelectorAll('.pestor-calendar__day--busy').length")
            .await,
        0
    );
    pes.assert_passes("equipment loan with its calendar").await;
    pes.eval(
        "document.querySelector('#from').value = '2027-03-10';
         document.querySelector('#to').value = '2027-03-12'; return true",
    )
    .await;
    pes.fill(
        "#justification",
        "Nagranie koncertu podopiecznych warsztatów.",
    )
    .await;
    pes.click("#prosba ~ form button[type=submit]").await;
    pes.wait_for_text(".govuk-notification-banner", "Prośba została wysłana")
        .await;
    owner.goto(&camera).await;
    owner.click("button[value=approve]").await;
    owner
        .wait_for_text(
            ".govuk-notification-banner",
            "Wypożyczenie zostało zatwierdzone",
        )
        .await;
    owner.assert_passes("equipment loan approved").await;
    pes.goto(&camera).await;
    let busy = pes
        .eval("return [...document.querySelectorAll('.pestor-calendar__day--busy .pestor-calendar__number')].map(e => e.textContent).join(',')")
        .await;
    assert_eq!(busy, "10,11,12");
    pes.assert_passes("equipment loan calendar with busy days")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_powiat_wide_item_of_a_neighbouring_gmina_is_listed_and_leads_to_its_page_in_chromium() {
    let app = spawn_app_with(|s| s.server.base_domain = "pes.test".into()).await;
    let lubicz = app.store().provision("0415042").await.unwrap();
    let lubicz = format!("{}.pes.test", lubicz.gmina().slug.as_str());
    let chelmza = app.store().find("gmina-chelmza").await.unwrap();
    let mut tx = app.db.tenant(&chelmza).begin().await.unwrap();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO equipment_items (name, description, category, kind, condition, quantity, available,
                                      pickup_place, by_office, powiat_wide)
         VALUES ('Namiot imprezowy 3×6 m', 'Na festyny i pikniki.', 'sport', 'loan', 'dobry', 1, 1,
                 'Urząd Gminy Chełmża, ul. Wodna 2', true, true)
         RETURNING id",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let browser = Browser::start().await;
    browser.goto(&app.url(&lubicz, "/bank-sprzetu")).await;
    let main = browser.text("main").await;
    assert!(main.contains("Z innych gmin powiatu") && main.contains("z gminy Chełmża"));
    browser
        .assert_passes("equipment bank with a neighbouring gmina's item")
        .await;
    browser.click(".pestor-card__title a").await;
    browser.wait_for_text("h1", "Namiot imprezowy").await;
    assert_eq!(
        browser.eval("return location.href").await,
        app.url("gmina-chelmza.pes.test", &format!("/bank-sprzetu/{id}"))
    );
    assert!(
        browser
            .text("h1")
            .await
            .contains("dla organizacji z całego powiatu")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn premises_are_listed_and_a_pes_applies_in_a_call_in_chromium() {
    let app = spawn_app_with(|s| s.server.base_domain = "pes.test".into()).await;
    app.state
        .clock
        .set(time::macros::datetime!(2027-03-01 09:00 UTC));
    let password = "hasło testowe 123";
    dobry_start_member(&app, password).await;
    let staff =
        pestor_tests::create_account(&app, "urzednik@example.pl", "Ewa Urzędniczka", password)
            .await;
    pestor_tests::grant(&app, staff, "torun", "staff").await;
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO premises (address, district, area_m2, rooms, floor, step_free, accessible_toilet, standard,
                               uses, rent_standard_grosze, rent_pes_grosze, status, resolution_title,
                               resolution_number, resolution_date, resolution_url, lat, lon)
         VALUES ('ul. Szeroka 41/2', 'Stare Miasto', 48.5, 2, 0, true, true, 'dobry', 'biuro, warsztaty',
                 3200, 600, 'call', 'w sprawie zasad najmu lokali PES', 'XXI/315/2024', '2024-11-14', 'https://bip.torun.pl/', 53.0102, 18.6087),
                ('ul. Lubicka 20', 'Podgórz', 72, 3, 1, false, false, 'dostateczny', '', 1800, 400, 'free', '', '', NULL, '', NULL, NULL);
         INSERT INTO premises_calls (title, criteria, opened_at, deadline)
         VALUES ('Nabór na lokale dla PES — wiosna 2027', 'Liczba osób, którym PES będzie służyć (do 60 pkt).',
                 '2027-02-20 10:00+01', '2027-03-15');
         INSERT INTO premises_call_items VALUES (1, 1);",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let anonymous = Browser::start().await;
    anonymous.goto(&app.url("torun.pes.test", "/lokale")).await;
    assert!(
        anonymous
            .text("[role=status]")
            .await
            .starts_with("2 lokale")
    );
    anonymous.assert_passes("premises list").await;
    anonymous
        .goto(&app.url("torun.pes.test", "/lokale?pow_od=duzo"))
        .await;
    anonymous
        .assert_passes("premises list with a bad filter")
        .await;
    anonymous
        .goto(&app.url("torun.pes.test", "/lokale/1"))
        .await;
    assert!(
        anonymous
            .text("main")
            .await
            .contains("Uchwała nr XXI/315/2024")
    );
    assert!(
        anonymous
            .wait_until("document.querySelectorAll('.leaflet-marker-icon').length === 1")
            .await,
        "the premises on its map"
    );
    anonymous.assert_passes("premises page").await;
    anonymous
        .goto(&app.url("torun.pes.test", "/lokale/nabory"))
        .await;
    assert!(anonymous.text("main").await.contains("przyjmuje wnioski"));
    anonymous.assert_passes("premises calls").await;
    anonymous
        .goto(&app.url("torun.pes.test", "/lokale/monitoring"))
        .await;
    anonymous.assert_passes("premises monitoring").await;

    let pes = signed_in_browser(&app, "start@example.pl", password).await;
    pes.goto(&app.url("torun.pes.test", "/lokale/nabory/1"))
        .await;
    pes.assert_passes("premises call with the application form")
        .await;
    pes.click("#wniosek ~ form button[type=submit]").await;
    pes.wait_for_text(".govuk-error-summary", "Opisz planowane wykorzystanie")
        .await;
    pes.assert_passes("premises application with errors").await;
    pes.fill("#planned_use", "Warsztaty zawodowe dla uczestników.")
        .await;
    pes.fill(
        "#justification",
        "Lokal bez barier jest nam niezbędny: uczestnicy poruszają się na wózkach.",
    )
    .await;
    pes.fill("#people_served", "25").await;
    pes.click("#wniosek ~ form button[type=submit]").await;
    pes.wait_for_text(".govuk-notification-banner", "Wniosek został złożony")
        .await;
    assert!(pes.text("main").await.contains("w ocenie"));
    pes.assert_passes("premises call with my application").await;

    let office = signed_in_browser(&app, "urzednik@example.pl", password).await;
    app.state
        .clock
        .set(time::macros::datetime!(2027-03-16 09:00 UTC));
    office
        .goto(&app.url("torun.pes.test", "/lokale/nabory/1/wnioski"))
        .await;
    let main = office.text("main").await;
    assert!(main.contains("Fundacja Dobry Start"), "{main}");
    office
        .assert_passes("premises applications side by side")
        .await;
    // The staff's view of a premises: status, photos and lease forms; a photo's deletion page.
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    sqlx::query(
        "INSERT INTO premises_photos (premises_id, object, position, alt, width, height)
         VALUES (2, $1, 1, 'Sala warsztatowa na piętrze', 640, 480)",
    )
    .bind(uuid::Uuid::new_v4())
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    office.goto(&app.url("torun.pes.test", "/lokale/2")).await;
    assert!(office.text("main").await.contains("Zapisz umowę najmu"));
    office.assert_passes("premises page for staff").await;
    office
        .goto(&app.url("torun.pes.test", "/lokale/2/zdjecia/1/usun"))
        .await;
    office.wait_for_text("h1", "Usunąć zdjęcie lokalu?").await;
    office.assert_passes("premises photo deletion").await;
    office
        .goto(&app.url("torun.pes.test", "/lokale/nabory/nowy"))
        .await;
    office.assert_passes("premises call form").await;
    office
        .goto(&app.url("torun.pes.test", "/lokale/nowy"))
        .await;
    office.assert_passes("premises form").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_support_map_shows_regional_and_local_entries_and_staff_add_one_in_chromium() {
    let app = spawn_app_with(|s| s.server.base_domain = "pes.test".into()).await;
    let password = "hasło testowe 123";
    let staff =
        pestor_tests::create_account(&app, "urzednik@example.pl", "Ewa Urzędniczka", password)
            .await;
    pestor_tests::grant(&app, staff, "torun", "staff").await;
    sqlx::raw_sql(
        "INSERT INTO support_regional (name, institution, services, audiences, address, hours, lat, lon)
         VALUES ('Regionalny Ośrodek Polityki Społecznej', 'rops', ARRAY['doradztwo', 'promocja'], ARRAY['pes'],
                 'ul. Szosa Chełmińska 30, Toruń', 'pon.–pt. 8–16', 53.0273, 18.5937),
                ('Fundusz Pożyczkowy Regionu', 'fundusz', ARRAY['pozyczki'], ARRAY['pes', 'zakladajacy'],
                 'ul. Szeroka 1, Toruń', '', 53.0100, 18.6080)",
    )
    .execute(app.db.platform())
    .await
    .unwrap();

    let browser = signed_in_browser(&app, "urzednik@example.pl", password).await;
    browser.goto(&app.url("torun.pes.test", "/wsparcie")).await;
    browser.wait_for_text("#stan-mapy", "Na mapie: 2.").await;
    assert_eq!(browser.text("#stan-mapy").await, "Na mapie: 2.");
    assert!(
        browser
            .wait_until(
                "[...document.querySelectorAll('.leaflet-marker-icon')]
                    .every(e => getComputedStyle(e).opacity === '1')"
            )
            .await
    );
    browser.assert_passes("support map").await;
    browser.click("a[href='/wsparcie/nowy']").await;
    browser.wait_for_text("h1", "Dodaj wpis gminy").await;
    browser.assert_passes("support form").await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser
        .wait_for_text(
            ".govuk-error-summary",
            "Zaznacz co najmniej jeden rodzaj wsparcia",
        )
        .await;
    browser.assert_passes("support form with errors").await;
    browser
        .fill("#name", "Centrum Organizacji Pozarządowych")
        .await;
    browser
        .eval(
            "document.querySelector('#institution').value = 'centrum_ngo';
             document.querySelector('#services-lokal').checked = true;
             document.querySelector('#audiences-ngo').checked = true; return true",
        )
        .await;
    browser.fill("#address", "ul. Szczytna 2, Toruń").await;
    browser.click("form.pestor-form button[type=submit]").await;
    browser
        .wait_for_text(".govuk-notification-banner", "Wpis został zapisany")
        .await;
    let main = browser.text("main").await;
    assert!(main.contains("Centrum Organizacji Pozarządowych") && main.contains("3 wpisy"));
    assert!(
        browser.text("#stan-mapy").await.contains("Na mapie: 2."),
        "no position, no marker"
    );
    browser.click("a[href='/wsparcie/1/usun']").await;
    browser.wait_for_text("h1", "Usunąć wpis?").await;
    browser.assert_passes("support deletion").await;

    let coordinator =
        pestor_tests::create_account(&app, "koordynator@example.pl", "Koordynatorka", password)
            .await;
    sqlx::query("UPDATE accounts SET region_role = 'coordinator' WHERE id = $1")
        .bind(coordinator)
        .execute(app.db.platform())
        .await
        .unwrap();
    let region = Browser::start().await;
    region.goto(&app.url("pes.test", "/logowanie")).await;
    region.fill("#email", "koordynator@example.pl").await;
    region.fill("#password", password).await;
    region.click("form.pestor-form button[type=submit]").await;
    region.wait_for_text(".pestor-account", "Zalogowano").await;
    region
        .goto(&app.url("pes.test", "/koordynator/wsparcie"))
        .await;
    assert!(
        region
            .text("main")
            .await
            .contains("Fundusz Pożyczkowy Regionu")
    );
    region.assert_passes("support regional entries").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_of_social_clauses_and_a_fulfilment_check_in_chromium() {
    let app = spawn_app_with(|s| s.server.base_domain = "pes.test".into()).await;
    app.state
        .clock
        .set(time::macros::datetime!(2027-06-01 09:00 UTC));
    let password = "hasło testowe 123";
    let staff =
        pestor_tests::create_account(&app, "urzednik@example.pl", "Ewa Urzędniczka", password)
            .await;
    pestor_tests::grant(&app, staff, "torun", "staff").await;
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO clause_targets VALUES (2027, 4);
         INSERT INTO procurements (reference, subject, kind, value_grosze, procedure, published_on, status, contractor_name)
         VALUES ('ZP.271.7.2027', 'Sprzątanie budynków urzędu', 'uslugi', 25000000, 'tryb_podstawowy', '2027-02-01',
                 'in_progress', 'Firma Sprzątająca');
         INSERT INTO procurement_clauses (procurement_id, clause, requirement, people, target_group, months, next_check_on)
         VALUES (1, 'pzp2019-art96', 'Zatrudnienie 2 osób bezrobotnych przez 12 miesięcy.', 2, 'bezrobotni', 12, '2027-06-01');
         INSERT INTO procurements (reference, subject, kind, value_grosze, procedure, status)
         VALUES ('ZP.271.8.2027', 'Remont świetlicy osiedlowej', 'roboty', 40000000, 'tryb_podstawowy', 'planned');",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let anonymous = Browser::start().await;
    anonymous
        .goto(&app.url("torun.pes.test", "/klauzule-spoleczne"))
        .await;
    assert!(
        anonymous
            .text("[role=status]")
            .await
            .starts_with("2 zamówienia")
    );
    anonymous.assert_passes("clauses register").await;
    anonymous
        .goto(&app.url("torun.pes.test", "/klauzule-spoleczne/katalog"))
        .await;
    anonymous.assert_passes("clauses catalogue").await;
    anonymous
        .goto(&app.url("torun.pes.test", "/klauzule-spoleczne/wskazniki"))
        .await;
    assert!(anonymous.text("main").await.contains("1 (cel: 4)"));
    anonymous.assert_passes("clauses indicators").await;
    anonymous
        .goto(&app.url("pes.test", "/klauzule-spoleczne-w-regionie"))
        .await;
    assert!(anonymous.text("main").await.contains("1 (cel: 4)"));
    anonymous.assert_passes("clauses in the region").await;
    anonymous
        .goto(&app.url("torun.pes.test", "/klauzule-spoleczne/powiadomienia"))
        .await;
    anonymous.assert_passes("procurement notices form").await;
    anonymous.fill("#email", "to-nie-adres").await;
    anonymous
        .click("form.pestor-form button[type=submit]")
        .await;
    anonymous
        .wait_for_text(".govuk-error-summary", "Podaj poprawny adres e-mail")
        .await;
    anonymous
        .assert_passes("procurement notices form with an error")
        .await;

    let office = signed_in_browser(&app, "urzednik@example.pl", password).await;
    office
        .goto(&app.url("torun.pes.test", "/klauzule-spoleczne/kontrole"))
        .await;
    assert!(office.text("main").await.contains("ZP.271.7.2027"));
    office.assert_passes("clauses check queue").await;
    office.click("td a[href^='/klauzule-spoleczne/1']").await;
    office
        .wait_for_text("h1", "Sprzątanie budynków urzędu")
        .await;
    office
        .assert_passes("procurement with its check form")
        .await;
    office.click("#kontrola ~ form button[type=submit]").await;
    office
        .wait_for_text(".govuk-error-summary", "Wybierz wynik kontroli")
        .await;
    office.assert_passes("procurement check with errors").await;
    office.fill("#people_employed", "2").await;
    office
        .fill(
            "#evidence",
            "Kopie dwóch umów o pracę; zaświadczenia z PUP.",
        )
        .await;
    office
        .eval("document.querySelector('#verdict').value = 'spelniona'; return true")
        .await;
    office.click("#kontrola ~ form button[type=submit]").await;
    office
        .wait_for_text(".govuk-notification-banner", "Kontrola została zapisana")
        .await;
    assert!(office.text("main").await.contains("spełniona"));
    office.assert_passes("procurement after a check").await;
    office
        .goto(&app.url("torun.pes.test", "/klauzule-spoleczne/2"))
        .await;
    assert!(office.text("main").await.contains("Dodaj klauzulę"));
    office
        .assert_passes("planned procurement with the clause form")
        .await;
    office
        .goto(&app.url("torun.pes.test", "/klauzule-spoleczne/1/dopasowanie"))
        .await;
    office
        .wait_for_text("h1", "PES, które mogą się przygotować")
        .await;
    office.assert_passes("procurement matchmaking").await;
    office
        .goto(&app.url("torun.pes.test", "/klauzule-spoleczne/nowe"))
        .await;
    office.click("form.pestor-form button[type=submit]").await;
    office
        .wait_for_text(".govuk-error-summary", "Podaj znak sprawy")
        .await;
    office.assert_passes("procurement form with errors").await;
}
