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

/// The address of one stored variant of a photo, as the photo route under `base` serves it
/// (each module serves its own photos: `/zdjecia` the Giełda's, `/bank-sprzetu/zdjecia` the
/// equipment bank's).
pub fn photo_url(base: &str, photo: impl std::fmt::Display, variant: Variant) -> String {
    format!("{base}/{photo}/{}", variant.name())
}

/// An `srcset` of the stored variants of a photo whose display variant is `width` × `height`,
/// so a browser fetches the smallest that fills its slot. Each variant's width is worked out as
/// [`process`] made it; a small photo stored once at the same size is listed once.
pub fn photo_srcset(base: &str, photo: impl std::fmt::Display, width: i32, height: i32) -> String {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let mut seen = Vec::new();
    let mut parts = Vec::new();
    for v in Variant::ALL {
        let side = f64::from(v.longest_side());
        let scaled = if w.max(h) > side {
            (w * side / w.max(h)).round()
        } else {
            w
        } as u32;
        if !seen.contains(&scaled) {
            seen.push(scaled);
            parts.push(format!("{} {scaled}w", photo_url(base, &photo, v)));
        }
    }
    parts.join(", ")
}

/// The object key of a gmina's uploaded logo: `gmina/<TERYT>/logo/<uuid>.png`.
pub fn logo_key(teryt: &str, logo: uuid::Uuid) -> String {
    format!("gmina/{teryt}/logo/{logo}.png")
}

#[cfg(test)]
mod tests {
    #[test]
    fn srcset_lists_each_stored_width_once() {
        assert_eq!(
            super::photo_srcset("/zdjecia", "a", 1200, 800),
            "/zdjecia/a/miniatura 400w, /zdjecia/a/duze 1200w"
        );
        assert_eq!(
            super::photo_srcset("/zdjecia", "a", 600, 900),
            "/zdjecia/a/miniatura 267w, /zdjecia/a/duze 600w"
        );
        assert_eq!(
            super::photo_srcset("/zdjecia", "a", 300, 200),
            "/zdjecia/a/miniatura 300w"
        );
    }
}
