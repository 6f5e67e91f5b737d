//! Embeds the date of the last passing automated accessibility check, which the browser tests
//! record in `target/accessibility-check.txt`, so the accessibility statement of a release names the
//! test run that produced it.

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let file = std::path::Path::new(&manifest).join("../../target/accessibility-check.txt");
    println!("cargo:rerun-if-changed={}", file.display());
    let date = std::fs::read_to_string(&file).unwrap_or_default();
    let date = date.trim();
    // Only a plain date may reach the page.
    let valid = date.len() == 10 && date.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    println!(
        "cargo:rustc-env=PESTOR_ACCESSIBILITY_CHECKED={}",
        if valid { date } else { "" }
    );
}
