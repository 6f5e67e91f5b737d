//! Demo data for `pestor serve --demo`: never used otherwise. The organisations are real names
//! from the 2013 Toruń programme and illustrative ones; every address, phone and e-mail is made up.

use std::collections::HashMap;

use pestor_core::Registry;
use pestor_core::organisation::OrganisationDraft;
use pestor_db::{Database, TenantStore};

use crate::organisations::store;

/// The demo's administrator of Toruń. The password is public (README): `--demo` is for trying the
/// platform on one's own machine, never for a deployment.
pub const ADMIN_EMAIL: &str = "admin@torun.example";
pub const ADMIN_PASSWORD: &str = "demo-pestor-2026";

/// Creates the demo administrator of Toruń (verified, role `admin`) unless the account exists.
/// Returns whether it was created.
pub async fn seed_admin(pool: &sqlx::PgPool) -> sqlx::Result<bool> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE lower(email) = $1)")
            .bind(ADMIN_EMAIL)
            .fetch_one(pool)
            .await?;
    if exists {
        return Ok(false);
    }
    let hash = crate::auth::password::hash(ADMIN_PASSWORD.to_owned()).await;
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, display_name, password_hash, email_verified_at)
         VALUES ($1, 'Administrator demo (Toruń)', $2, now()) RETURNING id",
    )
    .bind(ADMIN_EMAIL)
    .bind(hash)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO gmina_roles (account_id, teryt, role) SELECT $1, teryt, 'admin' FROM tenants WHERE slug = 'torun'")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

const ORGANISATIONS: &str = include_str!("../data/demo-organisations.csv");

/// Everything the demo shows: Toruń's administrator and verified organisations in Toruń and a
/// few other gminas (added as by staff; skipped when a card of that name exists).
pub async fn seed(db: &Database, registry: &Registry) -> Result<bool, crate::AppError> {
    let created = seed_admin(&db.pool).await?;
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
        tenant_fields.insert("gmina_teryt".into(), tenant.gmina.teryt.as_str().to_owned());
        let card = OrganisationDraft {
            fields: &tenant_fields,
            areas: &areas,
            also_in: &also_in,
        }
        .validate(registry, 2026)
        .map_err(|e| demo_data(format!("{}: {e:?}", tenant_fields["name"])))?;
        let teryt = tenant.gmina.teryt.as_str();
        let mut tx = tenant.db(&db.pool).begin().await?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organisations WHERE name = $1)")
                .bind(&card.name)
                .fetch_one(&mut *tx)
                .await?;
        if !exists {
            store::insert_by_staff(&mut tx, teryt, &card, None)
                .await
                .map_err(|e| demo_data(e.to_string()))?;
        }
        tx.commit().await?;
    }
    Ok(created)
}

fn demo_data(e: impl std::fmt::Display) -> crate::AppError {
    crate::AppError::BadRequest(format!("dane demo są błędne: {e}"))
}
