//! The organisation card of the PES registry as submitted in a form: every field checked, each
//! problem reported in Polish against its field, so a form can show all of them at once and keep
//! what was typed. Handlers store only what [`OrganisationDraft::validate`] returns.

use std::collections::{BTreeMap, HashMap};

use crate::pes::{
    legal_form, parse_krs, parse_nip, parse_postal_code, parse_regon, public_benefit_area,
};
use crate::{Registry, Teryt};

/// A checked organisation card, normalised (trimmed, numbers without separators).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Organisation {
    pub name: String,
    pub legal_form: String,
    pub krs: Option<String>,
    pub nip: Option<String>,
    pub regon: Option<String>,
    pub year_founded: Option<i32>,
    pub areas: Vec<String>,
    pub description: String,
    pub postal_code: Option<String>,
    pub locality: String,
    pub street: String,
    /// The gmina of the seat; the powiat follows from it.
    pub gmina_teryt: String,
    pub powiat_teryt: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub location: Option<(f64, f64)>,
    /// Other gminas of the region it also works in (TERYT codes).
    pub also_in: Vec<String>,
}

/// Field → what is wrong with it.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// A form as submitted: single fields by name, multi-selects (`areas`, `also_in`) as lists.
pub struct OrganisationDraft<'a> {
    pub fields: &'a HashMap<String, String>,
    pub areas: &'a [String],
    pub also_in: &'a [String],
}

const MAX_DESCRIPTION: usize = 10_000;

impl OrganisationDraft<'_> {
    fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |v| v.trim())
    }

    /// Checks every field; `this_year` bounds the founding year.
    pub fn validate(
        &self,
        registry: &Registry,
        this_year: i32,
    ) -> Result<Organisation, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut fail = |field: &'static str, message: &str| {
            errors.entry(field).or_insert_with(|| message.to_owned());
        };
        let name = self.text("name");
        match name.chars().count() {
            0 => fail("name", "Podaj nazwę organizacji."),
            1 => fail("name", "Nazwa jest za krótka."),
            n if n > 300 => fail("name", "Nazwa może mieć najwyżej 300 znaków."),
            _ => {}
        }
        let form = self.text("legal_form");
        if legal_form(form).is_none() {
            fail("legal_form", "Wybierz formę prawną z listy.");
        }
        let optional = |raw: &str| (!raw.is_empty()).then(|| raw.to_owned());
        let mut number =
            |field: &'static str, parse: fn(&str) -> Result<String, crate::pes::NumberError>| {
                let raw = self.text(field);
                if raw.is_empty() {
                    return None;
                }
                match parse(raw) {
                    Ok(n) => Some(n),
                    Err(e) => {
                        fail(field, &e.to_string());
                        None
                    }
                }
            };
        let krs = number("krs", parse_krs);
        let nip = number("nip", parse_nip);
        let regon = number("regon", parse_regon);
        let postal_code = number("postal_code", parse_postal_code);
        let year_founded = match self.text("year_founded") {
            "" => None,
            y => match y.parse::<i32>() {
                Ok(y) if (1800..=this_year).contains(&y) => Some(y),
                _ => {
                    fail(
                        "year_founded",
                        &format!("Rok założenia to liczba od 1800 do {this_year}."),
                    );
                    None
                }
            },
        };
        let mut areas: Vec<String> = Vec::new();
        for a in self.areas {
            if public_benefit_area(a.trim()).is_none() {
                fail("areas", "Wybierz sfery działalności z listy.");
            } else if !areas.contains(&a.trim().to_owned()) {
                areas.push(a.trim().to_owned());
            }
        }
        if self.areas.is_empty() {
            fail(
                "areas",
                "Wybierz co najmniej jedną sferę działalności pożytku publicznego.",
            );
        }
        let description = self.text("description");
        if description.chars().count() > MAX_DESCRIPTION {
            fail("description", "Opis może mieć najwyżej 10 000 znaków.");
        }
        let (locality, street) = (self.text("locality"), self.text("street"));
        if locality.chars().count() > 200 {
            fail(
                "locality",
                "Nazwa miejscowości może mieć najwyżej 200 znaków.",
            );
        }
        if street.chars().count() > 200 {
            fail("street", "Ulica i numer mogą mieć najwyżej 200 znaków.");
        }
        let gmina = Teryt::parse(self.text("gmina_teryt"))
            .ok()
            .and_then(|t| registry.by_teryt(&t));
        if gmina.is_none() {
            fail(
                "gmina_teryt",
                "Wybierz gminę siedziby z listy gmin województwa.",
            );
        }
        let phone = self.text("phone");
        if !phone.is_empty() && !plausible_phone(phone) {
            fail("phone", PHONE_MESSAGE);
        }
        let email = self.text("email");
        if !email.is_empty() && !plausible_email(email) {
            fail(
                "email",
                "Podaj poprawny adres e-mail, np. biuro@fundacja.org.pl.",
            );
        }
        let website = self.text("website");
        if !website.is_empty() && !plausible_url(website) {
            fail(
                "website",
                "Adres strony zaczyna się od http:// lub https://, np. https://fundacja.org.pl.",
            );
        }
        let location = crate::geo::parse_position(
            self.text("lat"),
            self.text("lon"),
            &crate::geo::POLAND,
        )
        .unwrap_or_else(|()| {
            fail(
                "location",
                "Położenie to szerokość i długość geograficzna w Polsce, np. 53.0138 i 18.5984.",
            );
            None
        });
        let mut also_in: Vec<String> = Vec::new();
        for t in self.also_in {
            let found = Teryt::parse(t.trim())
                .ok()
                .and_then(|t| registry.by_teryt(&t));
            match found {
                None => fail("also_in", "Wybierz gminy z listy gmin województwa."),
                Some(g) if Some(g.teryt.as_str()) == gmina.map(|s| s.teryt.as_str()) => {}
                Some(g) if !also_in.iter().any(|a| a == g.teryt.as_str()) => {
                    also_in.push(g.teryt.as_str().to_owned())
                }
                Some(_) => {}
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let gmina = gmina.expect("checked above");
        Ok(Organisation {
            name: name.to_owned(),
            legal_form: form.to_owned(),
            krs,
            nip,
            regon,
            year_founded,
            areas,
            description: description.to_owned(),
            postal_code,
            locality: locality.to_owned(),
            street: street.to_owned(),
            gmina_teryt: gmina.teryt.as_str().to_owned(),
            powiat_teryt: gmina.powiat_teryt.clone(),
            phone: optional(phone),
            email: optional(email),
            website: optional(website),
            location,
            also_in,
        })
    }
}

fn plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    e.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
}

/// The message of a phone number that [`plausible_phone`] refuses.
pub const PHONE_MESSAGE: &str =
    "Podaj numer telefonu cyframi, np. 56 611 88 88 albo +48 600 100 200.";

/// Whether `p` looks like a phone number: 7 to 15 digits, with spaces, `+`, `-` and brackets.
pub fn plausible_phone(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits) && p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

/// Whether `u` looks like a web address a person could open: http(s), a host with a dot, no
/// spaces or quotes, at most 500 characters.
pub fn plausible_url(u: &str) -> bool {
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        u.len() <= 500
            && host.contains('.')
            && !r
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '"')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        Registry::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tenants"))
            .unwrap()
    }

    fn good() -> HashMap<String, String> {
        [
            ("name", "Fundacja Bank Żywności w Toruniu"),
            ("legal_form", "fundacja"),
            ("krs", "123456"),
            ("nip", "123-456-32-18"),
            ("regon", "123456785"),
            ("year_founded", "1997"),
            (
                "description",
                "Zbieramy żywność i przekazujemy ją potrzebującym.",
            ),
            ("postal_code", "87-100"),
            ("locality", "Toruń"),
            ("street", "ul. Przykładowa 1"),
            ("gmina_teryt", "0463011"),
            ("phone", "56 611 88 88"),
            ("email", "biuro@bank.example"),
            ("website", "https://bank.example/o-nas"),
            ("lat", "53,0138"),
            ("lon", "18.5984"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn check(
        fields: &HashMap<String, String>,
        areas: &[&str],
        also_in: &[&str],
    ) -> Result<Organisation, FieldErrors> {
        let areas: Vec<String> = areas.iter().map(|s| s.to_string()).collect();
        let also_in: Vec<String> = also_in.iter().map(|s| s.to_string()).collect();
        OrganisationDraft {
            fields,
            areas: &areas,
            also_in: &also_in,
        }
        .validate(&registry(), 2026)
    }

    #[test]
    fn a_good_card_is_normalised() {
        let o = check(
            &good(),
            &["1", "1", "32a"],
            &["0461011", "0463011", "0461011"],
        )
        .unwrap();
        assert_eq!(o.krs.as_deref(), Some("0000123456"));
        assert_eq!(o.nip.as_deref(), Some("1234563218"));
        assert_eq!(o.powiat_teryt, "0463", "the powiat follows from the gmina");
        assert_eq!(o.areas, ["1", "32a"], "duplicates dropped");
        assert_eq!(
            o.also_in,
            ["0461011"],
            "its own gmina and duplicates dropped"
        );
        assert_eq!(
            o.location,
            Some((53.0138, 18.5984)),
            "a decimal comma is accepted"
        );
        // Only name, form, gmina and one area are required.
        let minimal: HashMap<String, String> = [
            ("name", "KGW Łubianka"),
            ("legal_form", "kolo_gospodyn_wiejskich"),
            ("gmina_teryt", "0415052"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let o = check(&minimal, &["16"], &[]).unwrap();
        assert_eq!((o.krs, o.email, o.location), (None, None, None));
    }

    #[test]
    fn every_bad_field_gets_its_own_polish_message() {
        let cases: &[(&str, &str, &str)] = &[
            ("name", "", "Podaj nazwę"),
            ("name", "A", "za krótka"),
            ("legal_form", "spolka_z_oo", "formę prawną"),
            ("krs", "12345678901", "KRS"),
            ("nip", "1234563217", "cyfrę kontrolną"),
            ("regon", "123456786", "cyfrę kontrolną"),
            ("year_founded", "2027", "od 1800 do 2026"),
            ("year_founded", "dawno", "od 1800 do 2026"),
            ("postal_code", "87100", "NN-NNN"),
            ("gmina_teryt", "1465011", "gminę siedziby"),
            ("gmina_teryt", "", "gminę siedziby"),
            ("phone", "zadzwoń", "numer telefonu"),
            ("phone", "12", "numer telefonu"),
            ("email", "biuro@", "adres e-mail"),
            ("website", "bank.example", "http://"),
            ("website", "javascript:alert(1)", "http://"),
            ("lat", "60", "Położenie"),
            ("locality", &"x".repeat(201), "200 znaków"),
            ("description", &"x".repeat(10_001), "10 000 znaków"),
        ];
        for (field, value, message) in cases {
            let mut f = good();
            f.insert(field.to_string(), value.to_string());
            let errors = check(&f, &["1"], &[]).unwrap_err();
            let key = if *field == "lat" { "location" } else { field };
            assert!(
                errors.get(key).is_some_and(|m| m.contains(message)),
                "{field}={value:?}: {errors:?}"
            );
            assert_eq!(errors.len(), 1, "only {field} is wrong: {errors:?}");
        }
        let errors = check(&good(), &[], &[]).unwrap_err();
        assert!(errors["areas"].contains("co najmniej jedną"));
        let errors = check(&good(), &["99z"], &[]).unwrap_err();
        assert!(errors["areas"].contains("z listy"));
        let errors = check(&good(), &["1"], &["9999999"]).unwrap_err();
        assert!(errors["also_in"].contains("z listy"));
        let mut half = good();
        half.insert("lon".into(), String::new());
        assert!(
            check(&half, &["1"], &[])
                .unwrap_err()
                .contains_key("location"),
            "latitude without longitude"
        );
    }
}
