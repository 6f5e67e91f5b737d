//! Baza PES after registration: members edit their card, staff hide and show it, staff add cards
//! that organisations then claim, and the 12-month re-verification with its reminders.

use pestor_tests::{TestApp, Visitor, spawn_app};

const TORUN: &str = "torun.localhost";

/// Registers a card in Toruń through the form as `v`; returns its id.
async fn register(app: &TestApp, v: &Visitor, name: &str, krs: &str, email: &str) -> i64 {
    let r = v
        .submit(
            TORUN,
            "/podmioty/nowy",
            "/podmioty/nowy",
            &[
                ("name", name),
                ("legal_form", "fundacja"),
                ("krs", krs),
                ("areas", "1"),
                ("gmina_teryt", "0463011"),
                ("email", email),
            ],
        )
        .await;
    assert!(matches!(r.status, 200 | 303), "{}", r.body);
    sqlx::query_scalar("SELECT organisation_id FROM pes_directory WHERE name = $1")
        .bind(name)
        .fetch_one(app.db.platform())
        .await
        .unwrap()
}

async fn decide(v: &Visitor, id: i64, fields: &[(&str, &str)]) -> pestor_tests::Reply {
    v.submit(
        TORUN,
        "/podmioty/weryfikacja",
        &format!("/podmioty/{id}/weryfikacja"),
        fields,
    )
    .await
}

async fn status_of(app: &TestApp, id: i64) -> (String, String) {
    sqlx::query_as(
        "SELECT status, name FROM pes_directory WHERE teryt = '0463011' AND organisation_id = $1",
    )
    .bind(id)
    .fetch_one(app.db.platform())
    .await
    .unwrap()
}

async fn audit(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log WHERE teryt = '0463011' ORDER BY id")
        .fetch_all(app.db.platform())
        .await
        .unwrap()
}

/// Runs `sql` (with `$1` = `arg`) in Toruń's schema; returns the first column of its one row.
async fn in_torun(app: &TestApp, sql: &'static str, arg: i64) -> i64 {
    let torun = app.store().find("torun").await.unwrap();
    let mut tx = app.db.tenant(&torun).begin().await.unwrap();
    let q = sqlx::query_scalar(sql);
    let q = if sql.contains("$1") { q.bind(arg) } else { q };
    let v = q.fetch_one(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    v
}

/// The edit form of `id` with `changes` applied over what is stored.
async fn edit(v: &Visitor, id: i64, changes: &[(&str, &str)]) -> pestor_tests::Reply {
    let path = format!("/podmioty/{id}/edycja");
    let form = v.get(TORUN, &path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let value = |name: &str| {
        let marker = format!("name=\"{name}\" type=\"text\" value=\"");
        form.body
            .split(&marker)
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("")
            .to_owned()
    };
    let mut fields: Vec<(String, String)> = ["name", "krs", "locality", "street"]
        .iter()
        .map(|n| (n.to_string(), value(n)))
        .collect();
    fields.extend([
        ("legal_form".to_owned(), "fundacja".to_owned()),
        ("gmina_teryt".to_owned(), "0463011".to_owned()),
        ("areas".to_owned(), "1".to_owned()),
    ]);
    for (k, v) in changes {
        fields.retain(|(n, _)| n != k);
        fields.push((k.to_string(), v.to_string()));
    }
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    v.submit(TORUN, &path, &path, &fields).await
}

#[tokio::test]
async fn members_edit_their_own_card_and_nobody_else_does() {
    let app = spawn_app().await;
    let (_, staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    let (_, member) = app.person("jestem@example.pl", "torun", None).await;
    let id = register(&app, &member, "Stowarzyszenie JESTEM", "500", "").await;
    decide(&staff, id, &[("decision", "verify")]).await;

    // The form starts from what is stored.
    let form = member.get(TORUN, &format!("/podmioty/{id}/edycja")).await;
    assert!(form.body.contains("value=\"Stowarzyszenie JESTEM\""));
    assert!(form.body.contains("value=\"0000000500\""), "KRS as stored");

    // Bad input: clear message, typed value kept, nothing saved.
    let bad = edit(
        &member,
        id,
        &[("name", "Stowarzyszenie „JESTEM”"), ("nip", "1234567890")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("NIP ma błędną cyfrę kontrolną"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("value=\"Stowarzyszenie „JESTEM”\""));
    assert_eq!(status_of(&app, id).await.1, "Stowarzyszenie JESTEM");

    // A good edit of a verified card is public at once and stays verified.
    let ok = edit(
        &member,
        id,
        &[
            ("name", "Stowarzyszenie „JESTEM”"),
            ("street", "ul. Szeroka 1"),
        ],
    )
    .await;
    assert_eq!(
        ok.location.as_deref(),
        Some(&*format!("/podmioty/{id}?komunikat=zapisano"))
    );
    assert_eq!(
        status_of(&app, id).await,
        ("verified".to_owned(), "Stowarzyszenie „JESTEM”".to_owned())
    );
    let public = app.page(TORUN, &format!("/podmioty/{id}")).await.1;
    assert!(public.contains("ul. Szeroka 1"));
    assert!(
        !public.contains("Edytuj kartę"),
        "no edit link for the public"
    );

    // A member of another organisation, and a resident, are refused; Bydgoszcz does not know the card.
    let (_, other) = app.person("inna@example.pl", "torun", None).await;
    register(&app, &other, "Fundacja Inna", "501", "").await;
    let r = edit(&member, id, &[]).await;
    assert_eq!(r.status, 303, "the member still can");
    let refused = other.get(TORUN, &format!("/podmioty/{id}/edycja")).await;
    assert_eq!(refused.status, 403);
    let refused = other
        .post(
            TORUN,
            &format!("/podmioty/{id}/edycja"),
            &[("name", "Przejęta")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let (_, bydgoszcz) = app
        .person("b@bydgoszcz.example", "bydgoszcz", Some("staff"))
        .await;
    let r = bydgoszcz
        .get("bydgoszcz.localhost", &format!("/podmioty/{id}/edycja"))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(status_of(&app, id).await.1, "Stowarzyszenie „JESTEM”");

    // A rejected registration, corrected, goes back to the queue.
    let (_, rusz_member) = app.person("rusz@example.pl", "torun", None).await;
    let rusz = register(&app, &rusz_member, "Fundacja RUZS", "502", "").await;
    decide(
        &staff,
        rusz,
        &[
            ("decision", "reject"),
            ("reason", "Literówka w nazwie fundacji."),
        ],
    )
    .await;
    let card = rusz_member
        .get(TORUN, &format!("/podmioty/{rusz}"))
        .await
        .body;
    assert!(card.contains("Uzasadnienie: Literówka w nazwie fundacji."));
    let r = edit(&rusz_member, rusz, &[("name", "Fundacja RUSZ")]).await;
    assert_eq!(
        r.location.as_deref(),
        Some(&*format!("/podmioty/{rusz}?komunikat=ponownie"))
    );
    assert_eq!(status_of(&app, rusz).await.0, "pending");
    assert!(
        staff
            .get(TORUN, "/podmioty/weryfikacja")
            .await
            .body
            .contains("Fundacja RUSZ"),
        "back in the queue"
    );
    assert!(
        audit(&app)
            .await
            .iter()
            .filter(|a| *a == "organisation.edited")
            .count()
            >= 3
    );
}

#[tokio::test]
async fn staff_hide_a_card_with_a_reason_and_show_it_again() {
    let app = spawn_app().await;
    let (_, staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    let (_, member) = app.person("tartak@example.pl", "torun", None).await;
    let id = register(&app, &member, "Stowarzyszenie tARTak", "600", "").await;
    decide(&staff, id, &[("decision", "verify")]).await;
    let card = format!("/podmioty/{id}");
    let hide = format!("/podmioty/{id}/widocznosc");

    let bare = staff
        .submit(
            TORUN,
            &card,
            &hide,
            &[("decision", "hide"), ("reason", "krótko")],
        )
        .await;
    assert_eq!(bare.status, 400);
    assert!(bare.body.contains("Podaj uzasadnienie ukrycia"));
    assert_eq!(status_of(&app, id).await.0, "verified", "nothing changed");

    let r = staff
        .submit(
            TORUN,
            &card,
            &hide,
            &[
                ("decision", "hide"),
                ("reason", "Organizacja w likwidacji."),
            ],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(&*format!("{card}?komunikat=ukryto"))
    );
    assert_eq!(
        status_of(&app, id).await.0,
        "hidden",
        "the projection follows"
    );
    assert_eq!(app.page(TORUN, &card).await.0, 404, "gone for the public");
    assert!(
        !app.page(TORUN, "/podmioty").await.1.contains("tARTak"),
        "and from the list"
    );
    let own = member.get(TORUN, &card).await.body;
    assert!(own.contains("ukryta przez urząd") && own.contains("Organizacja w likwidacji."));
    let mail = app.mail.wait_for("tartak@example.pl", 2).await;
    assert_eq!(
        mail.subject,
        "Karta organizacji ukryta: Stowarzyszenie tARTak"
    );
    assert!(
        mail.text
            .contains("Uzasadnienie: Organizacja w likwidacji.")
    );

    // Hiding twice is refused; showing brings it back with its verification date kept.
    let again = staff
        .submit(
            TORUN,
            &card,
            &hide,
            &[
                ("decision", "hide"),
                ("reason", "Organizacja w likwidacji."),
            ],
        )
        .await;
    assert_eq!(again.status, 400);
    let r = staff
        .submit(TORUN, &card, &hide, &[("decision", "show")])
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(&*format!("{card}?komunikat=przywrocono"))
    );
    assert_eq!(app.page(TORUN, &card).await.0, 200);
    assert_eq!(
        audit(&app).await,
        [
            "organisation.verified",
            "organisation.hidden",
            "organisation.shown"
        ]
    );
}

#[tokio::test]
async fn staff_add_cards_directly_and_the_organisation_claims_them() {
    let app = spawn_app().await;
    let (staff_id, staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    let r = staff
        .submit(
            TORUN,
            "/podmioty/nowy",
            "/podmioty/nowy",
            &[
                ("name", "Fundacja Bank Żywności"),
                ("legal_form", "fundacja"),
                ("krs", "700"),
                ("areas", "1"),
                ("gmina_teryt", "0463011"),
            ],
        )
        .await;
    let id: i64 =
        sqlx::query_scalar("SELECT organisation_id FROM pes_directory WHERE krs = '0000000700'")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    assert_eq!(
        r.location.as_deref(),
        Some(&*format!("/podmioty/{id}?komunikat=dodano"))
    );
    assert_eq!(status_of(&app, id).await.0, "verified", "published at once");
    let staff_is_member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM gmina_roles WHERE account_id = $1 AND role = 'pes_member')",
    )
    .bind(staff_id)
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert!(
        !staff_is_member,
        "staff do not become the organisation's members"
    );

    // A resident claims the card: says who they are; once only.
    let (resident_id, resident) = app.person("prezes@bank.example", "torun", None).await;
    let card = format!("/podmioty/{id}");
    assert!(
        resident
            .get(TORUN, &card)
            .await
            .body
            .contains("Zgłoś przejęcie opieki nad kartą")
    );
    assert!(
        !app.page(TORUN, &card).await.1.contains("Zgłoś przejęcie"),
        "not for the anonymous"
    );
    let claim = format!("/podmioty/{id}/przejecie");
    let short = resident
        .submit(TORUN, &claim, &claim, &[("message", "ja")])
        .await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("Napisz, kim jesteś w organizacji"));
    assert!(short.body.contains(">ja</textarea>"), "input kept");
    let ok = resident
        .submit(
            TORUN,
            &claim,
            &claim,
            &[("message", "Prezes zarządu, tel. 600 100 200")],
        )
        .await;
    assert_eq!(
        ok.location.as_deref(),
        Some(&*format!("{card}?komunikat=przejecie"))
    );
    let twice = resident
        .submit(
            TORUN,
            &claim,
            &claim,
            &[("message", "Prezes zarządu, tel. 600 100 200")],
        )
        .await;
    assert_eq!(twice.status, 409);
    assert!(twice.body.contains("już czeka na decyzję"));

    // Staff see it; a rejection needs a reason; approval makes the claimant a member.
    let queue = staff.get(TORUN, "/podmioty/weryfikacja").await.body;
    assert!(
        queue.contains("Zgłoszenia przejęcia kart (1)")
            && queue.contains("Prezes zarządu, tel. 600 100 200")
    );
    let claim_id: i64 = in_torun(&app, "SELECT id FROM organisation_claims", 0).await;
    let decide_claim = format!("/podmioty/przejecia/{claim_id}");
    let bare = staff
        .submit(
            TORUN,
            "/podmioty/weryfikacja",
            &decide_claim,
            &[("decision", "reject")],
        )
        .await;
    assert_eq!(bare.status, 400);
    assert_eq!(
        resident.get(TORUN, &format!("{card}/edycja")).await.status,
        403,
        "not yet a member"
    );
    let r = staff
        .submit(
            TORUN,
            "/podmioty/weryfikacja",
            &decide_claim,
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/podmioty/weryfikacja?komunikat=przejecie-zatwierdzone")
    );
    let mail = app.mail.wait_for("prezes@bank.example", 1).await;
    assert_eq!(
        mail.subject,
        "Przejęcie karty zatwierdzone: Fundacja Bank Żywności"
    );
    assert_eq!(
        resident.get(TORUN, &format!("{card}/edycja")).await.status,
        200
    );
    let member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM gmina_roles WHERE account_id = $1 AND role = 'pes_member' AND organisation_id = $2)",
    )
    .bind(resident_id)
    .bind(id)
    .fetch_one(app.db.platform())
    .await
    .unwrap();
    assert!(member);
    let r = staff
        .submit(
            TORUN,
            "/podmioty/weryfikacja",
            &decide_claim,
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, 400, "decided once");

    // A card the organisation registered itself cannot be claimed.
    let (_, author) = app.person("autor@example.pl", "torun", None).await;
    let own = register(&app, &author, "Fundacja Dr Clown", "701", "").await;
    decide(&staff, own, &[("decision", "verify")]).await;
    let r = resident
        .get(TORUN, &format!("/podmioty/{own}/przejecie"))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        audit(&app).await,
        [
            "organisation.added",
            "organisation.claim_approved",
            "organisation.verified"
        ]
    );
}

#[tokio::test]
async fn cards_not_verified_for_a_year_are_listed_and_their_organisations_asked_to_confirm() {
    let app = spawn_app().await;
    let (_, staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    let (_, member) = app.person("cistor@example.pl", "torun", None).await;
    let old = register(
        &app,
        &member,
        "CISTOR Stowarzyszenie Partnerstwo Społeczne",
        "800",
        "biuro@cistor.example",
    )
    .await;
    let fresh = register(&app, &member, "Fundacja Świeża", "801", "").await;
    decide(&staff, old, &[("decision", "verify")]).await;
    decide(&staff, fresh, &[("decision", "verify")]).await;
    in_torun(
        &app,
        "UPDATE organisations SET verified_at = now() - interval '13 months' WHERE id = $1 RETURNING id",
        old,
    )
    .await;

    let queue = staff.get(TORUN, "/podmioty/weryfikacja").await.body;
    assert!(queue.contains("bez weryfikacji od 12 miesięcy (1)"));
    assert!(queue.contains("CISTOR") && !queue.contains("Fundacja Świeża</a></td>"));

    // One reminder per organisation, to its own address and its members; not again within a month.
    let r = staff
        .submit(
            TORUN,
            "/podmioty/weryfikacja",
            "/podmioty/przypomnienia",
            &[],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/podmioty/weryfikacja?komunikat=wyslano-1")
    );
    let to_card = app.mail.wait_for("biuro@cistor.example", 1).await;
    assert!(
        to_card
            .subject
            .starts_with("Prosimy o potwierdzenie danych: CISTOR")
    );
    assert!(to_card.text.contains(&format!("/podmioty/{old}")));
    let to_member = app.mail.wait_for("cistor@example.pl", 3).await;
    assert!(
        to_member
            .subject
            .starts_with("Prosimy o potwierdzenie danych")
    );
    let r = staff
        .submit(
            TORUN,
            "/podmioty/weryfikacja",
            "/podmioty/przypomnienia",
            &[],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/podmioty/weryfikacja?komunikat=wyslano-0")
    );

    // The member confirms; staff see it and re-verify; the card leaves the list.
    let card = format!("/podmioty/{old}");
    let r = member
        .submit(TORUN, &card, &format!("{card}/potwierdzenie"), &[])
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(&*format!("{card}?komunikat=potwierdzono"))
    );
    let queue = staff.get(TORUN, "/podmioty/weryfikacja").await.body;
    let today = pestor_kit::page::polish_date(time::OffsetDateTime::now_utc().date());
    assert!(
        queue.contains(&format!(
            "<td class=\"govuk-table__cell\">{today}</td><td class=\"govuk-table__cell\">"
        )),
        "confirmation shown: {queue}"
    );
    let r = decide(&staff, old, &[("decision", "reverify")]).await;
    assert_eq!(
        r.location.as_deref(),
        Some("/podmioty/weryfikacja?komunikat=ponownie")
    );
    assert!(
        staff
            .get(TORUN, "/podmioty/weryfikacja")
            .await
            .body
            .contains("bez weryfikacji od 12 miesięcy (0)")
    );
    assert!(
        app.page(TORUN, &card).await.1.contains(&format!(
            "<dd class=\"govuk-summary-list__value\">{today}</dd>"
        )),
        "last verification today"
    );
    // A pending card cannot be "re-verified".
    let pending = register(&app, &member, "Fundacja Nowa", "802", "").await;
    assert_eq!(
        decide(&staff, pending, &[("decision", "reverify")])
            .await
            .status,
        400
    );
}

/// A gmina's rows name accounts by id without a foreign key (tenant migration 0023): when an
/// account is deleted, what it wrote stays, its pending claim is neither shown nor decided, and
/// no role is given to nobody.
#[tokio::test]
async fn a_claimant_who_deletes_the_account_leaves_the_cards_and_no_claim_to_decide() {
    let app = spawn_app().await;
    let (_, staff) = app
        .person("urzad@torun.example", "torun", Some("staff"))
        .await;
    let (resident_id, resident) = app.person("prezes@bank.example", "torun", None).await;
    let own = register(
        &app,
        &resident,
        "Fundacja Odchodząca",
        "701",
        "biuro@odchodzaca.pl",
    )
    .await;
    let r = staff
        .submit(
            TORUN,
            "/podmioty/nowy",
            "/podmioty/nowy",
            &[
                ("name", "Stowarzyszenie Zostające"),
                ("legal_form", "stowarzyszenie"),
                ("krs", "702"),
                ("areas", "1"),
                ("gmina_teryt", "0463011"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let other: i64 =
        sqlx::query_scalar("SELECT organisation_id FROM pes_directory WHERE krs = '0000000702'")
            .fetch_one(app.db.platform())
            .await
            .unwrap();
    let claim = format!("/podmioty/{other}/przejecie");
    let ok = resident
        .submit(
            TORUN,
            &claim,
            &claim,
            &[("message", "Prezeska, tel. 600 100 300")],
        )
        .await;
    assert_eq!(ok.status, 303);
    let queue = staff.get(TORUN, "/podmioty/weryfikacja").await.body;
    assert!(queue.contains("Prezeska, tel. 600 100 300"));
    let claim_id: i64 = sqlx::query_scalar("SELECT id FROM gmina_0463011.organisation_claims")
        .fetch_one(app.db.platform())
        .await
        .unwrap();

    sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(resident_id)
        .execute(app.db.platform())
        .await
        .unwrap();

    let queue = staff.get(TORUN, "/podmioty/weryfikacja").await.body;
    assert!(
        !queue.contains("Prezeska, tel. 600 100 300"),
        "the claim is gone"
    );
    assert!(
        queue.contains("Fundacja Odchodząca"),
        "the card waits as before"
    );
    let r = staff
        .submit(
            TORUN,
            "/podmioty/weryfikacja",
            &format!("/podmioty/przejecia/{claim_id}"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, 404);
    let roles: i64 = sqlx::query_scalar("SELECT count(*) FROM gmina_roles WHERE account_id = $1")
        .bind(resident_id)
        .fetch_one(app.db.platform())
        .await
        .unwrap();
    assert_eq!(roles, 0);
    assert_eq!(
        app.page(TORUN, &format!("/podmioty/{own}")).await.0,
        404,
        "pending: not public"
    );
    assert_eq!(
        staff.get(TORUN, &format!("/podmioty/{own}")).await.status,
        200
    );
}
