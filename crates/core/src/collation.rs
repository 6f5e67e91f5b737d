//! Polish alphabetical order (ą after a, ł after l, ś after s, ź and ż after z), for sorting names
//! in Rust when the database does not sort them.

/// A letter of another language met in names, as its base letter (as `public.polish_key`).
fn base_letter(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'ě' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ç' | 'č' => 'c',
        'ñ' | 'ň' => 'n',
        'š' => 's',
        'ž' => 'z',
        'ř' | 'ŕ' => 'r',
        'ď' => 'd',
        'ť' => 't',
        'ľ' | 'ĺ' => 'l',
        c => c,
    }
}

/// The letter's place in the Polish alphabet (aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż). A match, not
/// a search of the alphabet: the key is built for every name of lists of thousands.
fn letter_rank(c: char) -> Option<u32> {
    Some(match c {
        'a' => 0,
        'ą' => 1,
        'b' => 2,
        'c' => 3,
        'ć' => 4,
        'd' => 5,
        'e' => 6,
        'ę' => 7,
        'f' => 8,
        'g' => 9,
        'h' => 10,
        'i' => 11,
        'j' => 12,
        'k' => 13,
        'l' => 14,
        'ł' => 15,
        'm' => 16,
        'n' => 17,
        'ń' => 18,
        'o' => 19,
        'ó' => 20,
        'p' => 21,
        'q' => 22,
        'r' => 23,
        's' => 24,
        'ś' => 25,
        't' => 26,
        'u' => 27,
        'v' => 28,
        'w' => 29,
        'x' => 30,
        'y' => 31,
        'z' => 32,
        'ź' => 33,
        'ż' => 34,
        _ => return None,
    })
}

/// A key that sorts strings in Polish alphabetical order, case-insensitively; ties broken by the
/// text. Punctuation (quotes, dashes, dots) is left out — `Stowarzyszenie „JESTEM”` sorts among
/// the J's — and runs of spaces count as one: the rule of the database's `public.polish_key`.
pub fn polish_sort_key(s: &str) -> (Vec<u32>, String) {
    let mut key: Vec<u32> = Vec::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = base_letter(c);
        let code = match letter_rank(c) {
            // Letters rank after spaces and digits.
            Some(i) => 0x1_0000 + i,
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
    use super::{fold, letter_rank, polish_sort_key};

    #[test]
    fn letters_rank_in_the_order_of_the_polish_alphabet() {
        for (i, c) in "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż".chars().enumerate() {
            assert_eq!(letter_rank(c), Some(i as u32), "{c}");
        }
        assert_eq!(letter_rank('1'), None);
    }

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
