//! Facts about social economy entities (PES) that every module checks the same way: the Polish
//! registry numbers (NIP, REGON, KRS) with their checksums, postal codes, the statutory legal forms
//! and the areas of public benefit (art. 4 of the public benefit act). The two lists are the files
//! in `crates/core/data/`, copied from `shared/data` and embedded in the binary.

use std::sync::OnceLock;

/// A registry number that is malformed; the message is Polish and names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("NIP musi mieć 10 cyfr (np. 123-456-32-18)")]
    NipShape,
    #[error("NIP ma błędną cyfrę kontrolną — sprawdź, czy nie ma literówki")]
    NipChecksum,
    #[error("REGON musi mieć 9 albo 14 cyfr")]
    RegonShape,
    #[error("REGON ma błędną cyfrę kontrolną — sprawdź, czy nie ma literówki")]
    RegonChecksum,
    #[error("numer KRS ma 10 cyfr (np. 0000123456); można pominąć zera na początku")]
    Krs,
    #[error("kod pocztowy ma postać NN-NNN, np. 87-100")]
    PostalCode,
}

/// Digits of `s` once spaces, dashes and dots are dropped; `None` if anything else is left.
fn digits(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for c in s.chars() {
        match c {
            '0'..='9' => out.push(c as u8 - b'0'),
            ' ' | '-' | '.' => {}
            _ => return None,
        }
    }
    Some(out)
}

fn weighted(d: &[u8], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(&d, &w)| u32::from(d) * w).sum()
}

/// Checks a NIP (with or without separators and a `PL` prefix); returns its 10 digits.
pub fn parse_nip(s: &str) -> Result<String, NumberError> {
    let s = s.trim();
    let s = s
        .strip_prefix("PL")
        .or_else(|| s.strip_prefix("pl"))
        .unwrap_or(s);
    let d = digits(s)
        .filter(|d| d.len() == 10)
        .ok_or(NumberError::NipShape)?;
    let check = weighted(&d, &[6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11;
    // A remainder of 10 is never issued; the first three digits name the tax office that issued
    // the number, and no office is 000 (so 0000000000, whose checksum holds, is no NIP).
    if check == 10 || check != u32::from(d[9]) || d[..3] == [0, 0, 0] {
        return Err(NumberError::NipChecksum);
    }
    Ok(d.iter().map(|d| char::from(b'0' + d)).collect())
}

/// Checks a REGON of 9 digits (an entity) or 14 (a local unit, whose first 9 must be valid too).
pub fn parse_regon(s: &str) -> Result<String, NumberError> {
    let d = digits(s.trim()).ok_or(NumberError::RegonShape)?;
    let ok = |d: &[u8], weights: &[u32]| {
        let check = weighted(d, weights) % 11 % 10;
        check == u32::from(d[d.len() - 1])
    };
    let valid = match d.len() {
        9 => ok(&d, &[8, 9, 2, 3, 4, 5, 6, 7]),
        14 => {
            ok(&d[..9], &[8, 9, 2, 3, 4, 5, 6, 7])
                && ok(&d, &[2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8])
        }
        _ => return Err(NumberError::RegonShape),
    };
    // Nine zeros pass the checksum, but no entity has them.
    if !valid || d.iter().all(|x| *x == 0) {
        return Err(NumberError::RegonChecksum);
    }
    Ok(d.iter().map(|d| char::from(b'0' + d)).collect())
}

/// Checks a KRS number: up to 10 digits, stored zero-padded to 10. KRS defines no check digit.
pub fn parse_krs(s: &str) -> Result<String, NumberError> {
    let d = digits(s.trim())
        .filter(|d| (1..=10).contains(&d.len()))
        .ok_or(NumberError::Krs)?;
    if d.iter().all(|&d| d == 0) {
        return Err(NumberError::Krs);
    }
    let n: String = d.iter().map(|d| char::from(b'0' + d)).collect();
    Ok(format!("{n:0>10}"))
}

/// Checks a Polish postal code, `NN-NNN`.
pub fn parse_postal_code(s: &str) -> Result<String, NumberError> {
    let s = s.trim();
    let b = s.as_bytes();
    let ok = b.len() == 6
        && b[2] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit());
    if ok {
        Ok(s.to_owned())
    } else {
        Err(NumberError::PostalCode)
    }
}

/// A legal form a PES may have.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LegalForm {
    /// Stable code stored in the database, e.g. `spoldzielnia_socjalna`.
    pub code: String,
    pub name: String,
    /// Short label for lists, e.g. "CIS".
    pub short: String,
    /// The statute that defines the form.
    pub statute: String,
}

/// An area of public benefit, a point of art. 4 ust. 1 of the public benefit act.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicBenefitArea {
    /// The point's number, e.g. `1`, `1a`, `32a`; stable, stored in the database.
    pub point: String,
    /// The statute's wording.
    pub name: String,
    /// A short label for filters.
    pub label: String,
}

fn read<T>(text: &str, row: impl Fn(&csv::StringRecord) -> T) -> Vec<T> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| row(&r.expect("embedded CSV is valid")))
        .collect()
}

/// The statutory legal forms of PES, in the order of `data/formy-prawne-pes.csv`.
pub fn legal_forms() -> &'static [LegalForm] {
    static FORMS: OnceLock<Vec<LegalForm>> = OnceLock::new();
    FORMS.get_or_init(|| {
        read(include_str!("../data/formy-prawne-pes.csv"), |r| {
            LegalForm {
                code: r[0].to_owned(),
                name: r[1].to_owned(),
                short: r[2].to_owned(),
                statute: r[3].to_owned(),
            }
        })
    })
}

/// The areas of public benefit, in the statute's order.
pub fn public_benefit_areas() -> &'static [PublicBenefitArea] {
    static AREAS: OnceLock<Vec<PublicBenefitArea>> = OnceLock::new();
    AREAS.get_or_init(|| {
        read(include_str!("../data/sfery-pozytku-publicznego.csv"), |r| {
            PublicBenefitArea {
                point: r[0].to_owned(),
                name: r[1].to_owned(),
                label: r[2].to_owned(),
            }
        })
    })
}

pub fn legal_form(code: &str) -> Option<&'static LegalForm> {
    legal_forms().iter().find(|f| f.code == code)
}

pub fn public_benefit_area(point: &str) -> Option<&'static PublicBenefitArea> {
    public_benefit_areas().iter().find(|a| a.point == point)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first run of digits, one per weight, whose weighted sum is ≡ 10 (mod 11).
    fn prefix_with_remainder_ten(weights: &[u32]) -> String {
        (0u64..)
            .map(|n| format!("{n:0width$}", width = weights.len()))
            .find(|p| {
                p.bytes()
                    .zip(weights)
                    .map(|(b, w)| u32::from(b - b'0') * w)
                    .sum::<u32>()
                    % 11
                    == 10
            })
            .unwrap()
    }

    #[test]
    fn nip_checksums() {
        // The worked example of shared/data: weighted sum 118, 118 mod 11 = 8.
        assert_eq!(parse_nip("1234563218").unwrap(), "1234563218");
        assert_eq!(parse_nip("123-456-32-18").unwrap(), "1234563218");
        assert_eq!(parse_nip("PL 123 456 32 18").unwrap(), "1234563218");
        assert_eq!(parse_nip("1234563217"), Err(NumberError::NipChecksum));
        assert_eq!(parse_nip("123456321"), Err(NumberError::NipShape));
        assert_eq!(parse_nip("12345632188"), Err(NumberError::NipShape));
        assert_eq!(parse_nip("12345A3218"), Err(NumberError::NipShape));
        assert_eq!(parse_nip(""), Err(NumberError::NipShape));
        assert_eq!(parse_nip("0000000000"), Err(NumberError::NipChecksum));
        assert_eq!(parse_nip("000-000-00-00"), Err(NumberError::NipChecksum));
        // A prefix whose weighted sum is ≡ 10 (mod 11) makes no valid NIP, whatever the last digit.
        let prefix = prefix_with_remainder_ten(&[6, 5, 7, 2, 3, 4, 5, 6, 7]);
        for last in 0..=9 {
            assert_eq!(
                parse_nip(&format!("{prefix}{last}")),
                Err(NumberError::NipChecksum)
            );
        }
    }

    #[test]
    fn regon_checksums() {
        // Worked examples of shared/data: sums 192 and 260.
        assert_eq!(parse_regon("123456785").unwrap(), "123456785");
        assert_eq!(parse_regon("12345678512347").unwrap(), "12345678512347");
        assert_eq!(parse_regon("123456786"), Err(NumberError::RegonChecksum));
        assert_eq!(
            parse_regon("12345678512348"),
            Err(NumberError::RegonChecksum)
        );
        // A 14-digit number whose own digit is right but whose entity part is wrong.
        assert!(parse_regon("12345678612346").is_err());
        assert_eq!(parse_regon("1234567"), Err(NumberError::RegonShape));
        assert_eq!(parse_regon("12345678x"), Err(NumberError::RegonShape));
    }

    #[test]
    fn regon_remainder_ten_counts_as_zero() {
        // Find a 9-digit prefix whose weighted sum is ≡ 10 (mod 11): its check digit is 0.
        let prefix = prefix_with_remainder_ten(&[8, 9, 2, 3, 4, 5, 6, 7]);
        assert!(parse_regon(&format!("{prefix}0")).is_ok(), "{prefix}0");
        assert_eq!(
            parse_regon(&format!("{prefix}1")),
            Err(NumberError::RegonChecksum)
        );
    }

    #[test]
    fn krs_and_postal_codes() {
        assert_eq!(parse_krs("123456").unwrap(), "0000123456");
        assert_eq!(parse_krs("0000123456").unwrap(), "0000123456");
        for bad in ["", "0000000000", "12345678901", "12a456"] {
            assert_eq!(parse_krs(bad), Err(NumberError::Krs), "{bad}");
        }
        assert_eq!(parse_postal_code(" 87-100 ").unwrap(), "87-100");
        for bad in ["87100", "87-10", "8a-100", "87–100", "87-1000"] {
            assert_eq!(
                parse_postal_code(bad),
                Err(NumberError::PostalCode),
                "{bad}"
            );
        }
    }

    #[test]
    fn statutory_lists_are_complete_and_unique() {
        let forms = legal_forms();
        assert_eq!(forms.len(), 17);
        assert_eq!(
            legal_form("centrum_integracji_spolecznej").unwrap().short,
            "CIS"
        );
        assert_eq!(legal_form("kolo_gospodyn_wiejskich").unwrap().short, "KGW");
        let areas = public_benefit_areas();
        assert_eq!(areas.len(), 41);
        assert_eq!(public_benefit_area("1").unwrap().label, "Pomoc społeczna");
        let mut points: Vec<_> = areas.iter().map(|a| &a.point).collect();
        points.sort();
        points.dedup();
        assert_eq!(points.len(), areas.len(), "points are unique");
        let mut codes: Vec<_> = forms.iter().map(|f| &f.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), forms.len());
    }
}
