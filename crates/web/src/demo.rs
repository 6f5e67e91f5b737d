//! Demo data for `pestor serve --demo`: never used otherwise. The organisations are real names
//! from the 2013 Toruń programme and illustrative ones; every address, phone and e-mail is made up.

use std::collections::HashMap;

use pestor_core::Registry;
use pestor_core::organisation::OrganisationDraft;
use pestor_db::{Database, TenantStore};

use pestor_organisations::store;

/// The demo's administrator of Toruń. The password is public (README): `--demo` is for trying the
/// platform on one's own machine, never for a deployment.
pub const ADMIN_EMAIL: &str = "admin@torun.example";
pub const ADMIN_PASSWORD: &str = "demo-pestor-2026";

/// Who a demo account is: its address, name, and role.
pub struct DemoAccount {
    pub email: &'static str,
    pub name: &'static str,
    pub role: DemoRole,
}

/// A demo account's role: one of each kind of person who uses the platform.
pub enum DemoRole {
    /// Administrator of Toruń (its panel: people, branding, audit log).
    Admin,
    /// Staff of Toruń's urząd (verification, the registers, decisions).
    Staff,
    /// A member of the named verified PES of Toruń (its card, offers, requests, applications).
    Member(&'static str),
    /// A coordinator of the region (the dashboard, onboarding, archives, regional entries).
    Coordinator,
}

/// Every demo account, all with [`ADMIN_PASSWORD`] (README says who is who).
pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: ADMIN_EMAIL,
        name: "Administrator demo (Toruń)",
        role: DemoRole::Admin,
    },
    DemoAccount {
        email: "urzednik@torun.example",
        name: "Urzędniczka demo (Toruń)",
        role: DemoRole::Staff,
    },
    DemoAccount {
        email: "pes@torun.example",
        name: "Członkini PES demo (Toruń)",
        role: DemoRole::Member("Spółdzielnia Socjalna Smaki Podgórza"),
    },
    DemoAccount {
        email: "koordynator@region.example",
        name: "Koordynator demo (region)",
        role: DemoRole::Coordinator,
    },
];

/// Creates the demo accounts (verified, each with its role) that do not exist yet; Toruń's
/// organisations must be there for the member's. Returns whether the administrator was created.
pub async fn seed_accounts(db: &Database) -> Result<bool, pestor_kit::AppError> {
    let pool = db.platform();
    let torun = TenantStore::new(db.clone()).find("torun").await?;
    let mut created_admin = false;
    for a in ACCOUNTS {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE lower(email) = $1)")
                .bind(a.email)
                .fetch_one(pool)
                .await?;
        if exists {
            continue;
        }
        let organisation: Option<i64> = match a.role {
            DemoRole::Member(name) => {
                let mut tx = db.tenant(&torun).begin().await?;
                let id = sqlx::query_scalar(
                    "SELECT id FROM organisations WHERE name = $1 AND status = 'verified'",
                )
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                id
            }
            _ => None,
        };
        let hash = pestor_kit::auth::password::hash(ADMIN_PASSWORD.to_owned()).await;
        let mut tx = pestor_db::begin(pool).await?;
        let region_role = matches!(a.role, DemoRole::Coordinator).then_some("coordinator");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (email, display_name, password_hash, email_verified_at, region_role)
             VALUES ($1, $2, $3, now(), $4) RETURNING id",
        )
        .bind(a.email)
        .bind(a.name)
        .bind(hash)
        .bind(region_role)
        .fetch_one(&mut *tx)
        .await?;
        let role = match a.role {
            DemoRole::Admin => Some("admin"),
            DemoRole::Staff => Some("staff"),
            DemoRole::Member(_) => organisation.map(|_| "pes_member"),
            DemoRole::Coordinator => None,
        };
        if let Some(role) = role {
            sqlx::query(
                "INSERT INTO gmina_roles (account_id, teryt, role, organisation_id) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(torun.teryt().as_str())
            .bind(role)
            .bind(organisation)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        created_admin |= matches!(a.role, DemoRole::Admin);
    }
    Ok(created_admin)
}

const ORGANISATIONS: &str = include_str!("../data/demo-organisations.csv");

/// Everything the demo shows: its accounts (an administrator, a staff member and a PES member of
/// Toruń, a coordinator of the region) and verified organisations in Toruń and a few other gminas (added as by staff; skipped when a card of that name exists).
pub async fn seed(
    db: &Database,
    registry: &Registry,
    settings: &pestor_config::Settings,
) -> Result<bool, pestor_kit::AppError> {
    seed_organisations(db, registry).await?;
    let created = seed_accounts(db).await?;
    seed_offers(db, settings).await?;
    seed_equipment(db).await?;
    seed_premises(db).await?;
    seed_support(db).await?;
    seed_procurements(db).await?;
    Ok(created)
}

/// Toruń's equipment bank as it was: (name, kind, category, condition, pieces, by the urząd).
const EQUIPMENT: &[(&str, &str, &str, &str, i32, bool)] = &[
    ("Notebook", "gift", "komputery", "uzywany", 1, true),
    (
        "Zestaw komputerowy (jednostka, monitor, klawiatura)",
        "gift",
        "komputery",
        "uzywany",
        7,
        true,
    ),
    ("Stół", "gift", "meble", "dobry", 7, true),
    ("Ławka", "gift", "meble", "uzywany", 3, true),
    ("Biurko komputerowe", "gift", "meble", "dobry", 1, false),
    ("Biurko", "gift", "meble", "uzywany", 5, true),
    ("Szafa", "gift", "meble", "dobry", 3, true),
    ("Regał", "gift", "meble", "dobry", 1, false),
    ("Fotel", "gift", "meble", "uzywany", 2, false),
    (
        "Maszyna do pisania Optima",
        "gift",
        "biuro",
        "uzywany",
        5,
        true,
    ),
    (
        "Maszyna do pisania Carrera",
        "gift",
        "biuro",
        "uzywany",
        1,
        true,
    ),
    (
        "Maszyna do pisania Olympia",
        "gift",
        "biuro",
        "uzywany",
        1,
        true,
    ),
    (
        "Aparat fotograficzny Canon",
        "loan",
        "audio-wideo",
        "bardzo dobry",
        1,
        false,
    ),
    (
        "Obiektyw Canon",
        "loan",
        "audio-wideo",
        "bardzo dobry",
        1,
        false,
    ),
    ("Monocykl", "loan", "sport", "dobry", 1, false),
    ("Odtwarzacz MP3", "loan", "audio-wideo", "dobry", 1, false),
    ("Gitara klasyczna", "loan", "instrumenty", "dobry", 1, false),
    ("Kabel mikrofonowy", "loan", "audio-wideo", "nowy", 1, true),
    (
        "Dyktafon cyfrowy",
        "loan",
        "audio-wideo",
        "bardzo dobry",
        1,
        true,
    ),
];

/// The items of Toruń's equipment bank (made-up givers: the urząd, or a private person — the
/// demo's admin); skipped when an item of that name exists.
async fn seed_equipment(db: &Database) -> Result<(), pestor_kit::AppError> {
    let torun = TenantStore::new(db.clone()).find("torun").await?;
    let admin: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1")
        .bind(ADMIN_EMAIL)
        .fetch_optional(db.platform())
        .await?;
    let mut tx = db.tenant(&torun).begin().await?;
    for (name, kind, category, condition, pieces, by_office) in EQUIPMENT {
        sqlx::query(
            "INSERT INTO equipment_items (name, description, category, kind, condition, quantity, available,
                                          pickup_place, pickup_hours, giver_id, by_office)
             SELECT $1, 'Dane demonstracyjne na podstawie banku sprzętu Platformy PES-TOR.', $2, $3, $4, $5, $5,
                    'Urząd Miasta Torunia, ul. Wały gen. Sikorskiego 8', 'pon.–pt. 8–15', $6, $7
             WHERE NOT EXISTS (SELECT 1 FROM equipment_items WHERE name = $1)",
        )
        .bind(name)
        .bind(category)
        .bind(kind)
        .bind(condition)
        .bind(pieces)
        .bind(admin)
        .bind(by_office)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Toruń's premises policy: municipal premises at made-up addresses in real districts, a call
/// decided last year with its lease, and a call open now. Only into a registry with no premises.
const PREMISES: &str = "
INSERT INTO premises (address, district, area_m2, rooms, floor, step_free, accessible_toilet, standard, uses,
                      description, rent_standard_grosze, rent_pes_grosze, lat, lon, resolution_title,
                      resolution_number, resolution_date, resolution_url, created_at)
VALUES
 ('ul. Szeroka 41/2 (dane demonstracyjne)', 'Stare Miasto', 48.5, 2, 0, true, true, 'dobry',
  'biuro, punkt usługowy, sala warsztatowa', 'Lokal użytkowy z witryną od ulicy.', 3200, 600, 53.0102, 18.6087,
  'w sprawie zasad najmu lokali użytkowych podmiotom ekonomii społecznej', 'XXI/315/2024', '2024-11-14',
  'https://bip.torun.pl/', now() - interval '2 years'),
 ('ul. Lubicka 20 (dane demonstracyjne)', 'Podgórz', 72, 3, 0, true, false, 'dostateczny',
  'warsztaty, magazyn', 'Dawny zakład usługowy; do odświeżenia.', 1800, 400, 52.9990, 18.6241,
  'w sprawie zasad najmu lokali użytkowych podmiotom ekonomii społecznej', 'XXI/315/2024', '2024-11-14',
  'https://bip.torun.pl/', now() - interval '2 years'),
 ('ul. Legionów 55 (dane demonstracyjne)', 'Bydgoskie Przedmieście', 36, 2, 1, false, false, 'bardzo dobry',
  'biuro', '', 2800, 700, 53.0210, 18.5920, '', '', NULL, '', now() - interval '1 year'),
 ('ul. Dziewulskiego 7 (dane demonstracyjne)', 'Rubinkowo', 95, 4, 0, true, true, 'dobry',
  'klub seniora, świetlica, kawiarnia społeczna', 'Parter bloku z osobnym wejściem.', 2200, 500, 53.0240, 18.6650,
  '', '', NULL, '', now() - interval '3 months');
INSERT INTO premises_calls (title, criteria, opened_at, deadline, status, decided_at)
VALUES ('Nabór na lokale dla PES (dane demonstracyjne)',
        'Liczba osób, którym PES będzie służyć (do 60 pkt); plan działań w lokalu (do 40 pkt).',
        now() - interval '14 months', (now() - interval '13 months')::date, 'decided', now() - interval '12 months'),
       ('Nabór na lokal na Rubinkowie (dane demonstracyjne)',
        'Działania dla seniorów i rodzin z osiedla (do 70 pkt); współpraca z innymi PES (do 30 pkt).',
        now() - interval '5 days', current_date + 30, 'open', NULL);
INSERT INTO premises_call_items (call_id, premises_id) VALUES (1, 1), (1, 2), (2, 4);
UPDATE premises SET status = 'call' WHERE id = 4;
UPDATE premises SET status = 'leased_pes' WHERE id = 1;
INSERT INTO premises_history (premises_id, at, event) VALUES
 (1, now() - interval '2 years', 'Lokal dodany do rejestru.'),
 (2, now() - interval '2 years', 'Lokal dodany do rejestru.'),
 (3, now() - interval '1 year', 'Lokal dodany do rejestru.'),
 (4, now() - interval '3 months', 'Lokal dodany do rejestru.'),
 (1, now() - interval '14 months', 'Ogłoszono nabór „Nabór na lokale dla PES (dane demonstracyjne)”.'),
 (2, now() - interval '14 months', 'Ogłoszono nabór „Nabór na lokale dla PES (dane demonstracyjne)”.'),
 (2, now() - interval '12 months', 'Nabór rozstrzygnięty bez wyboru; lokal znów wolny.'),
 (4, now() - interval '5 days', 'Ogłoszono nabór „Nabór na lokal na Rubinkowie (dane demonstracyjne)”.');
";

/// The demo's premises policy (see [`PREMISES`]); the decided call's winner is one of Toruń's
/// demo organisations, leased for three years at the preferential rent.
async fn seed_premises(db: &Database) -> Result<(), pestor_kit::AppError> {
    let torun = TenantStore::new(db.clone()).find("torun").await?;
    let mut tx = db.tenant(&torun).begin().await?;
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM premises)")
        .fetch_one(&mut *tx)
        .await?;
    if empty {
        sqlx::raw_sql(PREMISES).execute(&mut *tx).await?;
        let winner: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, name FROM organisations WHERE status = 'verified' ORDER BY id LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id, name)) = winner {
            sqlx::query(
                "WITH a AS (
                    INSERT INTO premises_applications (call_id, premises_id, organisation_teryt, organisation_id,
                           organisation_name, planned_use, justification, people_served, submitted_at, score, result, reason)
                    VALUES (1, 1, '0463011', $1, $2, 'Punkt usługowy i warsztaty dla uczestników.',
                            'Zatrudniamy osoby zagrożone wykluczeniem; lokal bez barier jest nam niezbędny.', 35,
                            now() - interval '13 months 5 days', 86, 'won', 'Najwyżej oceniony plan działań.')
                    RETURNING id)
                 INSERT INTO premises_leases (premises_id, application_id, tenant_name, to_pes, during, area_m2,
                                              rent_standard_grosze, rent_charged_grosze)
                 SELECT 1, a.id, $2, true, daterange((now() - interval '11 months')::date,
                                                     (now() + interval '25 months')::date), 48.5, 3200, 600 FROM a",
            )
            .bind(id)
            .bind(&name)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The support map's demo: the region's institutions (entered once, shown in every gmina) and
/// Toruń's own, with addresses only — no phone numbers or people — and a note to check them.
const SUPPORT: &str = "
INSERT INTO public.support_regional (name, institution, services, audiences, description, address, hours, lat, lon)
SELECT * FROM (VALUES
 ('Regionalny Ośrodek Polityki Społecznej w Toruniu', 'rops', ARRAY['doradztwo', 'szkolenia', 'promocja'],
  ARRAY['pes', 'ngo'], 'Koordynuje rozwój ekonomii społecznej w województwie. Dane demonstracyjne — sprawdź kontakt na stronie instytucji.',
  'ul. Szosa Chełmińska 30/32, 87-100 Toruń', 'pon.–pt. 7.30–15.30', 53.0273, 18.5937),
 ('Ośrodek Wsparcia Ekonomii Społecznej (dane demonstracyjne)', 'owes',
  ARRAY['doradztwo', 'szkolenia', 'dotacje', 'ksiegowosc', 'promocja'], ARRAY['zakladajacy', 'pes', 'ngo'],
  'Doradztwo przy zakładaniu PES, szkolenia i dotacje na nowe miejsca pracy w PES. Adres przykładowy.',
  'Toruń (adres przykładowy)', '', NULL::double precision, NULL::double precision)
) AS v(name, institution, services, audiences, description, address, hours, lat, lon)
WHERE NOT EXISTS (SELECT 1 FROM public.support_regional);
";

/// Toruń's own support entries.
const SUPPORT_TORUN: &str = "
INSERT INTO support_entries (name, institution, services, audiences, description, address, hours, lat, lon)
SELECT * FROM (VALUES
 ('Powiatowy Urząd Pracy dla Miasta Torunia', 'pup', ARRAY['dotacje', 'doradztwo', 'szkolenia'],
  ARRAY['bezrobotni', 'zakladajacy', 'niepelnosprawni'],
  'Dotacje na podjęcie działalności i utworzenie miejsc pracy, także w spółdzielniach socjalnych. Dane demonstracyjne — sprawdź kontakt na stronie urzędu.',
  'ul. Mickiewicza 24/26, 87-100 Toruń', 'pon.–pt. 8–15', 53.0155, 18.5957),
 ('Miejski Ośrodek Pomocy Rodzinie w Toruniu', 'ops', ARRAY['doradztwo'], ARRAY['wykluczeni', 'niepelnosprawni'],
  'Kieruje do CIS i KIS, współpracuje z PES przy usługach społecznych. Dane demonstracyjne — sprawdź kontakt na stronie instytucji.',
  'ul. Konstytucji 3 Maja 42, 87-100 Toruń', 'pon.–pt. 7.30–15.30', 53.0253, 18.6460)
) AS v(name, institution, services, audiences, description, address, hours, lat, lon)
WHERE NOT EXISTS (SELECT 1 FROM support_entries);
";

async fn seed_support(db: &Database) -> Result<(), pestor_kit::AppError> {
    sqlx::raw_sql(SUPPORT).execute(db.platform()).await?;
    let torun = TenantStore::new(db.clone()).find("torun").await?;
    let mut tx = db.tenant(&torun).begin().await?;
    sqlx::raw_sql(SUPPORT_TORUN).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Toruń's register of social clauses: procurements of 2013–2014 named in Toruń's report (with
/// made-up numbers, marked as demo) and one contract of now under a fulfilment check.
const PROCUREMENTS: &str = "
INSERT INTO clause_targets (year, target) VALUES (2013, 10), (2014, 10);
INSERT INTO procurements (reference, subject, kind, value_grosze, value_euro_cents, procedure, department, published_on,
                          offers_due, status, contractor_name, contract_value_grosze, demo)
VALUES
 ('DEMO/ZP/2013/1', 'Sprzątanie nieruchomości gminnych', 'uslugi', 85000000, 20300000, 'przetarg_nieograniczony',
  'Wydział Gospodarki Komunalnej', '2013-05-10', '2013-06-10', 'completed', 'Przedsiębiorstwo Usług Komunalnych (dane demonstracyjne)', 79000000, true),
 ('DEMO/ZP/2014/2', 'Usługi budowlane — remont budynku komunalnego', 'roboty', 120000000, 28700000, 'przetarg_nieograniczony',
  'Miejski Zarząd Dróg i Budynków', '2014-03-03', '2014-04-03', 'completed', 'Zakład Remontowo-Budowlany (dane demonstracyjne)', 112000000, true),
 ('DEMO/ZO/2013/7', 'Catering na spotkanie wigilijne', 'uslugi', 600000, 143000, 'zapytanie_ofertowe',
  'Biuro Prezydenta', '2013-12-02', '2013-12-09', 'completed', '', 580000, true),
 ('DEMO/ZO/2014/3', 'Wynajem sali konferencyjnej z cateringiem', 'uslugi', 950000, 227000, 'zapytanie_ofertowe',
  'Wydział Zdrowia i Polityki Społecznej', '2014-04-15', '2014-04-25', 'completed', '', 910000, true),
 ('DEMO/ZO/2014/9', 'Badanie „Wpływ Bella Skyway Festival na rozwój turystyczny i gospodarczy miasta”', 'uslugi',
  3000000, 716000, 'zapytanie_ofertowe', 'Wydział Promocji i Turystyki', '2014-06-01', '2014-06-15', 'completed',
  'Pracownia badań społecznych (dane demonstracyjne)', 2800000, true),
 ('DEMO/TP/2026/4', 'Utrzymanie zieleni na osiedlu Rubinkowo', 'uslugi', 42000000, NULL, 'tryb_podstawowy',
  'Wydział Środowiska i Ekologii', current_date - 200, current_date - 170, 'in_progress', '', 39000000, true);
INSERT INTO procurement_clauses (procurement_id, clause, requirement, people, target_group, months, next_check_on)
SELECT p.id, c.clause, c.requirement, c.people, c.target_group, c.months,
       CASE WHEN p.status = 'in_progress' THEN current_date + 3 END
FROM procurements p JOIN (VALUES
 ('DEMO/ZP/2013/1', 'pzp2004-art29-4', 'Zatrudnienie 2 osób bezrobotnych przez cały okres umowy.', 2, 'bezrobotni', 12),
 ('DEMO/ZP/2014/2', 'pzp2004-art29-4', 'Zatrudnienie 1 osoby bezrobotnej przy robotach.', 1, 'bezrobotni', 6),
 ('DEMO/ZO/2013/7', 'pzp2004-art22-2', 'Zamówienie zastrzeżone dla wykonawców zatrudniających osoby z niepełnosprawnościami.', NULL, NULL, NULL),
 ('DEMO/ZO/2014/3', 'pzp2004-art29-4', 'Obsługa cateringu z udziałem osoby z niepełnosprawnością.', 1, 'niepelnosprawni', 1),
 ('DEMO/ZO/2014/9', 'pzp2004-art29-4', 'Zatrudnienie przy badaniu 1 absolwenta CIS.', 1, 'cis_kis', 3),
 ('DEMO/TP/2026/4', 'pzp2019-art96', 'Zatrudnienie 3 osób bezrobotnych na umowę o pracę przez 24 miesiące.', 3, 'bezrobotni', 24)
) AS c(reference, clause, requirement, people, target_group, months) ON c.reference = p.reference;
INSERT INTO clause_checks (clause_id, checked_on, checked_by_name, people_employed, months, evidence, verdict)
SELECT c.id, v.checked_on, 'Urząd (dane demonstracyjne)', v.people, v.months, v.evidence, v.verdict
FROM procurement_clauses c JOIN procurements p ON p.id = c.procurement_id JOIN (VALUES
 ('DEMO/ZP/2013/1', DATE '2014-06-30', 2, 12, 'Umowy o pracę i zaświadczenia z PUP.', 'spelniona'),
 ('DEMO/ZP/2014/2', DATE '2014-12-15', 0, 0, 'Wykonawca nie zatrudnił wskazanej osoby.', 'niespelniona'),
 ('DEMO/TP/2026/4', current_date - 87, 3, 3, 'Kopie umów o pracę 3 osób.', 'spelniona')
) AS v(reference, checked_on, people, months, evidence, verdict) ON v.reference = p.reference;
";

/// The demo's register of social clauses (see [`PROCUREMENTS`]); the Christmas catering went to
/// one of Toruń's demo PES. Only into an empty register.
async fn seed_procurements(db: &Database) -> Result<(), pestor_kit::AppError> {
    let torun = TenantStore::new(db.clone()).find("torun").await?;
    let mut tx = db.tenant(&torun).begin().await?;
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM procurements)")
        .fetch_one(&mut *tx)
        .await?;
    if empty {
        sqlx::raw_sql(PROCUREMENTS).execute(&mut *tx).await?;
        sqlx::query(
            "UPDATE procurements p SET contractor_teryt = '0463011', contractor_org_id = o.id, contractor_name = o.name
             FROM (SELECT id, name FROM organisations WHERE status = 'verified' ORDER BY id LIMIT 1) o
             WHERE p.reference = 'DEMO/ZO/2013/7'",
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn seed_organisations(
    db: &Database,
    registry: &Registry,
) -> Result<(), pestor_kit::AppError> {
    let store = TenantStore::new(db.clone());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(ORGANISATIONS.as_bytes());
    let headers = reader.headers().map_err(demo_data)?.clone();
    for record in reader.records() {
        let record = record.map_err(demo_data)?;
        let mut fields: HashMap<String, String> = headers
            .iter()
            .zip(record.iter())
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let split = |v: Option<String>| -> Vec<String> {
            v.unwrap_or_default()
                .split('|')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let (areas, also_in) = (
            split(fields.remove("areas")),
            split(fields.remove("also_in")),
        );
        let slug = fields.remove("slug").unwrap_or_default();
        let mut tenant_fields = fields;
        let tenant = store.find(&slug).await?;
        tenant_fields.insert(
            "gmina_teryt".into(),
            tenant.gmina().teryt.as_str().to_owned(),
        );
        let card = OrganisationDraft {
            fields: &tenant_fields,
            areas: &areas,
            also_in: &also_in,
        }
        .validate(registry, 2026)
        .map_err(|e| demo_data(format!("{}: {e:?}", tenant_fields["name"])))?;
        let mut tx = db.tenant(&tenant).begin().await?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organisations WHERE name = $1)")
                .bind(&card.name)
                .fetch_one(&mut *tx)
                .await?;
        if !exists {
            store::insert_by_staff(&mut tx, &card, None)
                .await
                .map_err(|e| demo_data(e.to_string()))?;
        }
        tx.commit().await?;
    }
    Ok(())
}

const OFFERS: &str = include_str!("../data/demo-offers.csv");

/// Offers of Toruń's demo organisations, each with a generated photo stored like an upload.
async fn seed_offers(
    db: &Database,
    settings: &pestor_config::Settings,
) -> Result<(), pestor_kit::AppError> {
    let photos = pestor_photos::Store::from_settings(&settings.storage)?;
    let limits = pestor_photos::Limits {
        max_bytes: settings.storage.max_upload_bytes,
        max_pixels: settings.storage.max_image_pixels,
    };
    let torun = TenantStore::new(db.clone()).find("torun").await?;
    let teryt = torun.gmina().teryt.as_str();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(OFFERS.as_bytes());
    for record in reader.records() {
        let r = record.map_err(demo_data)?;
        let mut tx = db.tenant(&torun).begin().await?;
        let org: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
            .bind(&r[0])
            .fetch_optional(&mut *tx)
            .await?;
        let Some(org) = org else { continue };
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM offers WHERE organisation_id = $1 AND name = $2)",
        )
        .bind(org)
        .bind(&r[1])
        .fetch_one(&mut *tx)
        .await?;
        if exists {
            continue;
        }
        let offer = pestor_core::offer::Offer {
            name: r[1].into(),
            category: r[2].into(),
            price_grosze: pestor_core::offer::parse_price(&r[3]),
            price_note: r[4].into(),
            target_groups: r[5].split('|').map(str::to_owned).collect(),
            description: r[6].into(),
        };
        let id = pestor_offers::store::insert(&mut tx, org, &offer, None).await?;
        let hue = r[7].parse().unwrap_or(200);
        let png = picture(hue);
        let variants = pestor_photos::process(&png, limits).map_err(demo_data)?;
        let object = uuid::Uuid::new_v4();
        for v in pestor_photos::Variant::ALL {
            let key = pestor_photos::photo_key(teryt, object, v);
            photos
                .put(&key, variants.bytes(v).to_vec(), "image/jpeg")
                .await?;
        }
        pestor_offers::store::add_photo(
            &mut tx,
            id,
            object,
            &picture_alt(hue),
            variants.width,
            variants.height,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// What [`picture`] shows, in words: the demo has no photographs, so the alt text must not
/// pretend it has.
fn picture_alt(hue: u16) -> String {
    let colour = match hue % 360 {
        0..=14 | 345..=359 => "czerwone",
        15..=44 => "pomarańczowe",
        45..=69 => "żółte",
        70..=159 => "zielone",
        160..=199 => "turkusowe",
        200..=254 => "niebieskie",
        255..=289 => "fioletowe",
        _ => "różowe",
    };
    format!("Ilustracja zastępcza (dane demonstracyjne): {colour} tło z jaśniejszą elipsą")
}

/// A calm generated picture in the given hue (the demo has no real photographs).
fn picture(hue: u16) -> Vec<u8> {
    let (w, h) = (1200u32, 800u32);
    // Hue (degrees) to a soft RGB colour at brightness `v`.
    let colour = |v: f32| {
        let c = |n: f32| {
            let k = (n + f32::from(hue) / 30.0) % 12.0;
            0.55 - 0.35 * (k - 3.0).min(9.0 - k).clamp(-1.0, 1.0)
        };
        [c(0.0) * v, c(8.0) * v, c(4.0) * v]
    };
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let (dx, dy) = (fx - 0.62, fy - 0.45);
        let disc = if dx * dx + dy * dy * 2.25 < 0.04 {
            1.25
        } else {
            1.0
        };
        let [r, g, b] = colour((0.75 + 0.25 * (1.0 - fy)) * disc * 255.0);
        image::Rgb([r.min(255.0) as u8, g.min(255.0) as u8, b.min(255.0) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG in memory");
    out.into_inner()
}

fn demo_data(e: impl std::fmt::Display) -> pestor_kit::AppError {
    pestor_kit::AppError::BadRequest(format!("dane demo są błędne: {e}"))
}
