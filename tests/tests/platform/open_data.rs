//! What the public sees of each gmina's registry beyond its own cards page: PES of other gminas
//! that work here, sort links, and the open-data API (JSON, GeoJSON, CSV, OpenAPI) — verified
//! cards only, the same filters as the list, nothing of another gmina unless it declares it works here.

use pestor_kit::auth::{Format, Hosts};
use pestor_tests::{TestApp, add_card, spawn_app};
use serde_json::Value;

const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";
const TORUN_TERYT: &str = "0463011";
const BYDGOSZCZ_TERYT: &str = "0461011";

/// Toruń: three verified cards (two located), one pending, one hidden. Bydgoszcz: one verified
/// card that also works in Toruń, one that does not, one pending that would.
async fn registry(app: &TestApp) -> (i64, i64) {
    let seat = ("gmina_teryt", TORUN_TERYT);
    let cistor = add_card(
        app,
        "torun",
        &[
            ("name", "CISTOR Stowarzyszenie Partnerstwo Społeczne"),
            ("legal_form", "stowarzyszenie"),
            ("krs", "100"),
            (
                "description",
                "Centrum integracji; szkolenia, \"reintegracja\" zawodowa",
            ),
            ("locality", "Toruń"),
            ("street", "ul. Szosa Chełmińska 1"),
            ("postal_code", "87-100"),
            ("lat", "53,0201"),
            ("lon", "18,5902"),
            seat,
        ],
        &["1", "5"],
        &[],
        "verified",
    )
    .await;
    add_card(
        app,
        "torun",
        &[
            ("name", "=HYPERLINK(\"http://zlo.example\")"),
            ("legal_form", "fundacja"),
            ("locality", "Toruń"),
            ("lat", "53.01"),
            ("lon", "18.6"),
            seat,
        ],
        &["2"],
        &[],
        "verified",
    )
    .await;
    add_card(
        app,
        "torun",
        &[
            ("name", "Fundacja Bank Żywności"),
            ("legal_form", "fundacja"),
            seat,
        ],
        &["2"],
        &[],
        "verified",
    )
    .await;
    add_card(
        app,
        "torun",
        &[
            ("name", "Fundacja Oczekująca"),
            ("legal_form", "fundacja"),
            seat,
        ],
        &["1"],
        &[],
        "pending",
    )
    .await;
    add_card(
        app,
        "torun",
        &[
            ("name", "Fundacja Ukryta"),
            ("legal_form", "fundacja"),
            seat,
        ],
        &["1"],
        &[],
        "hidden",
    )
    .await;
    let b_seat = ("gmina_teryt", BYDGOSZCZ_TERYT);
    let wide = add_card(
        app,
        "bydgoszcz",
        &[
            ("name", "Spółdzielnia Socjalna Regionalna"),
            ("legal_form", "spoldzielnia_socjalna"),
            ("lat", "53.12"),
            ("lon", "18.0"),
            b_seat,
        ],
        &["1"],
        &[TORUN_TERYT],
        "verified",
    )
    .await;
    add_card(
        app,
        "bydgoszcz",
        &[
            ("name", "Stowarzyszenie Tylko Bydgoszcz"),
            ("legal_form", "stowarzyszenie"),
            b_seat,
        ],
        &["1"],
        &[],
        "verified",
    )
    .await;
    add_card(
        app,
        "bydgoszcz",
        &[
            ("name", "Fundacja Bydgoska Czekająca"),
            ("legal_form", "fundacja"),
            b_seat,
        ],
        &["1"],
        &[TORUN_TERYT],
        "pending",
    )
    .await;
    (cistor, wide)
}

async fn json(app: &TestApp, host: &str, path: &str) -> (u16, Value) {
    let r = app.get(host, path).await;
    let status = r.status().as_u16();
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        ct.starts_with("application/") && ct.contains("json"),
        "{path}: {ct}"
    );
    (status, r.json().await.unwrap())
}

fn names(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_json_api_lists_verified_cards_of_this_gmina_and_those_working_here_with_filters_and_pages()
 {
    let app = spawn_app().await;
    let (cistor, wide) = registry(&app).await;

    let (status, all) = json(&app, TORUN, "/api/v1/podmioty").await;
    assert_eq!(status, 200);
    assert_eq!(
        names(&all),
        [
            "CISTOR Stowarzyszenie Partnerstwo Społeczne",
            "Fundacja Bank Żywności",
            // Punctuation does not count in the order: among the H's.
            "=HYPERLINK(\"http://zlo.example\")",
            "Spółdzielnia Socjalna Regionalna",
        ],
        "verified only, Polish order; Bydgoszcz's card that works in Toruń included"
    );
    assert_eq!(all["total"], 4);
    let item = &all["items"][0];
    assert_eq!(item["id"], cistor);
    assert_eq!(
        item["url"],
        format!(
            "{}/podmioty/{cistor}",
            app.state.settings.host_url(Some("torun"))
        )
    );
    assert_eq!(item["legal_form"]["code"], "stowarzyszenie");
    assert_eq!(item["krs"], "0000000100");
    assert_eq!(item["address"]["postal_code"], "87-100");
    assert_eq!(item["location"]["lat"], 53.0201);
    assert_eq!(item["areas"].as_array().unwrap().len(), 2);
    assert_eq!(item["gmina"]["teryt"], TORUN_TERYT);
    let other = &all["items"][3];
    assert_eq!(
        other["url"],
        format!(
            "{}/podmioty/{wide}",
            app.state.settings.host_url(Some("bydgoszcz"))
        )
    );
    assert_eq!(other["registry_teryt"], BYDGOSZCZ_TERYT);

    // Filters and pages, as on the list page.
    let (_, area) = json(&app, TORUN, "/api/v1/podmioty?sfera=2").await;
    assert_eq!(
        names(&area),
        [
            "Fundacja Bank Żywności",
            "=HYPERLINK(\"http://zlo.example\")"
        ]
    );
    let (_, text) = json(&app, TORUN, "/api/v1/podmioty?q=zywnosc").await;
    assert_eq!(names(&text), ["Fundacja Bank Żywności"]);
    let (_, literal) = json(&app, TORUN, "/api/v1/podmioty?q=%25").await;
    assert_eq!(literal["total"], 0, "% is a character, not a wildcard");
    let (_, page2) = json(
        &app,
        TORUN,
        "/api/v1/podmioty?na_strone=3&strona=2&sort=nazwa",
    )
    .await;
    assert_eq!(names(&page2), ["Spółdzielnia Socjalna Regionalna"]);
    assert_eq!(
        (page2["pages"].clone(), page2["next"].clone()),
        (2.into(), Value::Null)
    );
    assert_eq!(
        page2["prev"],
        "/api/v1/podmioty?sort=nazwa&strona=1&na_strone=3"
    );

    // Bad parameters: a clear JSON error, not a page.
    for bad in [
        "na_strone=1000",
        "na_strone=0",
        "strona=abc",
        "forma=nieznana",
        "sfera=99",
        "powiat=12",
        "gmina=abc",
        "sort=cena",
    ] {
        let (status, body) = json(&app, TORUN, &format!("/api/v1/podmioty?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Niepoprawny parametr"),
            "{bad}: {body}"
        );
    }

    // Isolation: Bydgoszcz sees its own verified cards; Toruń's do not declare it.
    let (_, b) = json(&app, BYDGOSZCZ, "/api/v1/podmioty").await;
    assert_eq!(
        names(&b),
        [
            "Spółdzielnia Socjalna Regionalna",
            "Stowarzyszenie Tylko Bydgoszcz"
        ]
    );
    let b_csv = app
        .get(BYDGOSZCZ, "/api/v1/podmioty.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        b_csv.contains("Tylko Bydgoszcz")
            && !b_csv.contains("CISTOR")
            && !b_csv.contains("Bank Żywności")
    );
    let (_, b_geo) = json(&app, BYDGOSZCZ, "/api/v1/podmioty.geojson").await;
    let located: Vec<&str> = b_geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(located, ["Spółdzielnia Socjalna Regionalna"]);
    assert_eq!(
        app.get("localhost", "/api/v1/podmioty").await.status(),
        404,
        "no registry on the portal"
    );
}

#[tokio::test]
async fn geojson_has_the_located_cards_longitude_first() {
    let app = spawn_app().await;
    let (cistor, _) = registry(&app).await;
    let (status, geo) = json(&app, TORUN, "/api/v1/podmioty.geojson").await;
    assert_eq!(status, 200);
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().unwrap();
    assert_eq!(
        features.len(),
        3,
        "the card without a location is left out: {geo}"
    );
    let f = features
        .iter()
        .find(|f| f["properties"]["id"] == cistor)
        .unwrap();
    assert_eq!(
        f["geometry"]["coordinates"],
        serde_json::json!([18.5902, 53.0201])
    );
    assert_eq!(
        f["properties"]["address_text"],
        "ul. Szosa Chełmińska 1, 87-100 Toruń"
    );
    let (_, area) = json(&app, TORUN, "/api/v1/podmioty.geojson?sfera=5").await;
    assert_eq!(area["features"].as_array().unwrap().len(), 1);
    let (status, _) = json(&app, TORUN, "/api/v1/podmioty.geojson?sfera=abc").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_csv_opens_in_polish_excel_and_cannot_carry_formulas() {
    let app = spawn_app().await;
    registry(&app).await;
    let r = app.get(TORUN, "/api/v1/podmioty.csv?sort=nazwa").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"podmioty-torun.csv\""
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte order mark");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[0]
            .starts_with("Nazwa;Forma prawna;KRS;NIP;REGON;Rok założenia;Sfery działalności;Opis;")
    );
    assert_eq!(
        lines.len(),
        4 + 2,
        "header, four cards, and the final line break"
    );
    assert!(
        lines[3].starts_with("\"'=HYPERLINK(\"\"http://zlo.example\"\")\";Fundacja;"),
        "{}",
        lines[3]
    );
    let cistor = lines[1];
    assert!(
        cistor.contains(";\"Centrum integracji; szkolenia, \"\"reintegracja\"\" zawodowa\";"),
        "{cistor}"
    );
    assert!(
        cistor.contains(";53,0201;18,5902;"),
        "decimal commas: {cistor}"
    );
    assert!(cistor.contains(";0000000100;"));
    assert!(
        !text.contains("Oczekująca") && !text.contains("Ukryta") && !text.contains("Czekająca")
    );
    let filtered = app
        .get(TORUN, "/api/v1/podmioty.csv?q=bank")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(filtered.matches("\r\n").count(), 2);
}

#[tokio::test]
async fn the_openapi_document_describes_the_endpoints() {
    let app = spawn_app().await;
    let (status, doc) = json(&app, TORUN, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(
        doc["servers"][0]["url"],
        app.state.settings.host_url(Some("torun"))
    );
    for path in [
        "/api/v1/oferty",
        "/api/v1/podmioty",
        "/api/v1/podmioty.geojson",
        "/api/v1/podmioty.csv",
    ] {
        assert!(
            doc["paths"][path]["get"]["responses"]["200"].is_object(),
            "{path}"
        );
    }
    let params: Vec<&str> = doc["paths"]["/api/v1/podmioty"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        params,
        [
            "q",
            "forma",
            "sfera",
            "powiat",
            "gmina",
            "sort",
            "strona",
            "na_strone"
        ]
    );
    // Each host's document lists exactly the API routes that host serves (a new endpoint
    // without its description fails here), and every $ref in it resolves.
    let (_, rules) = pestor_web::routes().into_parts();
    for (host, site) in [(TORUN, Hosts::Gmina), ("localhost", Hosts::Portal)] {
        let (status, doc) = json(&app, host, "/api/v1/openapi.json").await;
        assert_eq!(status, 200, "{host}");
        let mut described: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        described.sort();
        let mut served: Vec<&str> = rules
            .iter()
            .filter(|r| r.format == Format::Json && r.path != "/api/v1/openapi.json")
            .filter(|r| r.hosts == site || r.hosts == Hosts::Both)
            .map(|r| r.path)
            .collect();
        served.sort();
        assert_eq!(described, served, "{host}");
        let text = doc.to_string();
        for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = r.split('"').next().unwrap();
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{host}: {name}"
            );
        }
    }
    let (_, portal) = json(&app, "localhost", "/api/v1/openapi.json").await;
    assert_eq!(
        portal["servers"][0]["url"],
        app.state.settings.host_url(None)
    );
    let kinds = &portal["paths"]["/api/v1/szukaj"]["get"]["parameters"][1];
    assert_eq!(kinds["name"], "typ");
    assert_eq!(
        kinds["schema"]["enum"],
        serde_json::json!(["podmiot", "oferta", "sprzet"])
    );
}

#[tokio::test]
async fn the_list_shows_pes_working_here_and_sorts_from_its_headers() {
    let app = spawn_app().await;
    let (_, wide) = registry(&app).await;
    let (_, body) = app.page(TORUN, "/podmioty?sfera=1").await;
    assert!(body.contains(">2 organizacje"), "{body}");
    let bydgoszcz_card = format!(
        "{}/podmioty/{wide}",
        app.state.settings.host_url(Some("bydgoszcz"))
    )
    .replace('/', "&#x2f;");
    assert!(
        body.contains(&bydgoszcz_card),
        "links to the card on Bydgoszcz's site"
    );
    assert!(body.contains("karta w serwisie: Bydgoszcz (gmina miejska)"));
    assert!(!body.contains("Tylko Bydgoszcz"));
    // Headers link to their sort with the filters kept; the current column is marked.
    assert!(body.contains("<th scope=\"col\" class=\"govuk-table__header\" aria-sort=\"ascending\"><a class=\"govuk-link\" href=\"&#x2f;podmioty?sfera=1&amp;sort=nazwa\">Nazwa</a></th>"), "{body}");
    assert!(body.contains("class=\"govuk-link\" href=\"&#x2f;podmioty?sfera=1&amp;sort=dodano\">Dodano<span class=\"govuk-visually-hidden\"> — sortuj według tej kolumny</span>"));
    let (_, by_date) = app.page(TORUN, "/podmioty?sfera=1&sort=dodano").await;
    assert!(by_date.contains("aria-sort=\"descending\""));
    // Bydgoszcz's list has none of Toruń's cards.
    let (_, b) = app.page(BYDGOSZCZ, "/podmioty").await;
    assert!(b.contains(">2 organizacje") && !b.contains("CISTOR") && !b.contains("Bank Żywności"));
}

#[tokio::test]
async fn the_map_page_loads_its_markers_from_our_own_assets_with_the_gminas_tiles() {
    let app = spawn_app().await;
    let (cistor, _) = registry(&app).await;
    let r = app.get(TORUN, "/mapa?sfera=5").await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("img-src 'self' data: https://tile.openstreetmap.org;"),
        "{csp}"
    );
    assert!(
        csp.contains("script-src 'self';"),
        "no script from elsewhere: {csp}"
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains("data-geojson=\"/api/v1/podmioty.geojson?sfera=5\""),
        "{body}"
    );
    assert!(body.contains("Organizacji z położeniem: 1."));
    assert!(body.contains("<option value=\"5\" selected>"));
    assert!(
        body.contains("href=\"/podmioty?sfera=5\""),
        "the list is linked as the alternative"
    );
    for asset in [
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/markercluster/leaflet.markercluster.js",
        "/static/map.js",
    ] {
        assert!(
            body.contains(&format!("<script src=\"{asset}\"></script>")),
            "{asset}"
        );
        let r = app.get(TORUN, asset).await;
        assert_eq!(r.status(), 200, "{asset}");
        assert_eq!(
            r.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
    }
    let icon = app
        .get(TORUN, "/static/vendor/leaflet/images/marker-icon.png")
        .await;
    assert_eq!(icon.headers()["content-type"], "image/png");
    assert_eq!(
        app.get(TORUN, "/static/vendor/leaflet/LICENSE")
            .await
            .status(),
        404,
        "only the listed files are served"
    );

    // A located card shows a small map of its own.
    let card = app.get(TORUN, &format!("/podmioty/{cistor}")).await;
    assert!(
        card.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("https://tile.openstreetmap.org")
    );
    assert!(
        card.text()
            .await
            .unwrap()
            .contains("data-point=\"53.0201,18.5902\"")
    );
}
