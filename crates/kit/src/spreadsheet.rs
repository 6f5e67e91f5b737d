//! CSV for Polish Excel: UTF-8 with a byte-order mark, semicolons, CRLF, and no cell a
//! spreadsheet would run as a formula.

/// One CSV field: quoted when it must be; text that a spreadsheet would run as a formula gets a
/// leading apostrophe (CSV injection).
pub fn field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_owned()
    };
    if v.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// A whole file: the header row, then every row.
pub fn excel_csv<R, C>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut out = String::from("\u{feff}");
    let mut line = |cells: &mut dyn Iterator<Item = String>| {
        out.push_str(&cells.map(|c| field(&c)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    };
    line(&mut header.iter().map(|h| (*h).to_owned()));
    for row in rows {
        line(&mut row.into_iter());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(super::field("a;b"), "\"a;b\"");
        assert_eq!(super::field("=1+1"), "'=1+1");
        assert_eq!(
            super::excel_csv(&["a", "b"], [vec!["1".to_owned(), "x\"y".to_owned()]]),
            "\u{feff}a;b\r\n1;\"x\"\"y\"\r\n"
        );
    }
}
