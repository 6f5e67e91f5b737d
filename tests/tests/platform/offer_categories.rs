//! A gmina's offer categories, kept by its staff: added, renamed, reordered and deleted (moving
//! offers and notice subscriptions first); bad input is refused and changes nothing; every gmina
//! has its own list.

use pestor_tests::{TestApp, Visitor, spawn_app};

use crate::offers::{member, offer, offer_names};

const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";
const LIST: &str = "/oferty/kategorie";

/// The names in the category filter of `/oferty`, in their order.
async fn filter_names(app: &TestApp, host: &str) -> Vec<String> {
    let (_, body) = app.page(host, "/oferty").await;
    let select = body
        .split("id=\"kategoria\" name=\"kategoria\"")
        .nth(1)
        .and_then(|s| s.split("</select>").next())
        .expect("category filter");
    select
        .split("<option value=\"")
        .skip(2) // before the first option, and "wszystkie"
        .map(|o| {
            o.split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Runs one query in Toruń's schema.
async fn torun_scalar<T>(app: &TestApp, sql: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    let v: T = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    v
}

async fn add(staff: &Visitor, name: &str) -> pestor_tests::Reply {
    staff.submit(TORUN, LIST, LIST, &[("name", name)]).await
}

#[tokio::test]
async fn staff_add_rename_reorder_and_delete_categories_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let (_, staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    let defaults = filter_names(&app, TORUN).await;
    assert_eq!(defaults.len(), 10);
    assert_eq!(defaults.last().unwrap(), "Inne");

    // Added at the end, the name tidied, the code made from it.
    let r = add(&staff, "  Usługi   transportowe ").await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/oferty/kategorie?komunikat=dodano"))
    );
    let page = staff.get(TORUN, "/oferty/kategorie?komunikat=dodano").await;
    assert!(page.body.contains("Kategoria została dodana."));
    assert!(page.body.contains("<code>uslugi-transportowe</code>"));
    assert_eq!(
        filter_names(&app, TORUN).await.last().unwrap(),
        "Usługi transportowe"
    );
    // A name that differs by more than case and diacritics gets its own code.
    assert_eq!(add(&staff, "Usługi transportowe!").await.status, 303);
    assert!(
        staff
            .get(TORUN, LIST)
            .await
            .body
            .contains("<code>uslugi-transportowe-2</code>")
    );

    // Refused with a clear message, nothing added.
    for (name, message) in [
        (
            "usługi TRANSPORTOWE",
            "Kategoria „usługi TRANSPORTOWE” już istnieje.",
        ),
        ("uslugi transportowe", "już istnieje"),
        ("A", "co najmniej 2 znaki"),
        ("   ", "Podaj nazwę kategorii."),
    ] {
        let r = add(&staff, name).await;
        assert_eq!(r.status, 422, "{name}");
        assert!(r.body.contains(message), "{name}: {}", r.body);
    }
    let long = "x".repeat(101);
    assert!(
        add(&staff, &long)
            .await
            .body
            .contains("najwyżej 100 znaków")
    );
    assert_eq!(
        torun_scalar::<i64>(&app, "SELECT count(*) FROM offer_categories").await,
        12
    );

    // Members choose it for their offers.
    let (smaki, smaki_member) = member(&app, "smaki@example.pl", "Spółdzielnia Smaki").await;
    let form = smaki_member.get(TORUN, "/oferty/nowa").await;
    assert!(form.body.contains("<option value=\"uslugi-transportowe\""));
    let moving = offer(
        &app,
        smaki,
        "Przeprowadzki",
        "uslugi-transportowe",
        None,
        &["mieszkancy"],
    )
    .await;
    offer(&app, smaki, "Obiady", "catering", None, &["mieszkancy"]).await;

    // Renamed: the offer shows the new name; the code, and so every link, stays.
    let r = staff
        .submit(
            TORUN,
            LIST,
            "/oferty/kategorie/uslugi-transportowe",
            &[("name", "Transport i przeprowadzki")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        app.page(TORUN, &format!("/oferty/{moving}"))
            .await
            .1
            .contains("Transport i przeprowadzki")
    );
    assert_eq!(
        offer_names(
            &app.page(TORUN, "/oferty?kategoria=uslugi-transportowe")
                .await
                .1
        ),
        ["Przeprowadzki"]
    );
    for (name, message) in [("", "Podaj nazwę kategorii."), ("CATERING", "już istnieje")] {
        let r = staff
            .submit(
                TORUN,
                LIST,
                "/oferty/kategorie/uslugi-transportowe",
                &[("name", name)],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains(message)
                && r.body
                    .contains("„Transport i przeprowadzki” została bez zmian"),
            "{}",
            r.body
        );
    }
    assert_eq!(
        staff
            .submit(
                TORUN,
                LIST,
                "/oferty/kategorie/nie-ma-takiej",
                &[("name", "Cokolwiek")]
            )
            .await
            .status,
        404
    );

    // Reordered: one place up, before "Inne".
    let up = staff
        .submit(
            TORUN,
            LIST,
            "/oferty/kategorie/uslugi-transportowe/przesun",
            &[("kierunek", "gora")],
        )
        .await;
    assert_eq!(up.status, 303);
    assert_eq!(
        filter_names(&app, TORUN).await[8..],
        [
            "Zieleń i ogrodnictwo",
            "Transport i przeprowadzki",
            "Inne",
            "Usługi transportowe!"
        ]
    );
    let r = staff
        .submit(
            TORUN,
            LIST,
            "/oferty/kategorie/uslugi-transportowe/przesun",
            &[("kierunek", "bok")],
        )
        .await;
    assert_eq!(r.status, 400);
    // The last one cannot go further down; nothing moves.
    staff
        .submit(
            TORUN,
            LIST,
            "/oferty/kategorie/uslugi-transportowe-2/przesun",
            &[("kierunek", "dol")],
        )
        .await;
    assert_eq!(
        filter_names(&app, TORUN).await.last().unwrap(),
        "Usługi transportowe!"
    );

    // Deleted: its offers and subscriptions must go somewhere first.
    sqlx::query(
        "INSERT INTO gmina_0463011.offer_subscriptions (email, categories, frequency, token_hash, confirmed_at)
         VALUES ('czytelnik@example.pl', '{catering,uslugi-transportowe}', 'daily', '\\x01', now())",
    )
    .execute(app.db.platform())
    .await
    .unwrap();
    let confirm = staff
        .get(TORUN, "/oferty/kategorie/uslugi-transportowe/usun")
        .await;
    assert!(
        confirm
            .body
            .contains("W tej kategorii są: 1 oferta i 1 subskrypcja powiadomień")
    );
    let r = staff
        .submit(
            TORUN,
            "/oferty/kategorie/uslugi-transportowe/usun",
            "/oferty/kategorie/uslugi-transportowe/usun",
            &[("target", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Wybierz kategorię, do której przejdą oferty")
    );
    let r = staff
        .submit(
            TORUN,
            "/oferty/kategorie/uslugi-transportowe/usun",
            "/oferty/kategorie/uslugi-transportowe/usun",
            &[("target", "uslugi-transportowe")],
        )
        .await;
    assert_eq!(r.status, 422, "not into itself");
    assert_eq!(
        torun_scalar::<String>(
            &app,
            &format!("SELECT category FROM offers WHERE id = {moving}")
        )
        .await,
        "uslugi-transportowe",
        "refusals change nothing"
    );
    let r = staff
        .submit(
            TORUN,
            "/oferty/kategorie/uslugi-transportowe/usun",
            "/oferty/kategorie/uslugi-transportowe/usun",
            &[("target", "catering")],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/oferty/kategorie?komunikat=usunieto"))
    );
    assert_eq!(
        torun_scalar::<String>(
            &app,
            &format!("SELECT category FROM offers WHERE id = {moving}")
        )
        .await,
        "catering"
    );
    assert_eq!(
        torun_scalar::<Vec<String>>(&app, "SELECT categories FROM offer_subscriptions").await,
        ["catering"],
        "moved, and kept once"
    );
    assert_eq!(
        staff
            .get(TORUN, "/oferty/kategorie/uslugi-transportowe/usun")
            .await
            .status,
        404
    );
    // An empty category needs no target.
    let r = staff
        .submit(
            TORUN,
            "/oferty/kategorie/uslugi-transportowe-2/usun",
            "/oferty/kategorie/uslugi-transportowe-2/usun",
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(filter_names(&app, TORUN).await, defaults);

    // Every change is in the audit log, under Toruń.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE teryt = '0463011' AND action LIKE 'offer_category.%' ORDER BY id",
    )
    .fetch_all(app.db.platform())
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "offer_category.added",
            "offer_category.added",
            "offer_category.renamed",
            "offer_category.moved",
            "offer_category.deleted",
            "offer_category.deleted"
        ]
    );
}

#[tokio::test]
async fn each_gmina_keeps_its_own_categories_and_never_loses_the_last_one() {
    let app = spawn_app().await;
    let (_, torun_staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    let (_, bydgoszcz_staff) = app
        .person("urzad@bydgoszcz.example", "bydgoszcz", Some("staff"))
        .await;
    let r = bydgoszcz_staff
        .submit(
            BYDGOSZCZ,
            LIST,
            "/oferty/kategorie/catering",
            &[("name", "Gastronomia")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        filter_names(&app, BYDGOSZCZ)
            .await
            .contains(&"Gastronomia".to_owned())
    );
    assert!(
        filter_names(&app, TORUN)
            .await
            .contains(&"Catering".to_owned())
    );
    assert!(
        !filter_names(&app, TORUN)
            .await
            .contains(&"Gastronomia".to_owned())
    );
    // Toruń's staff are nobody on Bydgoszcz's site: sent to sign in there.
    let r = torun_staff.get(BYDGOSZCZ, LIST).await;
    assert_eq!(r.status, 303);
    assert!(r.location.unwrap().starts_with("/logowanie?powrot="));

    // Down to one category, the last cannot be deleted.
    sqlx::query("DELETE FROM gmina_0461011.offer_categories WHERE code <> 'inne'")
        .execute(app.db.platform())
        .await
        .unwrap();
    let confirm = bydgoszcz_staff
        .get(BYDGOSZCZ, "/oferty/kategorie/inne/usun")
        .await;
    assert!(confirm.body.contains("To jedyna kategoria gminy"));
    let r = bydgoszcz_staff
        .submit(BYDGOSZCZ, LIST, "/oferty/kategorie/inne/usun", &[])
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(filter_names(&app, BYDGOSZCZ).await, ["Inne"]);
}
