//! Licence plates as the gate's ANPR cameras and the carriers write them.
//!
//! Two plate families cross at a China–Mongolia road port:
//!
//! - **Chinese** (GA 36): a province character, the issuing office's letter, then five
//!   characters (`蒙H·A1234`), six for new-energy vehicles (`蒙A·D12345`, `蒙A·12345F`), or
//!   four and `挂` for trailers (`蒙H·1234挂`). The body uses the digits and the Latin letters
//!   except `I` and `O`, which is why an OCR `O` or `I` there can only be `0` or `1`.
//! - **Mongolian**: four digits and three Cyrillic letters (`1234 УБА`).
//!
//! [`normalise`] accepts what a camera or a person writes (separators, lower case, the usual
//! OCR confusions: `0`/`O`, `1`/`I`, a Latin letter read for its Cyrillic twin and back) and
//! returns the canonical form without separators (`蒙HA1234`, `1234УБА`), or says why the text
//! is no plate. The canonical form is a fixed point: normalising it again gives it back.
//!
//! Architecture invariant: no I/O and no clock; the crate decides only what a text means.

use serde::Serialize;

/// The 31 province-level characters of mainland plates.
pub const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// The trailer suffix of Chinese plates.
pub const TRAILER: char = '挂';

/// Separators people and cameras put inside plates.
const SEPARATORS: &[char] = &[
    ' ', '\u{a0}', '\u{3000}', '·', '•', '・', '∙', '.', '-', '_', '‧', '⋅', '–', '—',
];

/// Longest input looked at (in characters): nothing longer is a plate.
pub const MAX_INPUT_CHARS: usize = 32;

/// Which kind of plate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlateKind {
    /// A Chinese ordinary plate: province, letter, five characters.
    China,
    /// A Chinese new-energy plate: province, letter, six characters.
    ChinaNewEnergy,
    /// A Chinese trailer plate: province, letter, four characters and `挂`.
    ChinaTrailer,
    /// A Mongolian plate: four digits, three Cyrillic letters.
    Mongolia,
}

impl PlateKind {
    /// The ISO 3166-1 alpha-3 code of the issuing country.
    pub fn country(self) -> &'static str {
        match self {
            PlateKind::Mongolia => "MNG",
            _ => "CHN",
        }
    }

    pub fn is_trailer(self) -> bool {
        self == PlateKind::ChinaTrailer
    }
}

/// A validated plate in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Plate {
    canonical: String,
    kind: PlateKind,
}

impl Plate {
    /// The canonical form: no separators, upper case, confusions resolved.
    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    pub fn kind(&self) -> PlateKind {
        self.kind
    }

    /// The canonical form as the plate shows it, with the separator a person expects
    /// (`蒙H·A1234`, `1234 УБА`).
    pub fn display(&self) -> String {
        let mut chars = self.canonical.chars();
        match self.kind {
            PlateKind::Mongolia => {
                let digits: String = chars.by_ref().take(4).collect();
                format!("{digits} {}", chars.as_str())
            }
            _ => {
                let head: String = chars.by_ref().take(2).collect();
                format!("{head}·{}", chars.as_str())
            }
        }
    }
}

impl std::fmt::Display for Plate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.canonical)
    }
}

/// Why a text is no plate. The messages name the rule, never echo more than the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlateError {
    #[error("the plate is empty")]
    Empty,
    #[error("the plate is longer than {MAX_INPUT_CHARS} characters")]
    TooLong,
    #[error(
        "a Chinese plate starts with a province character, then a letter and 5 characters (6 for new-energy vehicles, or 4 and 挂 for a trailer)"
    )]
    Chinese,
    #[error("a Mongolian plate is four digits and three Cyrillic letters")]
    Mongolian,
    #[error("not a Chinese or Mongolian plate")]
    Unknown,
}

impl PlateError {
    /// A stable code for the error envelope.
    pub fn code(&self) -> &'static str {
        match self {
            PlateError::Empty => "plate_empty",
            PlateError::TooLong => "plate_too_long",
            PlateError::Chinese => "plate_chinese_invalid",
            PlateError::Mongolian => "plate_mongolian_invalid",
            PlateError::Unknown => "plate_unknown",
        }
    }
}

/// Validates and normalises a plate as written or read (see the crate documentation).
pub fn normalise(input: &str) -> Result<Plate, PlateError> {
    if input.chars().nth(MAX_INPUT_CHARS).is_some() {
        return Err(PlateError::TooLong);
    }
    let chars: Vec<char> = input
        .trim()
        .chars()
        .filter(|c| !SEPARATORS.contains(c) && !c.is_whitespace())
        .flat_map(|c| c.to_uppercase())
        .collect();
    let Some(&first) = chars.first() else {
        return Err(PlateError::Empty);
    };
    if PROVINCES.contains(first) {
        chinese(first, &chars[1..])
    } else if chars.len() == 7 && chars[..4].iter().all(|c| as_digit(*c).is_some()) {
        mongolian(&chars)
    } else if is_han(first) {
        Err(PlateError::Chinese)
    } else if chars.iter().any(|c| is_cyrillic(*c)) {
        Err(PlateError::Mongolian)
    } else {
        Err(PlateError::Unknown)
    }
}

fn chinese(province: char, rest: &[char]) -> Result<Plate, PlateError> {
    let (&office, body) = rest.split_first().ok_or(PlateError::Chinese)?;
    let office = as_office_letter(office).ok_or(PlateError::Chinese)?;
    let mut out = String::with_capacity(24);
    out.push(province);
    out.push(office);
    let kind = match body {
        [b @ .., TRAILER] if b.len() == 4 => {
            for c in b {
                out.push(as_body(*c).ok_or(PlateError::Chinese)?);
            }
            out.push(TRAILER);
            PlateKind::ChinaTrailer
        }
        b if b.len() == 5 => {
            let body: Vec<char> = b
                .iter()
                .map(|c| as_body(*c))
                .collect::<Option<_>>()
                .ok_or(PlateError::Chinese)?;
            out.extend(&body);
            PlateKind::China
        }
        b if b.len() == 6 => {
            let body: Vec<char> = b
                .iter()
                .map(|c| as_body(*c))
                .collect::<Option<_>>()
                .ok_or(PlateError::Chinese)?;
            // Small new-energy cars: D/F then five; large ones: five digits then D/F.
            let small = matches!(body[0], 'D' | 'F');
            let large = matches!(body[5], 'D' | 'F') && body[..5].iter().all(char::is_ascii_digit);
            if !small && !large {
                return Err(PlateError::Chinese);
            }
            out.extend(&body);
            PlateKind::ChinaNewEnergy
        }
        _ => return Err(PlateError::Chinese),
    };
    Ok(Plate {
        canonical: out,
        kind,
    })
}

fn mongolian(chars: &[char]) -> Result<Plate, PlateError> {
    let mut out = String::with_capacity(20);
    for c in &chars[..4] {
        out.push(as_digit(*c).ok_or(PlateError::Mongolian)?);
    }
    for c in &chars[4..] {
        out.push(as_cyrillic(*c).ok_or(PlateError::Mongolian)?);
    }
    Ok(Plate {
        canonical: out,
        kind: PlateKind::Mongolia,
    })
}

/// A digit, or a letter OCR reads for one (`O`/`О` → 0, `I`/`l` → 1).
fn as_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' | 'О' | 'Q' | 'D' => Some('0'),
        'I' | 'L' | '|' => Some('1'),
        _ => None,
    }
}

/// The issuing office letter: a Latin capital (a Cyrillic twin counts as its Latin letter).
fn as_office_letter(c: char) -> Option<char> {
    let c = latin_twin(c).unwrap_or(c);
    c.is_ascii_uppercase().then_some(c)
}

/// A character of a Chinese plate's body: digits and Latin capitals except I and O (which
/// can only be misread 1 and 0 there).
fn as_body(c: char) -> Option<char> {
    let c = latin_twin(c).unwrap_or(c);
    match c {
        'O' => Some('0'),
        'I' => Some('1'),
        '0'..='9' | 'A'..='Z' => Some(c),
        _ => None,
    }
}

/// A letter of a Mongolian plate: the Mongolian Cyrillic capitals, with the Latin letters
/// OCR reads for them turned back.
fn as_cyrillic(c: char) -> Option<char> {
    let c = match c {
        'A' => 'А',
        'B' => 'В',
        'C' => 'С',
        'E' => 'Е',
        'H' => 'Н',
        'K' => 'К',
        'M' => 'М',
        'O' | '0' => 'О',
        'P' => 'Р',
        'T' => 'Т',
        'X' => 'Х',
        'Y' => 'У',
        '3' => 'З',
        other => other,
    };
    (('А'..='Я').contains(&c) || matches!(c, 'Ё' | 'Ө' | 'Ү')).then_some(c)
}

/// The Latin letter a Cyrillic capital looks like, if any.
fn latin_twin(c: char) -> Option<char> {
    Some(match c {
        'А' => 'A',
        'В' => 'B',
        'С' => 'C',
        'Е' => 'E',
        'Н' => 'H',
        'К' => 'K',
        'М' => 'M',
        'О' => 'O',
        'Р' => 'P',
        'Т' => 'T',
        'Х' => 'X',
        'У' => 'Y',
        _ => return None,
    })
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04ff}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        normalise(s)
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn the_issue_examples() {
        assert_eq!(ok("蒙H·A1234"), "蒙HA1234");
        assert_eq!(ok("1234 УБА"), "1234УБА");
        assert_eq!(
            normalise("蒙HA1234").map(|p| p.kind()),
            Ok(PlateKind::China)
        );
        assert_eq!(
            normalise("1234УБА").map(|p| p.kind()),
            Ok(PlateKind::Mongolia)
        );
    }

    #[test]
    fn separators_and_case() {
        assert_eq!(ok(" 蒙h-a 1234 "), "蒙HA1234");
        assert_eq!(ok("1234-уба"), "1234УБА");
        assert_eq!(ok("京A.12345"), "京A12345");
    }

    #[test]
    fn ocr_confusions_in_a_chinese_body() {
        assert_eq!(ok("蒙HAI23O"), "蒙HA1230");
        // Cyrillic twins read for Latin letters.
        assert_eq!(ok("蒙НА1234"), "蒙HA1234");
    }

    #[test]
    fn ocr_confusions_in_a_mongolian_plate() {
        assert_eq!(ok("1234 YBA"), "1234УВА");
        assert_eq!(ok("I234 УБА"), "1234УБА");
        assert_eq!(ok("12O4 УБА"), "1204УБА");
        assert_eq!(ok("1234 ТӨВ".to_uppercase().as_str()), "1234ТӨВ");
    }

    #[test]
    fn trailers_and_new_energy() {
        let t = normalise("蒙H·1234挂").unwrap();
        assert_eq!(t.as_str(), "蒙H1234挂");
        assert!(t.kind().is_trailer());
        assert_eq!(
            normalise("蒙A·D12345").map(|p| p.kind()),
            Ok(PlateKind::ChinaNewEnergy)
        );
        assert_eq!(
            normalise("蒙A·12345F").map(|p| p.kind()),
            Ok(PlateKind::ChinaNewEnergy)
        );
        assert_eq!(normalise("蒙A·A12345"), Err(PlateError::Chinese));
    }

    #[test]
    fn impossible_plates() {
        assert_eq!(normalise(""), Err(PlateError::Empty));
        assert_eq!(normalise(" · "), Err(PlateError::Empty));
        assert_eq!(normalise("蒙H1234"), Err(PlateError::Chinese));
        assert_eq!(normalise("蒙1A1234"), Err(PlateError::Chinese));
        assert_eq!(normalise("蒙HA12#4"), Err(PlateError::Chinese));
        assert_eq!(normalise("中HA1234"), Err(PlateError::Chinese));
        assert_eq!(normalise("1234 УБ"), Err(PlateError::Mongolian));
        assert_eq!(normalise("1234 УБ9"), Err(PlateError::Mongolian));
        assert_eq!(normalise("NOT-A-PLATE"), Err(PlateError::Unknown));
        assert_eq!(normalise(&"1".repeat(100)), Err(PlateError::TooLong));
    }

    #[test]
    fn display_puts_the_separator_back() {
        assert_eq!(normalise("蒙HA1234").unwrap().display(), "蒙H·A1234");
        assert_eq!(normalise("1234УБА").unwrap().display(), "1234 УБА");
        assert_eq!(normalise("1234УБА").unwrap().kind().country(), "MNG");
    }
}
