//! Every form that takes a file accepts what it promises — `storage.max_upload_bytes`, 10 MB by
//! default, one setting for all — and refuses more with a message that names the limit (axum's
//! own 2 MB body limit once cut these forms short with "damaged file" messages).

use pestor_tests::spawn_app;
use time::macros::datetime;

use crate::equipment_edit::jpeg;
use crate::equipment_workflow::bank;

const TORUN: &str = "torun.localhost";
const MB: usize = 1024 * 1024;

/// A real JPEG of about `size` bytes: a small picture behind comment segments (as some cameras
/// write), which the photo pipeline reads past and drops.
pub(crate) fn jpeg_of(size: usize) -> Vec<u8> {
    let picture = jpeg(640, 480);
    let mut out = vec![0xFF, 0xD8];
    let chunk = vec![b'x'; 65_000];
    while out.len() + picture.len() + chunk.len() < size {
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&((chunk.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&chunk);
    }
    out.extend_from_slice(&picture[2..]);
    out
}

/// A whole PDF of about `size` bytes (a long comment, as scanned attachments are long).
pub(crate) fn pdf_of(size: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%".to_vec();
    out.resize(size.saturating_sub(40), b'x');
    out.extend_from_slice(b"\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    out
}

/// 303 (taken) or 422 with the message naming the limit.
fn refused_or_taken(r: &pestor_tests::Reply, status: u16) {
    assert_eq!(r.status, status, "{}", r.body);
    if status == 422 {
        assert!(r.body.contains("najwyżej 10 MB"), "{}", r.body);
    }
}

#[tokio::test]
async fn every_upload_takes_nine_megabytes_and_refuses_eleven_naming_the_limit() {
    // Photos: the equipment bank.
    let b = bank().await;
    let desks = b.add("Biurko", "gift", "1").await;
    let edit = format!("{desks}/edycja");
    let add = format!("{desks}/zdjecia");
    for (size, status) in [(11 * MB, 422), (9 * MB, 303)] {
        let photo = ("photo", "b.jpg", jpeg_of(size));
        let r = b
            .giver
            .upload(TORUN, &edit, &add, &[("alt", "Biurko")], photo)
            .await;
        refused_or_taken(&r, status);
    }
    assert_eq!(b.number("SELECT count(*) FROM equipment_photos").await, 1);

    // Photos of premises, an application's PDF and a clause's evidence.
    let app = spawn_app().await;
    app.state.clock.set(datetime!(2027-03-01 09:00 UTC));
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let place = crate::premises::add(
        &staff,
        &crate::premises::premises("ul. Szeroka 12", "Stare Miasto", "45,5"),
    )
    .await;
    let photos = format!("{place}/zdjecia");
    for (size, status) in [(11 * MB, 422), (9 * MB, 303)] {
        let r = staff
            .upload(
                TORUN,
                &place,
                &photos,
                &[("alt", "Sala")],
                ("photo", "l.jpg", jpeg_of(size)),
            )
            .await;
        refused_or_taken(&r, status);
    }
    assert_eq!(
        app.scalar("torun", "SELECT count(*) FROM premises_photos")
            .await,
        1
    );

    let form = "/lokale/nabory/nowy";
    let id = place.rsplit('/').next().unwrap();
    let r = staff
        .submit(
            TORUN,
            form,
            form,
            &[
                ("title", "Nabór na lokale dla PES — wiosna 2027"),
                (
                    "criteria",
                    "Liczba osób, którym PES będzie służyć (do 60 pkt).",
                ),
                ("deadline", "2027-03-15"),
                ("premises", id),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let call = r.location.unwrap();
    let (member, org) =
        crate::premises::member(&app, "start@example.pl", "Fundacja Dobry Start", "verified").await;
    for (size, status) in [(11 * MB, 422), (9 * MB, 303)] {
        let r = member
            .upload(
                TORUN,
                &call,
                &format!("{call}/wnioski"),
                &[
                    ("organisation", org.as_str()),
                    ("premises", id),
                    ("planned_use", "Warsztaty zawodowe dla 20 uczestników CIS."),
                    ("justification", "Lokal na parterze, bez barier."),
                    ("people_served", "20"),
                ],
                ("attachment", "plan.pdf", pdf_of(size)),
            )
            .await;
        refused_or_taken(&r, status);
    }
    assert_eq!(
        app.scalar("torun", "SELECT count(*) FROM premises_applications")
            .await,
        1
    );

    let p = crate::procurement::running(&app, &staff).await;
    let fields = [
        ("checked_on", "2027-03-01"),
        ("people_employed", "2"),
        ("months", "1"),
        ("evidence", "Umowy o pracę okazane."),
        ("verdict", "spelniona"),
        ("penalty", ""),
        ("next_check_on", ""),
    ];
    for (size, status) in [(11 * MB, 422), (9 * MB, 303)] {
        let r = crate::procurement::check(&staff, &p, &fields, pdf_of(size)).await;
        refused_or_taken(&r, status);
    }
    assert_eq!(
        app.scalar("torun", "SELECT count(*) FROM clause_checks")
            .await,
        1
    );
}
