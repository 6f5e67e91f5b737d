//! Checking and re-encoding an uploaded photo. The type is decided by the file's first bytes
//! (JPEG, PNG, WebP — nothing else, so no SVG or HTML polyglot); the size in pixels is read from
//! the header and refused before anything is decoded (a "decompression bomb" costs nothing);
//! decoding runs under memory limits; the pixels are re-encoded as JPEG, which leaves EXIF and
//! GPS data behind.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

/// What an upload may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_pixels: u64,
}

/// The stored sizes of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// For lists: at most 400 px on the longer side.
    Thumbnail,
    /// For the offer page: at most 1600 px on the longer side.
    Display,
}

impl Variant {
    pub const ALL: [Variant; 2] = [Variant::Thumbnail, Variant::Display];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Thumbnail => "miniatura",
            Variant::Display => "duze",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == s)
    }

    /// The limit of the longer side, in pixels.
    pub fn longest_side(self) -> u32 {
        match self {
            Variant::Thumbnail => 400,
            Variant::Display => 1600,
        }
    }
}

/// A photo ready to store: JPEG bytes per variant and the display size.
#[derive(Debug)]
pub struct Variants {
    pub thumbnail: Vec<u8>,
    pub display: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl Variants {
    pub fn bytes(&self, v: Variant) -> &[u8] {
        match v {
            Variant::Thumbnail => &self.thumbnail,
            Variant::Display => &self.display,
        }
    }
}

/// Why a photo was refused; the message is for the person uploading it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("Plik jest za duży (najwyżej {0} MB).")]
    TooLarge(usize),
    #[error("Plik nie jest zdjęciem w formacie JPEG, PNG ani WebP.")]
    NotAPhoto,
    #[error("Zdjęcie ma za dużo pikseli ({width} × {height}); najwyżej {max} milionów.")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("Plik zdjęcia jest uszkodzony lub niekompletny.")]
    Damaged,
    /// A text field of the upload form holds a NUL character, which the database cannot store.
    #[error(
        "Formularz zawiera znak NUL (kod 0), którego nie można zapisać. Usuń go i wyślij ponownie."
    )]
    UnstorableText,
}

/// The format by the file's signature, not its name or declared type.
fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

/// A JPEG must end with its end-of-image marker: the decoder fills a cut-off file with grey
/// instead of failing, so a truncated upload is caught here.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Checks, decodes and re-encodes `bytes` into every [`Variant`].
pub fn process(bytes: &[u8], limits: Limits) -> Result<Variants, PhotoError> {
    let img = flatten(decode(bytes, limits)?);
    let display = fit(&img, Variant::Display);
    Ok(Variants {
        thumbnail: jpeg(&fit(&img, Variant::Thumbnail))?,
        width: display.width(),
        height: display.height(),
        display: jpeg(&display)?,
    })
}

/// A gmina's logo: the same checks, kept with its transparency as a PNG at most 512 px on its
/// longer side. Returns the PNG and its size.
pub fn logo(bytes: &[u8], limits: Limits) -> Result<(Vec<u8>, u32, u32), PhotoError> {
    let img = decode(bytes, limits)?;
    let img = if img.width() > 512 || img.height() > 512 {
        img.resize(512, 512, FilterType::Triangle)
    } else {
        img
    };
    let img = DynamicImage::ImageRgba8(img.into_rgba8());
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .map_err(|_| PhotoError::Damaged)?;
    Ok((out.into_inner(), img.width(), img.height()))
}

/// Checks the upload and decodes it within the limits, EXIF orientation applied.
fn decode(bytes: &[u8], limits: Limits) -> Result<DynamicImage, PhotoError> {
    if bytes.len() > limits.max_bytes {
        return Err(PhotoError::TooLarge(limits.max_bytes / (1024 * 1024)));
    }
    let format = sniff(bytes).ok_or(PhotoError::NotAPhoto)?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoError::Damaged);
    }
    let reader = || ImageReader::with_format(Cursor::new(bytes), format);
    // The header alone gives the size: checked before any pixel is decoded.
    let (width, height) = reader()
        .into_dimensions()
        .map_err(|_| PhotoError::Damaged)?;
    if u64::from(width) * u64::from(height) > limits.max_pixels || width == 0 || height == 0 {
        return Err(PhotoError::TooManyPixels {
            width,
            height,
            max: limits.max_pixels / 1_000_000,
        });
    }
    let mut limited = reader();
    let mut l = image::Limits::default();
    // Room for the largest allowed image as RGBA, plus the decoder's own buffers.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(4).saturating_add(64 << 20));
    limited.limits(l);
    let mut decoder = limited.into_decoder().map_err(|_| PhotoError::Damaged)?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| PhotoError::Damaged)?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    Ok(img)
}

/// RGB on white: JPEG has no transparency.
fn flatten(img: DynamicImage) -> DynamicImage {
    if !img.color().has_alpha() {
        return DynamicImage::ImageRgb8(img.into_rgb8());
    }
    let rgba = img.into_rgba8();
    let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
    for (dst, src) in rgb.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(src[3]);
        for c in 0..3 {
            dst[c] = ((u16::from(src[c]) * a + 255 * (255 - a)) / 255) as u8;
        }
    }
    DynamicImage::ImageRgb8(rgb)
}

/// Scaled down (never up) to the variant's longest side.
fn fit(img: &DynamicImage, v: Variant) -> DynamicImage {
    let side = v.longest_side();
    if img.width() <= side && img.height() <= side {
        img.clone()
    } else {
        img.resize(side, side, FilterType::Triangle)
    }
}

fn jpeg(img: &DynamicImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    img.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 82))
        .map_err(|_| PhotoError::Damaged)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_bytes: 10 << 20,
        max_pixels: 40_000_000,
    };

    fn encoded(format: ImageFormat, w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_photo_becomes_a_thumbnail_and_a_display_size_in_jpeg() {
        let v = process(&encoded(ImageFormat::Png, 2000, 1000), LIMITS).unwrap();
        assert_eq!((v.width, v.height), (1600, 800));
        let thumb = image::load_from_memory(&v.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (400, 200));
        assert_eq!(sniff(&v.display), Some(ImageFormat::Jpeg));
        // Small photos are not enlarged.
        let small = process(&encoded(ImageFormat::Jpeg, 300, 200), LIMITS).unwrap();
        assert_eq!((small.width, small.height), (300, 200));
    }

    #[test]
    fn anything_but_jpeg_png_or_webp_is_refused_by_content() {
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
        assert_eq!(process(svg, LIMITS).unwrap_err(), PhotoError::NotAPhoto);
        let html = b"<!doctype html><img src=x onerror=alert(1)>";
        assert_eq!(process(html, LIMITS).unwrap_err(), PhotoError::NotAPhoto);
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        assert_eq!(process(gif, LIMITS).unwrap_err(), PhotoError::NotAPhoto);
    }

    #[test]
    fn a_truncated_jpeg_is_damaged() {
        let full = encoded(ImageFormat::Jpeg, 640, 480);
        let cut = &full[..full.len() / 2];
        assert_eq!(process(cut, LIMITS).unwrap_err(), PhotoError::Damaged);
        let png = encoded(ImageFormat::Png, 640, 480);
        assert_eq!(
            process(&png[..png.len() / 2], LIMITS).unwrap_err(),
            PhotoError::Damaged
        );
    }

    #[test]
    fn limits_are_checked_before_decoding() {
        let big = encoded(ImageFormat::Png, 100, 100);
        let tiny = Limits {
            max_bytes: 100,
            max_pixels: 40_000_000,
        };
        assert_eq!(process(&big, tiny).unwrap_err(), PhotoError::TooLarge(0));
        let few = Limits {
            max_bytes: 10 << 20,
            max_pixels: 5_000,
        };
        assert!(matches!(
            process(&big, few).unwrap_err(),
            PhotoError::TooManyPixels {
                width: 100,
                height: 100,
                ..
            }
        ));
    }
}
