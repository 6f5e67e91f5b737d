//! Polish alphabetical order (ą after a, ł after l, ś after s, ź and ż after z), for sorting names
//! in Rust when the database does not sort them.

const ALPHABET: &str = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż";

/// A key that sorts strings in Polish alphabetical order, case-insensitively; ties broken by the text.
pub fn polish_sort_key(s: &str) -> (Vec<u32>, String) {
    let key = s
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match ALPHABET.chars().position(|a| a == c) {
            // Letters rank after digits and punctuation, which keep their code points.
            Some(i) => 0x1_0000 + i as u32,
            None if c.is_alphabetic() => 0x2_0000 + c as u32,
            None => c as u32,
        })
        .collect();
    (key, s.to_owned())
}

/// Lower case without Polish diacritics and surrounding spaces: "Miejscowość " → "miejscowosc".
/// For matching what people type (CSV headers, names) — the database's `public.fold()` does the
/// same for search.
pub fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ą' => 'a',
            'ć' => 'c',
            'ę' => 'e',
            'ł' => 'l',
            'ń' => 'n',
            'ó' => 'o',
            'ś' => 's',
            'ź' | 'ż' => 'z',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{fold, polish_sort_key};

    #[test]
    fn folding_drops_case_and_polish_diacritics() {
        assert_eq!(fold("  Źródło ŻYWNOŚCI Łódź "), "zrodlo zywnosci lodz");
    }

    #[test]
    fn polish_letters_follow_their_base_letters() {
        let mut names = vec![
            "Żnin",
            "Zławieś Wielka",
            "Łysomice",
            "Lubicz",
            "Świecie",
            "Szubin",
            "Ostaszewo",
            "Łabiszyn",
            "Ciechocinek",
            "Ćmielów",
        ];
        names.sort_by_key(|n| polish_sort_key(n));
        assert_eq!(
            names,
            [
                "Ciechocinek",
                "Ćmielów",
                "Lubicz",
                "Łabiszyn",
                "Łysomice",
                "Ostaszewo",
                "Szubin",
                "Świecie",
                "Zławieś Wielka",
                "Żnin"
            ]
        );
    }
}
