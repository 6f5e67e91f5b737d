//! Reading and writing offers and their photo rows, always through the gmina's tenant handle.

use pestor_core::offer::Offer;
use pestor_db::TenantTx;
use uuid::Uuid;

/// Most photos one offer may have.
pub const MAX_PHOTOS: i64 = 8;

/// An offer as stored, with its organisation and photos.
pub struct StoredOffer {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    /// Whether its organisation is verified (only then is the offer public).
    pub organisation_verified: bool,
    pub offer: Offer,
    pub category_name: String,
    /// `active`, `archived` or `hidden`.
    pub status: String,
    pub status_reason: String,
    pub created_at: time::OffsetDateTime,
    pub photos: Vec<Photo>,
    /// Offered also in the other gminas its organisation's card names.
    pub across_gminas: bool,
}

impl StoredOffer {
    /// Public: active, and its organisation verified.
    pub fn is_public(&self) -> bool {
        self.status == "active" && self.organisation_verified
    }
}

#[derive(sqlx::FromRow, serde::Serialize, Clone)]
pub struct Photo {
    pub id: i64,
    pub object: Uuid,
    pub position: i32,
    pub alt: String,
    pub width: i32,
    pub height: i32,
}

type OfferRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<i64>,
    String,
    Vec<String>,
    String,
    String,
    time::OffsetDateTime,
    String,
    String,
    bool,
);

pub async fn load(tx: &mut TenantTx, id: i64) -> sqlx::Result<Option<StoredOffer>> {
    let row: Option<OfferRow> = sqlx::query_as(
        "SELECT f.id, f.organisation_id, o.name, f.name, f.description, f.category, f.price_grosze,
                f.price_note, f.target_groups, f.status, f.status_reason, f.created_at, c.name, o.status,
                f.across_gminas
         FROM offers f JOIN organisation_summaries o ON o.id = f.organisation_id
              JOIN offer_categories c ON c.code = f.category
         WHERE f.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let photos = photos(tx, id).await?;
    Ok(Some(StoredOffer {
        id: r.0,
        organisation_id: r.1,
        organisation_name: r.2,
        offer: Offer {
            name: r.3,
            description: r.4,
            category: r.5,
            price_grosze: r.6,
            price_note: r.7,
            target_groups: r.8,
        },
        status: r.9,
        status_reason: r.10,
        created_at: r.11,
        category_name: r.12,
        organisation_verified: r.13 == "verified",
        photos,
        across_gminas: r.14,
    }))
}

/// The photos of several offers in one query, in each offer's order, keyed by offer.
pub async fn photos_of(
    tx: &mut TenantTx,
    offers: &[i64],
) -> sqlx::Result<std::collections::HashMap<i64, Vec<Photo>>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        offer_id: i64,
        #[sqlx(flatten)]
        photo: Photo,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT offer_id, id, object, position, alt, width, height FROM offer_photos
         WHERE offer_id = ANY ($1) ORDER BY offer_id, position, id",
    )
    .bind(offers)
    .fetch_all(&mut **tx)
    .await?;
    let mut by_offer = std::collections::HashMap::<i64, Vec<Photo>>::new();
    for row in rows {
        by_offer.entry(row.offer_id).or_default().push(row.photo);
    }
    Ok(by_offer)
}

pub async fn photos(tx: &mut TenantTx, offer: i64) -> sqlx::Result<Vec<Photo>> {
    sqlx::query_as(
        "SELECT id, object, position, alt, width, height FROM offer_photos
         WHERE offer_id = $1 ORDER BY position, id",
    )
    .bind(offer)
    .fetch_all(&mut **tx)
    .await
}

/// A new offer; `author` is the member who added it (none for demo data).
pub async fn insert(
    tx: &mut TenantTx,
    organisation: i64,
    o: &Offer,
    author: Option<i64>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO offers (organisation_id, name, description, category, price_grosze, price_note,
                             target_groups, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(organisation)
    .bind(&o.name)
    .bind(&o.description)
    .bind(&o.category)
    .bind(o.price_grosze)
    .bind(&o.price_note)
    .bind(&o.target_groups)
    .bind(author)
    .fetch_one(&mut **tx)
    .await
}

/// Makes the offer available (or not) in the other gminas its organisation works in.
pub async fn set_across_gminas(tx: &mut TenantTx, id: i64, across: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE offers SET across_gminas = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(across)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn update(tx: &mut TenantTx, id: i64, o: &Offer) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE offers SET name = $2, description = $3, category = $4, price_grosze = $5,
                price_note = $6, target_groups = $7, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(&o.name)
    .bind(&o.description)
    .bind(&o.category)
    .bind(o.price_grosze)
    .bind(&o.price_note)
    .bind(&o.target_groups)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds a photo row at the end; `false` (nothing written) when the offer already has the most.
pub async fn add_photo(
    tx: &mut TenantTx,
    offer: i64,
    object: Uuid,
    alt: &str,
    width: u32,
    height: u32,
) -> sqlx::Result<bool> {
    // The offer row is locked so two uploads at once cannot both take the eighth place.
    sqlx::query("SELECT 1 FROM offers WHERE id = $1 FOR UPDATE")
        .bind(offer)
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query(
        "INSERT INTO offer_photos (offer_id, object, position, alt, width, height)
         SELECT $1, $2, coalesce(max(position), 0) + 1, $3, $4, $5 FROM offer_photos WHERE offer_id = $1
         HAVING count(*) < $6",
    )
    .bind(offer)
    .bind(object)
    .bind(alt)
    .bind(width as i32)
    .bind(height as i32)
    .bind(MAX_PHOTOS)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done == 1)
}
