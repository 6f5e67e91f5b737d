//! Polish alphabetical order (ą after a, ł after l, ś after s, ź and ż after z), for sorting names
//! in Rust when the database does not sort them.

const ALPHABET: &str = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż";
/// Letters of other languages met in names, sorted with their base letter (as `public.polish_key`).
const FOREIGN: &str = "áàâäãåéèêëíìîïòôöõøúùûüýÿçñšžčřěďťňľĺŕ";
const FOREIGN_BASE: &str = "aaaaaaeeeeiiiiooooouuuuyycnszcredtnllr";

/// A key that sorts strings in Polish alphabetical order, case-insensitively; ties broken by the
/// text. Punctuation (quotes, dashes, dots) is left out — `Stowarzyszenie „JESTEM”` sorts among
/// the J's — and runs of spaces count as one: the rule of the database's `public.polish_key`.
pub fn polish_sort_key(s: &str) -> (Vec<u32>, String) {
    let mut key: Vec<u32> = Vec::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = FOREIGN
            .chars()
            .position(|f| f == c)
            .and_then(|i| FOREIGN_BASE.chars().nth(i))
            .unwrap_or(c);
        let code = match ALPHABET.chars().position(|a| a == c) {
            // Letters rank after spaces and digits.
            Some(i) => 0x1_0000 + i as u32,
            None if c.is_whitespace() => {
                if key.last().is_none_or(|k| *k == u32::from(' ')) {
                    continue;
                }
                u32::from(' ')
            }
            None if c.is_alphanumeric() => {
                if c.is_alphabetic() {
                    0x2_0000 + c as u32
                } else {
                    c as u32
                }
            }
            None => continue, // punctuation and symbols
        };
        key.push(code);
    }
    if key.last() == Some(&u32::from(' ')) {
        key.pop();
    }
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
    fn quotes_dashes_and_spaces_do_not_move_a_name() {
        let mut names = vec![
            "Stowarzyszenie Sąsiedzkie Łazienna",
            "Stowarzyszenie „JESTEM”",
            "Warsztat Terapii Zajęciowej „Słonecznik”",
            "Stowarzyszenie  Amazonki",
            "\"Caritas\" Diecezji Toruńskiej",
            "Fundacja – Dobry Start",
            "Fundacja 5 Żywiołów",
            "Élan Spółdzielnia",
        ];
        names.sort_by_key(|n| polish_sort_key(n));
        assert_eq!(
            names,
            [
                "\"Caritas\" Diecezji Toruńskiej",
                "Élan Spółdzielnia",
                "Fundacja 5 Żywiołów",
                "Fundacja – Dobry Start",
                "Stowarzyszenie  Amazonki",
                "Stowarzyszenie „JESTEM”",
                "Stowarzyszenie Sąsiedzkie Łazienna",
                "Warsztat Terapii Zajęciowej „Słonecznik”",
            ]
        );
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
