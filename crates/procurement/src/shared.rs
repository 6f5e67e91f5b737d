//! What the register's parts share: its vocabularies with their Polish names and the
//! procurement a change is about.

use pestor_db::TenantTx;
use pestor_kit::error::{AppError, AppResult};

/// Kinds of procurement: code, label.
pub const KINDS: &[(&str, &str)] = &[
    ("uslugi", "usługi"),
    ("dostawy", "dostawy"),
    ("roboty", "roboty budowlane"),
];

/// Procedures: code, label. The first is below the Act's threshold.
pub const PROCEDURES: &[(&str, &str)] = &[
    (
        "zapytanie_ofertowe",
        "zapytanie ofertowe (poniżej progu ustawy)",
    ),
    ("tryb_podstawowy", "tryb podstawowy"),
    ("przetarg_nieograniczony", "przetarg nieograniczony"),
    ("przetarg_ograniczony", "przetarg ograniczony"),
    ("negocjacje", "negocjacje"),
    ("z_wolnej_reki", "zamówienie z wolnej ręki"),
    ("inny", "inny tryb"),
];

/// Statuses: code, label, and the statuses each may move to.
pub const STATUSES: &[(&str, &str, &[&str])] = &[
    ("planned", "planowane", &["announced", "cancelled"]),
    ("announced", "ogłoszone", &["decided", "cancelled"]),
    ("decided", "rozstrzygnięte", &["in_progress", "cancelled"]),
    ("in_progress", "w realizacji", &["completed"]),
    ("completed", "zakończone", &[]),
    ("cancelled", "unieważnione", &[]),
];

/// Groups a clause may require to be employed: code, label.
pub const GROUPS: &[(&str, &str)] = &[
    ("bezrobotni", "osoby bezrobotne"),
    ("niepelnosprawni", "osoby z niepełnosprawnościami"),
    ("cis_kis", "uczestnicy i absolwenci CIS lub KIS"),
    ("mlodociani", "młodociani"),
    ("inni", "inne osoby zagrożone wykluczeniem"),
];

/// Verdicts of a check: code, label.
pub const VERDICTS: &[(&str, &str)] = &[
    ("spelniona", "spełniona"),
    ("czesciowo", "spełniona częściowo"),
    ("niespelniona", "niespełniona"),
];

pub fn label(list: &[(&str, &'static str)], code: &str) -> &'static str {
    list.iter().find(|(c, _)| *c == code).map_or("", |(_, l)| l)
}

pub fn status_label(code: &str) -> &'static str {
    STATUSES.iter().find(|s| s.0 == code).map_or("", |s| s.1)
}

/// Whether a procurement may move from `from` to `to`.
pub fn may_move(from: &str, to: &str) -> bool {
    STATUSES
        .iter()
        .find(|s| s.0 == from)
        .is_some_and(|s| s.2.contains(&to))
}

/// The procurement `id`'s status, locked for this transaction.
pub async fn lock(tx: &mut TenantTx, id: i64) -> AppResult<String> {
    sqlx::query_scalar("SELECT status FROM procurements WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(AppError::NotFound)
}
