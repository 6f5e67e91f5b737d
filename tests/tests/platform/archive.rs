//! A gmina's archive: every row of its schema, its rows of public tables, the accounts they name
//! and its objects, out of one deployment and into a fresh one with nothing lost; corrupt or
//! stale archives refused with nothing written; archiving drops the gmina after a fresh export.

use pestor_core::Teryt;
use pestor_kit::archive::{self, ArchiveError, Manifest, Seal, Trust};
use pestor_kit::module::GminaData;
use pestor_photos::{Variant, photo_key};
use pestor_tests::{TestApp, add_card, create_account, grant, scratch_dir, spawn_app};

const CHELMNO: &str = "0404011";

fn parts() -> Vec<GminaData> {
    pestor_web::modules()
        .iter()
        .map(|m| m.gmina_data())
        .collect()
}

/// The deployment's archive key and limit. An archive moves between two test deployments as
/// between deployments that share `tenants.archive_secret`: the second imports with the first's.
async fn seal(app: &TestApp) -> Seal {
    Seal::of(&app.db, &app.state.settings).await.unwrap()
}

/// Restores `file` into `into`, signed by `from`'s key (the same deployment, or one sharing it).
async fn import(
    into: &TestApp,
    from: &TestApp,
    file: &std::path::Path,
) -> Result<Manifest, ArchiveError> {
    archive::import(
        &into.db,
        &into.state.photos,
        &into.store(),
        &parts(),
        &seal(from).await,
        Trust::Signed,
        file,
    )
    .await
}

/// Archives Chełmno in `app` with the export `file`.
async fn archive_from(app: &TestApp, file: &std::path::Path) -> Result<Manifest, ArchiveError> {
    archive::archive(
        &app.db,
        &app.state.photos,
        &app.store(),
        &parts(),
        &seal(app).await,
        file,
    )
    .await
}

/// Chełmno's archive from `app`, written to `file`.
async fn export(app: &TestApp, file: &std::path::Path) -> Manifest {
    archive::export(
        &app.db,
        &app.state.photos,
        &app.store(),
        &teryt(),
        &parts(),
        &seal(app).await,
        file,
    )
    .await
    .unwrap()
}

fn teryt() -> Teryt {
    Teryt::parse(CHELMNO).unwrap()
}

/// Chełmno onboarded and holding something of every kind: cards, an offer with a photo (rows and
/// objects), a renamed category, a logo, its admin's role, an invitation, audit entries.
async fn seed(app: &TestApp) -> i64 {
    app.store().provision("chelmno").await.unwrap();
    let card = add_card(
        app,
        "chelmno",
        &[
            ("name", "Spółdzielnia Socjalna Ziarno"),
            ("legal_form", "spoldzielnia_socjalna"),
            ("gmina_teryt", CHELMNO),
        ],
        &["1"],
        &["0463011"],
        "verified",
    )
    .await;
    add_card(
        app,
        "chelmno",
        &[
            ("name", "Fundacja Czekająca"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", CHELMNO),
        ],
        &["2"],
        &[],
        "pending",
    )
    .await;
    let t = app.store().find("chelmno").await.unwrap();
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    let offer = pestor_core::offer::Offer {
        name: "Chleb na zakwasie".into(),
        category: "catering".into(),
        price_grosze: Some(1200),
        price_note: "za bochenek".into(),
        target_groups: vec!["mieszkancy".into(), "urzad".into()],
        description: "Wypiekany co rano.\nZ dostawą.".into(),
    };
    let offer = pestor_offers::store::insert(&mut tx, card, &offer, None)
        .await
        .unwrap();
    let photo = uuid::Uuid::new_v4();
    assert!(
        pestor_offers::store::add_photo(
            &mut tx,
            offer,
            photo,
            "Bochenek chleba na desce",
            800,
            600
        )
        .await
        .unwrap()
    );
    sqlx::query("UPDATE offer_categories SET name = 'Wypieki i catering' WHERE code = 'catering'")
        .execute(&mut *tx)
        .await
        .unwrap();
    let equipment_photo = uuid::Uuid::new_v4();
    seed_equipment(&mut tx, card, equipment_photo).await;
    tx.commit().await.unwrap();
    for object in [photo, equipment_photo] {
        for v in Variant::ALL {
            let bytes = format!("zdjęcie {} {object}", v.name()).into_bytes();
            app.state
                .photos
                .put(&photo_key(CHELMNO, object, v), bytes, "image/jpeg")
                .await
                .unwrap();
        }
    }
    app.state
        .photos
        .put(
            &format!("gmina/{CHELMNO}/logo/herb.png"),
            b"herb".to_vec(),
            "image/png",
        )
        .await
        .unwrap();
    let mut tx = pestor_db::begin(app.db.platform()).await.unwrap();
    let branding = pestor_core::BrandingOverrides {
        display_name: Some("Chełmno — miasto zakochanych".into()),
        logo_object: Some(format!("gmina/{CHELMNO}/logo/herb.png")),
        ..Default::default()
    };
    pestor_db::TenantStore::set_branding(&mut tx, &teryt(), &branding)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let admin = create_account(
        app,
        "burmistrz@chelmno.example",
        "Burmistrz Chełmna",
        "hasło burmistrza 1",
    )
    .await;
    grant(app, admin, "chelmno", "admin").await;
    let v = app.visitor();
    v.sign_in("burmistrz@chelmno.example", "hasło burmistrza 1")
        .await;
    v.sign_in_to("chelmno.localhost").await;
    let r = v
        .submit(
            "chelmno.localhost",
            "/panel",
            "/panel/zaproszenia",
            &[("email", "nowy@chelmno.example"), ("role", "staff")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    admin
}

/// Bank sprzętu: a powiat-wide projector lent (an approved loan, a photo) and a wardrobe of which
/// one piece was handed over to the card `card`.
async fn seed_equipment(tx: &mut pestor_db::TenantTx, card: i64, photo: uuid::Uuid) {
    let ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO equipment_items (name, category, kind, condition, quantity, available, pickup_place, powiat_wide)
         VALUES ('Projektor multimedialny', 'audio-wideo', 'loan', 'dobry', 1, 1, 'Ratusz, Rynek 1', true),
                ('Szafa aktowa', 'meble', 'gift', 'dobry', 3, 2, 'Ratusz, Rynek 1', false)
         RETURNING id",
    )
    .fetch_all(&mut **tx)
    .await
    .unwrap();
    let (loan, gift) = (ids[0], ids[1]);
    for (sql, item) in [
        (
            "INSERT INTO equipment_requests (item_id, organisation_teryt, organisation_id, organisation_name,
                                             justification, status, handed_over_at)
             VALUES ($1, '0404011', $2, 'Spółdzielnia Socjalna Ziarno', 'Na dokumenty spółdzielni.',
                     'handed_over', now())",
            gift,
        ),
        (
            "INSERT INTO equipment_loans (item_id, unit, organisation_teryt, organisation_id, organisation_name,
                                          during, justification, status)
             VALUES ($1, 1, '0404011', $2, 'Spółdzielnia Socjalna Ziarno', '[2027-03-01,2027-03-05)',
                     'Na spotkanie z mieszkańcami.', 'approved')",
            loan,
        ),
    ] {
        sqlx::query(sql)
            .bind(item)
            .bind(card)
            .execute(&mut **tx)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO equipment_photos (item_id, object, position, alt, width, height)
         VALUES ($1, $2, 1, 'Projektor na stole', 800, 600)",
    )
    .bind(loan)
    .bind(photo)
    .execute(&mut **tx)
    .await
    .unwrap();
}

fn summary(m: &Manifest) -> Vec<(String, String, usize, String)> {
    m.tables
        .iter()
        .map(|t| (t.part.clone(), t.table.clone(), t.rows, t.sha256.clone()))
        .collect()
}

/// A gmina's rows name accounts without a foreign key (tenant migration 0023): an id of an
/// account deleted before the export names nobody after the restore, and the claim that cannot
/// be without its account goes.
#[tokio::test]
async fn ids_of_accounts_deleted_before_the_export_name_nobody_after_the_restore() {
    let a = spawn_app().await;
    seed(&a).await;
    sqlx::raw_sql(
        "UPDATE gmina_0404011.offers SET created_by = 999999;
         INSERT INTO gmina_0404011.organisation_claims (organisation_id, account_id, message)
         SELECT min(id), 999999, 'Zgłoszenie konta, którego już nie ma.' FROM gmina_0404011.organisations",
    )
    .execute(a.db.platform())
    .await
    .unwrap();
    let dir = scratch_dir("archive-deleted-accounts");
    let file = dir.join("chelmno.tar.gz");
    export(&a, &file).await;
    let b = spawn_app().await;
    import(&b, &a, &file).await.unwrap();
    let left: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM gmina_0404011.offers WHERE created_by IS NOT NULL),
                (SELECT count(*) FROM gmina_0404011.organisation_claims)",
    )
    .fetch_one(b.db.platform())
    .await
    .unwrap();
    assert_eq!(left, (0, 0));
    let offers: i64 = sqlx::query_scalar("SELECT count(*) FROM gmina_0404011.offers")
        .fetch_one(b.db.platform())
        .await
        .unwrap();
    assert_eq!(offers, 1, "the offer itself stays");
}

#[tokio::test]
async fn a_gmina_exported_and_imported_into_a_fresh_database_loses_nothing() {
    let a = spawn_app().await;
    seed(&a).await;
    let dir = scratch_dir("archive");
    let file = dir.join("chelmno.tar.gz");
    let exported = export(&a, &file).await;

    // Every base table of the schema is in the archive, with the rows seeded.
    let t = a.store().find("chelmno").await.unwrap();
    let mut tx = a.db.tenant(&t).begin().await.unwrap();
    let base: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    drop(tx);
    let mut archived: Vec<String> = exported
        .tables
        .iter()
        .filter(|t| t.part == "gmina")
        .map(|t| t.table.clone())
        .collect();
    archived.sort();
    assert_eq!(archived, base);
    for (part, table, rows) in [
        ("gmina", "organisations", 2),
        ("gmina", "offers", 1),
        ("gmina", "offer_photos", 1),
        ("gmina", "offer_categories", 10),
        ("gmina", "tenant_info", 1),
        ("public", "pes_directory", 2),
        ("public", "offer_directory", 1),
        ("gmina", "equipment_items", 2),
        ("gmina", "equipment_requests", 1),
        ("gmina", "equipment_loans", 1),
        ("gmina", "equipment_photos", 1),
        ("gmina", "equipment_categories", 7),
        ("public", "equipment_directory", 2),
        ("public", "gmina_roles", 1),
        ("public", "invitations", 1),
        ("accounts", "accounts", 1),
    ] {
        assert_eq!(exported.rows(part, table), Some(rows), "{part}.{table}");
    }
    assert!(exported.rows("public", "audit_log").unwrap() >= 1);
    // Nothing that lets its reader act as someone: no queued letters (the invitation's link), no
    // password hashes, no regional roles.
    assert_eq!(exported.rows("public", "outbox"), None);
    let accounts = exported
        .tables
        .iter()
        .find(|t| t.part == "accounts")
        .unwrap();
    assert_eq!(accounts.columns, pestor_db::archive::ACCOUNT_COLUMNS);
    let mut keys: Vec<&str> = exported.objects.iter().map(|o| o.key.as_str()).collect();
    keys.sort();
    assert_eq!(keys.len(), 5, "two photos in two sizes, the logo: {keys:?}");
    assert!(keys.contains(&"logo/herb.png"));
    assert_eq!(
        exported.branding["display_name"],
        "Chełmno — miasto zakochanych"
    );

    // Into a fresh deployment (its own database and S3 server), where Chełmno has not joined.
    let b = spawn_app().await;
    assert_eq!(b.page("chelmno.localhost", "/").await.0, 404);
    let imported = import(&b, &a, &file).await.unwrap();
    assert_eq!(imported.teryt, CHELMNO);
    let again = export(&b, &dir.join("again.tar.gz")).await;
    assert_eq!(
        summary(&again),
        summary(&exported),
        "every row, byte for byte"
    );
    assert_eq!(
        again.objects, exported.objects,
        "every object, byte for byte"
    );
    assert_eq!(again.branding, exported.branding);
    assert_eq!(
        b.store().find("chelmno").await.unwrap().schema_version(),
        Some(pestor_db::migrate::latest_tenant_version())
    );

    // The restored gmina works: its site, its card and offer, the photo, the admin's panel.
    let (status, home) = b.page("chelmno.localhost", "/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Chełmno — miasto zakochanych"));
    let (status, offers) = b.page("chelmno.localhost", "/oferty").await;
    assert_eq!(status, 200);
    assert!(
        offers.contains("Chleb na zakwasie") && offers.contains("Wypieki i catering"),
        "{offers}"
    );
    let (_, equipment) = b.page("chelmno.localhost", "/bank-sprzetu").await;
    assert!(
        equipment.contains("Projektor multimedialny") && equipment.contains("2 z 3 sztuk"),
        "{equipment}"
    );
    // The restored loan still holds its days: the database refuses an overlapping one.
    let t = b.store().find("chelmno").await.unwrap();
    let mut tx = b.db.tenant(&t).begin().await.unwrap();
    let overlap = sqlx::query(
        "INSERT INTO equipment_loans (item_id, unit, organisation_teryt, organisation_id, organisation_name,
                                      during, justification, status)
         SELECT item_id, 1, organisation_teryt, organisation_id, organisation_name, '[2027-03-04,2027-03-06)',
                justification, 'approved' FROM equipment_loans",
    )
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(overlap.to_string().contains("exclusion"), "{overlap}");
    drop(tx);
    let (_, search) = b.page("localhost", "/api/v1/szukaj?q=zakwas").await;
    assert!(
        search.contains("Chleb na zakwasie"),
        "the projections came back: {search}"
    );
    // The restored admin comes without a password (sets one with "Nie pamiętam hasła"); here the
    // test sets it directly.
    let v = b.visitor();
    let r = v
        .submit(
            "localhost",
            "/rejestracja",
            "/logowanie",
            &[
                ("email", "burmistrz@chelmno.example"),
                ("password", "hasło burmistrza 1"),
            ],
        )
        .await;
    assert_ne!(r.status, 303, "no password came with the archive");
    let hash: String = sqlx::query_scalar(
        "SELECT password_hash FROM accounts WHERE email = 'burmistrz@chelmno.example'",
    )
    .fetch_one(a.db.platform())
    .await
    .unwrap();
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE email = 'burmistrz@chelmno.example'")
        .bind(hash)
        .execute(b.db.platform())
        .await
        .unwrap();
    v.sign_in("burmistrz@chelmno.example", "hasło burmistrza 1")
        .await;
    v.sign_in_to("chelmno.localhost").await;
    let panel = v.get("chelmno.localhost", "/panel").await;
    assert_eq!(panel.status, 200);
    assert!(
        panel.body.contains("nowy@chelmno.example"),
        "the pending invitation"
    );
    // New rows get new ids after the restored ones.
    let t = b.store().find("chelmno").await.unwrap();
    let id = add_card(
        &b,
        "chelmno",
        &[
            ("name", "Nowa Fundacja"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", CHELMNO),
        ],
        &["1"],
        &[],
        "pending",
    )
    .await;
    assert_eq!(id, 3, "{t:?}");

    // Importing over a gmina that is on the platform is refused.
    let err = import(&b, &a, &file).await.unwrap_err();
    assert!(matches!(err, ArchiveError::Import(_)), "{err}");
    assert!(
        err.to_string().contains("ma już serwis na platformie"),
        "{err}"
    );
}

#[tokio::test]
async fn a_damaged_or_clashing_archive_is_refused_and_nothing_is_written() {
    let a = spawn_app().await;
    seed(&a).await;
    let dir = scratch_dir("archive-bad");
    let file = dir.join("chelmno.tar.gz");
    export(&a, &file).await;
    let b = spawn_app().await;
    let untouched = async |b: &TestApp| {
        let status: String = sqlx::query_scalar("SELECT status FROM tenants WHERE teryt = $1")
            .bind(CHELMNO)
            .fetch_one(b.db.platform())
            .await
            .unwrap();
        let schema: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'gmina_0404011')",
        )
        .fetch_one(b.db.platform())
        .await
        .unwrap();
        let objects = b
            .state
            .photos
            .list(&format!("gmina/{CHELMNO}/"))
            .await
            .unwrap();
        let rows: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM pes_directory) + (SELECT count(*) FROM gmina_roles)",
        )
        .fetch_one(b.db.platform())
        .await
        .unwrap();
        assert_eq!(
            (status.as_str(), schema, objects.len(), rows),
            ("registered", false, 0, 0)
        );
    };

    // Cut short: the file cannot be read to its end.
    let bytes = std::fs::read(&file).unwrap();
    let cut = dir.join("cut.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = import(&b, &a, &cut).await.unwrap_err();
    assert!(
        matches!(err, ArchiveError::File(_) | ArchiveError::Corrupt(_)),
        "{err}"
    );
    untouched(&b).await;

    // One part changed after the manifest was written.
    let tampered = dir.join("tampered.tar.gz");
    rewrite(&file, &tampered, |path, data| {
        if path == "gmina/offers.copy" {
            *data = String::from_utf8(data.clone())
                .unwrap()
                .replace("1200", "1")
                .into_bytes();
        }
    });
    let err = import(&b, &a, &tampered).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("gmina/offers.copy nie zgadza się z manifestem"),
        "{err}"
    );
    untouched(&b).await;

    // An account whose address is someone else's here (another id): refused before any row.
    create_account(&b, "ktos@example.pl", "Ktoś", "hasło kogoś 1234").await;
    let here = create_account(
        &b,
        "burmistrz@chelmno.example",
        "Inny Burmistrz",
        "hasło innego 123",
    )
    .await;
    let there: i64 =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email = 'burmistrz@chelmno.example'")
            .fetch_one(a.db.platform())
            .await
            .unwrap();
    assert_ne!(here, there);
    let err = import(&b, &a, &file).await.unwrap_err();
    assert!(
        err.to_string().contains("konto burmistrz@chelmno.example"),
        "{err}"
    );
    untouched(&b).await;
}

/// Copies an archive, letting `change` edit any entry (the manifest stays as it was).
fn rewrite(from: &std::path::Path, to: &std::path::Path, change: impl Fn(&str, &mut Vec<u8>)) {
    use std::io::Read;
    let mut input = tar::Archive::new(flate2::read::GzDecoder::new(
        std::fs::File::open(from).unwrap(),
    ));
    let mut output = tar::Builder::new(flate2::write::GzEncoder::new(
        std::fs::File::create(to).unwrap(),
        flate2::Compression::fast(),
    ));
    for entry in input.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        change(&path, &mut data);
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        output.append_data(&mut header, &path, &data[..]).unwrap();
    }
    output.into_inner().unwrap().finish().unwrap();
}

#[tokio::test]
async fn archiving_needs_a_fresh_export_of_a_suspended_gmina_and_the_export_brings_it_back() {
    let app = spawn_app().await;
    seed(&app).await;
    let dir = scratch_dir("archive-drop");
    let file = dir.join("chelmno.tar.gz");
    let exported = export(&app, &file).await;

    let err = archive_from(&app, &file).await.unwrap_err();
    assert!(err.to_string().contains("tylko zawieszoną gminę"), "{err}");
    app.store()
        .suspend("chelmno", "archiwizacja")
        .await
        .unwrap();
    // A card added after the export: the export is stale.
    add_card(
        &app,
        "chelmno",
        &[
            ("name", "Fundacja Spóźniona"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", CHELMNO),
        ],
        &["1"],
        &[],
        "pending",
    )
    .await;
    let err = archive_from(&app, &file).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("eksport jest nieaktualny: gmina.organisations"),
        "{err}"
    );
    assert_eq!(
        app.store().find("chelmno").await.unwrap().status().as_str(),
        "suspended"
    );

    let fresh = dir.join("fresh.tar.gz");
    export(&app, &fresh).await;
    app.count_figures().await;
    archive_from(&app, &fresh).await.unwrap();
    let t = app.store().find("chelmno").await.unwrap();
    assert_eq!(
        (t.status().as_str(), t.schema_version()),
        ("archived", None)
    );
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM pes_directory WHERE teryt = $1) + (SELECT count(*) FROM offer_directory WHERE teryt = $1)
              + (SELECT count(*) FROM gmina_roles WHERE teryt = $1) + (SELECT count(*) FROM invitations WHERE teryt = $1)
              + (SELECT count(*) FROM audit_log WHERE teryt = $1)
              + (SELECT count(*) FROM pg_namespace WHERE nspname = 'gmina_0404011')",
    )
    .bind(CHELMNO)
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(left, 0);
    assert_eq!(app.page("chelmno.localhost", "/").await.0, 404);
    // Its objects go through the removal queue (the worker runs every minute; run it now).
    pestor_kit::photos::purge_deleted(&app.state).await.unwrap();
    assert!(
        app.state
            .photos
            .list(&format!("gmina/{CHELMNO}/"))
            .await
            .unwrap()
            .is_empty()
    );

    // The figures' store forgets it with its schema.
    let stored: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM figure_values WHERE teryt = $1) + (SELECT count(*) FROM figure_days WHERE teryt = $1)
              + (SELECT count(*) FROM figure_counts WHERE teryt = $1)",
    )
    .bind(CHELMNO)
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(stored, 0);

    // The archive restores it into the same deployment.
    let back = import(&app, &app, &fresh).await.unwrap();
    // Its figures are counted again from the restored tables.
    assert_eq!(
        app.figures("chelmno", "").await,
        app.direct_figures("chelmno", "").await
    );
    assert_eq!(
        app.figures("chelmno", "pes_").await[..2],
        [("pes_verified", 1), ("pes_pending", 2)]
    );
    assert_eq!(back.rows("gmina", "organisations"), Some(3));
    assert_eq!(app.page("chelmno.localhost", "/").await.0, 200);
    assert_eq!(exported.objects.len(), back.objects.len());
    assert_eq!(
        app.state
            .photos
            .list(&format!("gmina/{CHELMNO}/"))
            .await
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn coordinators_download_archive_and_restore_a_gmina_from_the_browser() {
    let app = spawn_app().await;
    seed(&app).await;
    let id = create_account(
        &app,
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
    const PORTAL: &str = "localhost";
    const PAGE: &str = "/koordynator/gminy/chelmno/archiwizacja";

    // The download is a whole, checkable archive.
    let r = v
        .get_raw(PORTAL, "/koordynator/gminy/chelmno/eksport")
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/gzip");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"gmina-chelmno-")
    );
    let dir = scratch_dir("archive-browser");
    let file = dir.join("pobrany.tar.gz");
    std::fs::write(&file, r.bytes().await.unwrap()).unwrap();
    let (m, _) = archive::verify(&file, &seal(&app).await, Trust::Signed).unwrap();
    assert_eq!((m.slug.as_str(), m.objects.len()), ("chelmno", 5));
    assert_eq!(
        v.get(PORTAL, "/koordynator/gminy/bydgoszcz-nie-ma/eksport")
            .await
            .status,
        404
    );
    assert_eq!(
        v.get(PORTAL, "/koordynator/gminy/brodnica/eksport")
            .await
            .status,
        400,
        "nothing to export"
    );

    // Archiving an active gmina is refused; a suspended one goes, its export kept.
    assert!(
        v.get(PORTAL, PAGE)
            .await
            .body
            .contains("Archiwizować można tylko zawieszony serwis")
    );
    assert_eq!(v.submit(PORTAL, PAGE, PAGE, &[]).await.status, 400);
    app.store()
        .suspend("chelmno", "koniec współpracy")
        .await
        .unwrap();
    assert!(
        v.get(PORTAL, PAGE)
            .await
            .body
            .contains("Tak, zarchiwizuj gminę")
    );
    let r = v.submit(PORTAL, PAGE, PAGE, &[]).await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (
            303,
            Some("/koordynator/gminy/chelmno?komunikat=zarchiwizowano")
        )
    );
    assert_eq!(
        app.store().find("chelmno").await.unwrap().status().as_str(),
        "archived"
    );
    let page = v.get(PORTAL, PAGE).await.body;
    let kept: String = page
        .split("/koordynator/gminy/chelmno/archiwa/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        kept.starts_with("gmina-chelmno-") && page.contains("Przywróć gminę z tego archiwum"),
        "{page}"
    );
    let got = v
        .get(
            PORTAL,
            &format!("/koordynator/gminy/chelmno/archiwa/{kept}"),
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(
        v.get(PORTAL, "/koordynator/gminy/chelmno/archiwa/inne.tar.gz")
            .await
            .status,
        404
    );

    // Restoring: an unknown name is 404; the kept one brings the gmina back.
    let r = v
        .submit(
            PORTAL,
            PAGE,
            "/koordynator/gminy/chelmno/przywrocenie",
            &[("archiwum", "inne.tar.gz")],
        )
        .await;
    assert_eq!(r.status, 404);
    // A file put among the kept exports by other means (its manifest changed to give an account
    // the operator's role, hashes recomputed) is refused: it lacks this deployment's signature.
    let kept_file = dir.join("kept.tar.gz");
    let bytes = v
        .get_raw(
            PORTAL,
            &format!("/koordynator/gminy/chelmno/archiwa/{kept}"),
        )
        .await
        .bytes()
        .await
        .unwrap();
    std::fs::write(&kept_file, &bytes).unwrap();
    let forged = dir.join("forged.tar.gz");
    pestor_tests::forge::forge(&kept_file, &forged, pestor_tests::forge::grant_operator);
    app.state
        .photos
        .put(
            "archiwa/0404011/gmina-chelmno-podrobione.tar.gz",
            std::fs::read(&forged).unwrap(),
            "application/gzip",
        )
        .await
        .unwrap();
    let r = v
        .submit(
            PORTAL,
            PAGE,
            "/koordynator/gminy/chelmno/przywrocenie",
            &[("archiwum", "gmina-chelmno-podrobione.tar.gz")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("nie ma ważnego podpisu tej instalacji"),
        "{}",
        r.body
    );
    assert_eq!(
        app.store().find("chelmno").await.unwrap().status().as_str(),
        "archived"
    );
    let r = v
        .submit(
            PORTAL,
            PAGE,
            "/koordynator/gminy/chelmno/przywrocenie",
            &[("archiwum", &kept)],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (
            303,
            Some("/koordynator/gminy/chelmno?komunikat=przywrocono")
        )
    );
    let (status, offers) = app.page("chelmno.localhost", "/oferty").await;
    assert_eq!(status, 200);
    assert!(offers.contains("Chleb na zakwasie"));
    let log = v.get(PORTAL, "/koordynator/dziennik").await.body;
    for entry in [
        "eksport danych gminy",
        "archiwizacja gminy",
        "przywrócenie gminy z archiwum",
    ] {
        assert!(log.contains(entry), "{entry}");
    }
}

#[tokio::test]
async fn a_forged_archive_grants_nothing_beyond_its_gmina_overwrites_no_one_and_a_bomb_is_refused_early()
 {
    // Two deployments that share their archive key (tenants.archive_secret).
    const KEY: &str = "wspólny klucz archiwów obu instalacji";
    let a = pestor_tests::spawn_app_with(|s| s.tenants.archive_secret = KEY.into()).await;
    seed(&a).await;
    let dir = scratch_dir("archive-forged");
    let file = dir.join("chelmno.tar.gz");
    export(&a, &file).await;
    let b = spawn_app().await;
    let sealed = seal(&a).await;
    let import = async |b: &TestApp, file: &std::path::Path, trust| {
        archive::import(
            &b.db,
            &b.state.photos,
            &b.store(),
            &parts(),
            &sealed,
            trust,
            file,
        )
        .await
    };
    let nothing_written = async |b: &TestApp| {
        let (status, roles, operators): (String, i64, i64) = sqlx::query_as(
            "SELECT (SELECT status FROM tenants WHERE teryt = '0404011'),
                    (SELECT count(*) FROM gmina_roles),
                    (SELECT count(*) FROM accounts WHERE region_role IS NOT NULL)",
        )
        .fetch_one(b.db.platform())
        .await
        .unwrap();
        assert_eq!((status.as_str(), roles, operators), ("registered", 0, 0));
        assert!(b.state.photos.list("gmina/").await.unwrap().is_empty());
    };

    // An account given the operator's role and a password the forger knows: the manifest no
    // longer matches its signature; and without the signature check (the command line's
    // --unsigned), the columns themselves are refused.
    let forged = dir.join("operator.tar.gz");
    pestor_tests::forge::forge(&file, &forged, pestor_tests::forge::grant_operator);
    let err = import(&b, &forged, Trust::Signed).await.unwrap_err();
    assert!(matches!(err, ArchiveError::Signature(_)), "{err}");
    nothing_written(&b).await;
    let err = import(&b, &forged, Trust::Unsigned).await.unwrap_err();
    assert!(
        err.to_string().contains("password_hash, region_role")
            && err
                .to_string()
                .contains("role regionalne i hasła nie są przenoszone"),
        "{err}"
    );
    nothing_written(&b).await;

    // A role in another gmina (Toruń) slipped into Chełmno's rows: refused, even unsigned.
    let forged = dir.join("torun-admin.tar.gz");
    pestor_tests::forge::forge(&file, &forged, |_, members| {
        let roles = pestor_tests::forge::part(members, "public/gmina_roles.copy");
        let text = String::from_utf8(roles.clone()).unwrap();
        let extra = text.replace("0404011", "0463011");
        roles.extend_from_slice(extra.as_bytes());
    });
    let err = import(&b, &forged, Trust::Unsigned).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("wiersze innej gminy w tabeli gmina_roles"),
        "{err}"
    );
    nothing_written(&b).await;

    // An account that exists here (same id, same address) keeps what it has here: its name, its
    // password, its regional role.
    let (id, email): (i64, String) =
        sqlx::query_as("SELECT id, email FROM accounts WHERE email = 'burmistrz@chelmno.example'")
            .fetch_one(a.db.platform())
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO accounts (id, email, display_name, password_hash, region_role)
         OVERRIDING SYSTEM VALUE VALUES ($1, $2, 'Burmistrz w tej instalacji', 'hasz-tutaj', 'coordinator')",
    )
    .bind(id)
    .bind(&email)
    .execute(b.db.platform())
    .await
    .unwrap();
    let renamed = dir.join("renamed.tar.gz");
    pestor_tests::forge::forge(&file, &renamed, |_, members| {
        let accounts = pestor_tests::forge::part(members, "accounts.copy");
        *accounts = String::from_utf8(accounts.clone())
            .unwrap()
            .replace("Burmistrz", "Przejęte konto")
            .into_bytes();
    });
    import(&b, &renamed, Trust::Unsigned).await.unwrap();
    let here: (String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT display_name, password_hash, region_role FROM accounts WHERE id = $1",
    )
    .bind(id)
    .fetch_one(b.db.platform())
    .await
    .unwrap();
    assert_eq!(
        here,
        (
            "Burmistrz w tej instalacji".to_owned(),
            Some("hasz-tutaj".to_owned()),
            Some("coordinator".to_owned())
        )
    );

    // Bombs, with a 4 MB limit: a part larger than declared, an undeclared part, a manifest that
    // declares more than the limit, and a stream of zeros where the manifest should be — each
    // refused at its header or at the limit, never read whole, nothing written.
    let c = pestor_tests::spawn_app_with(|s| {
        s.tenants.archive_secret = KEY.into();
        s.tenants.max_archive_bytes = 4 * 1024 * 1024;
    })
    .await;
    let small = seal(&c).await;
    let import = async |b: &TestApp, file: &std::path::Path, trust| {
        archive::import(
            &b.db,
            &b.state.photos,
            &b.store(),
            &parts(),
            &small,
            trust,
            file,
        )
        .await
    };
    let zeros = vec![0u8; 32 * 1024 * 1024];
    let original = pestor_tests::forge::members(&file);
    let mut bigger = original.clone();
    let photo = bigger
        .iter_mut()
        .find(|(p, _)| p.starts_with("objects/"))
        .unwrap();
    photo.1 = zeros.clone();
    let bomb = dir.join("bigger.tar.gz");
    pestor_tests::forge::write(&bomb, &bigger);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1024 * 1024);
    let err = import(&c, &bomb, Trust::Signed).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("nie zgadza się z manifestem (za duży)"),
        "{err}"
    );
    let mut undeclared = original.clone();
    undeclared.insert(2, ("gmina/dodatek.copy".to_owned(), zeros.clone()));
    let bomb = dir.join("undeclared.tar.gz");
    pestor_tests::forge::write(&bomb, &undeclared);
    let err = import(&c, &bomb, Trust::Signed).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("nieopisany plik gmina/dodatek.copy"),
        "{err}"
    );
    let declared = dir.join("declared.tar.gz");
    pestor_tests::forge::forge(&file, &declared, |manifest, _| {
        manifest["objects"][0]["bytes"] = (5u64 << 30).into();
    });
    let err = import(&c, &declared, Trust::Unsigned).await.unwrap_err();
    assert!(
        matches!(err, ArchiveError::TooLarge { limit_mb: 4 }),
        "{err}"
    );
    let bomb = dir.join("zeros.tar.gz");
    pestor_tests::forge::write(
        &bomb,
        &[("manifest.json".to_owned(), vec![b' '; 15 * 1024 * 1024])],
    );
    let err = import(&c, &bomb, Trust::Signed).await.unwrap_err();
    assert!(matches!(err, ArchiveError::TooLarge { .. }), "{err}");
    nothing_written(&c).await;
}
