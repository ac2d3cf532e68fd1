//! Text hygiene shared by the importers.

/// Trims and collapses every run of whitespace (including no-break spaces and line breaks)
/// into one ASCII space.
pub(crate) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Emoji, pictographs, symbols and private-use characters: never part of a person's name.
fn is_pictograph(c: char) -> bool {
    matches!(u32::from(c),
        0x2190..=0x21FF      // arrows
        | 0x2300..=0x23FF    // misc technical (⌚ ⏰)
        | 0x25A0..=0x27BF    // geometric shapes, misc symbols, dingbats
        | 0x2B00..=0x2BFF    // misc symbols and arrows (⭐)
        | 0xE000..=0xF8FF    // private use
        | 0xFE00..=0xFE0F    // variation selectors (emoji presentation)
        | 0xFFFC..=0xFFFD    // object replacement, replacement character (decoding damage)
        | 0x1F000..=0x1FAFF  // mahjong .. symbols and pictographs extended-A, incl. flags
        | 0xE0000..=0xE007F  // tag characters (flag sequences)
        | 0xF0000..=0x10FFFF // supplementary private use
    )
}

/// Why `name` cannot be a person's name, if it cannot. `name` is already cleaned.
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    entity_name_problem(name)
        .or_else(|| (!name.chars().any(char::is_alphabetic)).then_some("name has no letters"))
}

/// Like [`name_problem`] for organisations, vessels and aircraft, whose names may be all
/// digits (a vessel called `7-28`).
pub(crate) fn entity_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("name is empty");
    }
    if name.chars().any(char::is_control) {
        return Some("name contains a control character");
    }
    if name.chars().any(is_pictograph) {
        return Some("name contains an emoji, symbol or private-use character");
    }
    None
}

/// A name with the words that carry decoding damage (U+FFFD) removed, when there are any.
pub(crate) fn drop_damaged_words(name: &str) -> Option<String> {
    if !name.contains('\u{FFFD}') {
        return None;
    }
    Some(
        name.split(' ')
            .filter(|w| !w.contains('\u{FFFD}'))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// `Jin Tiesan (金铁三)` -> [`Jin Tiesan`, `金铁三`]: lists put a name's original-script form in
/// parentheses after it. Anything else comes back whole.
pub(crate) fn split_parenthesized(name: &str) -> Vec<String> {
    if let Some(inner) = name.strip_suffix(')')
        && let Some((outer, inner)) = inner.rsplit_once(" (")
    {
        let (outer, inner) = (clean(outer), clean(inner));
        if !outer.is_empty() && !inner.is_empty() && !inner.contains('(') {
            return vec![outer, inner];
        }
    }
    vec![name.to_owned()]
}

/// Why `id` cannot be an entry id, if it cannot.
pub(crate) fn id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        return Some("id is empty");
    }
    if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("id contains whitespace or a control character");
    }
    if id.chars().any(is_pictograph) {
        return Some("id contains an emoji, symbol or private-use character");
    }
    None
}

/// "LAST, First Middle" -> "First Middle LAST"; `None` unless there is exactly one comma with
/// text on both sides.
pub(crate) fn reorder_last_first(name: &str) -> Option<String> {
    let (last, first) = name.split_once(',')?;
    if first.contains(',') {
        return None;
    }
    let (last, first) = (last.trim(), first.trim());
    if last.is_empty() || first.is_empty() {
        return None;
    }
    Some(format!("{first} {last}"))
}

/// Adds `name` unless an equal one is already there.
pub(crate) fn push_name(names: &mut Vec<String>, name: String) {
    if !names.contains(&name) {
        names.push(name);
    }
}

/// Decodes a field as UTF-8, else as Windows-1252's ASCII-compatible subset (Latin-1), which is
/// what older OFAC exports use. Returns whether the fallback was needed.
pub(crate) fn decode_lossless(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), false),
        Err(_) => (bytes.iter().map(|&b| char::from(b)).collect(), true),
    }
}

/// Extracts a document number from free text such as `CAR diplomatic passport no. D00000898`,
/// `OB 0243318`, `#H0044232`: the text after a "no."/"number" marker, with the spaces that
/// lists put inside numbers removed. `None` when nothing number-like is there.
pub(crate) fn document_number(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let mut rest = text;
    for marker in ["no.:", "no.", "no:", "number:", "number", "n°", "nº", "#"] {
        if let Some(i) = lower.rfind(marker) {
            // Byte offsets agree because lower-casing kept these ASCII markers in place only
            // when the prefix is ASCII; check before slicing.
            if lower.len() == text.len()
                && let Some(after) = text.get(i + marker.len()..)
            {
                rest = after;
                break;
            }
        }
    }
    let tokens: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|t| !t.is_empty())
        .collect();
    let number_like = |t: &str| {
        t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/' || c == '.')
    };
    let joined: String = if !tokens.is_empty()
        && tokens.len() <= 4
        && tokens.iter().all(|t| number_like(t))
        && tokens.iter().any(|t| t.chars().any(|c| c.is_ascii_digit()))
        && tokens
            .iter()
            .all(|t| t.chars().any(|c| c.is_ascii_digit()) || t.len() <= 3)
    {
        tokens.concat()
    } else {
        tokens
            .iter()
            .find(|t| number_like(t) && t.chars().any(|c| c.is_ascii_digit()))
            .map(|t| (*t).to_owned())?
    };
    let joined = joined.trim_matches(|c: char| c == '.' || c == '-' || c == '/');
    if joined.len() < 3 || joined.len() > 30 || !joined.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(joined.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_emoji_or_no_letters_are_refused() {
        assert_eq!(name_problem("Бат-Эрдэнэ Болд"), None);
        assert_eq!(name_problem("王小明"), None);
        assert_eq!(name_problem("Ali Reza زاده"), None);
        assert!(name_problem("").is_some());
        assert!(name_problem("Bold 😀").is_some());
        assert!(name_problem("Bold\u{FFFD}").is_some());
        assert!(name_problem("12345").is_some());
        assert!(name_problem("a\u{7}b").is_some());
        assert_eq!(entity_name_problem("7-28"), None);
        assert_eq!(
            drop_damaged_words("محمد الل\u{FFFD}\u{FFFD} مطيع").as_deref(),
            Some("محمد مطيع")
        );
        assert_eq!(drop_damaged_words("Bold"), None);
        assert_eq!(
            split_parenthesized("Jin Tiesan (金铁三)"),
            ["Jin Tiesan", "金铁三"]
        );
        assert_eq!(split_parenthesized("A (B) (C)"), ["A (B)", "C"]);
        assert_eq!(split_parenthesized("(x)"), ["(x)"]);
    }

    #[test]
    fn names_reorder_only_with_one_comma() {
        assert_eq!(
            reorder_last_first("HANIYA, Ismail Abdul Salah").as_deref(),
            Some("Ismail Abdul Salah HANIYA")
        );
        assert_eq!(reorder_last_first("CIMEX, S.A., LTD"), None);
        assert_eq!(reorder_last_first("SINGLE"), None);
        assert_eq!(reorder_last_first(", x"), None);
    }

    #[test]
    fn document_numbers_come_out_of_free_text() {
        for (text, want) in [
            ("D9008009", Some("D9008009")),
            ("OB 0243318", Some("OB0243318")),
            ("CAR diplomatic passport no. D00000898", Some("D00000898")),
            (
                "Congo service passport number SA0020249 ",
                Some("SA0020249"),
            ),
            ("#H0044232", Some("H0044232")),
            ("No.: 0310857", Some("0310857")),
            (
                "Central African Republic armed forces (FACA) Military identification",
                None,
            ),
            ("", None),
            ("Ürümqi", None),
        ] {
            assert_eq!(document_number(text).as_deref(), want, "{text}");
        }
    }
}
