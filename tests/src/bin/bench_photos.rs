//! Photo upload throughput without HTTP: generated camera-sized JPEGs checked, decoded,
//! re-encoded into both variants and written to a local-folder store — the work an upload costs
//! the server besides reading the body.
//!   bench_photos <count> <width> <height>
//! Used by `scripts/bench.sh`; not a test.

use std::io::Cursor;
use std::time::Instant;

use pestor_photos::{Limits, Store, Variant, photo_key};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, count, width, height] = args.as_slice() else {
        return Err("użycie: bench_photos <liczba> <szerokość> <wysokość>".into());
    };
    let (count, w, h): (usize, u32, u32) = (count.parse()?, width.parse()?, height.parse()?);
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    }));
    let mut jpeg = Cursor::new(Vec::new());
    img.write_to(&mut jpeg, image::ImageFormat::Jpeg)?;
    let jpeg = jpeg.into_inner();
    let dir = std::env::temp_dir().join(format!("pestor-bench-photos-{}", std::process::id()));
    let store = Store::Local(dir.clone());
    let limits = Limits {
        max_bytes: 10 << 20,
        max_pixels: 40_000_000,
    };
    let mut times = Vec::with_capacity(count);
    let started = Instant::now();
    for _ in 0..count {
        let t = Instant::now();
        let bytes = jpeg.clone();
        let v =
            tokio::task::spawn_blocking(move || pestor_photos::process(&bytes, limits)).await??;
        let object = uuid::Uuid::new_v4();
        for variant in Variant::ALL {
            store
                .put(
                    &photo_key("0463011", object, variant),
                    v.bytes(variant).to_vec(),
                    "image/jpeg",
                )
                .await?;
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let total = started.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    println!(
        "zdjęcia {w}×{h} ({} KB): {count} w {total:.1} s = {:.2} zdjęcia/s na wątek; mediana {:.0} ms, p90 {:.0} ms",
        jpeg.len() / 1024,
        count as f64 / total,
        times[count / 2],
        times[count * 9 / 10]
    );
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
