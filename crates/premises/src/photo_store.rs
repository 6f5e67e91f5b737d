//! The premises' photos as stored: their rows and where they are served. Read by the page and
//! the list; changed only by `photos`.

use pestor_kit::error::AppResult;
use pestor_kit::page::Gmina;
use pestor_photos::Variant;
use serde_json::{Value, json};
use uuid::Uuid;

/// The most photos a premises has.
pub const MAX_PHOTOS: i64 = 8;

/// Where the premises' photos are served.
pub const PHOTOS: &str = "/lokale/zdjecia";

#[derive(sqlx::FromRow)]
pub(crate) struct Stored {
    pub id: i64,
    pub object: Uuid,
    pub alt: String,
    pub width: i32,
    pub height: i32,
}

impl Stored {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "alt": self.alt, "width": self.width, "height": self.height,
            "thumbnail": pestor_photos::photo_url(PHOTOS, self.object, Variant::Thumbnail),
            "src": pestor_photos::photo_url(PHOTOS, self.object, Variant::Display),
            "srcset": pestor_photos::photo_srcset(PHOTOS, self.object, self.width, self.height),
        })
    }
}

/// The photos of premises `id`, in the order they were added.
pub(crate) async fn of_premises(gmina: &Gmina, id: i64) -> AppResult<Vec<Stored>> {
    let mut tx = gmina.begin().await?;
    let photos = sqlx::query_as(
        "SELECT id, object, alt, width, height FROM premises_photos WHERE premises_id = $1 ORDER BY position, id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(photos)
}
