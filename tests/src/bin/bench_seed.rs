//! Fills one gmina of a running benchmark server with generated organisation cards, through the
//! same store code the forms use (so the regional projection is written too), and optionally
//! with offers of those organisations and with items of the equipment bank (some lent).
//!   bench_seed <socket dir of the embedded cluster> <gmina slug> <organisations> [<offers> [<items>]]
//! Used by `scripts/bench.sh`; not a test.

use std::collections::HashMap;
use std::time::Duration;

use pestor_core::Registry;
use pestor_core::organisation::OrganisationDraft;
use pestor_db::{Database, TenantStore};
use pestor_organisations::store;
use sqlx::postgres::PgConnectOptions;

const KINDS: &[(&str, &str)] = &[
    ("Stowarzyszenie", "stowarzyszenie"),
    ("Fundacja", "fundacja"),
    ("Spółdzielnia Socjalna", "spoldzielnia_socjalna"),
    ("Koło Gospodyń Wiejskich", "kolo_gospodyn_wiejskich"),
    (
        "Centrum Integracji Społecznej",
        "centrum_integracji_spolecznej",
    ),
];
/// Words with the letters Polish collation must order (Ł after L, Ś after S, Ż after Z).
const WORDS: &[&str] = &[
    "Lipa",
    "Łąka",
    "Sosna",
    "Świt",
    "Zorza",
    "Żuraw",
    "Brzoza",
    "Ćma",
    "Orzeł",
    "Jaskółka",
    "Wisła",
    "Drwęca",
    "Starówka",
    "Podgórz",
    "Mokre",
    "Rubinkowo",
    "Bielany",
    "Jakubskie",
    "Kaszczorek",
    "Wrzosy",
];
const STREETS: &[&str] = &[
    "ul. Szeroka",
    "ul. Łazienna",
    "ul. Żeglarska",
    "ul. Mickiewicza",
    "ul. Słowackiego",
    "ul. Gagarina",
    "ul. Olsztyńska",
    "ul. Legionów",
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (socket, slug, count, rest) = match args.as_slice() {
        [_, socket, slug, count, rest @ ..] if rest.len() <= 3 => {
            (socket, slug, count.parse::<usize>()?, rest)
        }
        _ => {
            return Err(
                "użycie: bench_seed <katalog gniazda> <slug gminy> <organizacje> [<oferty> [<przedmioty> [<zamówienia>]]]"
                    .into(),
            );
        }
    };
    let offers = rest.first().map_or(Ok(0), |n| n.parse::<usize>())?;
    let items = rest.get(1).map_or(Ok(0), |n| n.parse::<usize>())?;
    let procurements = rest.get(2).map_or(Ok(0), |n| n.parse::<usize>())?;
    let options = PgConnectOptions::new()
        .socket(socket)
        .port(5432)
        .username("pestor")
        .database("pestor");
    let db = Database::connect(
        options,
        pestor_db::PoolLimits::new(4, Duration::from_secs(10)),
    )
    .await?;
    // The server's registry (a synthetic one for the country-wide benchmark) or the region's.
    let registry = Registry::load(
        &std::env::var_os("PESTOR__TENANTS__DIR")
            .map_or_else(pestor_tests::tenants_dir, std::path::PathBuf::from),
    )?;
    // "wszystkie": every active gmina, for the regional dashboard with 144 gminas holding data.
    let store = TenantStore::new(db.clone());
    let tenants = if slug == "wszystkie" {
        store
            .list()
            .await?
            .iter()
            .filter(|t| t.status() == pestor_core::TenantStatus::Active)
            .cloned()
            .collect()
    } else {
        vec![store.find(slug).await?]
    };
    for tenant in &tenants {
        seed(&db, &registry, tenant, count, offers).await?;
        seed_equipment(&db, tenant, items).await?;
        seed_procurements(&db, tenant, procurements).await?;
    }
    println!(
        "{count} organizacji, {offers} ofert, {items} przedmiotów i {procurements} zamówień w {} {}",
        tenants.len(),
        if tenants.len() == 1 {
            "gminie"
        } else {
            "gminach"
        }
    );
    Ok(())
}

async fn seed(
    db: &Database,
    registry: &Registry,
    tenant: &pestor_db::Tenant,
    count: usize,
    offers: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let teryt = tenant.gmina().teryt.as_str();
    let mut tx = db.tenant(tenant).begin().await?;
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let (kind, form) = KINDS[i % KINDS.len()];
        let name = format!(
            "{kind} {} {} nr {i}",
            WORDS[i % WORDS.len()],
            WORDS[(i / WORDS.len()) % WORDS.len()]
        );
        let lat = format!("{:.5}", 52.98 + (i % 97) as f64 * 0.0008);
        let lon = format!("{:.5}", 18.55 + (i % 89) as f64 * 0.0012);
        let street = format!("{} {}", STREETS[i % STREETS.len()], 1 + i % 120);
        let description = format!(
            "Organizacja nr {i}: {} — wsparcie mieszkańców, warsztaty i usługi dla gminy.",
            if i % 10 == 0 {
                "bank żywności"
            } else {
                "integracja społeczna"
            }
        );
        let fields: HashMap<String, String> = [
            ("name", name.as_str()),
            ("legal_form", form),
            ("gmina_teryt", teryt),
            ("locality", tenant.gmina().name.as_str()),
            ("street", street.as_str()),
            ("description", description.as_str()),
            ("lat", lat.as_str()),
            ("lon", lon.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let areas = vec![(1 + i % 30).to_string(), (1 + i % 7).to_string()];
        let card = OrganisationDraft {
            fields: &fields,
            areas: &areas,
            also_in: &[],
        }
        .validate(registry, 2026)
        .map_err(|e| format!("{name}: {e:?}"))?;
        let id = store::insert_by_staff(&mut tx, &card, None)
            .await
            .map_err(|e| format!("{name}: {e}"))?;
        ids.push(id);
    }
    const OFFER_WORDS: &[&str] = &[
        "Obiady",
        "Pierogi",
        "Żurek",
        "Łazanki",
        "Sprzątanie",
        "Malowanie",
        "Warsztaty",
        "Szkolenie",
        "Catering",
        "Ceramika",
        "Oprawa",
        "Pranie",
        "Koszenie",
        "Ślubne dekoracje",
        "Festyn",
        "Druk",
    ];
    let categories = [
        "catering",
        "porzadkowe",
        "budowlane",
        "edukacja",
        "rekodzielo",
        "poligrafia",
        "zielen",
        "inne",
    ];
    let groups = ["urzad", "mieszkancy", "pes", "firmy"];
    for i in 0..offers {
        let offer = pestor_core::offer::Offer {
            name: format!(
                "{} {} nr {i}",
                OFFER_WORDS[i % OFFER_WORDS.len()],
                WORDS[i % WORDS.len()]
            ),
            description: format!(
                "Oferta nr {i}: usługa dla urzędu i mieszkańców, {}.",
                WORDS[(i / 7) % WORDS.len()]
            ),
            category: categories[i % categories.len()].into(),
            price_grosze: (i % 5 != 0).then_some(500 + (i as i64 * 37) % 50_000),
            price_note: String::new(),
            target_groups: vec![groups[i % 4].into(), groups[(i / 4) % 4].into()],
        };
        pestor_offers::store::insert(&mut tx, ids[i % ids.len().max(1)], &offer, None).await?;
    }
    tx.commit().await?;
    // What autovacuum does within a minute of a bulk import in production: without statistics
    // the planner would take 10,000 fresh rows for a handful and the first runs measure that.
    vacuum(db, tenant, &["organisations", "offers", "offer_photos"]).await?;
    sqlx::query("ANALYZE public.pes_directory")
        .execute(db.platform())
        .await?;
    Ok(())
}

/// `count` items of the equipment bank: a third lent (1–3 units, each unit with a few approved
/// loans in January 2027), the rest gifts. Written with SQL: the bank's forms are tested on their
/// own, and the triggers keep the regional projection as they do for the forms.
async fn seed_equipment(
    db: &Database,
    tenant: &pestor_db::Tenant,
    count: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    if count == 0 {
        return Ok(());
    }
    const THINGS: &[(&str, &str)] = &[
        ("Biurko", "meble"),
        ("Ławka", "meble"),
        ("Szafa", "meble"),
        ("Zestaw komputerowy", "komputery"),
        ("Drukarka", "biuro"),
        ("Aparat fotograficzny", "audio-wideo"),
        ("Gitara", "instrumenty"),
        ("Rower", "sport"),
        ("Namiot", "inne"),
    ];
    let mut tx = db.tenant(tenant).begin().await?;
    for i in 0..count {
        let (thing, category) = THINGS[i % THINGS.len()];
        let loan = i % 3 == 0;
        let quantity = (1 + i % 3) as i32;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO equipment_items (name, description, category, kind, condition, quantity, available,
                                          pickup_place, pickup_hours, by_office)
             VALUES ($1, $2, $3, $4, 'dobry', $5, $5, $6, 'pon.–pt. 9–15', true) RETURNING id",
        )
        .bind(format!("{thing} {} nr {i}", WORDS[i % WORDS.len()]))
        .bind(format!(
            "Przedmiot nr {i}: sprawny, {}.",
            WORDS[(i / 7) % WORDS.len()]
        ))
        .bind(category)
        .bind(if loan { "loan" } else { "gift" })
        .bind(quantity)
        .bind(format!("{} {}", STREETS[i % STREETS.len()], 1 + i % 120))
        .fetch_one(&mut *tx)
        .await?;
        if loan {
            // Units 1..quantity, each lent for three days in every week of January 2027.
            sqlx::query(
                "INSERT INTO equipment_loans (item_id, unit, organisation_teryt, organisation_id,
                                              organisation_name, during, justification, status)
                 SELECT $1, u, $2, 1, 'Fundacja Testowa', daterange(d, d + 3), 'Na zajęcia świetlicy.', 'approved'
                 FROM generate_series(1, $3) u, generate_series(0, 3) w,
                      LATERAL (SELECT date '2027-01-04' + ($1 % 4)::int + 7 * w AS d) day",
            )
            .bind(id)
            .bind(tenant.gmina().teryt.as_str())
            .bind(quantity)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    vacuum(db, tenant, &["equipment_items", "equipment_loans"]).await
}

/// `count` procurements of this and last year, each with a social clause; every third checked.
async fn seed_procurements(
    db: &Database,
    tenant: &pestor_db::Tenant,
    count: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    if count == 0 {
        return Ok(());
    }
    let mut tx = db.tenant(tenant).begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO procurements (reference, subject, kind, value_grosze, procedure, published_on, status, contractor_name)
         SELECT 'ZP/' || i, 'Usługi społeczne nr ' || i, 'uslugi', 1000000 + i * 1000, 'tryb_podstawowy',
                current_date - (i * 37 % 500), 'completed', CASE WHEN i % 2 = 0 THEN 'Wykonawca ' || i ELSE '' END
         FROM generate_series(1, {count}) i;
         INSERT INTO procurement_clauses (procurement_id, clause, requirement)
         SELECT id, 'pzp2019-art94', 'Zamówienie zastrzeżone dla PES.' FROM procurements;
         INSERT INTO clause_checks (clause_id, checked_on, checked_by_name, verdict)
         SELECT id, current_date, 'Urzędnik', (ARRAY['spelniona', 'czesciowo', 'niespelniona'])[1 + id % 3]
         FROM procurement_clauses WHERE id % 3 = 0;
         INSERT INTO clause_targets (year, target) VALUES (extract(year FROM current_date)::int, {count})
         ON CONFLICT (year) DO NOTHING;"
    )))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `VACUUM ANALYZE` of the gmina's `tables`.
async fn vacuum(
    db: &Database,
    tenant: &pestor_db::Tenant,
    tables: &[&str],
) -> Result<(), Box<dyn std::error::Error>> {
    let schema = tenant.gmina().teryt.schema();
    for table in tables {
        let vacuum = format!("VACUUM ANALYZE {}.{table}", schema.quoted());
        sqlx::query(sqlx::AssertSqlSafe(vacuum))
            .execute(db.platform())
            .await?;
    }
    Ok(())
}
