//! What the premises parts share: statuses and standards with their Polish names, amounts typed
//! the Polish way (m² and zł with a decimal comma), the premises a change is about, and its history.

use pestor_core::offer::{format_price, parse_price, typed_amount};
use pestor_db::TenantTx;
use pestor_kit::error::{AppError, AppResult};

/// The object-store folder of application attachments, under `gmina/<teryt>/`.
pub const ATTACHMENTS: &str = "lokale/";
/// The same, as [`pestor_kit::documents`] names a folder.
pub const ATTACHMENT_FOLDER: &str = "lokale";

/// Statuses as stored, in URLs, and as shown.
pub const STATUSES: &[(&str, &str, &str)] = &[
    ("free", "wolny", "wolny"),
    ("call", "w-naborze", "w naborze"),
    ("leased_pes", "wynajety-pes", "wynajęty PES"),
    (
        "leased_other",
        "wynajety-inny",
        "wynajęty innemu podmiotowi",
    ),
    ("withdrawn", "wycofany", "wycofany"),
];

pub const STANDARDS: &[&str] = &["do remontu", "dostateczny", "dobry", "bardzo dobry"];

pub fn status_label(code: &str) -> &'static str {
    STATUSES.iter().find(|s| s.0 == code).map_or("", |s| s.2)
}

/// An amount typed with up to two decimals ("45,5", "12,50 zł") in hundredths.
pub fn parse_hundredths(raw: &str) -> Option<i64> {
    parse_price(raw.trim().trim_end_matches("m²").trim_end_matches("m2"))
}

/// An area for people: "45,50 m²".
pub fn area_text(hundredths: i64) -> String {
    format!("{} m²", typed_amount(hundredths))
}

/// A rent per m² per month for people: "12,50 zł/m²".
pub fn rent_text(grosze: i64) -> String {
    format!("{}/m²", format_price(grosze))
}

/// The premises `id` locked for this transaction: changes to one premises (its status, calls,
/// leases) happen one after another.
pub async fn lock(tx: &mut TenantTx, id: i64) -> AppResult<(String, i64, i64)> {
    sqlx::query_as(
        "SELECT status, (area_m2 * 100)::bigint, rent_standard_grosze FROM premises WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::NotFound)
}

/// Adds `event` to the premises' history at `at`.
pub async fn record(
    tx: &mut TenantTx,
    id: i64,
    at: time::OffsetDateTime,
    event: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO premises_history (premises_id, at, event) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(at)
        .bind(event)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
