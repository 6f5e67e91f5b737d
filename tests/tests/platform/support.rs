//! Mapa wsparcia: regional entries kept by coordinators on the portal appear on every gmina's
//! support page beside the gmina's own, which only its staff keep; the form is checked field by
//! field; the list and the GeoJSON follow the filters; deletions go through a confirmation and
//! the logs; one gmina never sees another's entries.

use pestor_tests::{TestApp, Visitor, create_account, spawn_app};
use serde_json::Value;

const PORTAL: &str = "localhost";
const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";

async fn coordinator(app: &TestApp) -> Visitor {
    let id = create_account(
        app,
        "koordynator@example.pl",
        "Koordynatorka",
        "hasło testowe 123",
    )
    .await;
    sqlx::query("UPDATE accounts SET region_role = 'coordinator' WHERE id = $1")
        .bind(id)
        .execute(app.db.platform())
        .await
        .unwrap();
    let v = app.visitor();
    v.sign_in("koordynator@example.pl", "hasło testowe 123")
        .await;
    v
}

fn entry<'a>(
    name: &'a str,
    institution: &'a str,
    services: &[&'a str],
    audiences: &[&'a str],
) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("name", name),
        ("institution", institution),
        ("description", ""),
        ("address", "ul. Szosa Chełmińska 30, Toruń"),
        ("hours", "pon.–pt. 8–16"),
        ("phone", ""),
        ("email", "wsparcie@example.pl"),
        ("website", "https://example.pl"),
        ("lat", "53,0219"),
        ("lon", "18,5920"),
    ];
    f.extend(services.iter().map(|s| ("services", *s)));
    f.extend(audiences.iter().map(|a| ("audiences", *a)));
    f
}

async fn geojson(app: &TestApp, host: &str, query: &str) -> (u16, Value) {
    let (status, body) = app.page(host, &format!("/api/v1/wsparcie{query}")).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn names(doc: &Value) -> Vec<String> {
    doc["features"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| x["properties"]["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn regional_entries_show_in_every_gmina_beside_its_own_and_only_their_keepers_change_them() {
    let app = spawn_app().await;
    let coordinator = coordinator(&app).await;
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let (_, bydgoszcz) = app
        .person("urzednik@bydgoszcz.example", "bydgoszcz", Some("staff"))
        .await;

    // The coordinator's form is checked; nothing stored on a mistake.
    let new = "/koordynator/wsparcie/nowy";
    let r = coordinator
        .submit(
            PORTAL,
            new,
            new,
            &[
                ("name", "Ab"),
                ("institution", "bank"),
                ("address", ""),
                ("website", "ftp://x"),
                ("phone", "zadzwoń w godzinach pracy"),
                ("lat", "53"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for m in [
        "Podaj numer telefonu cyframi, np. 56 611 88 88",
        "Podaj nazwę instytucji lub formy wsparcia",
        "Wybierz rodzaj instytucji z listy.",
        "Zaznacz co najmniej jeden rodzaj wsparcia.",
        "Zaznacz co najmniej jedną grupę",
        "Podaj adres (od 3 do 300 znaków).",
        "Podaj adres strony zaczynający się od https:",
        "Podaj obie współrzędne",
    ] {
        assert!(r.body.contains(m), "{m}");
    }
    let r = coordinator
        .submit(
            PORTAL,
            new,
            new,
            &entry(
                "Regionalny Ośrodek Polityki Społecznej",
                "rops",
                &["doradztwo", "promocja"],
                &["pes", "ngo"],
            ),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = coordinator
        .submit(
            PORTAL,
            new,
            new,
            &entry(
                "Fundusz Pożyczkowy Regionu",
                "fundusz",
                &["pozyczki"],
                &["pes", "zakladajacy"],
            ),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // A gmina's staff cannot reach the coordinators' pages; a coordinator is not a gmina's staff.
    assert_eq!(staff.get(PORTAL, new).await.status, 403);
    coordinator.sign_in_to(TORUN).await;
    assert_eq!(coordinator.get(TORUN, "/wsparcie/nowy").await.status, 403);

    // Toruń adds its own entry; Bydgoszcz sees the regional ones, not Toruń's.
    let r = staff
        .submit(
            TORUN,
            "/wsparcie/nowy",
            "/wsparcie/nowy",
            &entry(
                "Centrum Organizacji Pozarządowych w Toruniu",
                "centrum_ngo",
                &["doradztwo", "lokal", "ksiegowosc"],
                &["ngo", "pes"],
            ),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let torun = app.page(TORUN, "/wsparcie").await.1;
    for name in [
        "Regionalny Ośrodek Polityki Społecznej",
        "Fundusz Pożyczkowy Regionu",
        "Centrum Organizacji Pozarządowych w Toruniu",
    ] {
        assert!(torun.contains(name), "{name}");
    }
    assert!(torun.contains("w całym województwie") && torun.contains("3 wpisy"));
    let other = app.page(BYDGOSZCZ, "/wsparcie").await.1;
    assert!(
        other.contains("Regionalny Ośrodek Polityki Społecznej")
            && !other.contains("Centrum Organizacji Pozarządowych w Toruniu")
    );

    // Filters in the list and the GeoJSON alike.
    let (status, all) = geojson(&app, TORUN, "").await;
    assert_eq!(status, 200);
    assert_eq!(all["features"].as_array().unwrap().len(), 3);
    let first = &all["features"][0];
    assert_eq!(
        first["geometry"]["coordinates"],
        serde_json::json!([18.592, 53.0219])
    );
    assert_eq!(first["properties"]["regional"], true);
    assert!(
        first["properties"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/wsparcie#wpis-r-2"),
        "regional first, by name: {first}"
    );
    assert_eq!(
        names(&geojson(&app, TORUN, "?usluga=pozyczki").await.1),
        ["Fundusz Pożyczkowy Regionu"]
    );
    assert_eq!(
        names(&geojson(&app, TORUN, "?dla=ngo&usluga=lokal").await.1),
        ["Centrum Organizacji Pozarządowych w Toruniu"]
    );
    assert_eq!(
        names(&geojson(&app, TORUN, "?instytucja=rops").await.1),
        ["Regionalny Ośrodek Polityki Społecznej"]
    );
    assert_eq!(
        names(&geojson(&app, BYDGOSZCZ, "?usluga=lokal").await.1),
        Vec::<String>::new()
    );
    let (status, _) = geojson(&app, TORUN, "?usluga=wszystko").await;
    assert_eq!(status, 400);
    let filtered = app.page(TORUN, "/wsparcie?usluga=pozyczki").await.1;
    assert!(
        filtered.contains("Fundusz Pożyczkowy Regionu")
            && !filtered.contains("Centrum Organizacji Pozarządowych w Toruniu")
    );
    assert!(
        app.page(TORUN, "/wsparcie?dla=niepelnosprawni")
            .await
            .1
            .contains("Nie znaleziono wsparcia")
    );

    // Only the keeper changes an entry: Bydgoszcz's staff cannot reach Toruń's; an edit by the
    // coordinator shows in every gmina at once.
    assert_eq!(
        bydgoszcz.get(BYDGOSZCZ, "/wsparcie/1/edycja").await.status,
        404
    );
    let mut changed = entry(
        "ROPS w Toruniu",
        "rops",
        &["doradztwo", "szkolenia"],
        &["pes"],
    );
    changed.retain(|(k, _)| *k != "lat" && *k != "lon");
    let r = coordinator
        .submit(
            PORTAL,
            "/koordynator/wsparcie/1/edycja",
            "/koordynator/wsparcie/1/edycja",
            &changed,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        app.page(BYDGOSZCZ, "/wsparcie")
            .await
            .1
            .contains("ROPS w Toruniu")
    );
    assert_eq!(
        geojson(&app, BYDGOSZCZ, "").await.1["features"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "no position, no marker"
    );

    // Deleting: a confirmation page, then gone; a second deletion is told so.
    let confirm = staff.get(TORUN, "/wsparcie/1/usun").await.body;
    assert!(
        confirm.contains("Usunąć wpis?")
            && confirm.contains("Centrum Organizacji Pozarządowych w Toruniu")
    );
    let r = staff
        .submit(TORUN, "/wsparcie/1/usun", "/wsparcie/1/usun", &[])
        .await;
    assert_eq!(r.status, 303);
    assert!(
        !app.page(TORUN, "/wsparcie")
            .await
            .1
            .contains("Centrum Organizacji Pozarządowych w Toruniu")
    );
    let r = staff
        .submit(TORUN, "/wsparcie/nowy", "/wsparcie/1/usun", &[])
        .await;
    assert_eq!(r.status, 409);

    // The logs: the gmina's for its staff, the region's for the coordinator.
    let logged: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT teryt, action FROM audit_log WHERE action LIKE 'support.%' ORDER BY id",
    )
    .fetch_all(app.db.platform())
    .await
    .unwrap();
    assert_eq!(
        logged,
        [
            (None, "support.added".to_owned()),
            (None, "support.added".to_owned()),
            (Some("0463011".to_owned()), "support.added".to_owned()),
            (None, "support.edited".to_owned()),
            (Some("0463011".to_owned()), "support.deleted".to_owned()),
        ]
    );
}
