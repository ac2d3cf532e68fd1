//! Country names as lists write them ("Korea, North", "Iran (Islamic Republic of)", "Burma")
//! mapped to ICAO Doc 9303 codes, and the set of codes ICAO accepts.
//!
//! The table is generated (see `tools/gen_countries.py`) from ISO 3166-1 plus the spellings the
//! OFAC and UN lists use. Germany maps to ICAO's `D`, which is what its passports carry.

#[path = "country_table.rs"]
mod table;

/// Whether `code` is a nationality or issuing-state code ICAO Doc 9303 accepts
/// (ISO 3166-1 alpha-3, ICAO's own codes such as `D`, `GBD`, `UNO`, `XXA`, and `RKS`).
pub fn is_icao_code(code: &str) -> bool {
    table::CODES.binary_search(&code).is_ok()
}

/// Every accepted code, sorted.
pub fn icao_codes() -> &'static [&'static str] {
    table::CODES
}

/// Folds a country name the way the generated table was keyed: lower case, a few Latin
/// diacritics removed, punctuation to spaces, a leading "the" dropped.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'ü' | 'ú' | 'ù' => 'u',
            'ç' => 'c',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'ô' | 'ó' | 'ö' | 'ø' => 'o',
            'å' | 'ã' | 'á' | 'ä' | 'à' => 'a',
            'í' | 'ï' => 'i',
            'ñ' => 'n',
            other => other,
        };
        if c.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else {
            pending_space = true;
        }
    }
    match out.strip_prefix("the ") {
        Some(rest) => rest.to_owned(),
        None => out,
    }
}

fn lookup(normalized: &str) -> Option<&'static str> {
    table::NAMES
        .binary_search_by(|(k, _)| (*k).cmp(normalized))
        .ok()
        .and_then(|i| table::NAMES.get(i))
        .map(|(_, code)| *code)
}

/// The ICAO code for a country name or code as a list writes it, if known.
///
/// Accepts codes themselves (`MNG`, `mng`), English short and official names, the usual
/// reorderings (`Korea, North`), a few demonyms (`Palestinian`), and tolerates trailing notes
/// (`Cabo Verde.  Previously Cape Verde.`) and hedges (`possibly Palestinian`).
pub fn country_code(name: &str) -> Option<&'static str> {
    let trimmed = name.trim();
    if trimmed.len() <= 3 && trimmed.chars().all(|c| c.is_ascii_alphabetic()) {
        let upper = trimmed.to_ascii_uppercase();
        if let Ok(i) = table::CODES.binary_search(&upper.as_str()) {
            return table::CODES.get(i).copied();
        }
    }
    let n = normalize(trimmed);
    if n.is_empty() {
        return None;
    }
    if let Some(code) = lookup(&n) {
        return Some(code);
    }
    for hedge in ["possibly ", "probably ", "reportedly ", "allegedly "] {
        if let Some(rest) = n.strip_prefix(hedge)
            && let Some(code) = lookup(rest)
        {
            return Some(code);
        }
    }
    // "Cabo Verde.  Previously Cape Verde." and "Iran (Islamic Republic of)" style notes.
    for sep in [". ", " (", ";"] {
        if let Some((head, _)) = trimmed.split_once(sep)
            && let Some(code) = lookup(&normalize(head))
        {
            return Some(code);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(table::CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(table::NAMES.windows(2).all(|w| w[0].0 < w[1].0));
        for (_, code) in table::NAMES {
            assert!(is_icao_code(code), "{code} is not in the code list");
        }
    }

    #[test]
    fn list_spellings_map_to_icao_codes() {
        for (name, code) in [
            ("Iran", "IRN"),
            ("Iran (Islamic Republic of)", "IRN"),
            ("Korea, North", "PRK"),
            ("Democratic People's Republic of Korea", "PRK"),
            ("Congo, Democratic Republic of the", "COD"),
            ("Democratic Republic of the Congo", "COD"),
            ("Congo", "COG"),
            ("Russian Federation", "RUS"),
            ("Russia", "RUS"),
            ("Türkiye", "TUR"),
            (
                "United Kingdom of Great Britain and Northern Ireland",
                "GBR",
            ),
            ("The Gambia", "GMB"),
            ("Macedonia, The Former Yugoslav Republic of", "MKD"),
            ("Cabo Verde.  Previously Cape Verde.", "CPV"),
            ("possibly Palestinian", "PSE"),
            ("State of Palestine", "PSE"),
            ("Burma", "MMR"),
            ("Germany", "D"),
            ("Mongolia", "MNG"),
            ("china", "CHN"),
            ("mng", "MNG"),
            ("Hong Kong", "HKG"),
            ("Kosovo", "RKS"),
            ("United Republic of Tanzania", "TZA"),
        ] {
            assert_eq!(country_code(name), Some(code), "{name}");
        }
        for unknown in ["former Soviet Union", "na", "", "Atlantis", "ZZZ", "🇲🇳"] {
            assert_eq!(country_code(unknown), None, "{unknown}");
        }
    }
}
