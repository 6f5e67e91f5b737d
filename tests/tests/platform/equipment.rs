//! Bank sprzętu, first part: items added by any signed-in account (for themselves, their
//! organisation or the urząd) with every field checked, listed with filters and sorts, kept to
//! their gmina; and overlapping loans of one unit refused by the database itself.

use pestor_tests::{TestApp, add_card, spawn_app};

const TORUN: &str = "torun.localhost";
const BYDGOSZCZ: &str = "bydgoszcz.localhost";

fn item<'a>(name: &'a str, kind: &'a str, category: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("kind", kind),
        ("category", category),
        ("condition", "dobry"),
        ("quantity", "7"),
        ("description", "Sprawne, po przeglądzie."),
        (
            "pickup_place",
            "Urząd Miasta Torunia, ul. Wały gen. Sikorskiego 8",
        ),
        ("pickup_hours", "pon.–pt. 9–15"),
        ("on_behalf", ""),
    ]
}

async fn items(app: &TestApp) -> i64 {
    let t = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM equipment_items")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test]
async fn anyone_signed_in_adds_an_item_checked_field_by_field_and_it_is_listed_in_its_gmina_only() {
    let app = spawn_app().await;
    let (_, v) = app.person("mieszkanka@example.pl", "torun", None).await;
    const NEW: &str = "/bank-sprzetu/nowy";

    let r = v
        .submit(
            TORUN,
            NEW,
            NEW,
            &[
                ("name", "x"),
                ("kind", "sprzedaz"),
                ("quantity", "0"),
                ("on_behalf", "999"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    for message in [
        "Podaj nazwę przedmiotu (od 2 do 200 znaków).",
        "Wybierz, czy przekazujesz przedmiot, czy go użyczasz.",
        "Wybierz kategorię z listy.",
        "Wybierz stan przedmiotu.",
        "Podaj liczbę sztuk od 1 do 500.",
        "Podaj miejsce odbioru (od 3 do 300 znaków).",
        "Wybierz siebie albo jedną ze swoich organizacji.",
    ] {
        assert!(r.body.contains(message), "{message}");
    }
    assert!(r.body.contains("value=\"x\""), "typed values stay");
    // The summary lists the problems in the form's order.
    let summary = r.body.split("govuk-error-summary__list").nth(1).unwrap();
    let at = |m: &str| summary.find(m).unwrap();
    assert!(
        at("Podaj nazwę") < at("Wybierz, czy przekazujesz")
            && at("Wybierz stan") < at("Podaj liczbę sztuk")
    );
    // Giving on behalf of the urząd is for its staff only.
    let mut office = item("Biurko", "gift", "meble");
    office.retain(|(k, _)| *k != "on_behalf");
    office.push(("on_behalf", "urzad"));
    assert_eq!(v.submit(TORUN, NEW, NEW, &office).await.status, 422);
    assert_eq!(items(&app).await, 0, "nothing stored");

    let r = v
        .submit(
            TORUN,
            NEW,
            NEW,
            &item("Zestaw komputerowy", "gift", "komputery"),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let location = r.location.unwrap();
    assert!(location.ends_with("?komunikat=dodano"), "{location}");
    let page = v.get(TORUN, &location).await.body;
    for text in [
        "Zestaw komputerowy",
        "przekazanie (na własność)",
        "7 z 7",
        "osoba prywatna",
        "pon.–pt. 9–15",
    ] {
        assert!(page.contains(text), "{text}");
    }
    // The header names the signed-in person; the page seen by others does not.
    let (_, public) = app.page(TORUN, &location).await;
    assert!(
        public.contains("osoba prywatna") && !public.contains("mieszkanka@example.pl"),
        "a private giver is not named"
    );
    v.submit(
        TORUN,
        NEW,
        NEW,
        &item("Aparat fotograficzny Canon", "loan", "audio-wideo"),
    )
    .await;
    v.submit(
        TORUN,
        NEW,
        NEW,
        &item("Gitara klasyczna", "loan", "instrumenty"),
    )
    .await;

    let list = |q: &'static str| {
        let app = &app;
        async move { app.page(TORUN, &format!("/bank-sprzetu{q}")).await.1 }
    };
    let all = list("").await;
    assert!(all.contains(">3 przedmioty</p>"), "{all}");
    let order: Vec<usize> = ["Aparat", "Gitara", "Zestaw"]
        .iter()
        .map(|n| all.find(n).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "by name");
    let newest = list("?sort=najnowsze").await;
    assert!(newest.find("Gitara").unwrap() < newest.find("Aparat").unwrap());
    let lent = list("?rodzaj=uzyczenie").await;
    assert!(lent.contains(">2 przedmioty</p>") && !lent.contains("Zestaw komputerowy"));
    let found = list("?q=gitara").await;
    assert!(found.contains(">1 przedmiot</p>") && found.contains("Gitara klasyczna"));
    assert!(
        list("?q=zestaw&kategoria=meble")
            .await
            .contains("Nie znaleziono przedmiotów")
    );

    // The same list as open data, with its filters, pages and refusals.
    let (status, api) = app
        .page(
            TORUN,
            "/api/v1/bank-sprzetu?rodzaj=uzyczenie&sort=najnowsze&na_strone=1",
        )
        .await;
    assert_eq!(status, 200);
    let api: serde_json::Value = serde_json::from_str(&api).unwrap();
    assert_eq!((&api["total"], &api["pages"]), (&2.into(), &2.into()));
    assert_eq!(api["items"][0]["name"], "Gitara klasyczna");
    assert_eq!(api["items"][0]["kind"], "uzyczenie");
    assert_eq!(api["items"][0]["category"]["name"], "Instrumenty");
    assert_eq!(
        api["next"],
        "/api/v1/bank-sprzetu?rodzaj=uzyczenie&sort=najnowsze&strona=2&na_strone=1"
    );
    for (query, named) in [
        ("?rodzaj=sprzedaz", "rodzaj"),
        ("?kategoria=Meble!", "kategoria"),
        ("?sort=cena", "sort"),
        ("?strona=0", "strona"),
    ] {
        let (status, body) = app
            .page(TORUN, &format!("/api/v1/bank-sprzetu{query}"))
            .await;
        assert_eq!(status, 400, "{query}");
        assert!(body.contains(named), "{query}: {body}");
    }
    // Its gmina only.
    let (_, other) = app.page(BYDGOSZCZ, "/bank-sprzetu").await;
    assert!(other.contains("Nie znaleziono przedmiotów"));
    let id = location
        .trim_start_matches("/bank-sprzetu/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.page(BYDGOSZCZ, &format!("/bank-sprzetu/{id}")).await.0,
        404
    );
    assert_eq!(app.page(TORUN, "/bank-sprzetu/abc").await.0, 404);
    // The gmina's log names who added what.
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE teryt = '0463011' AND action = 'equipment.added'",
    )
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert_eq!(logged, 3);
}

#[tokio::test]
async fn a_member_gives_on_behalf_of_the_organisation_and_staff_on_behalf_of_the_urzad() {
    let app = spawn_app().await;
    let org = add_card(
        &app,
        "torun",
        &[
            ("name", "Fundacja Dobre Biuro"),
            ("legal_form", "fundacja"),
            ("gmina_teryt", "0463011"),
        ],
        &["1"],
        &[],
        "verified",
    )
    .await;
    let (account, member) = app.person("czlonek@example.pl", "torun", None).await;
    pestor_tests::join_organisation(&app, account, org).await;
    const NEW: &str = "/bank-sprzetu/nowy";
    let org_id = org.to_string();
    let mut fields = item("Szafa biurowa", "gift", "meble");
    fields.retain(|(k, _)| *k != "on_behalf");
    fields.push(("on_behalf", &org_id));
    let r = member.submit(TORUN, NEW, NEW, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        member
            .get(TORUN, &r.location.unwrap())
            .await
            .body
            .contains("Fundacja Dobre Biuro")
    );

    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let mut fields = item("Maszyna do pisania Optima", "gift", "biuro");
    fields.retain(|(k, _)| *k != "on_behalf");
    fields.push(("on_behalf", "urzad"));
    let r = staff.submit(TORUN, NEW, NEW, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        staff
            .get(TORUN, &r.location.unwrap())
            .await
            .body
            .contains("urząd gminy")
    );
}

#[tokio::test]
async fn overlapping_loans_of_one_unit_are_refused_by_the_database_itself() {
    let app = spawn_app().await;
    let t = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&t).begin().await.unwrap();
    let item: i64 = sqlx::query_scalar(
        "INSERT INTO equipment_items (name, category, kind, condition, quantity, available, pickup_place)
         VALUES ('Aparat Canon', 'audio-wideo', 'loan', 'dobry', 2, 2, 'Urząd') RETURNING id",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let loan = async |unit: i32, from: &str, to: &str, status: &str| {
        let mut tx = app.db.tenant(&t).begin().await.unwrap();
        let done = sqlx::query(
            "INSERT INTO equipment_loans (item_id, unit, organisation_teryt, organisation_id, organisation_name,
                                          during, justification, status)
             VALUES ($1, $2, '0463011', 1, 'Fundacja Foto', daterange($3::date, $4::date),
                     'Warsztaty fotograficzne dla młodzieży', $5)",
        )
        .bind(item)
        .bind(unit)
        .bind(from)
        .bind(to)
        .bind(status)
        .execute(&mut *tx)
        .await;
        match done {
            Ok(_) => {
                tx.commit().await.unwrap();
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    };
    loan(1, "2026-12-10", "2026-12-15", "approved")
        .await
        .unwrap();
    let clash = loan(1, "2026-12-14", "2026-12-20", "approved")
        .await
        .unwrap_err();
    assert!(
        clash.contains("equipment_loans_item_id_unit_during_excl"),
        "{clash}"
    );
    // The day it comes back is free (ranges are [from, to)); another unit is free; a request or a
    // declined loan blocks nothing.
    loan(1, "2026-12-15", "2026-12-18", "lent").await.unwrap();
    loan(2, "2026-12-12", "2026-12-14", "approved")
        .await
        .unwrap();
    loan(1, "2026-12-11", "2026-12-12", "requested")
        .await
        .unwrap();
    loan(1, "2026-12-11", "2026-12-12", "declined")
        .await
        .unwrap();
    let clash = loan(1, "2026-12-17", "2026-12-19", "lent")
        .await
        .unwrap_err();
    assert!(clash.contains("excl"), "{clash}");
}

#[tokio::test]
async fn the_giver_withdraws_an_item_and_staff_hide_and_show_one_with_a_reason() {
    let app = spawn_app().await;
    let (_, giver) = app.person("darczynca@example.pl", "torun", None).await;
    let (_, other) = app.person("ktos@example.pl", "torun", None).await;
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    const NEW: &str = "/bank-sprzetu/nowy";
    let add = async |name: &'static str| {
        let r = giver
            .submit(TORUN, NEW, NEW, &item(name, "gift", "meble"))
            .await;
        r.location.unwrap().split('?').next().unwrap().to_owned()
    };
    let desk = add("Biurko dębowe").await;
    let shelf = add("Regał na książki").await;

    // Someone else may neither withdraw nor hide it.
    assert_eq!(
        other.get(TORUN, &format!("{desk}/wycofanie")).await.status,
        403
    );
    let status = format!("{desk}/status");
    assert_eq!(
        other
            .submit(TORUN, &desk, &status, &[("decision", "withdraw")])
            .await
            .status,
        403
    );
    let hide = [
        ("decision", "hide"),
        ("reason", "Zgłoszenie niezgodne z regulaminem."),
    ];
    assert_eq!(
        giver.submit(TORUN, &desk, &status, &hide).await.status,
        403,
        "hiding is for staff"
    );

    // The giver withdraws it after the confirmation: gone from the list, kept for them.
    let confirm = giver.get(TORUN, &format!("{desk}/wycofanie")).await.body;
    assert!(confirm.contains("Wycofać przedmiot?") && confirm.contains("Tak, wycofaj przedmiot"));
    let r = giver
        .submit(TORUN, &desk, &status, &[("decision", "withdraw")])
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some(format!("{desk}?komunikat=wycofano").as_str()))
    );
    assert!(
        !app.page(TORUN, "/bank-sprzetu")
            .await
            .1
            .contains("Biurko dębowe")
    );
    assert_eq!(app.page(TORUN, &desk).await.0, 404, "not public any more");
    assert!(
        giver
            .get(TORUN, &desk)
            .await
            .body
            .contains("Przedmiot został wycofany")
    );
    let again = giver
        .submit(TORUN, &desk, &status, &[("decision", "withdraw")])
        .await;
    assert_eq!(again.status, 400);
    assert!(again.body.contains("Przedmiot ma już inny status"));

    // Staff hide the other with a reason (required), then show it again.
    let status = format!("{shelf}/status");
    let short = staff
        .submit(
            TORUN,
            &shelf,
            &status,
            &[("decision", "hide"), ("reason", "krótko")],
        )
        .await;
    assert_eq!(short.status, 400);
    assert!(
        app.page(TORUN, "/bank-sprzetu")
            .await
            .1
            .contains("Regał na książki"),
        "nothing changed"
    );
    assert_eq!(
        staff.submit(TORUN, &shelf, &status, &hide).await.status,
        303
    );
    assert!(
        !app.page(TORUN, "/bank-sprzetu")
            .await
            .1
            .contains("Regał na książki")
    );
    assert!(
        giver
            .get(TORUN, &shelf)
            .await
            .body
            .contains("Zgłoszenie niezgodne z regulaminem.")
    );
    assert_eq!(
        staff
            .submit(TORUN, &shelf, &status, &[("decision", "show")])
            .await
            .status,
        303
    );
    assert!(
        app.page(TORUN, "/bank-sprzetu")
            .await
            .1
            .contains("Regał na książki")
    );
    let logged: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE teryt = '0463011' AND action LIKE 'equipment.%' AND action <> 'equipment.added' ORDER BY id",
    )
    .fetch_all(app.db.platform())
    .await
    .unwrap();
    assert_eq!(
        logged,
        ["equipment.withdrawn", "equipment.hidden", "equipment.shown"]
    );
}
