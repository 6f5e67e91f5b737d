//! The equipment bank's words: kinds of item and conditions, as stored, in URLs and as shown.

/// Kinds: code in the database, code in URLs, label.
pub(crate) const KINDS: &[(&str, &str, &str)] = &[
    ("gift", "przekazanie", "przekazanie (na własność)"),
    ("loan", "uzyczenie", "użyczenie (wypożyczenie)"),
];

/// States an item may be in, as stored and as shown.
pub(crate) const CONDITIONS: &[(&str, &str)] = &[
    ("nowy", "nowy"),
    ("bardzo dobry", "bardzo dobry"),
    ("dobry", "dobry"),
    ("uzywany", "używany, sprawny"),
    ("do naprawy", "do naprawy"),
];

pub(crate) fn kind_label(code: &str) -> &'static str {
    KINDS.iter().find(|k| k.0 == code).map_or("", |k| k.2)
}

pub(crate) fn condition_label(code: &str) -> &'static str {
    CONDITIONS.iter().find(|c| c.0 == code).map_or("", |c| c.1)
}

/// The stored kind code for a stored value (an edit keeps it).
pub(crate) fn kind_code(stored: &str) -> &'static str {
    KINDS.iter().find(|k| k.0 == stored).map_or("gift", |k| k.0)
}
