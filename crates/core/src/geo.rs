//! Positions typed in forms: a latitude and a longitude, with a decimal comma or point — both
//! or neither — inside the area a form accepts.

use std::ops::RangeInclusive;

/// Where a position may be.
pub struct Bounds {
    pub lat: RangeInclusive<f64>,
    pub lon: RangeInclusive<f64>,
}

/// Poland, with a margin.
pub const POLAND: Bounds = Bounds {
    lat: 49.0..=55.0,
    lon: 14.0..=24.5,
};

/// The voivodeship of kujawsko-pomorskie, with a margin.
pub const KUJAWSKO_POMORSKIE: Bounds = Bounds {
    lat: 52.3..=53.9,
    lon: 17.2..=19.8,
};

/// What a form says when a position in the voivodeship is not one.
pub const NOT_IN_THE_VOIVODESHIP: &str = "Podaj obie współrzędne w województwie kujawsko-pomorskim, np. 53,0102 i 18,6048 — albo żadnej.";

/// Two empty fields: no position. Two numbers inside `bounds`: the position. Anything else
/// (one of the two, a word, a point outside): `Err(())`, for the form to name.
#[allow(clippy::result_unit_err)]
pub fn parse_position(lat: &str, lon: &str, bounds: &Bounds) -> Result<Option<(f64, f64)>, ()> {
    let (lat, lon) = (lat.trim(), lon.trim());
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    let number = |v: &str| v.replace(',', ".").parse::<f64>().ok();
    match (number(lat), number(lon)) {
        (Some(a), Some(o)) if bounds.lat.contains(&a) && bounds.lon.contains(&o) => {
            Ok(Some((a, o)))
        }
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_or_neither_inside_the_bounds() {
        assert_eq!(parse_position("", "", &POLAND), Ok(None));
        assert_eq!(
            parse_position("53,0138", "18.5984", &POLAND),
            Ok(Some((53.0138, 18.5984)))
        );
        assert_eq!(parse_position("53", "", &POLAND), Err(()));
        assert_eq!(parse_position("50,1", "18,6", &KUJAWSKO_POMORSKIE), Err(()));
        assert_eq!(parse_position("pole", "18", &POLAND), Err(()));
    }
}
