//! Bank sprzętu, second part: giving away (request → accept → handed over) and lending (request →
//! approve → lent → returned) with every invalid step refused and nothing changed, the races for
//! the last piece and for the same days (exactly one winner), the month calendar, the reminders
//! through the real SMTP server with the test clock, and "Moje przedmioty" / "Moje prośby".

use pestor_tests::{TestApp, Visitor, add_card, spawn_app};
use time::macros::datetime;

const TORUN: &str = "torun.localhost";

/// A gmina with a giver, staff and members of three organisations: two verified ones (one of
/// Toruń, one of Bydgoszcz that works in Toruń) and one waiting for verification.
pub struct Bank {
    pub app: TestApp,
    pub giver: Visitor,
    pub staff: Visitor,
    /// Member of "Fundacja Dobry Start" (Toruń, verified).
    pub first: Visitor,
    /// Member of "Stowarzyszenie Wspólna Wisła" (Bydgoszcz, works in Toruń, verified).
    pub second: Visitor,
    /// Member of "Spółdzielnia Socjalna Nowa" (Toruń, verified).
    pub third: Visitor,
    /// Member of "Fundacja Czeka" (Toruń, not verified yet).
    pub unverified: Visitor,
}

async fn member(
    app: &TestApp,
    email: &str,
    name: &str,
    slug: &str,
    also_in: &[&str],
    status: &str,
) -> Visitor {
    let teryt = if slug == "torun" {
        "0463011"
    } else {
        "0461011"
    };
    let org = add_card(
        app,
        slug,
        &[
            ("name", name),
            ("legal_form", "fundacja"),
            ("gmina_teryt", teryt),
        ],
        &["1"],
        also_in,
        status,
    )
    .await;
    let (account, v) = app.person(email, "torun", None).await;
    pestor_tests::join_organisation_in(app, account, slug, org).await;
    v
}

pub async fn bank() -> Bank {
    let app = spawn_app().await;
    // 1 March 2027, 10:00 in Toruń.
    app.state.clock.set(datetime!(2027-03-01 09:00 UTC));
    let (_, giver) = app.person("darczynca@example.pl", "torun", None).await;
    let (_, staff) = app
        .person("urzednik@example.pl", "torun", Some("staff"))
        .await;
    let first = member(
        &app,
        "start@example.pl",
        "Fundacja Dobry Start",
        "torun",
        &[],
        "verified",
    )
    .await;
    let second = member(
        &app,
        "wisla@example.pl",
        "Stowarzyszenie Wspólna Wisła",
        "bydgoszcz",
        &["0463011"],
        "verified",
    )
    .await;
    let third = member(
        &app,
        "nowa@example.pl",
        "Spółdzielnia Socjalna Nowa",
        "torun",
        &[],
        "verified",
    )
    .await;
    let unverified = member(
        &app,
        "czeka@example.pl",
        "Fundacja Czeka",
        "torun",
        &[],
        "pending",
    )
    .await;
    Bank {
        app,
        giver,
        staff,
        first,
        second,
        third,
        unverified,
    }
}

impl Bank {
    /// Adds an item through the form; returns its page's path.
    pub async fn add(&self, name: &str, kind: &str, quantity: &str) -> String {
        const NEW: &str = "/bank-sprzetu/nowy";
        let category = if kind == "gift" {
            "meble"
        } else {
            "audio-wideo"
        };
        let r = self
            .giver
            .submit(
                TORUN,
                NEW,
                NEW,
                &[
                    ("name", name),
                    ("kind", kind),
                    ("category", category),
                    ("condition", "dobry"),
                    ("quantity", quantity),
                    ("description", "Sprawne, po przeglądzie."),
                    (
                        "pickup_place",
                        "Centrum Organizacji Pozarządowych, ul. Szeroka 1",
                    ),
                    ("pickup_hours", "pon.–pt. 9–15"),
                    ("on_behalf", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        r.location.unwrap().split('?').next().unwrap().to_owned()
    }

    /// One number from the gmina's schema.
    pub async fn number(&self, sql: &str) -> i64 {
        let t = self.app.store().find("torun").await.unwrap();
        let mut tx = self.app.db.tenant(&t).begin().await.unwrap();
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT ({sql})::bigint")))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n
    }

    /// The statuses of the item's requests (gifts) or loans, oldest first.
    async fn statuses(&self, table: &str) -> Vec<String> {
        let t = self.app.store().find("torun").await.unwrap();
        let mut tx = self.app.db.tenant(&t).begin().await.unwrap();
        let s: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT status FROM {table} ORDER BY id"
        )))
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        s
    }

    /// The equipment bank's figures for Toruń on the coordinators' dashboard, by key.
    pub async fn figures(&self) -> Vec<(&'static str, i64)> {
        self.app.figures("torun", "equipment_").await
    }

    async fn id_of(&self, table: &str, organisation: &str) -> i64 {
        self.number(&format!(
            "SELECT max(id) FROM {table} WHERE organisation_name = '{organisation}'"
        ))
        .await
    }
}

pub(crate) async fn ask(v: &Visitor, item: &str, justification: &str) -> pestor_tests::Reply {
    let org = organisation_code(v, item).await;
    v.submit(
        TORUN,
        item,
        &format!("{item}/prosby"),
        &[("organisation", &org), ("justification", justification)],
    )
    .await
}

pub(crate) async fn borrow(v: &Visitor, item: &str, from: &str, to: &str) -> pestor_tests::Reply {
    let org = organisation_code(v, item).await;
    v.submit(
        TORUN,
        item,
        &format!("{item}/wypozyczenia"),
        &[
            ("organisation", &org),
            ("from", from),
            ("to", to),
            (
                "justification",
                "Nagranie koncertu podopiecznych warsztatów.",
            ),
        ],
    )
    .await
}

/// The organisation value the item page's form offers this visitor (a hidden field when one).
async fn organisation_code(v: &Visitor, item: &str) -> String {
    let body = v.get(TORUN, item).await.body;
    let marker = "name=\"organisation\" value=\"";
    body.find(marker)
        .map(|at| {
            let rest = &body[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .unwrap_or_default()
}

pub(crate) async fn decide(
    v: &Visitor,
    item: &str,
    which: &str,
    id: i64,
    decision: &str,
) -> pestor_tests::Reply {
    v.submit(
        TORUN,
        item,
        &format!("{item}/{which}/{id}"),
        &[("decision", decision), ("reason", "")],
    )
    .await
}

pub(crate) fn refused(r: &pestor_tests::Reply, message: &str) {
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains(message),
        "expected {message:?} in {}",
        r.body
    );
}

#[tokio::test]
async fn a_gift_is_requested_accepted_and_handed_over_and_every_wrong_step_is_refused() {
    let b = bank().await;
    let desks = b.add("Biurko komputerowe", "gift", "2").await;

    // Who may not ask: the giver, a member of an unverified organisation, someone signed out.
    refused(
        &ask(&b.giver, &desks, "Potrzebujemy biurka do świetlicy.").await,
        "To Twój przedmiot",
    );
    let page = b.unverified.get(TORUN, &desks).await.body;
    assert!(page.contains("Organizacja czekająca na weryfikację nie może jeszcze prosić."));
    assert!(!page.contains("Wyślij prośbę"));
    let r = b
        .unverified
        .submit(
            TORUN,
            &desks,
            &format!("{desks}/prosby"),
            &[
                ("organisation", "0463011-4"),
                ("justification", "Potrzebujemy biurka do świetlicy."),
            ],
        )
        .await;
    refused(&r, "zweryfikowanych organizacji");
    assert!(
        b.app
            .page(TORUN, &desks)
            .await
            .1
            .contains("Zaloguj się, aby poprosić o przedmiot.")
    );

    // A justification that is too short is shown on the page, with the form as typed.
    let r = ask(&b.first, &desks, "biurko").await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Napisz krótko, do czego organizacja potrzebuje przedmiotu")
    );
    assert_eq!(b.number("SELECT count(*) FROM equipment_requests").await, 0);

    // Three organisations ask (one from Bydgoszcz that works here); the giver gets a letter each.
    for v in [&b.first, &b.second, &b.third] {
        let r = ask(v, &desks, "Biurko do świetlicy dla dzieci z osiedla.").await;
        assert_eq!(
            r.location.as_deref(),
            Some(format!("{desks}?komunikat=poproszono#prosby").as_str()),
            "{}",
            r.body
        );
    }
    let letter = b.app.mail.wait_for("darczynca@example.pl", 3).await;
    assert!(
        letter
            .subject
            .contains("Prośba o przedmiot: Biurko komputerowe"),
        "{}",
        letter.subject
    );
    refused(
        &ask(&b.first, &desks, "Jeszcze raz prosimy o biurko.").await,
        "Fundacja Dobry Start już prosi o ten przedmiot",
    );
    assert_eq!(b.number("SELECT count(*) FROM equipment_requests").await, 3);

    let first = b.id_of("equipment_requests", "Fundacja Dobry Start").await;
    let second = b
        .id_of("equipment_requests", "Stowarzyszenie Wspólna Wisła")
        .await;
    let third = b
        .id_of("equipment_requests", "Spółdzielnia Socjalna Nowa")
        .await;
    // A requester sees only their own request; the giver sees all three.
    let own = b.first.get(TORUN, &desks).await.body;
    assert!(own.contains("Twoje prośby") && !own.contains("Stowarzyszenie Wspólna Wisła"));
    let all = b.giver.get(TORUN, &desks).await.body;
    for name in [
        "Fundacja Dobry Start",
        "Stowarzyszenie Wspólna Wisła",
        "Spółdzielnia Socjalna Nowa",
    ] {
        assert!(all.contains(name), "{name}");
    }

    // Only the giver or staff decide; nothing is handed over before it is accepted.
    assert_eq!(
        decide(&b.second, &desks, "prosby", first, "accept")
            .await
            .status,
        403
    );
    refused(
        &decide(&b.giver, &desks, "prosby", first, "hand_over").await,
        "Najpierw przyjmij prośbę",
    );
    let r = decide(&b.giver, &desks, "prosby", first, "accept").await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{desks}?komunikat=przyjeto").as_str())
    );
    let letter = b.app.mail.wait_for("start@example.pl", 1).await;
    assert!(letter.subject.contains("Prośba przyjęta"));
    assert!(
        letter
            .text
            .contains("Centrum Organizacji Pozarządowych, ul. Szeroka 1, pon.–pt. 9–15"),
        "{}",
        letter.text
    );
    refused(
        &decide(&b.giver, &desks, "prosby", first, "accept").await,
        "Ta prośba została już przyjęta.",
    );
    assert_eq!(b.number("SELECT available FROM equipment_items").await, 1);

    // Staff accept the last piece: the third request is declined and told so.
    decide(&b.staff, &desks, "prosby", second, "accept").await;
    assert_eq!(b.number("SELECT available FROM equipment_items").await, 0);
    let letter = b.app.mail.wait_for("nowa@example.pl", 1).await;
    assert!(
        letter
            .subject
            .contains("Przedmiot przekazany innej organizacji"),
        "{}",
        letter.subject
    );
    refused(
        &decide(&b.giver, &desks, "prosby", third, "accept").await,
        "Ta prośba została odrzucona.",
    );
    assert_eq!(
        b.statuses("equipment_requests").await,
        ["accepted", "accepted", "declined"]
    );
    // At zero it leaves the list, but its page and history stay.
    assert!(
        !b.app
            .page(TORUN, "/bank-sprzetu")
            .await
            .1
            .contains("Biurko komputerowe")
    );
    assert!(
        b.app
            .page(TORUN, &desks)
            .await
            .1
            .contains("Wszystkie sztuki zostały już przyznane.")
    );

    // Handed over, once; a finished request cannot be withdrawn or declined.
    assert_eq!(b.figures().await[1], ("equipment_given_this_year", 0));
    assert_eq!(
        decide(&b.giver, &desks, "prosby", first, "hand_over")
            .await
            .status,
        303
    );
    assert_eq!(b.figures().await[1], ("equipment_given_this_year", 1));
    refused(
        &decide(&b.giver, &desks, "prosby", first, "hand_over").await,
        "przedmiot przekazano",
    );
    refused(
        &decide(&b.first, &desks, "prosby", first, "withdraw").await,
        "przedmiot przekazano",
    );
    refused(
        &decide(&b.giver, &desks, "prosby", first, "decline").await,
        "przedmiot przekazano",
    );
    // Someone else's request is not theirs to withdraw.
    assert_eq!(
        decide(&b.first, &desks, "prosby", second, "withdraw")
            .await
            .status,
        403
    );
    // The accepted one is withdrawn by its organisation: the piece is back, the item on the list.
    let r = decide(&b.second, &desks, "prosby", second, "withdraw").await;
    assert_eq!(
        r.location.as_deref(),
        Some("/bank-sprzetu/moje-prosby?komunikat=wycofano-prosbe")
    );
    assert_eq!(b.number("SELECT available FROM equipment_items").await, 1);
    assert!(
        b.app
            .page(TORUN, "/bank-sprzetu")
            .await
            .1
            .contains("Biurko komputerowe")
    );
    assert_eq!(
        b.statuses("equipment_requests").await,
        ["handed_over", "withdrawn", "declined"]
    );

    // A decision that is not one of the four changes nothing.
    let r = decide(&b.giver, &desks, "prosby", third, "sell").await;
    assert_eq!(r.status, 400);
    let logged: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE teryt = '0463011' AND action LIKE 'equipment.%' AND action <> 'equipment.added' ORDER BY id",
    )
    .fetch_all(b.app.db.platform())
    .await
    .unwrap();
    assert_eq!(
        logged,
        [
            "equipment.request_accepted",
            "equipment.request_accepted",
            "equipment.handed_over"
        ]
    );

    // "Moje prośby" lists the organisation's request with its state; "Moje przedmioty" the giver's.
    let mine = b.first.get(TORUN, "/bank-sprzetu/moje-prosby").await.body;
    assert!(
        mine.contains("Biurko komputerowe") && mine.contains("przekazano"),
        "{mine}"
    );
    let given = b.giver.get(TORUN, "/bank-sprzetu/moje").await.body;
    assert!(
        given.contains("Biurko komputerowe") && given.contains("1 z 2 do wzięcia"),
        "{given}"
    );
    let none = b.third.get(TORUN, "/bank-sprzetu/moje").await.body;
    assert!(none.contains("Nie przekazujesz ani nie użyczasz jeszcze żadnego przedmiotu."));
}

/// How many days of the calendar shown are in `state` (free, busy, past).
fn days_in(body: &str, state: &str) -> usize {
    body.matches(&format!("pestor-calendar__day--{state}\""))
        .count()
}

#[tokio::test]
async fn a_loan_is_approved_lent_and_returned_its_days_shown_in_the_calendar_and_wrong_steps_refused()
 {
    let b = bank().await;
    let camera = b.add("Aparat Canon EOS", "loan", "1").await;

    // Dates are checked one by one, and nothing is stored.
    for (from, to, message) in [
        ("", "2027-03-12", "Podaj pierwszy dzień wypożyczenia"),
        (
            "2027-03-10",
            "12.03.2027",
            "Podaj ostatni dzień wypożyczenia",
        ),
        (
            "2027-02-27",
            "2027-03-02",
            "Pierwszy dzień nie może być w przeszłości.",
        ),
        (
            "2027-03-12",
            "2027-03-10",
            "Ostatni dzień nie może być przed pierwszym.",
        ),
        (
            "2027-03-10",
            "2027-05-20",
            "Wypożyczenie może trwać najwyżej 60 dni.",
        ),
        (
            "2028-04-01",
            "2028-04-02",
            "Wypożyczenie można zaplanować najwyżej rok naprzód.",
        ),
    ] {
        let r = borrow(&b.first, &camera, from, to).await;
        assert_eq!(r.status, 422, "{from}–{to}");
        assert!(r.body.contains(message), "{message}");
    }
    assert_eq!(b.number("SELECT count(*) FROM equipment_loans").await, 0);
    // A gift's form is not a loan's.
    let r = ask(&b.first, &camera, "Potrzebujemy aparatu na festyn.").await;
    refused(&r, "Ten przedmiot jest do wypożyczenia");

    assert_eq!(
        borrow(&b.first, &camera, "2027-03-10", "2027-03-12")
            .await
            .status,
        303
    );
    let loan = b.id_of("equipment_loans", "Fundacja Dobry Start").await;
    // The same request again, or for overlapping days, while it waits: refused, nothing stored.
    for (from, to) in [("2027-03-10", "2027-03-12"), ("2027-03-11", "2027-03-14")] {
        refused(
            &borrow(&b.first, &camera, from, to).await,
            "Fundacja Dobry Start już prosi o ten przedmiot na te dni",
        );
    }
    assert_eq!(b.number("SELECT count(*) FROM equipment_loans").await, 1);
    // Before approval nothing is blocked; lending or returning it first is refused.
    refused(
        &decide(&b.giver, &camera, "wypozyczenia", loan, "lend").await,
        "Najpierw zatwierdź wypożyczenie",
    );
    refused(
        &decide(&b.giver, &camera, "wypozyczenia", loan, "return").await,
        "Przedmiotu jeszcze nie wydano",
    );
    assert_eq!(
        decide(&b.first, &camera, "wypozyczenia", loan, "approve")
            .await
            .status,
        403
    );
    let page = b
        .app
        .page(TORUN, &format!("{camera}?miesiac=2027-03"))
        .await
        .1;
    assert_eq!(days_in(&page, "busy"), 0);

    assert_eq!(
        decide(&b.giver, &camera, "wypozyczenia", loan, "approve")
            .await
            .status,
        303
    );
    let letter = b.app.mail.wait_for("start@example.pl", 1).await;
    assert!(
        letter.text.contains("od 10 marca 2027 do 12 marca 2027"),
        "{}",
        letter.text
    );
    refused(
        &decide(&b.giver, &camera, "wypozyczenia", loan, "approve").await,
        "To wypożyczenie jest już zatwierdzone.",
    );
    // Only a request is declined (docs/bank-sprzetu.md); the approved loan stays.
    refused(
        &decide(&b.giver, &camera, "wypozyczenia", loan, "decline").await,
        "To wypożyczenie jest już zatwierdzone.",
    );
    assert_eq!(b.number("SELECT unit FROM equipment_loans").await, 1);

    // The calendar of March: the 1st is today, the 10th–12th busy, the rest of the month free.
    let item = camera.trim_start_matches("/bank-sprzetu/");
    let march = b
        .app
        .page(TORUN, &format!("/bank-sprzetu/{item}?miesiac=2027-03"))
        .await
        .1;
    assert!(march.contains(
        "<caption class=\"govuk-table__caption govuk-table__caption--m\">marzec 2027</caption>"
    ));
    assert_eq!(
        (
            days_in(&march, "busy"),
            days_in(&march, "free"),
            days_in(&march, "past")
        ),
        (3, 28, 0)
    );
    assert!(
        march.contains(
            "środa, 10 marca 2027: </span>\n      <span class=\"pestor-calendar__words\">zajęty"
        ),
        "{march}"
    );
    assert!(march.contains("aria-current=\"date\""));
    assert!(
        march.contains("?miesiac=2027-04#kalendarz")
            && march.contains("?miesiac=2027-02#kalendarz")
    );
    // The page opens on this month; a month that is not YYYY-MM is not found.
    assert_eq!(days_in(&b.app.page(TORUN, &camera).await.1, "busy"), 3);
    assert_eq!(
        b.app
            .page(TORUN, &format!("{camera}?miesiac=2027-13"))
            .await
            .0,
        404
    );

    // The same days are taken now for another organisation; other days are not.
    let r = borrow(&b.second, &camera, "2027-03-12", "2027-03-14").await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("W tych dniach wszystkie sztuki są już wypożyczone")
    );
    assert_eq!(
        borrow(&b.second, &camera, "2027-03-13", "2027-03-14")
            .await
            .status,
        303
    );
    // Filters: free on the 11th leaves it out, free on the 13th keeps it.
    assert!(
        !b.app
            .page(TORUN, "/bank-sprzetu?wolne_dnia=2027-03-11")
            .await
            .1
            .contains("Aparat Canon EOS")
    );
    assert!(
        b.app
            .page(TORUN, "/bank-sprzetu?wolne_dnia=2027-03-13")
            .await
            .1
            .contains("Aparat Canon EOS")
    );
    let bad = b.app.page(TORUN, "/bank-sprzetu?wolne_dnia=jutro").await.1;
    assert!(bad.contains("Podaj datę w formacie RRRR-MM-DD"));

    // Lent on its first day, returned; nothing after that.
    b.app.state.clock.set(datetime!(2027-03-10 08:00 UTC));
    assert_eq!(
        decide(&b.giver, &camera, "wypozyczenia", loan, "lend")
            .await
            .status,
        303
    );
    refused(
        &decide(&b.first, &camera, "wypozyczenia", loan, "withdraw").await,
        "przedmiot wydano",
    );
    refused(
        &decide(&b.giver, &camera, "wypozyczenia", loan, "decline").await,
        "przedmiot wydano",
    );
    assert!(
        !b.app
            .page(TORUN, "/bank-sprzetu?wolne=teraz")
            .await
            .1
            .contains("Aparat Canon EOS")
    );
    assert_eq!(
        decide(&b.giver, &camera, "wypozyczenia", loan, "return")
            .await
            .status,
        303
    );
    refused(
        &decide(&b.giver, &camera, "wypozyczenia", loan, "return").await,
        "przedmiot wrócił",
    );
    refused(
        &decide(&b.giver, &camera, "wypozyczenia", loan, "lend").await,
        "przedmiot wrócił",
    );
    assert_eq!(
        b.statuses("equipment_loans").await,
        ["returned", "requested"]
    );

    // The second request is withdrawn by its organisation; then it cannot be approved.
    let later = b
        .id_of("equipment_loans", "Stowarzyszenie Wspólna Wisła")
        .await;
    assert_eq!(
        decide(&b.second, &camera, "wypozyczenia", later, "withdraw")
            .await
            .status,
        303
    );
    refused(
        &decide(&b.giver, &camera, "wypozyczenia", later, "approve").await,
        "zostało wycofane",
    );
    let logged: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE teryt = '0463011' AND action LIKE 'equipment.%' AND action <> 'equipment.added' ORDER BY id",
    )
    .fetch_all(b.app.db.platform())
    .await
    .unwrap();
    assert_eq!(
        logged,
        [
            "equipment.loan_approved",
            "equipment.lent",
            "equipment.returned"
        ]
    );
}

#[tokio::test]
async fn an_approval_takes_a_free_unit_and_declines_requests_no_unit_is_left_for() {
    let b = bank().await;
    let guitars = b.add("Gitara klasyczna", "loan", "2").await;
    for v in [&b.first, &b.second, &b.third] {
        assert_eq!(
            borrow(v, &guitars, "2027-03-05", "2027-03-06").await.status,
            303
        );
    }
    let ids = [
        b.id_of("equipment_loans", "Fundacja Dobry Start").await,
        b.id_of("equipment_loans", "Stowarzyszenie Wspólna Wisła")
            .await,
        b.id_of("equipment_loans", "Spółdzielnia Socjalna Nowa")
            .await,
    ];
    decide(&b.giver, &guitars, "wypozyczenia", ids[0], "approve").await;
    assert_eq!(
        b.statuses("equipment_loans").await,
        ["approved", "requested", "requested"]
    );
    decide(&b.giver, &guitars, "wypozyczenia", ids[1], "approve").await;
    // Both units are out on those days: the third request is declined and told why.
    assert_eq!(
        b.statuses("equipment_loans").await,
        ["approved", "approved", "declined"]
    );
    let units: i64 = b
        .number("SELECT count(DISTINCT unit) FROM equipment_loans WHERE status = 'approved'")
        .await;
    assert_eq!(units, 2);
    let letter = b.app.mail.wait_for("nowa@example.pl", 1).await;
    assert!(
        letter.subject.contains("Termin zajęty: Gitara klasyczna"),
        "{}",
        letter.subject
    );
    let page = b
        .app
        .page(TORUN, &format!("{guitars}?miesiac=2027-03"))
        .await
        .1;
    assert_eq!(days_in(&page, "busy"), 2);
    assert!(page.contains("wolne 2 z 2"));
}

#[tokio::test]
async fn two_decisions_on_the_last_piece_or_the_same_days_at_once_have_exactly_one_winner() {
    let b = bank().await;
    for round in 0..4 {
        // The last piece of a gift, accepted for two organisations at the same moment.
        let chair = b.add(&format!("Fotel {round}"), "gift", "1").await;
        ask(&b.first, &chair, "Fotel do pokoju rozmów z rodzinami.").await;
        ask(&b.second, &chair, "Fotel do pokoju rozmów z rodzinami.").await;
        let item = chair.trim_start_matches("/bank-sprzetu/");
        let id = format!(
            "SELECT id FROM equipment_requests WHERE item_id = {item} AND organisation_name = "
        );
        let one = b.number(&format!("{id} 'Fundacja Dobry Start'")).await;
        let two = b
            .number(&format!("{id} 'Stowarzyszenie Wspólna Wisła'"))
            .await;
        let (a, c) = tokio::join!(
            decide(&b.giver, &chair, "prosby", one, "accept"),
            decide(&b.staff, &chair, "prosby", two, "accept"),
        );
        let mut codes = [a.status, c.status];
        codes.sort();
        assert_eq!(codes, [303, 409], "round {round}");
        let loser = if a.status == 409 { &a } else { &c };
        assert!(
            loser.body.contains("Nic nie zostało zmienione."),
            "{}",
            loser.body
        );
        let accepted = b
            .number(&format!("SELECT count(*) FROM equipment_requests WHERE item_id = {item} AND status = 'accepted'"))
            .await;
        assert_eq!(accepted, 1);
        assert_eq!(
            b.number(&format!(
                "SELECT available FROM equipment_items WHERE id = {item}"
            ))
            .await,
            0
        );

        // Two overlapping loans of the only unit, approved at the same moment.
        let recorder = b.add(&format!("Dyktafon {round}"), "loan", "1").await;
        borrow(&b.first, &recorder, "2027-03-20", "2027-03-22").await;
        borrow(&b.second, &recorder, "2027-03-21", "2027-03-23").await;
        let item = recorder.trim_start_matches("/bank-sprzetu/");
        let loans: Vec<i64> = {
            let t = b.app.store().find("torun").await.unwrap();
            let mut tx = b.app.db.tenant(&t).begin().await.unwrap();
            let ids = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM equipment_loans WHERE item_id = {item} ORDER BY id"
            )))
            .fetch_all(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
            ids
        };
        let (a, c) = tokio::join!(
            decide(&b.giver, &recorder, "wypozyczenia", loans[0], "approve"),
            decide(&b.staff, &recorder, "wypozyczenia", loans[1], "approve"),
        );
        let mut codes = [a.status, c.status];
        codes.sort();
        assert_eq!(codes, [303, 409], "round {round}: {} / {}", a.body, c.body);
        let approved = b
            .number(&format!("SELECT count(*) FROM equipment_loans WHERE item_id = {item} AND status = 'approved'"))
            .await;
        assert_eq!(approved, 1);
    }
}

#[tokio::test]
async fn reminders_go_to_the_borrower_the_day_before_the_last_day_and_to_both_when_it_is_overdue() {
    use pestor_equipment::reminders::send_reminders;
    let b = bank().await;
    let unicycle = b.add("Monocykl", "loan", "1").await;
    borrow(&b.first, &unicycle, "2027-03-02", "2027-03-04").await;
    let loan = b.id_of("equipment_loans", "Fundacja Dobry Start").await;
    decide(&b.giver, &unicycle, "wypozyczenia", loan, "approve").await;
    b.app.state.clock.set(datetime!(2027-03-02 08:00 UTC));
    decide(&b.giver, &unicycle, "wypozyczenia", loan, "lend").await;
    // The request's letter to the giver and the approval's to the borrower are out.
    b.app.mail.wait_for("darczynca@example.pl", 1).await;
    b.app.mail.wait_for("start@example.pl", 1).await;

    // The 2nd: nothing is due yet.
    assert_eq!(send_reminders(&b.app.state).await.unwrap(), 0);
    // The 3rd (evening in Toruń): the last day is tomorrow; the reminder goes once.
    b.app.state.clock.set(datetime!(2027-03-03 20:30 UTC));
    assert_eq!(send_reminders(&b.app.state).await.unwrap(), 1);
    assert_eq!(send_reminders(&b.app.state).await.unwrap(), 0);
    let letter = b.app.mail.wait_for("start@example.pl", 2).await;
    assert_eq!(letter.subject, "Przypomnienie: jutro zwrot — Monocykl");
    assert!(
        letter
            .text
            .contains("jutro (4 marca 2027) mija termin zwrotu"),
        "{}",
        letter.text
    );
    // 23:30 UTC on the 4th is already the 5th in Toruń: overdue, to the borrower and the giver.
    b.app.state.clock.set(datetime!(2027-03-04 23:30 UTC));
    assert_eq!(send_reminders(&b.app.state).await.unwrap(), 1);
    assert_eq!(send_reminders(&b.app.state).await.unwrap(), 0);
    let letter = b.app.mail.wait_for("start@example.pl", 3).await;
    assert_eq!(letter.subject, "Termin zwrotu minął: Monocykl");
    let to_giver = b.app.mail.wait_for("darczynca@example.pl", 2).await;
    assert_eq!(to_giver.subject, "Termin zwrotu minął: Monocykl");
    // Overdue shows on the item page and in both lists; the unit stays busy from today on.
    let page = b
        .giver
        .get(TORUN, &format!("{unicycle}?miesiac=2027-03"))
        .await
        .body;
    assert!(page.contains("po terminie zwrotu"));
    assert!(page.contains(
        "sobota, 6 marca 2027: </span>\n      <span class=\"pestor-calendar__words\">zajęty"
    ));
    assert!(
        b.giver
            .get(TORUN, "/bank-sprzetu/moje")
            .await
            .body
            .contains("1 po terminie zwrotu")
    );
    assert!(
        b.first
            .get(TORUN, "/bank-sprzetu/moje-prosby")
            .await
            .body
            .contains("po terminie zwrotu")
    );
    let r = borrow(&b.second, &unicycle, "2027-03-06", "2027-03-07").await;
    assert!(
        r.body
            .contains("W tych dniach wszystkie sztuki są już wypożyczone"),
        "{}",
        r.body
    );
    // The dashboard: one item offered, one loan lent this year, active and overdue.
    assert_eq!(
        b.figures().await,
        [
            ("equipment_offered", 1),
            ("equipment_given_this_year", 0),
            ("equipment_lent_this_year", 1),
            ("equipment_loans_active", 1),
            ("equipment_loans_overdue", 1),
        ]
    );
    // Returned: nothing more is sent, and nothing is active or overdue.
    decide(&b.giver, &unicycle, "wypozyczenia", loan, "return").await;
    b.app.state.clock.set(datetime!(2027-03-09 09:00 UTC));
    assert_eq!(send_reminders(&b.app.state).await.unwrap(), 0);
    assert_eq!(
        b.figures().await[1..],
        [
            ("equipment_given_this_year", 0),
            ("equipment_lent_this_year", 1),
            ("equipment_loans_active", 0),
            ("equipment_loans_overdue", 0),
        ]
    );
    // A new year: what was lent last year no longer counts as this year's.
    b.app.state.clock.set(datetime!(2028-01-01 00:30 UTC));
    assert_eq!(b.figures().await[2], ("equipment_lent_this_year", 0));
}

#[tokio::test]
async fn the_atom_feed_lists_the_newest_items_by_the_lists_filters() {
    let b = bank().await;
    b.add("Gitara <klasyczna> & futerał", "loan", "1").await;
    let desks = b.add("Biurko", "gift", "1").await;
    let r = b.app.get(TORUN, "/bank-sprzetu.atom").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let feed = r.text().await.unwrap();
    assert!(
        feed.contains("<title>Bank sprzętu — Gmina Miasta Toruń</title>"),
        "{feed}"
    );
    // Newest first, text escaped, each entry linking to the item on Toruń's host.
    let biurko = feed.find("<title>Biurko</title>").unwrap();
    let gitara = feed
        .find("<title>Gitara &lt;klasyczna&gt; &amp; futerał</title>")
        .unwrap();
    assert!(biurko < gitara, "{feed}");
    assert!(
        feed.contains(&format!("href=\"{}\"", b.app.url(TORUN, &desks))),
        "{feed}"
    );
    assert!(feed.contains("<category term=\"meble\" label=\"Meble\"/>"));
    // Filters apply, and a value that cannot be valid is refused.
    let gifts = b
        .app
        .page(TORUN, "/bank-sprzetu.atom?rodzaj=przekazanie")
        .await
        .1;
    assert_eq!(gifts.matches("<entry>").count(), 1);
    assert!(gifts.contains("<title>Biurko</title>"));
    assert_eq!(
        b.app
            .page(TORUN, "/bank-sprzetu.atom?rodzaj=sprzedaz")
            .await
            .0,
        400
    );
    // The list page points to the feed with its filters.
    let list = b.app.page(TORUN, "/bank-sprzetu?rodzaj=uzyczenie").await.1;
    assert!(
        list.contains("href=\"/bank-sprzetu.atom?rodzaj=uzyczenie&amp;sort=nazwa\""),
        "{list}"
    );
}

#[tokio::test]
async fn another_gminas_host_knows_none_of_the_requests_or_loans_and_decides_nothing() {
    const BYDGOSZCZ: &str = "bydgoszcz.localhost";
    let b = bank().await;
    let desks = b.add("Biurko narożne", "gift", "1").await;
    let camera = b.add("Aparat Canon", "loan", "1").await;
    assert_eq!(
        ask(&b.second, &desks, "Do biura stowarzyszenia w Toruniu.")
            .await
            .status,
        303
    );
    assert_eq!(
        borrow(&b.second, &camera, "2027-03-05", "2027-03-08")
            .await
            .status,
        303
    );
    let request = b
        .id_of("equipment_requests", "Stowarzyszenie Wspólna Wisła")
        .await;
    let loan = b
        .id_of("equipment_loans", "Stowarzyszenie Wspólna Wisła")
        .await;
    // Bydgoszcz's staff, on their own host, with Toruń's paths and ids.
    let (_, staff) = b
        .app
        .person("urzednik@bydgoszcz.example", "bydgoszcz", Some("staff"))
        .await;
    for (item, which, id, decision) in [
        (&desks, "prosby", request, "accept"),
        (&camera, "wypozyczenia", loan, "approve"),
    ] {
        let r = staff
            .submit(
                BYDGOSZCZ,
                "/bank-sprzetu/nowy",
                &format!("{item}/{which}/{id}"),
                &[("decision", decision), ("reason", "")],
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        assert_eq!(staff.get(BYDGOSZCZ, item).await.status, 404);
    }
    assert_eq!(b.statuses("equipment_requests").await, ["pending"]);
    assert_eq!(b.statuses("equipment_loans").await, ["requested"]);
    // The requester's home gmina lists none of them: they are Toruń's.
    let home = b
        .second
        .get(BYDGOSZCZ, "/bank-sprzetu/moje-prosby")
        .await
        .body;
    assert!(!home.contains("Biurko narożne") && !home.contains("Aparat Canon"));
    let torun = b.second.get(TORUN, "/bank-sprzetu/moje-prosby").await.body;
    assert!(torun.contains("Biurko narożne") && torun.contains("Aparat Canon"));
    let mine = staff.get(BYDGOSZCZ, "/bank-sprzetu/moje").await.body;
    assert!(!mine.contains("Biurko narożne"));
}

#[tokio::test]
async fn members_of_the_giving_organisation_do_not_ask_for_its_item() {
    let b = bank().await;
    let org = b
        .number("SELECT id FROM organisations WHERE name = 'Fundacja Dobry Start'")
        .await;
    let (colleague_id, colleague) = b.app.person("kolega@example.pl", "torun", None).await;
    pestor_tests::join_organisation_in(&b.app, colleague_id, "torun", org).await;
    const NEW: &str = "/bank-sprzetu/nowy";
    let org_value = org.to_string();
    let r = b
        .first
        .submit(
            TORUN,
            NEW,
            NEW,
            &[
                ("name", "Stół warsztatowy"),
                ("kind", "gift"),
                ("category", "meble"),
                ("condition", "dobry"),
                ("quantity", "1"),
                ("description", "Solidny, z imadłem."),
                ("pickup_place", "ul. Szeroka 1"),
                ("pickup_hours", "pon.–pt. 9–15"),
                ("on_behalf", org_value.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let table = r.location.unwrap().split('?').next().unwrap().to_owned();
    let page = colleague.get(TORUN, &table).await.body;
    assert!(
        page.contains("To przedmiot Twojej organizacji — jej członkowie nie mogą o niego prosić."),
        "{page}"
    );
    refused(
        &ask(&colleague, &table, "Potrzebujemy stołu do pracowni.").await,
        "To przedmiot Twojej organizacji",
    );
    assert_eq!(b.number("SELECT count(*) FROM equipment_requests").await, 0);
    // Another organisation's member may.
    assert_eq!(
        ask(&b.third, &table, "Potrzebujemy stołu do pracowni.")
            .await
            .status,
        303
    );
}
