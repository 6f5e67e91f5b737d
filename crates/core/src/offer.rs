//! An offer of the Giełda (a product or service a PES offers) as typed into its form, checked
//! field by field with Polish messages.

use std::collections::HashMap;

use crate::organisation::FieldErrors;

/// Who an offer is for: code and label.
pub const TARGET_GROUPS: &[(&str, &str)] = &[
    ("urzad", "urząd / gmina"),
    ("mieszkancy", "osoby fizyczne"),
    ("pes", "inne PES"),
    ("firmy", "firmy"),
];

pub fn target_group_label(code: &str) -> Option<&'static str> {
    TARGET_GROUPS.iter().find(|g| g.0 == code).map(|g| g.1)
}

/// A checked offer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Offer {
    pub name: String,
    pub description: String,
    pub category: String,
    /// In grosze; `None` when the offer has no single price.
    pub price_grosze: Option<i64>,
    /// "15 zł; karnet 45 zł", "bezpłatnie".
    pub price_note: String,
    pub target_groups: Vec<String>,
}

/// A submitted offer form; `categories` are the gmina's category codes.
pub struct OfferDraft<'a> {
    pub fields: &'a HashMap<String, String>,
    pub target_groups: &'a [String],
    pub categories: &'a [String],
}

/// "1 234,50 zł", "15", "15.5" → grosze.
pub fn parse_price(raw: &str) -> Option<i64> {
    let cleaned: String = raw
        .trim()
        .trim_end_matches("zł")
        .trim_end_matches("PLN")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    let cleaned = cleaned.replace(',', ".");
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty()
        || whole.len() > 9
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let grosze = format!("{fraction:0<2}").parse::<i64>().ok()?;
    Some(whole.parse::<i64>().ok()? * 100 + grosze)
}

/// 1550 → "15,50 zł"; 1500 → "15 zł".
pub fn format_price(grosze: i64) -> String {
    let (zl, gr) = (grosze / 100, grosze % 100);
    let mut digits = zl.to_string();
    // Thousands separated by a non-breaking space, as Polish typesetting does.
    let mut i = digits.len() as isize - 3;
    while i > 0 {
        digits.insert(i as usize, '\u{a0}');
        i -= 3;
    }
    if gr == 0 {
        format!("{digits} zł")
    } else {
        format!("{digits},{gr:02} zł")
    }
}

/// An amount in hundredths as typed in a form: 4550 → "45,50", 1500 → "15".
pub fn typed_amount(hundredths: i64) -> String {
    if hundredths % 100 == 0 {
        (hundredths / 100).to_string()
    } else {
        format!("{},{:02}", hundredths / 100, hundredths % 100)
    }
}

/// An amount in hundredths with two decimals and no separators, for CSV: 1500 → "15,00".
pub fn csv_amount(hundredths: i64) -> String {
    format!("{},{:02}", hundredths / 100, hundredths % 100)
}

impl OfferDraft<'_> {
    fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |v| v.trim())
    }

    pub fn validate(&self) -> Result<Offer, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut fail = |field: &'static str, message: &str| {
            errors.entry(field).or_insert_with(|| message.to_owned());
        };
        let name = self.text("name");
        match name.chars().count() {
            0 => fail("name", "Podaj nazwę produktu lub usługi."),
            1 => fail("name", "Nazwa jest za krótka."),
            n if n > 200 => fail("name", "Nazwa może mieć najwyżej 200 znaków."),
            _ => {}
        }
        let description = self.text("description");
        if description.chars().count() > 5000 {
            fail("description", "Opis może mieć najwyżej 5000 znaków.");
        }
        let category = self.text("category");
        if !self.categories.iter().any(|c| c == category) {
            fail("category", "Wybierz kategorię z listy.");
        }
        let price_grosze = match self.text("price") {
            "" => None,
            raw => match parse_price(raw) {
                Some(p) => Some(p),
                None => {
                    fail(
                        "price",
                        "Cena to kwota w złotych, np. 15 albo 15,50. Inne warunki opisz w uwagach o cenie.",
                    );
                    None
                }
            },
        };
        let price_note = self.text("price_note");
        if price_note.chars().count() > 200 {
            fail("price_note", "Uwagi o cenie mogą mieć najwyżej 200 znaków.");
        }
        let mut groups: Vec<String> = Vec::new();
        for g in self.target_groups {
            if target_group_label(g).is_none() {
                fail("target_groups", "Wybierz odbiorców z listy.");
            } else if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        if groups.is_empty() {
            fail(
                "target_groups",
                "Wybierz co najmniej jedną grupę odbiorców.",
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Offer {
            name: name.to_owned(),
            description: description.to_owned(),
            category: category.to_owned(),
            price_grosze,
            price_note: price_note.to_owned(),
            target_groups: groups,
        })
    }
}

/// A category name as typed: trimmed, inner whitespace collapsed, 2–100 characters.
pub fn category_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    match name.chars().count() {
        0 => Err("Podaj nazwę kategorii."),
        1 => Err("Nazwa kategorii musi mieć co najmniej 2 znaki."),
        n if n > 100 => Err("Nazwa kategorii może mieć najwyżej 100 znaków."),
        _ => Ok(name),
    }
}

/// The code for a new category: its name folded to `a-z`, `0-9` and dashes, at most 40
/// characters (the database checks the same shape).
pub fn category_code(name: &str) -> String {
    let mut code = String::new();
    for c in crate::fold(name).chars() {
        if c.is_ascii_alphanumeric() {
            code.push(c);
        } else if !code.is_empty() && !code.ends_with('-') {
            code.push('-');
        }
    }
    let mut code: String = code.chars().take(36).collect();
    while code.ends_with('-') {
        code.pop();
    }
    if code.len() < 2 {
        code = "kategoria".into();
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_read_the_polish_way_and_written_back() {
        assert_eq!(parse_price("15"), Some(1500));
        assert_eq!(parse_price("15,5"), Some(1550));
        assert_eq!(parse_price(" 1 234,50 zł"), Some(123_450));
        assert_eq!(parse_price("0"), Some(0));
        for bad in ["", "-5", "15,555", "abc", "15 zł za godzinę", "1e3"] {
            assert_eq!(parse_price(bad), None, "{bad}");
        }
        assert_eq!(format_price(1500), "15 zł");
        assert_eq!(format_price(123_450), "1\u{a0}234,50 zł");
        assert_eq!(format_price(5), "0,05 zł");
    }

    #[test]
    fn every_field_is_checked_with_its_own_message() {
        let fields: HashMap<String, String> = [
            ("name", "x"),
            ("category", "nieznana"),
            ("price", "dużo"),
            ("description", &"a".repeat(5001)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let errors = OfferDraft {
            fields: &fields,
            target_groups: &["kosmici".to_owned()],
            categories: &["catering".to_owned()],
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["category", "description", "name", "price", "target_groups"]
        );
    }

    #[test]
    fn a_good_offer_is_trimmed_and_deduplicated() {
        let fields: HashMap<String, String> = [
            ("name", " Obiady domowe "),
            ("category", "catering"),
            ("price", "18,90"),
            ("price_note", "abonament tygodniowy 85 zł"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let offer = OfferDraft {
            fields: &fields,
            target_groups: &["urzad".into(), "pes".into(), "urzad".into()],
            categories: &["catering".to_owned()],
        }
        .validate()
        .unwrap();
        assert_eq!(offer.name, "Obiady domowe");
        assert_eq!(offer.price_grosze, Some(1890));
        assert_eq!(offer.target_groups, ["urzad", "pes"]);
    }

    #[test]
    fn codes_are_folded_names_within_the_databases_shape() {
        assert_eq!(category_code("Usługi transportowe"), "uslugi-transportowe");
        assert_eq!(
            category_code("  Żłobki & przedszkola!! "),
            "zlobki-przedszkola"
        );
        assert_eq!(category_code("Ś"), "kategoria");
        let long = category_code(&"Bardzo długa nazwa kategorii ".repeat(5));
        assert!(long.len() <= 36 && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            category_name("  Druk   i  poligrafia "),
            Ok("Druk i poligrafia".into())
        );
        assert!(category_name("  ").is_err());
        assert!(category_name("A").is_err());
        assert!(category_name(&"x".repeat(101)).is_err());
    }
}
