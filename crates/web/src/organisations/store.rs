//! Writing organisation cards. Every write goes through the gmina's tenant handle and updates the
//! regional projection (`public.pes_directory`) in the same transaction.

use pestor_core::organisation::{FieldErrors, Organisation};
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

/// Inserts a new card (status `pending`) by `author`; returns its id.
pub async fn insert(
    tx: &mut TenantTx,
    teryt: &str,
    o: &Organisation,
    author: Option<i64>,
) -> Result<i64, SaveError> {
    let sql = format!(
        "INSERT INTO organisations ({COLUMNS}, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         RETURNING id"
    );
    let id: i64 = bind(sqlx::query(sqlx::AssertSqlSafe(sql)), o)
        .bind(author)
        .fetch_one(&mut **tx)
        .await
        .map_err(duplicate)?
        .try_get(0)?;
    project(tx, teryt, id).await?;
    Ok(id)
}

/// Replaces the fields of card `id`; `false` if this gmina has no such card.
pub async fn update(
    tx: &mut TenantTx,
    teryt: &str,
    id: i64,
    o: &Organisation,
) -> Result<bool, SaveError> {
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
    project(tx, teryt, id).await?;
    Ok(true)
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
pub(crate) async fn project(tx: &mut TenantTx, teryt: &str, id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO public.pes_directory
           (teryt, organisation_id, name, legal_form, krs, nip, status, areas, gmina_teryt, also_in, lat, lon, updated_at)
         SELECT $1, id, name, legal_form, krs, nip, status, areas, gmina_teryt, also_in, lat, lon, updated_at
         FROM organisations WHERE id = $2
         ON CONFLICT (teryt, organisation_id) DO UPDATE SET
           name = EXCLUDED.name, legal_form = EXCLUDED.legal_form, krs = EXCLUDED.krs, nip = EXCLUDED.nip,
           status = EXCLUDED.status, areas = EXCLUDED.areas, gmina_teryt = EXCLUDED.gmina_teryt,
           also_in = EXCLUDED.also_in, lat = EXCLUDED.lat, lon = EXCLUDED.lon, updated_at = EXCLUDED.updated_at",
    )
    .bind(teryt)
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
