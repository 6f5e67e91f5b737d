//! Bank sprzętu: editing an item (who may, the checks, pieces already promised) and its photos
//! (stored through the real S3-protocol server, served only on its gmina's host, at most eight,
//! deleted after a confirmation).

use std::io::Cursor;

use crate::equipment_workflow::{bank, refused};

const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";

/// A small JPEG of `w` × `h` with a GPS-looking EXIF segment, as a phone writes.
pub(crate) fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    }));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    let jpeg = out.into_inner();
    let payload = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude=53.0101;GPSLongitude=18.6040";
    let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
    with_exif.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    with_exif.extend_from_slice(payload);
    with_exif.extend_from_slice(&jpeg[2..]);
    with_exif
}

fn fields<'a>(name: &'a str, quantity: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("category", "meble"),
        ("condition", "bardzo dobry"),
        ("quantity", quantity),
        ("description", "Dębowe, z szufladami."),
        (
            "pickup_place",
            "Centrum Organizacji Pozarządowych, ul. Szeroka 1",
        ),
        ("pickup_hours", "pon.–pt. 10–14"),
    ]
}

#[tokio::test]
async fn the_giver_or_staff_edit_an_item_checked_like_a_new_one_and_promised_pieces_stay() {
    let b = bank().await;
    let desks = b.add("Biurko", "gift", "2").await;
    let edit = format!("{desks}/edycja");

    // Only the giver and staff; the form shows what is stored.
    assert_eq!(b.first.get(TORUN, &edit).await.status, 403);
    let form = b.giver.get(TORUN, &edit).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"Biurko\"") && form.body.contains("Zdjęcia (0 z 8)"));
    let r = b
        .first
        .submit(TORUN, &desks, &edit, &fields("Biurko dębowe", "2"))
        .await;
    assert_eq!(r.status, 403);

    // Bad input is named field by field, kept as typed, and nothing changes.
    let r = b.giver.submit(TORUN, &edit, &edit, &fields("B", "0")).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Podaj nazwę przedmiotu (od 2 do 200 znaków).")
    );
    assert!(r.body.contains("Podaj liczbę sztuk od 1 do 500."));
    assert!(r.body.contains("value=\"B\""));
    assert_eq!(
        b.number("SELECT count(*) FROM equipment_items WHERE name = 'Biurko'")
            .await,
        1
    );

    // One piece is promised: the item cannot shrink below it, and the pieces left follow.
    crate::equipment_workflow::ask(&b.first, &desks, "Biurko do świetlicy dla dzieci.").await;
    let request = b.number("SELECT max(id) FROM equipment_requests").await;
    crate::equipment_workflow::decide(&b.giver, &desks, "prosby", request, "accept").await;
    let r = b
        .staff
        .submit(TORUN, &edit, &edit, &fields("Biurko dębowe", "1"))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(b.number("SELECT available FROM equipment_items").await, 0);
    let r = b
        .giver
        .submit(TORUN, &edit, &edit, &fields("Biurko dębowe", "3"))
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{desks}?komunikat=zapisano").as_str())
    );
    assert_eq!(b.number("SELECT available FROM equipment_items").await, 2);
    let page = b.app.page(TORUN, &desks).await.1;
    assert!(
        page.contains("Biurko dębowe") && page.contains("2 z 3") && page.contains("bardzo dobry")
    );
    // The kind and on whose behalf are not the form's to change.
    let mut sneaky = fields("Biurko dębowe", "3");
    sneaky.extend([("kind", "loan"), ("on_behalf", "urzad")]);
    b.giver.submit(TORUN, &edit, &edit, &sneaky).await;
    assert_eq!(
        b.number("SELECT count(*) FROM equipment_items WHERE kind = 'gift' AND NOT by_office")
            .await,
        1
    );

    // A loan cannot drop the unit an approved loan holds.
    let guitars = b.add("Gitara", "loan", "2").await;
    for v in [&b.first, &b.second] {
        crate::equipment_workflow::borrow(v, &guitars, "2027-03-05", "2027-03-06").await;
    }
    for id in [1, 2] {
        crate::equipment_workflow::decide(&b.giver, &guitars, "wypozyczenia", id, "approve").await;
    }
    let edit = format!("{guitars}/edycja");
    let mut guitar = fields("Gitara klasyczna", "1");
    guitar[1] = ("category", "instrumenty");
    let r = b.giver.submit(TORUN, &edit, &edit, &guitar).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Zatwierdzone wypożyczenia zajmują sztukę nr 2"),
        "{}",
        r.body
    );

    // A withdrawn item is history: no editing.
    b.giver
        .submit(
            TORUN,
            &format!("{desks}/wycofanie"),
            &format!("{desks}/status"),
            &[("decision", "withdraw"), ("reason", "")],
        )
        .await;
    refused(
        &b.giver.get(TORUN, &format!("{desks}/edycja")).await,
        "nie można go zmieniać",
    );
    let logged: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'equipment.edited'")
            .fetch_one(b.app.db.platform())
            .await
            .unwrap();
    assert_eq!(logged, 3, "the staff's edit and the giver's two");
}

#[tokio::test]
async fn photos_are_stored_without_exif_served_in_their_gmina_only_at_most_eight_and_deleted_after_a_confirmation()
 {
    let b = bank().await;
    let desks = b.add("Biurko", "gift", "1").await;
    let edit = format!("{desks}/edycja");
    let add = format!("{desks}/zdjecia");
    let upload = |alt: &'static str, bytes: Vec<u8>| {
        let (giver, edit, add) = (&b.giver, edit.clone(), add.clone());
        async move {
            giver
                .upload(
                    TORUN,
                    &edit,
                    &add,
                    &[("alt", alt)],
                    ("photo", "biurko.jpg", bytes),
                )
                .await
        }
    };

    // Refused with a message, nothing stored: no description, not an image, someone else's item.
    let r = upload("", jpeg(600, 400)).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Opisz zdjęcie dla osób, które go nie widzą")
    );
    assert!(
        r.body.contains("value=\"Biurko\""),
        "the item's form keeps its values"
    );
    let r = upload("Biurko od frontu", b"%PDF-1.4 to nie jest zdjecie".to_vec()).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"photo-error\""), "{}", r.body);
    let r = b
        .first
        .upload(
            TORUN,
            &desks,
            &add,
            &[("alt", "Biurko")],
            ("photo", "b.jpg", jpeg(600, 400)),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(b.app.s3.keys().is_empty());
    assert_eq!(b.number("SELECT count(*) FROM equipment_photos").await, 0);

    // Stored as variants keyed by TERYT, without the camera's data, and shown on the page and list.
    let r = upload("Biurko od frontu", jpeg(1200, 900)).await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{edit}?komunikat=zdjecie").as_str()),
        "{}",
        r.body
    );
    let keys = b.app.s3.keys();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let object = keys[0].split('/').nth(3).unwrap().to_owned();
    assert_eq!(keys[0], format!("gmina/0463011/zdjecia/{object}/duze.jpg"));
    let photo = format!("/bank-sprzetu/zdjecia/{object}/duze");
    let served = b.app.get(TORUN, &photo).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    let bytes = served.bytes().await.unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("GPSLatitude"));
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 1200);
    let page = b.app.page(TORUN, &desks).await.1;
    assert!(
        page.contains(&format!(
            "&#x2f;bank-sprzetu&#x2f;zdjecia&#x2f;{object}&#x2f;duze"
        )) && page.contains("alt=\"Biurko od frontu\"")
    );
    let list = b.app.page(TORUN, "/bank-sprzetu").await.1;
    assert!(
        list.contains(&format!(
            "&#x2f;bank-sprzetu&#x2f;zdjecia&#x2f;{object}&#x2f;miniatura"
        )),
        "{list}"
    );
    // Another gmina's host does not know it; a made-up variant or object is not found.
    assert_eq!(b.app.get(BYDGOSZCZ, &photo).await.status(), 404);
    assert_eq!(
        b.app
            .get(TORUN, &format!("/bank-sprzetu/zdjecia/{object}/ogromne"))
            .await
            .status(),
        404
    );
    assert_eq!(
        b.app
            .get(TORUN, "/bank-sprzetu/zdjecia/nie-uuid/duze")
            .await
            .status(),
        404
    );

    // Eight at most.
    for n in 2..=8 {
        let r = upload("Biurko z boku", jpeg(120, 90)).await;
        assert_eq!(r.status, 303, "photo {n}: {}", r.body);
    }
    let form = b.giver.get(TORUN, &edit).await.body;
    assert!(form.contains("Zdjęcia (8 z 8)") && !form.contains("Dodaj zdjęcie</h3>"));
    let r = upload("Dziewiąte zdjęcie", jpeg(120, 90)).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Przedmiot ma już 8 zdjęć"));
    assert_eq!(b.number("SELECT count(*) FROM equipment_photos").await, 8);
    assert_eq!(b.app.s3.keys().len(), 16);

    // Deleted after a confirmation page; its objects leave the store.
    let first = b.number("SELECT min(id) FROM equipment_photos").await;
    let confirm = format!("{desks}/zdjecia/{first}/usun");
    let page = b.giver.get(TORUN, &confirm).await;
    assert!(page.body.contains("Usunąć zdjęcie?") && page.body.contains("Biurko od frontu"));
    assert_eq!(b.first.get(TORUN, &confirm).await.status, 403);
    let r = b.giver.submit(TORUN, &confirm, &confirm, &[]).await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{edit}?komunikat=zdjecie-usuniete").as_str())
    );
    assert_eq!(b.number("SELECT count(*) FROM equipment_photos").await, 7);
    // Removed right after the commit (or by the worker's next pass, run here until done).
    let left = b
        .app
        .purge_until(|keys| !keys.iter().any(|k| k.contains(&object)))
        .await;
    assert_eq!(left.len(), 14);
    assert_eq!(b.app.get(TORUN, &photo).await.status(), 404);

    // A withdrawn item's photos: its giver still sees them, nobody else does.
    b.giver
        .submit(
            TORUN,
            &format!("{desks}/wycofanie"),
            &format!("{desks}/status"),
            &[("decision", "withdraw"), ("reason", "")],
        )
        .await;
    let object: String = {
        let t = b.app.store().find("torun").await.unwrap();
        let mut tx = b.app.db.tenant(&t).begin().await.unwrap();
        let o = sqlx::query_scalar("SELECT object::text FROM equipment_photos ORDER BY id LIMIT 1")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        o
    };
    let hidden = format!("/bank-sprzetu/zdjecia/{object}/miniatura");
    assert_eq!(b.app.get(TORUN, &hidden).await.status(), 404);
    assert_eq!(b.first.get(TORUN, &hidden).await.status, 404);
    assert_eq!(b.giver.get(TORUN, &hidden).await.status, 200);
}
