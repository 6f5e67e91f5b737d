//! Bank sprzętu beyond one gmina: an item offered to PES of the whole powiat shows in the powiat's
//! other gminas (marked with its gmina, linked to its page there) and nowhere else; verified PES of
//! those gminas may ask for it, others may not; every gmina's items are in the search across
//! gminas; the regional projection follows each change and goes with the gmina's archive.

use pestor_tests::{TestApp, Visitor, add_card, spawn_app};
use serde_json::Value;

/// Gmina wiejska Chełmża (powiat toruński), provisioned in every test app.
const CHELMZA: &str = "gmina-chelmza.localhost";
const TORUN: &str = "torun.localhost";
const NEW: &str = "/bank-sprzetu/nowy";

/// Provisions Lubicz (0415042, also powiat toruński); returns its host.
async fn lubicz(app: &TestApp) -> String {
    let t = app.store().provision("0415042").await.unwrap();
    format!("{}.localhost", t.gmina().slug.as_str())
}

/// A member of a verified PES whose home is gmina `slug` (`teryt`), signed in there and on
/// Chełmża's host, and the form value naming the organisation.
async fn member_of(
    app: &TestApp,
    email: &str,
    name: &str,
    slug: &str,
    teryt: &str,
) -> (Visitor, String) {
    let org = add_card(
        app,
        slug,
        &[
            ("name", name),
            ("legal_form", "stowarzyszenie"),
            ("gmina_teryt", teryt),
        ],
        &["1"],
        &[],
        "verified",
    )
    .await;
    let (account, v) = app.person(email, slug, None).await;
    pestor_tests::join_organisation_in(app, account, slug, org).await;
    v.sign_in_to(CHELMZA).await;
    (v, format!("{teryt}-{org}"))
}

/// Asks for the gift at `item` in Chełmża for organisation `org`.
async fn ask(v: &Visitor, item: &str, org: &str) -> pestor_tests::Reply {
    v.submit(
        CHELMZA,
        item,
        &format!("{item}/prosby"),
        &[
            ("organisation", org),
            ("justification", "Do pracowni stolarskiej dla młodzieży."),
        ],
    )
    .await
}

/// Adds a gift in Chełmża; `powiat_wide` ticks the box. Returns the item's path.
async fn add(giver: &Visitor, name: &str, powiat_wide: bool) -> String {
    let mut fields = vec![
        ("name", name),
        ("kind", "gift"),
        ("category", "meble"),
        ("condition", "dobry"),
        ("quantity", "2"),
        ("description", "Solidny, do odbioru od zaraz."),
        ("pickup_place", "Urząd Gminy Chełmża, ul. Wodna 2"),
        ("pickup_hours", ""),
        ("on_behalf", ""),
    ];
    if powiat_wide {
        fields.push(("powiat_wide", "tak"));
    }
    let r = giver.submit(CHELMZA, NEW, NEW, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location.unwrap().split('?').next().unwrap().to_owned()
}

/// The list's section of the powiat's other gminas (empty when there is none).
fn neighbours_section(page: &str) -> &str {
    page.find("Z innych gmin powiatu").map_or("", |at| {
        &page[at..page[at..].find("</ul>").map_or(page.len(), |e| at + e)]
    })
}

#[tokio::test]
async fn a_powiat_wide_item_shows_in_the_powiats_other_gminas_and_their_pes_may_ask_for_it() {
    let app = spawn_app().await;
    let lubicz = lubicz(&app).await;
    let (_, giver) = app.person("wojt@example.pl", "gmina-chelmza", None).await;
    let table = add(&giver, "Stół warsztatowy", true).await;
    let chair = add(&giver, "Krzesło obrotowe", false).await;

    // The form remembers the choice.
    let edit = giver.get(CHELMZA, &format!("{table}/edycja")).await.body;
    assert!(edit.contains(r#"id="powiat_wide" name="powiat_wide" value="tak" checked"#));

    // Lubicz's list: the powiat-wide table, marked with Chełmża and linked to its page there; not
    // the chair. Its own list has nothing of its own, so the empty state does not claim otherwise.
    let (status, page) = app.page(&lubicz, "/bank-sprzetu").await;
    assert_eq!(status, 200);
    let section = neighbours_section(&page).replace("&#x2f;", "/");
    assert!(section.contains("Stół warsztatowy"), "{page}");
    assert!(section.contains("z gminy Chełmża"));
    assert!(section.contains(&format!(r#"href="{}""#, app.url(CHELMZA, &table))));
    assert!(!page.contains("Krzesło obrotowe"));
    assert!(page.contains("są w sąsiednich gminach powiatu"));
    // Its filters apply: text without diacritics finds it, another kind or category does not;
    // a free-day filter keeps gifts.
    for (query, found) in [
        ("?q=STOL", true),
        ("?q=szafa", false),
        ("?rodzaj=uzyczenie", false),
        ("?kategoria=komputery", false),
        ("?wolne=teraz", true),
    ] {
        let page = app.page(&lubicz, &format!("/bank-sprzetu{query}")).await.1;
        assert_eq!(page.contains("Stół warsztatowy"), found, "{query}");
    }
    // Toruń is another powiat: nothing of Chełmża's there; Chełmża lists both as its own.
    let torun = app.page(TORUN, "/bank-sprzetu").await.1;
    assert!(!torun.contains("Stół warsztatowy") && neighbours_section(&torun).is_empty());
    let home = app.page(CHELMZA, "/bank-sprzetu").await.1;
    assert!(home.contains("Stół warsztatowy") && home.contains("Krzesło obrotowe"));
    assert!(
        neighbours_section(&home).is_empty(),
        "its own items are not a neighbour's"
    );

    // A verified PES of Lubicz asks for the table on Chełmża's site; not for the chair.
    let (neighbour, lubiczanie) = member_of(
        &app,
        "lubicz@example.pl",
        "Stowarzyszenie Lubiczanie",
        &lubicz.replace(".localhost", ""),
        "0415042",
    )
    .await;
    let form = neighbour.get(CHELMZA, &table).await.body;
    assert!(form.contains("Stowarzyszenie Lubiczanie"), "{form}");
    let r = ask(&neighbour, &table, &lubiczanie).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let chair_page = neighbour.get(CHELMZA, &chair).await.body;
    assert!(chair_page.contains("tej gminy albo działających w niej"));
    let r = ask(&neighbour, &chair, &lubiczanie).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("tej gminy albo działających w niej"));
    // Toruń's PES is of another powiat: refused even for the table, with the powiat named.
    let (stranger, torunska) = member_of(
        &app,
        "torun@example.pl",
        "Fundacja Toruńska",
        "torun",
        "0463011",
    )
    .await;
    let r = ask(&stranger, &table, &torunska).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("z gmin tego powiatu"));
    let requests = async |app: &TestApp| {
        let t = app.store().find("gmina-chelmza").await.unwrap();
        let mut tx = app.db.tenant(&t).begin().await.unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT organisation_teryt, organisation_name FROM equipment_requests ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        rows
    };
    assert_eq!(
        requests(&app).await,
        vec![("0415042".to_owned(), "Stowarzyszenie Lubiczanie".to_owned())]
    );
    // "Moje prośby" on Chełmża's site lists it for the Lubicz member.
    let mine = neighbour
        .get(CHELMZA, "/bank-sprzetu/moje-prosby")
        .await
        .body;
    assert!(mine.contains("Stół warsztatowy"), "{mine}");

    // Unticked, withdrawn or gone: the projection follows and Lubicz no longer shows it.
    giver
        .submit(
            CHELMZA,
            &table,
            &format!("{table}/status"),
            &[("decision", "withdraw")],
        )
        .await;
    assert!(
        !app.page(&lubicz, "/bank-sprzetu")
            .await
            .1
            .contains("Stół warsztatowy")
    );
}

#[tokio::test]
async fn every_gminas_items_are_in_the_search_across_gminas_while_public() {
    let app = spawn_app().await;
    let (_, giver) = app.person("wojt@example.pl", "gmina-chelmza", None).await;
    let bench = add(&giver, "Ławka parkowa", false).await;
    let search = |q: &'static str| {
        let app = &app;
        async move {
            let (status, body) = app
                .page("localhost", &format!("/api/v1/szukaj?typ=sprzet&q={q}"))
                .await;
            assert_eq!(status, 200, "{body}");
            let body: Value = serde_json::from_str(&body).unwrap();
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["title"].as_str().unwrap().to_owned(),
                        i["url"].as_str().unwrap().to_owned(),
                        i["kind_label"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        search("lawka").await,
        vec![(
            "Ławka parkowa".to_owned(),
            app.url(CHELMZA, &bench),
            "Sprzęt".to_owned()
        )]
    );
    // The portal's page finds it too, with its kind among the filters.
    let page = app.page("localhost", "/szukaj?q=lawka").await.1;
    assert!(page.contains("Ławka parkowa") && page.contains(r#"<option value="sprzet""#));
    // Both pieces handed over: the gift leaves the search with the list.
    let t = app.store().find("gmina-chelmza").await.unwrap();
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    sqlx::query("UPDATE equipment_items SET available = 0")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(search("lawka").await.is_empty());
}
