//! Giełda: offers with photos in a real S3-protocol server (s3s-fs on loopback): upload → variants
//! stored → EXIF and GPS gone; bad photos refused with clear messages and nothing saved; a store
//! that is down leaves nothing half-made; list search, filters and sorts; isolation of offers and
//! photos between gminas.

use std::io::Cursor;

use pestor_tests::{TestApp, Visitor, add_card, spawn_app, spawn_app_with};

const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";

/// A verified organisation in Toruń and a signed-in member of it.
pub(crate) async fn member(app: &TestApp, email: &str, name: &str) -> (i64, Visitor) {
    let org = add_card(
        app,
        "torun",
        &[
            ("name", name),
            ("legal_form", "spoldzielnia_socjalna"),
            ("gmina_teryt", "0463011"),
        ],
        &["2"],
        &[],
        "verified",
    )
    .await;
    let (account, v) = app.person(email, "torun", None).await;
    pestor_tests::join_organisation(app, account, org).await;
    (org, v)
}

/// A JPEG carrying an EXIF segment with GPS-looking text, as a phone camera writes.
fn camera_jpeg() -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(1200, 900, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    }));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    let jpeg = out.into_inner();
    let payload = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude=53.0101;GPSLongitude=18.6040;Camera=Telefon";
    let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
    with_exif.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    with_exif.extend_from_slice(payload);
    with_exif.extend_from_slice(&jpeg[2..]);
    with_exif
}

/// A PNG that says it is 50,000 × 50,000 pixels (header only — decoding it would need 10 GB).
fn bomb_png() -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let body = [kind, data].concat();
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = 50_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    // A few bytes of compressed zeros stand for the 7.5 GB of pixels it claims.
    chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    );
    chunk(b"IEND", &[]);
    png
}

async fn new_offer(
    v: &Visitor,
    fields: &[(&str, &str)],
    photo: Option<Vec<u8>>,
) -> pestor_tests::Reply {
    let mut all = vec![
        ("category", "catering"),
        ("target_groups", "urzad"),
        ("target_groups", "mieszkancy"),
    ];
    all.extend_from_slice(fields);
    v.upload(
        TORUN,
        "/oferty/nowa",
        "/oferty/nowa",
        &all,
        ("photo", "zdjecie.jpg", photo.unwrap_or_default()),
    )
    .await
}

async fn offer_count(app: &TestApp) -> i64 {
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM offers) + (SELECT count(*) FROM offer_photos)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test]
async fn an_offer_with_a_photo_is_stored_as_variants_without_exif_and_served_only_in_its_gmina() {
    let app = spawn_app().await;
    let (_, v) = member(&app, "smaki@example.pl", "Spółdzielnia Socjalna Smaki").await;
    let r = new_offer(
        &v,
        &[
            ("name", "Obiady domowe"),
            ("price", "18,90"),
            ("price_note", "abonament 85 zł"),
            ("alt", "Talerz pierogów z okrasą"),
        ],
        Some(camera_jpeg()),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let location = r.location.unwrap();
    assert!(location.ends_with("?komunikat=dodano"), "{location}");

    let keys = app.s3.keys();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let object = keys[0].split('/').nth(3).unwrap().to_owned();
    assert_eq!(
        keys,
        [
            format!("gmina/0463011/zdjecia/{object}/duze.jpg"),
            format!("gmina/0463011/zdjecia/{object}/miniatura.jpg")
        ],
        "keyed by TERYT, not by slug"
    );

    let page = v.get(TORUN, &location).await;
    assert!(
        page.body.contains("Obiady domowe")
            && page.body.contains("18,90 zł")
            && page.body.contains("abonament 85 zł")
    );
    assert!(page.body.contains(&format!("src=\"&#x2f;zdjecia&#x2f;{object}&#x2f;duze\" srcset=\"&#x2f;zdjecia&#x2f;{object}&#x2f;miniatura 400w, &#x2f;zdjecia&#x2f;{object}&#x2f;duze 1200w\"")), "{}", page.body);
    assert!(
        page.body
            .contains("alt=\"Talerz pierogów z okrasą\" width=\"1200\" height=\"900\"")
    );

    let photo = app.get(TORUN, &format!("/zdjecia/{object}/duze")).await;
    assert_eq!(photo.status(), 200);
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    let etag = photo.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = photo.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("Exif") && !text.contains("GPSLatitude"),
        "metadata is gone"
    );
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1200, 900));
    let thumb = image::load_from_memory(
        &app.get(TORUN, &format!("/zdjecia/{object}/miniatura"))
            .await
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!((thumb.width(), thumb.height()), (400, 300));
    let again = app
        .client
        .get(app.url(TORUN, &format!("/zdjecia/{object}/duze")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // Another gmina does not know the photo or the offer; nonsense paths are 404.
    assert_eq!(
        app.get(BYDGOSZCZ, &format!("/zdjecia/{object}/duze"))
            .await
            .status(),
        404
    );
    assert_eq!(app.get(BYDGOSZCZ, &location).await.status(), 404);
    assert_eq!(
        app.get(TORUN, &format!("/zdjecia/{object}/ogromne"))
            .await
            .status(),
        404
    );
    assert_eq!(app.get(TORUN, "/zdjecia/nie-uuid/duze").await.status(), 404);
    assert!(
        !app.page(BYDGOSZCZ, "/oferty")
            .await
            .1
            .contains("Obiady domowe")
    );
    assert!(app.page(TORUN, "/oferty").await.1.contains("Obiady domowe"));
}

#[tokio::test]
async fn bad_photos_are_refused_with_clear_messages_and_nothing_is_saved() {
    let app = spawn_app_with(|s| s.storage.max_upload_bytes = 1024 * 1024).await;
    let (_, v) = member(&app, "smaki@example.pl", "Spółdzielnia Socjalna Smaki").await;
    let full = camera_jpeg();
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "SVG",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
            "nie jest zdjęciem w formacie JPEG, PNG ani WebP",
        ),
        (
            "HTML",
            b"<html><script>alert(1)</script></html>".to_vec(),
            "nie jest zdjęciem w formacie JPEG, PNG ani WebP",
        ),
        (
            "truncated JPEG",
            full[..full.len() / 2].to_vec(),
            "uszkodzony lub niekompletny",
        ),
        (
            "50,000 × 50,000 PNG",
            bomb_png(),
            "ma za dużo pikseli (50000 × 50000)",
        ),
        (
            "over the limit",
            vec![0xFF; 2 * 1024 * 1024],
            "Plik jest za duży (najwyżej 1 MB)",
        ),
    ];
    for (what, bytes, message) in cases {
        let started = std::time::Instant::now();
        let r = new_offer(
            &v,
            &[
                ("name", "Catering na festyn"),
                ("alt", "Stół z przekąskami"),
            ],
            Some(bytes),
        )
        .await;
        assert_eq!(r.status, 422, "{what}");
        assert!(r.body.contains(message), "{what}: {}", r.body);
        assert!(
            r.body.contains("value=\"Catering na festyn\""),
            "{what}: typed values kept"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{what} answered at once"
        );
    }
    // A photo needs its description.
    let r = new_offer(
        &v,
        &[("name", "Catering na festyn"), ("alt", "")],
        Some(camera_jpeg()),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Opisz zdjęcie dla osób, które go nie widzą")
    );
    // Bad fields are named too.
    let r = new_offer(&v, &[("name", ""), ("price", "tanio")], None).await;
    assert!(
        r.body.contains("Podaj nazwę produktu lub usługi.")
            && r.body.contains("Cena to kwota w złotych")
    );
    assert_eq!(offer_count(&app).await, 0);
    assert_eq!(app.s3.keys(), Vec::<String>::new());
}

#[tokio::test]
async fn when_the_store_is_down_nothing_is_half_saved_and_deleted_photos_go_once_it_is_back() {
    let app = spawn_app().await;
    let (_, v) = member(&app, "smaki@example.pl", "Spółdzielnia Socjalna Smaki").await;
    app.s3.set_down(true);
    let r = new_offer(
        &v,
        &[("name", "Tort urodzinowy"), ("alt", "Tort z truskawkami")],
        Some(camera_jpeg()),
    )
    .await;
    assert_eq!(r.status, 503);
    assert!(
        r.body.contains("magazyn zdjęć chwilowo nie odpowiada"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("value=\"Tort urodzinowy\"")
            && r.body.contains("value=\"Tort z truskawkami\"")
    );
    assert_eq!(offer_count(&app).await, 0, "no offer without its photo");
    assert_eq!(app.s3.keys(), Vec::<String>::new());

    app.s3.set_down(false);
    let r = new_offer(
        &v,
        &[("name", "Tort urodzinowy"), ("alt", "Tort z truskawkami")],
        Some(camera_jpeg()),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = r
        .location
        .unwrap()
        .trim_start_matches("/oferty/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(app.s3.keys().len(), 2);

    // Deleted while the store is down: the offer goes at once, its objects once the store is back.
    app.s3.set_down(true);
    let path = format!("/oferty/{id}/usun");
    let r = v.submit(TORUN, &path, &path, &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(offer_count(&app).await, 0);
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM object_deletions")
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    assert_eq!(queued, 2);
    app.s3.set_down(false);
    // What the worker does every minute; an earlier pass may still hold the rows while its
    // requests to the store time out, so try until the queue is empty.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        pestor_kit::photos::purge_deleted(&app.state).await.unwrap();
        let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM object_deletions")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
        if queued == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{queued} objects still queued"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(app.s3.keys(), Vec::<String>::new());
}

/// Stores an active offer straight through the store (the forms are tested above).
pub(crate) async fn offer(
    app: &TestApp,
    org: i64,
    name: &str,
    category: &str,
    price: Option<i64>,
    groups: &[&str],
) -> i64 {
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    let o = pestor_core::offer::Offer {
        name: name.into(),
        description: format!("Opis: {name}"),
        category: category.into(),
        price_grosze: price,
        price_note: String::new(),
        target_groups: groups.iter().map(|g| g.to_string()).collect(),
    };
    let author: i64 = sqlx::query_scalar("SELECT min(id) FROM public.accounts")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let id = pestor_offers::store::insert(&mut tx, org, &o, Some(author))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

pub(crate) fn offer_names(body: &str) -> Vec<String> {
    body.split("<h2 class=\"pestor-card__title\"><a class=\"govuk-link\" href=\"/oferty/")
        .skip(1)
        .map(|s| {
            s.split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_list_searches_without_diacritics_forgives_typos_filters_and_sorts() {
    let app = spawn_app().await;
    let (smaki, _) = member(&app, "smaki@example.pl", "Spółdzielnia Socjalna Smaki").await;
    let (kgw, _) = member(&app, "kgw@example.pl", "Koło Gospodyń Wiejskich").await;
    offer(
        &app,
        smaki,
        "Pierogi ruskie",
        "catering",
        Some(2500),
        &["mieszkancy"],
    )
    .await;
    offer(
        &app,
        smaki,
        "Łazanki z kapustą",
        "catering",
        Some(1800),
        &["mieszkancy", "urzad"],
    )
    .await;
    offer(
        &app,
        smaki,
        "Lody domowe",
        "catering",
        None,
        &["mieszkancy"],
    )
    .await;
    offer(
        &app,
        kgw,
        "Ślubne dekoracje",
        "rekodzielo",
        Some(15000),
        &["mieszkancy", "firmy"],
    )
    .await;
    offer(
        &app,
        kgw,
        "Sprzątanie biur",
        "porzadkowe",
        Some(9000),
        &["urzad", "firmy"],
    )
    .await;
    offer(
        &app,
        kgw,
        "Żurek na festyn",
        "catering",
        Some(1200),
        &["urzad"],
    )
    .await;
    let archived = offer(&app, kgw, "Zarchiwizowana oferta", "inne", None, &["pes"]).await;
    // Offers of an organisation that is not verified, and archived ones, are not listed.
    let pending = add_card(
        &app,
        "torun",
        &[
            ("name", "Fundacja Czekająca"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", "0463011"),
        ],
        &["1"],
        &[],
        "pending",
    )
    .await;
    offer(
        &app,
        pending,
        "Oferta niezweryfikowanej",
        "inne",
        None,
        &["pes"],
    )
    .await;
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    sqlx::query("UPDATE offers SET status = 'archived' WHERE id = $1")
        .bind(archived)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let (_, all) = app.page(TORUN, "/oferty").await;
    assert!(all.contains(">6 ofert"), "{all}");
    assert_eq!(
        offer_names(&all),
        [
            "Lody domowe",
            "Łazanki z kapustą",
            "Pierogi ruskie",
            "Sprzątanie biur",
            "Ślubne dekoracje",
            "Żurek na festyn"
        ],
        "Polish order: L < Ł, S < Ś, Z < Ż"
    );
    let names = |q: &'static str| {
        let app = &app;
        async move { offer_names(&app.page(TORUN, q).await.1) }
    };
    assert_eq!(
        names("/oferty?q=zurek").await,
        ["Żurek na festyn"],
        "no diacritics needed"
    );
    assert_eq!(names("/oferty?q=LAZANKI").await, ["Łazanki z kapustą"]);
    assert_eq!(
        names("/oferty?q=pierohi").await,
        ["Pierogi ruskie"],
        "a typo is forgiven"
    );
    let near_note = "Pokazujemy oferty o podobnie brzmiących słowach";
    let (_, typo) = app.page(TORUN, "/oferty?q=pierohi").await;
    assert!(typo.contains(near_note) && typo.contains(">1 oferta"));
    let (_, exact) = app.page(TORUN, "/oferty?q=zurek").await;
    assert!(!exact.contains(near_note));
    assert_eq!(
        names("/oferty?q=%25").await,
        Vec::<String>::new(),
        "% is a character"
    );
    assert_eq!(
        names("/oferty?sort=cena").await,
        [
            "Żurek na festyn",
            "Łazanki z kapustą",
            "Pierogi ruskie",
            "Sprzątanie biur",
            "Ślubne dekoracje",
            "Lody domowe"
        ],
        "cheapest first, no price last"
    );
    assert_eq!(
        names("/oferty?sort=kategoria").await[..4],
        [
            "Lody domowe",
            "Łazanki z kapustą",
            "Pierogi ruskie",
            "Żurek na festyn"
        ]
    );
    assert_eq!(
        names("/oferty?kategoria=catering&grupa=urzad").await,
        ["Łazanki z kapustą", "Żurek na festyn"]
    );
    let by_organisation = offer_names(
        &app.page(TORUN, &format!("/oferty?organizacja={kgw}"))
            .await
            .1,
    );
    assert_eq!(
        by_organisation,
        ["Sprzątanie biur", "Ślubne dekoracje", "Żurek na festyn"]
    );
    assert_eq!(
        names("/oferty?cena_od=15&cena_do=90").await,
        ["Łazanki z kapustą", "Pierogi ruskie", "Sprzątanie biur"]
    );
    let (_, bad) = app.page(TORUN, "/oferty?cena_od=tanio").await;
    assert!(bad.contains("Ceny w filtrze nie udało się odczytać") && bad.contains(">6 ofert"));
    let (_, none) = app.page(TORUN, "/oferty?q=rakieta").await;
    assert!(none.contains("Nie znaleziono ofert") && none.contains("Nie znaleziono ofert"));
    // Filters stay in the page links.
    for i in 0..25 {
        offer(
            &app,
            smaki,
            &format!("Obiad dnia {i:02}"),
            "catering",
            Some(2000),
            &["mieszkancy"],
        )
        .await;
    }
    let (_, page1) = app.page(TORUN, "/oferty?q=obiad&sort=nazwa").await;
    assert!(page1.contains(">25 ofert") && page1.contains("strona 1 z 2"));
    assert!(
        page1.contains("href=\"&#x2f;oferty?q=obiad&amp;sort=nazwa&amp;strona=2\""),
        "{page1}"
    );
    assert_eq!(offer_names(&page1)[19], "Obiad dnia 19");
    let (_, page2) = app.page(TORUN, "/oferty?q=obiad&sort=nazwa&strona=2").await;
    assert!(page2.contains(">25 ofert") && page2.contains("strona 2 z 2"));
    assert_eq!(
        offer_names(&page2),
        (20..25)
            .map(|i| format!("Obiad dnia {i}"))
            .collect::<Vec<_>>(),
        "the rest, in order"
    );
    // Bydgoszcz lists none of it.
    assert!(
        app.page(BYDGOSZCZ, "/oferty")
            .await
            .1
            .contains("Nie znaleziono ofert")
    );
}

#[tokio::test]
async fn exact_text_matches_are_not_mixed_with_near_ones() {
    let app = spawn_app().await;
    let (smaki, _) = member(&app, "smaki@example.pl", "Spółdzielnia Socjalna Smaki").await;
    for name in ["Obiady domowe", "Obiad dnia"] {
        offer(&app, smaki, name, "catering", None, &["mieszkancy"]).await;
    }
    // "Obiad dnia" is a near match of "obiady" (so mixing them would show it) …
    let similarity: f32 =
        sqlx::query_scalar("SELECT word_similarity('obiady', fold('Obiad dnia'))")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert!(similarity >= 0.5, "{similarity}");
    // … but an exact match exists, so only that is listed, with no typo note.
    let (_, page) = app.page(TORUN, "/oferty?q=obiady").await;
    assert_eq!(offer_names(&page), ["Obiady domowe"]);
    assert!(!page.contains("podobnie brzmiących"));
    // Past the last page of exact matches the list stays exact (and empty), not near.
    let (_, beyond) = app.page(TORUN, "/oferty?q=obiady&strona=2").await;
    assert!(offer_names(&beyond).is_empty() && !beyond.contains("podobnie brzmiących"));
    // With no exact match, the near ones are listed, and said to be near.
    let (_, near) = app.page(TORUN, "/oferty?q=obiadu").await;
    assert_eq!(offer_names(&near), ["Obiad dnia", "Obiady domowe"]);
    assert!(near.contains("podobnie brzmiących"));
}

#[tokio::test]
async fn members_manage_only_their_own_offers_and_staff_hide_them_with_a_reason() {
    let app = spawn_app().await;
    let (smaki, owner) = member(&app, "smaki@example.pl", "Spółdzielnia Socjalna Smaki").await;
    let (_, other) = member(&app, "inna@example.pl", "Fundacja Inna").await;
    let r = new_offer(
        &owner,
        &[("name", "Obiady domowe"), ("alt", "Talerz zupy")],
        Some(camera_jpeg()),
    )
    .await;
    let id = r
        .location
        .unwrap()
        .trim_start_matches("/oferty/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let edit = format!("/oferty/{id}/edycja");

    // Another organisation's member can neither edit nor add photos nor delete.
    assert_eq!(other.get(TORUN, &edit).await.status, 403);
    assert_eq!(
        other
            .post(TORUN, &edit, &[("name", "Przejęte")])
            .await
            .status,
        403
    );
    assert_eq!(
        other.get(TORUN, &format!("/oferty/{id}/usun")).await.status,
        403
    );

    // Edit: bad input named and kept, good input saved.
    let bad = owner
        .submit(
            TORUN,
            &edit,
            &edit,
            &[
                ("name", "Obiady domowe"),
                ("category", "catering"),
                ("price", "-3"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("Cena to kwota w złotych")
            && bad
                .body
                .contains("Wybierz co najmniej jedną grupę odbiorców.")
    );
    let ok = owner
        .submit(
            TORUN,
            &edit,
            &edit,
            &[
                ("name", "Obiady domowe z dowozem"),
                ("category", "catering"),
                ("price", "21"),
                ("target_groups", "urzad"),
            ],
        )
        .await;
    assert_eq!(
        ok.location.as_deref(),
        Some(&*format!("/oferty/{id}?komunikat=zapisano"))
    );
    assert!(
        app.page(TORUN, &format!("/oferty/{id}"))
            .await
            .1
            .contains("21 zł")
    );

    // A second photo, then order and deletion (after a confirmation page).
    let add = format!("/oferty/{id}/zdjecia");
    let r = owner
        .upload(
            TORUN,
            &edit,
            &add,
            &[("alt", "Kierowca z termosami")],
            ("photo", "b.jpg", camera_jpeg()),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let no_alt = owner
        .upload(
            TORUN,
            &edit,
            &add,
            &[("alt", "")],
            ("photo", "c.jpg", camera_jpeg()),
        )
        .await;
    assert_eq!(no_alt.status, 422);
    assert!(no_alt.body.contains("Opisz zdjęcie"));
    assert_eq!(app.s3.keys().len(), 4);
    let form = owner.get(TORUN, &edit).await.body;
    let alts: Vec<&str> = form
        .split("<li class=\"pestor-card\">\n      <img class=\"pestor-card__photo\" src=")
        .skip(1)
        .map(|s| s.split("alt=\"").nth(1).unwrap().split('"').next().unwrap())
        .collect();
    assert_eq!(alts, ["Talerz zupy", "Kierowca z termosami"]);
    let second = form
        .split("/zdjecia/")
        .filter_map(|s| s.split('/').next()?.parse::<i64>().ok())
        .last()
        .unwrap();
    let r = owner
        .submit(
            TORUN,
            &edit,
            &format!("/oferty/{id}/zdjecia/{second}/przesun"),
            &[("kierunek", "gora")],
        )
        .await;
    assert_eq!(r.status, 303);
    let form = owner.get(TORUN, &edit).await.body;
    assert!(
        form.find("Kierowca z termosami").unwrap() < form.find("Talerz zupy").unwrap(),
        "moved up"
    );
    let confirm = owner
        .get(TORUN, &format!("/oferty/{id}/zdjecia/{second}/usun"))
        .await;
    assert!(confirm.body.contains("Usunąć zdjęcie?"));
    let r = owner
        .submit(
            TORUN,
            &edit,
            &format!("/oferty/{id}/zdjecia/{second}/usun"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    app.eventually(TORUN, &format!("/oferty/{id}"), |_, _| {
        app.s3.keys().len() == 2
    })
    .await;
    assert_eq!(
        app.s3.keys().len(),
        2,
        "the deleted photo's objects are gone"
    );

    // Archive: out of the list, still there for its members.
    let status = format!("/oferty/{id}/status");
    owner
        .submit(
            TORUN,
            &format!("/oferty/{id}"),
            &status,
            &[("status", "archived")],
        )
        .await;
    assert!(
        !app.page(TORUN, "/oferty")
            .await
            .1
            .contains("Obiady domowe z dowozem")
    );
    assert_eq!(app.page(TORUN, &format!("/oferty/{id}")).await.0, 404);
    assert_eq!(owner.get(TORUN, &format!("/oferty/{id}")).await.status, 200);
    owner
        .submit(
            TORUN,
            &format!("/oferty/{id}"),
            &status,
            &[("status", "active")],
        )
        .await;

    let shown = app.s3.keys()[0].split('/').nth(3).unwrap().to_owned();
    let public = app.get(TORUN, &format!("/zdjecia/{shown}/duze")).await;
    assert_eq!(public.headers()["cache-control"], "public, max-age=3600");

    // Staff hide it with a reason; the members are told; its photos are no longer public.
    let (_, staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    let hide = format!("/oferty/{id}/widocznosc");
    let bare = staff
        .submit(
            TORUN,
            &format!("/oferty/{id}"),
            &hide,
            &[("decision", "hide")],
        )
        .await;
    assert_eq!(bare.status, 400);
    let r = staff
        .submit(
            TORUN,
            &format!("/oferty/{id}"),
            &hide,
            &[
                ("decision", "hide"),
                ("reason", "Oferta niezgodna z regulaminem giełdy."),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let mail = app.mail.wait_for("smaki@example.pl", 1).await;
    assert!(
        mail.subject.starts_with("Oferta ukryta") && mail.text.contains("niezgodna z regulaminem")
    );
    let object = app.s3.keys()[0].split('/').nth(3).unwrap().to_owned();
    assert_eq!(
        app.get(TORUN, &format!("/zdjecia/{object}/duze"))
            .await
            .status(),
        404
    );
    assert_eq!(
        owner
            .get(TORUN, &format!("/zdjecia/{object}/duze"))
            .await
            .status,
        200,
        "its members still see it"
    );
    // … but no shared cache may keep it for anyone else.
    let private = owner
        .client
        .get(owner.url(TORUN, &format!("/zdjecia/{object}/duze")))
        .send()
        .await
        .unwrap();
    assert_eq!(private.headers()["cache-control"], "private, max-age=3600");
    assert_eq!(private.headers()["vary"], "Cookie");
    let card = app.page(TORUN, &format!("/podmioty/{smaki}")).await.1;
    assert!(card.contains("Oferty w giełdzie (0)"));

    // Deleting the offer (after confirming) removes its photos from the store.
    let r = owner
        .submit(
            TORUN,
            &format!("/oferty/{id}/usun"),
            &format!("/oferty/{id}/usun"),
            &[],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(&*format!("/podmioty/{smaki}?komunikat=oferta-usunieta"))
    );
    app.eventually(TORUN, "/oferty", |_, _| app.s3.keys().is_empty())
        .await;
    assert_eq!(app.s3.keys(), Vec::<String>::new());
}

#[tokio::test]
async fn the_api_and_the_atom_feed_carry_the_public_offers_with_the_lists_filters() {
    let app = spawn_app().await;
    let (smaki, v) = member(
        &app,
        "smaki@example.pl",
        "Spółdzielnia Socjalna Smaki & Spółka",
    )
    .await;
    let r = new_offer(
        &v,
        &[
            ("name", "Obiady <domowe>"),
            ("price", "18,90"),
            ("alt", "Talerz zupy"),
        ],
        Some(camera_jpeg()),
    )
    .await;
    assert_eq!(r.status, 303);
    offer(
        &app,
        smaki,
        "Sprzątanie biur",
        "porzadkowe",
        None,
        &["firmy"],
    )
    .await;
    let archived = offer(&app, smaki, "Stara oferta", "inne", None, &["pes"]).await;
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    sqlx::query("UPDATE offers SET status = 'archived' WHERE id = $1")
        .bind(archived)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let r = app.get(TORUN, "/api/v1/oferty?sort=nazwa").await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["total"], 2);
    assert_eq!(body["text_match"], "exact");
    assert_eq!(
        body["items"][1]["photos"],
        serde_json::json!([]),
        "each offer carries its own photos"
    );
    let first = &body["items"][0];
    assert_eq!(first["name"], "Obiady <domowe>");
    assert_eq!(first["price_grosze"], 1890);
    assert_eq!(first["category"]["code"], "catering");
    assert_eq!(
        first["target_groups"],
        serde_json::json!(["urzad", "mieszkancy"])
    );
    let base = app.state.settings.host_url(Some("torun"));
    assert_eq!(
        first["organisation"]["url"],
        format!("{base}/podmioty/{smaki}")
    );
    let thumb = first["photos"][0]["thumbnail"].as_str().unwrap();
    assert!(thumb.starts_with(&format!("{base}/zdjecia/")) && thumb.ends_with("/miniatura"));
    assert_eq!(first["photos"][0]["alt"], "Talerz zupy");
    let filtered: serde_json::Value = app
        .get(TORUN, "/api/v1/oferty?grupa=firmy")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["total"], 1);
    let near: serde_json::Value = app
        .get(TORUN, "/api/v1/oferty?q=obiadu")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            &near["text_match"],
            &near["total"],
            &near["items"][0]["name"]
        ),
        (
            &serde_json::json!("near"),
            &serde_json::json!(1),
            &serde_json::json!("Obiady <domowe>")
        ),
        "nothing contains the typo: near matches, and the answer says so"
    );
    for bad in ["na_strone=0", "na_strone=101", "cena_od=tanio"] {
        let r = app.get(TORUN, &format!("/api/v1/oferty?{bad}")).await;
        assert_eq!(r.status(), 400, "{bad}");
        let e: serde_json::Value = r.json().await.unwrap();
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Niepoprawny parametr")
        );
    }
    let b: serde_json::Value = app
        .get(BYDGOSZCZ, "/api/v1/oferty")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 0, "Toruń's offers are not Bydgoszcz's");

    let feed = app.get(TORUN, "/oferty.atom?kategoria=catering").await;
    assert_eq!(
        feed.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let xml = feed.text().await.unwrap();
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\""
    ));
    assert_eq!(
        xml.matches("<entry>").count(),
        1,
        "the filter applies: {xml}"
    );
    assert!(
        xml.contains("<title>Obiady &lt;domowe&gt;</title>"),
        "escaped: {xml}"
    );
    assert!(xml.contains("<name>Spółdzielnia Socjalna Smaki &amp; Spółka</name>"));
    assert!(xml.contains(&format!(
        "<link rel=\"self\" href=\"{base}/oferty.atom?kategoria=catering\"/>"
    )));
    assert!(xml.contains("<summary>18,90 zł. </summary>"));
    assert!(!xml.contains("Stara oferta"));
    let all = app.get(TORUN, "/oferty.atom").await.text().await.unwrap();
    assert_eq!(all.matches("<entry>").count(), 2);
    assert!(
        all.find("Sprzątanie biur").unwrap() < all.find("Obiady").unwrap(),
        "newest first"
    );
}

/// Subscribes `email` on Toruń's form and confirms from the e-mail (the link opens a page with a
/// button: opening it alone confirms nothing).
async fn subscribe(app: &TestApp, email: &str, fields: &[(&str, &str)], nth_mail: usize) {
    let v = app.visitor();
    let mut all = vec![("email", email)];
    all.extend_from_slice(fields);
    let r = v
        .submit(
            TORUN,
            "/oferty/powiadomienia",
            "/oferty/powiadomienia",
            &all,
        )
        .await;
    assert!(r.body.contains("Sprawdź skrzynkę e-mail"), "{}", r.body);
    let mail = app.mail.wait_for(email, nth_mail).await;
    assert!(mail.subject.starts_with("Potwierdź powiadomienia"));
    let link = mail.link("/oferty/powiadomienia/potwierdz?token=").unwrap();
    let (page, _) = v.follow(&link).await;
    assert!(page.body.contains("Potwierdzam"));
    let path = &link[link.find("/oferty/").unwrap()..];
    let r = v.submit(TORUN, path, path, &[]).await;
    assert!(
        r.body.contains("Powiadomienia włączone"),
        "{path}: {}",
        r.body
    );
}

#[tokio::test]
async fn subscribers_confirm_then_get_notices_or_digests_and_unsubscribe_in_one_click() {
    let app = spawn_app().await;
    let (org, v) = member(&app, "smaki@example.pl", "Spółdzielnia Socjalna Smaki").await;

    // Bad input is refused; an unconfirmed address gets nothing but the confirmation.
    let visitor = app.visitor();
    let bad = visitor
        .submit(
            TORUN,
            "/oferty/powiadomienia",
            "/oferty/powiadomienia",
            &[("email", "nie-adres"), ("frequency", "daily")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Podaj poprawny adres e-mail"));
    let r = visitor
        .submit(
            TORUN,
            "/oferty/powiadomienia",
            "/oferty/powiadomienia",
            &[
                ("email", "niepotwierdzony@example.pl"),
                ("frequency", "immediate"),
            ],
        )
        .await;
    assert!(r.body.contains("Sprawdź skrzynkę"));
    subscribe(
        &app,
        "kucharz@example.pl",
        &[("frequency", "immediate"), ("categories", "catering")],
        1,
    )
    .await;
    subscribe(
        &app,
        "sprzatanie@example.pl",
        &[("frequency", "immediate"), ("categories", "porzadkowe")],
        1,
    )
    .await;
    subscribe(
        &app,
        "codziennie@example.pl",
        &[("frequency", "daily"), ("groups", "urzad")],
        1,
    )
    .await;

    // A new catering offer: one immediate notice, to the matching confirmed subscriber only.
    let r = new_offer(&v, &[("name", "Pierogi na wynos"), ("price", "22")], None).await;
    assert_eq!(r.status, 303);
    let notice = app.mail.wait_for("kucharz@example.pl", 2).await;
    assert_eq!(notice.subject, "Nowa oferta: Pierogi na wynos");
    assert!(notice.text.contains("Spółdzielnia Socjalna Smaki, 22 zł"));
    let unsubscribe = notice.header("List-Unsubscribe").unwrap();
    assert_eq!(
        notice.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(
        unsubscribe.starts_with('<') && unsubscribe.contains("/oferty/powiadomienia/wypisz?token=")
    );
    assert!(
        notice.text.contains("wypisz się: http"),
        "a working link in the text too"
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        app.mail.to("sprzatanie@example.pl").len(),
        1,
        "only its confirmation"
    );
    assert_eq!(
        app.mail.to("niepotwierdzony@example.pl").len(),
        1,
        "only its confirmation"
    );

    // A second notice carries the same link: every link sent keeps working until it is used.
    let r = new_offer(&v, &[("name", "Kompot domowy")], None).await;
    assert_eq!(r.status, 303);
    let second = app.mail.wait_for("kucharz@example.pl", 3).await;
    assert_eq!(second.header("List-Unsubscribe"), Some(unsubscribe.clone()));

    // One click from the mail program on the first notice: a POST without cookies or token.
    let url = unsubscribe
        .trim_matches(|c| c == '<' || c == '>')
        .to_owned();
    let r = app
        .client
        .post(&url)
        .body("List-Unsubscribe=One-Click")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Wypisano"));
    offer(&app, org, "Żurek", "catering", Some(1200), &["urzad"]).await;
    let r = new_offer(&v, &[("name", "Bigos na festyn")], None).await;
    assert_eq!(r.status, 303);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        app.mail.to("kucharz@example.pl").len(),
        3,
        "nothing after unsubscribing"
    );
    assert_eq!(
        app.scalar(
            "torun",
            "SELECT count(*) FROM offer_subscriptions WHERE email = 'kucharz@example.pl'"
        )
        .await,
        0
    );

    // The daily digest: due a day after the last one, listing what matches, once.
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    sqlx::query(
        "UPDATE offer_subscriptions SET digest_from = digest_from - interval '1 day 1 minute'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let sent = pestor_offers::notices::send_digests(&app.state)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let digest = app.mail.wait_for("codziennie@example.pl", 2).await;
    assert!(
        digest.subject.starts_with("Nowe oferty (4)"),
        "{}",
        digest.subject
    );
    for name in [
        "Pierogi na wynos",
        "Kompot domowy",
        "Żurek",
        "Bigos na festyn",
    ] {
        assert!(digest.text.contains(name), "{name}: {}", digest.text);
    }
    assert!(digest.header("List-Unsubscribe").is_some());
    assert_eq!(
        pestor_offers::notices::send_digests(&app.state)
            .await
            .unwrap(),
        0,
        "not again the same day"
    );

    // An address never confirmed is forgotten after 72 hours.
    let count = |sql: &'static str| {
        let torun = app.db.tenant(&torun);
        async move {
            let mut tx = torun.begin().await.unwrap();
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            n
        }
    };
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    sqlx::query("UPDATE offer_subscriptions SET created_at = now() - interval '73 hours'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    pestor_offers::notices::send_digests(&app.state)
        .await
        .unwrap();
    assert_eq!(
        count("SELECT count(*) FROM offer_subscriptions WHERE confirmed_at IS NULL").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM offer_subscriptions").await,
        2,
        "confirmed ones stay"
    );
}

#[tokio::test]
async fn the_gmina_logo_is_uploaded_into_the_same_store_and_shown_only_for_its_gmina() {
    let app = spawn_app().await;
    let (_, admin) = app
        .person("admin@torun.example", "torun", Some("admin"))
        .await;
    let logo = |w: u32, h: u32| {
        let img = image::DynamicImage::ImageRgba8(image::RgbaImage::from_fn(w, h, |x, _| {
            image::Rgba([180, 20, 20, if x < w / 2 { 255 } else { 0 }])
        }));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let page = "/panel/wyglad";
    let action = "/panel/wyglad/logo";
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec();
    let r = admin
        .upload(TORUN, page, action, &[], ("logo", "herb.svg", svg))
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("nie jest zdjęciem w formacie JPEG, PNG ani WebP")
    );
    assert!(app.s3.keys().is_empty());

    let r = admin
        .upload(
            TORUN,
            page,
            action,
            &[],
            ("logo", "herb.png", logo(1024, 600)),
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/panel?komunikat=logo"),
        "{}",
        r.body
    );
    let keys = app.s3.keys();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].starts_with("gmina/0463011/logo/") && keys[0].ends_with(".png"));
    let served = app.get(TORUN, "/branding/logo").await;
    assert_eq!(served.headers()["content-type"], "image/png");
    let img = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (512, 300), "scaled to 512 px");
    assert_eq!(img.to_rgba8().get_pixel(500, 10)[3], 0, "transparency kept");
    let other = app.get(BYDGOSZCZ, "/branding/logo").await;
    assert_eq!(
        other.headers()["content-type"],
        "image/svg+xml",
        "Bydgoszcz keeps its default"
    );

    // Saving the other branding fields keeps the logo; a new logo replaces the old object.
    let r = admin
        .submit(
            TORUN,
            page,
            page,
            &[
                ("display_name", "Gmina Miasta Toruń"),
                ("primary_colour", "#8b1a1a"),
                ("on_primary_colour", "#ffffff"),
                ("accent_colour", "#8b1a1a"),
                ("contact_address", "Wały gen. Sikorskiego 8"),
                ("welcome_text", "Witamy"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    app.eventually(TORUN, "/branding/logo", |s, _| s == 200)
        .await;
    assert_eq!(
        app.get(TORUN, "/branding/logo").await.headers()["content-type"],
        "image/png"
    );
    let r = admin
        .upload(
            TORUN,
            page,
            action,
            &[],
            ("logo", "herb2.png", logo(200, 200)),
        )
        .await;
    assert_eq!(r.status, 303);
    pestor_kit::photos::purge_deleted(&app.state).await.unwrap();
    let keys_after = app.s3.keys();
    assert_eq!(keys_after.len(), 1);
    assert_ne!(keys_after, keys, "the old logo is gone from the store");
}
