//! Validated identifiers. A gmina is keyed by its TERYT code; its slug is only a name for a host.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("kod TERYT gminy musi mieć 7 cyfr, a typ gminy (ostatnia cyfra) 1–5: „{0}”")]
    Teryt(String),
    #[error(
        "nazwa w adresie może zawierać tylko małe litery a–z, cyfry i łączniki (2–40 znaków, bez łącznika na początku i końcu): „{0}”"
    )]
    Slug(String),
    #[error("nazwa „{0}” jest zarezerwowana i nie może być adresem gminy")]
    ReservedSlug(String),
}

/// `Display` and `Deserialize` for a text type whose only way in is `$t::parse`: a value read from
/// configuration or a form is checked exactly like one built in code.
macro_rules! checked_text {
    ($t:ident) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $t::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// The 7-digit TERC code of a gmina (WWPPGGR): voivodeship, powiat, gmina, type digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Teryt(String);

impl Teryt {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let ok = s.len() == 7
            && s.bytes().all(|b| b.is_ascii_digit())
            && matches!(s.as_bytes()[6], b'1'..=b'5');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::Teryt(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first four digits: the powiat.
    pub fn powiat(&self) -> &str {
        &self.0[..4]
    }

    /// The tenant's PostgreSQL schema. Derived from the validated code only, never from request input.
    pub fn schema(&self) -> SchemaName {
        SchemaName(format!("gmina_{}", self.0))
    }
}

checked_text!(Teryt);

/// A PostgreSQL schema name of the form `gmina_NNNNNNN`.
///
/// The only constructor is [`Teryt::schema`] (and [`SchemaName::parse`], which accepts exactly that shape),
/// so a value of this type is always safe to splice into DDL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SchemaName(String);

impl SchemaName {
    pub fn parse(s: &str) -> Option<Self> {
        let teryt = s.strip_prefix("gmina_")?;
        Teryt::parse(teryt).ok().map(|t| t.schema())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as a quoted SQL identifier.
    pub fn quoted(&self) -> String {
        format!("\"{}\"", self.0)
    }
}

impl fmt::Display for SchemaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// The subdomain label of a gmina, e.g. `torun` in `torun.example.pl`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let b = s.as_bytes();
        let shape = (2..=40).contains(&b.len())
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
            && !s.contains("--");
        if !shape {
            return Err(IdError::Slug(s.to_owned()));
        }
        if crate::is_reserved_subdomain(s) {
            return Err(IdError::ReservedSlug(s.to_owned()));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

checked_text!(Slug);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teryt_accepts_only_seven_digits_with_a_type_digit() {
        assert_eq!(Teryt::parse("0463011").unwrap().powiat(), "0463");
        for bad in [
            "",
            "046301",
            "04630111",
            "046301a",
            "0463010",
            "0463016",
            "'; drop",
            "０463011",
        ] {
            assert_eq!(Teryt::parse(bad), Err(IdError::Teryt(bad.into())), "{bad}");
        }
    }

    #[test]
    fn schema_names_come_only_from_teryt_codes() {
        let s = Teryt::parse("0463011").unwrap().schema();
        assert_eq!(s.as_str(), "gmina_0463011");
        assert_eq!(s.quoted(), "\"gmina_0463011\"");
        assert_eq!(SchemaName::parse("gmina_0463011"), Some(s));
        for bad in [
            "public",
            "gmina_",
            "gmina_0463011;",
            "gmina_046301x",
            "GMINA_0463011",
            "x",
        ] {
            assert_eq!(SchemaName::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn slugs_are_lowercase_ascii_words_and_never_reserved() {
        for ok in ["torun", "gmina-chelmza", "rogowo-zninski", "a1"] {
            assert_eq!(Slug::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "", "t", "Torun", "toruń", "-torun", "torun-", "to--run", "to_run", "to.run",
        ] {
            assert!(matches!(Slug::parse(bad), Err(IdError::Slug(_))), "{bad}");
        }
        assert_eq!(Slug::parse("www"), Err(IdError::ReservedSlug("www".into())));
        assert_eq!(Slug::parse("api"), Err(IdError::ReservedSlug("api".into())));
    }
}
