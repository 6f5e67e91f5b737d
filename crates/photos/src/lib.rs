//! Photos of offers (and gmina logos): an upload is checked by its content, decoded within limits,
//! re-encoded (which drops EXIF and GPS) into fixed variants, and kept in an object store — S3 or
//! a local folder — under keys namespaced by the gmina's TERYT code, never its slug.

mod process;
mod store;

pub use process::{Limits, PhotoError, Variant, Variants, logo, process};
pub use store::{Store, StoreError};

/// The object key of one variant of a photo: `gmina/<TERYT>/zdjecia/<uuid>/<variant>.jpg`.
/// TERYT codes and UUIDs are all the key is made of, so no input can reach another gmina's keys.
pub fn photo_key(teryt: &str, photo: uuid::Uuid, variant: Variant) -> String {
    format!("gmina/{teryt}/zdjecia/{photo}/{}.jpg", variant.name())
}

/// The object key of a gmina's uploaded logo: `gmina/<TERYT>/logo/<uuid>.png`.
pub fn logo_key(teryt: &str, logo: uuid::Uuid) -> String {
    format!("gmina/{teryt}/logo/{logo}.png")
}
