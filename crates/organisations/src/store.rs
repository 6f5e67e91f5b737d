//! Writing organisation cards. Every write goes through the gmina's tenant handle and updates the
//! regional projection (`public.pes_directory`) in the same transaction.

use pestor_core::organisation::{FieldErrors, Organisation};
use pestor_db::GminaScoped;
use pestor_db::TenantTx;
use sqlx::Row;

/// Why a checked card could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Another card of this gmina has the same KRS or NIP; the message is for the form.
    #[error("numer już używany")]
    Duplicate(FieldErrors),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The one list of columns a card is written with, in bind order.
const COLUMNS: &str = "name, legal_form, krs, nip, regon, year_founded, areas, description, postal_code, \
                       locality, street, gmina_teryt, powiat_teryt, phone, email, website, lat, lon, also_in";

/// Inserts a card registered by `author` (status `pending`); returns its id.
pub async fn insert(
    tx: &mut TenantTx,
    o: &Organisation,
    author: Option<i64>,
) -> Result<i64, SaveError> {
    insert_as(tx, o, author, false).await
}

/// Inserts a card added by the gmina's staff (by hand or by import): published at once, and
/// claimable by the organisation.
pub async fn insert_by_staff(
    tx: &mut TenantTx,
    o: &Organisation,
    author: Option<i64>,
) -> Result<i64, SaveError> {
    insert_as(tx, o, author, true).await
}

async fn insert_as(
    tx: &mut TenantTx,
    o: &Organisation,
    author: Option<i64>,
    by_staff: bool,
) -> Result<i64, SaveError> {
    let sql = format!(
        "INSERT INTO organisations ({COLUMNS}, created_by, added_by_staff, status, verified_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                 CASE WHEN $21 THEN 'verified' ELSE 'pending' END, CASE WHEN $21 THEN now() END)
         RETURNING id"
    );
    let id: i64 = bind(sqlx::query(sqlx::AssertSqlSafe(sql)), o)
        .bind(author)
        .bind(by_staff)
        .fetch_one(&mut **tx)
        .await
        .map_err(duplicate)?
        .try_get(0)?;
    project(tx, id).await?;
    Ok(id)
}

/// Replaces the fields of card `id`; `false` if this gmina has no such card.
pub async fn update(tx: &mut TenantTx, id: i64, o: &Organisation) -> Result<bool, SaveError> {
    let sql = format!(
        "UPDATE organisations SET ({COLUMNS}, updated_at) =
           ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, now())
         WHERE id = $20"
    );
    let done = bind(sqlx::query(sqlx::AssertSqlSafe(sql)), o)
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(duplicate)?
        .rows_affected();
    if done == 0 {
        return Ok(false);
    }
    project(tx, id).await?;
    Ok(true)
}

/// A stored card: its checked fields and where it stands.
pub struct StoredCard {
    pub id: i64,
    pub card: Organisation,
    /// `pending`, `verified`, `rejected` or `hidden`.
    pub status: String,
    pub status_reason: String,
    pub added_by_staff: bool,
    pub verified_at: Option<time::OffsetDateTime>,
    pub confirmed_at: Option<time::OffsetDateTime>,
    pub created_at: time::OffsetDateTime,
}

/// Reads card `id` of this gmina (`FOR UPDATE` when `lock`), or `None`.
/// Card `id`, locked for the staff decision that is about to change its status, if it still has
/// status `from`; otherwise `stale` is the user's message (someone decided first) and nothing changes.
pub(crate) async fn lock_in_status(
    tx: &mut TenantTx,
    id: i64,
    from: &str,
    stale: &str,
) -> pestor_kit::error::AppResult<StoredCard> {
    use pestor_kit::error::AppError;
    let stored = load(tx, id, true).await?.ok_or(AppError::NotFound)?;
    if stored.status != from {
        return Err(AppError::BadRequest(stale.into()));
    }
    Ok(stored)
}

pub async fn load(tx: &mut TenantTx, id: i64, lock: bool) -> sqlx::Result<Option<StoredCard>> {
    let sql = format!(
        "SELECT id, {COLUMNS}, status, status_reason, added_by_staff, verified_at, confirmed_at, created_at
         FROM organisations WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    let lat: Option<f64> = r.try_get("lat")?;
    let lon: Option<f64> = r.try_get("lon")?;
    Ok(Some(StoredCard {
        id: r.try_get("id")?,
        card: Organisation {
            name: r.try_get("name")?,
            legal_form: r.try_get("legal_form")?,
            krs: r.try_get("krs")?,
            nip: r.try_get("nip")?,
            regon: r.try_get("regon")?,
            year_founded: r.try_get("year_founded")?,
            areas: r.try_get("areas")?,
            description: r.try_get("description")?,
            postal_code: r.try_get("postal_code")?,
            locality: r.try_get("locality")?,
            street: r.try_get("street")?,
            gmina_teryt: r.try_get("gmina_teryt")?,
            powiat_teryt: r.try_get("powiat_teryt")?,
            phone: r.try_get("phone")?,
            email: r.try_get("email")?,
            website: r.try_get("website")?,
            location: lat.zip(lon),
            also_in: r.try_get("also_in")?,
        },
        status: r.try_get("status")?,
        status_reason: r.try_get("status_reason")?,
        added_by_staff: r.try_get("added_by_staff")?,
        verified_at: r.try_get("verified_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
        created_at: r.try_get("created_at")?,
    }))
}

/// Sets the card's status (and the reason shown to its members) and updates the projection.
pub async fn set_status(
    tx: &mut TenantTx,
    id: i64,
    status: &str,
    reason: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE organisations SET status = $2, status_reason = $3, updated_at = now(),
                verified_at = CASE WHEN $2 = 'verified' AND status IN ('pending', 'verified') THEN now()
                                   ELSE verified_at END
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    project(tx, id).await
}

/// Binds a card's fields in the order of [`COLUMNS`].
fn bind<'q>(q: PgQuery<'q>, o: &'q Organisation) -> PgQuery<'q> {
    q.bind(&o.name)
        .bind(&o.legal_form)
        .bind(&o.krs)
        .bind(&o.nip)
        .bind(&o.regon)
        .bind(o.year_founded)
        .bind(&o.areas)
        .bind(&o.description)
        .bind(&o.postal_code)
        .bind(&o.locality)
        .bind(&o.street)
        .bind(&o.gmina_teryt)
        .bind(&o.powiat_teryt)
        .bind(&o.phone)
        .bind(&o.email)
        .bind(&o.website)
        .bind(o.location.map(|l| l.0))
        .bind(o.location.map(|l| l.1))
        .bind(&o.also_in)
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Copies card `id` into the regional projection (every write to a card ends with this).
pub(crate) async fn project(tx: &mut TenantTx, id: i64) -> sqlx::Result<()> {
    tx.scoped(
        "INSERT INTO public.pes_directory
           (teryt, organisation_id, name, legal_form, krs, nip, regon, year_founded, status, areas, description,
            postal_code, locality, street, gmina_teryt, powiat_teryt, phone, email, website, also_in, lat, lon,
            verified_at, created_at, updated_at)
         SELECT $1, id, name, legal_form, krs, nip, regon, year_founded, status, areas, description,
            postal_code, locality, street, gmina_teryt, powiat_teryt, phone, email, website, also_in, lat, lon,
            verified_at, created_at, updated_at
         FROM organisations WHERE id = $2
         ON CONFLICT (teryt, organisation_id) DO UPDATE SET
           name = EXCLUDED.name, legal_form = EXCLUDED.legal_form, krs = EXCLUDED.krs, nip = EXCLUDED.nip,
           regon = EXCLUDED.regon, year_founded = EXCLUDED.year_founded, status = EXCLUDED.status,
           areas = EXCLUDED.areas, description = EXCLUDED.description, postal_code = EXCLUDED.postal_code,
           locality = EXCLUDED.locality, street = EXCLUDED.street, gmina_teryt = EXCLUDED.gmina_teryt,
           powiat_teryt = EXCLUDED.powiat_teryt, phone = EXCLUDED.phone, email = EXCLUDED.email,
           website = EXCLUDED.website, also_in = EXCLUDED.also_in, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
           verified_at = EXCLUDED.verified_at, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn duplicate(e: sqlx::Error) -> SaveError {
    let field = match &e {
        sqlx::Error::Database(d) => match d.constraint() {
            Some("organisations_krs_key") => Some((
                "krs",
                "Organizacja z tym numerem KRS jest już w bazie tej gminy.",
            )),
            Some("organisations_nip_key") => Some((
                "nip",
                "Organizacja z tym numerem NIP jest już w bazie tej gminy.",
            )),
            _ => None,
        },
        _ => None,
    };
    match field {
        Some((f, m)) => SaveError::Duplicate(FieldErrors::from([(f, m.to_owned())])),
        None => SaveError::Db(e),
    }
}
