//! Valid TD3 (passport) machine-readable zones for tests, with every check digit computed here,
//! independently of the parser under test (ICAO Doc 9303 part 3, weights 7-3-1).
//!
//! ```
//! use guomen_testkit::mrz::{Td3, yymmdd_in_years};
//! let [l1, l2] = Td3::new("GANZORIG", "BATBOLD", "E7654321", "MNG")
//!     .born("790402")
//!     .sex('M')
//!     .expires(&yymmdd_in_years(5))
//!     .lines();
//! assert_eq!((l1.len(), l2.len()), (44, 44));
//! assert!(l1.starts_with("P<MNGGANZORIG<<BATBOLD<"));
//! ```

use chrono::{Datelike, Months, NaiveDate, Utc};

/// The ICAO 9303 check digit of `field` (digits, `A`–`Z`, `<`), or `None` for any other
/// character.
pub fn check_digit(field: &str) -> Option<char> {
    let mut sum = 0u32;
    for (c, weight) in field.chars().zip([7, 3, 1].into_iter().cycle()) {
        let value = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            '<' => 0,
            _ => return None,
        };
        sum += value * weight;
    }
    char::from_digit(sum % 10, 10)
}

/// `YYMMDD` of a date, as an MRZ writes it.
pub fn yymmdd(date: NaiveDate) -> String {
    format!(
        "{:02}{:02}{:02}",
        date.year().rem_euclid(100),
        date.month(),
        date.day()
    )
}

/// Today (UTC) moved by whole calendar years: negative for the past (a birth date), positive
/// for the future (an expiry date). 29 February falls back to 28 February.
pub fn years_from_today(years: i32) -> NaiveDate {
    let today = Utc::now().date_naive();
    let months = Months::new(years.unsigned_abs() * 12);
    let moved = if years >= 0 {
        today.checked_add_months(months)
    } else {
        today.checked_sub_months(months)
    };
    moved.expect("a date within chrono's range")
}

/// `YYMMDD` of the date `years` calendar years from today (negative: ago).
pub fn yymmdd_in_years(years: i32) -> String {
    yymmdd(years_from_today(years))
}

/// A TD3 passport MRZ with correct check digits. By default the passport of an adult born on
/// 1 January 1980, sex unspecified, issued by the nationality's state, valid for five more
/// years, with no optional data.
#[derive(Clone, Debug)]
pub struct Td3 {
    surname: String,
    given: String,
    number: String,
    nationality: String,
    issuer: Option<String>,
    birth: String,
    sex: char,
    expiry: String,
    optional: String,
}

impl Td3 {
    /// Names in MRZ characters (spaces in the given names become `<`), the document number
    /// (up to 9 characters) and the nationality (ICAO code).
    pub fn new(surname: &str, given: &str, number: &str, nationality: &str) -> Td3 {
        Td3 {
            surname: surname.to_owned(),
            given: given.to_owned(),
            number: number.to_owned(),
            nationality: nationality.to_owned(),
            issuer: None,
            birth: "800101".to_owned(),
            sex: '<',
            expiry: yymmdd_in_years(5),
            optional: String::new(),
        }
    }

    /// The birth date, `YYMMDD`.
    pub fn born(mut self, yymmdd: &str) -> Td3 {
        yymmdd.clone_into(&mut self.birth);
        self
    }

    /// `M`, `F` or `<`.
    pub fn sex(mut self, sex: char) -> Td3 {
        self.sex = sex;
        self
    }

    /// The expiry date, `YYMMDD`.
    pub fn expires(mut self, yymmdd: &str) -> Td3 {
        yymmdd.clone_into(&mut self.expiry);
        self
    }

    /// The issuing state when it is not the nationality.
    pub fn issuer(mut self, code: &str) -> Td3 {
        self.issuer = Some(code.to_owned());
        self
    }

    /// The optional data (personal number), up to 14 characters.
    pub fn optional(mut self, data: &str) -> Td3 {
        data.clone_into(&mut self.optional);
        self
    }

    /// The two lines of 44 characters, or what is wrong with the fields.
    pub fn try_lines(&self) -> Result<[String; 2], String> {
        for (what, value) in [("birth date", &self.birth), ("expiry date", &self.expiry)] {
            if value.len() != 6 || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{what} is not YYMMDD: {value:?}"));
            }
        }
        if !matches!(self.sex, 'M' | 'F' | '<') {
            return Err(format!("sex is not M, F or <: {:?}", self.sex));
        }
        let digit = |field: &str| {
            check_digit(field).ok_or_else(|| format!("not MRZ characters: {field:?}"))
        };
        let issuer = self.issuer.as_deref().unwrap_or(&self.nationality);
        let name = format!("{}<<{}", self.surname, self.given.replace(' ', "<"));
        let l1 = format!("P<{}{}", pad(issuer, 3), pad(&name, 39));
        let number = pad(&self.number, 9);
        let optional = pad(&self.optional, 14);
        let (birth, expiry) = (&self.birth, &self.expiry);
        let number = format!("{number}{}", digit(&number)?);
        let birth = format!("{birth}{}", digit(birth)?);
        let expiry = format!("{expiry}{}", digit(expiry)?);
        let optional = format!("{optional}{}", digit(&optional)?);
        let composite = digit(&format!("{number}{birth}{expiry}{optional}"))?;
        let l2 = format!(
            "{number}{}{birth}{}{expiry}{optional}{composite}",
            pad(&self.nationality, 3),
            self.sex
        );
        if l1.len() != 44 || l2.len() != 44 {
            return Err(format!("TD3 lines are 44 characters: {l1} / {l2}"));
        }
        let mrz_char = |c: char| c.is_ascii_digit() || c.is_ascii_uppercase() || c == '<';
        if !l1.chars().chain(l2.chars()).all(mrz_char) {
            return Err(format!("not MRZ characters: {l1} / {l2}"));
        }
        Ok([l1, l2])
    }

    /// The two lines of 44 characters. Panics on fields that cannot make a TD3.
    pub fn lines(&self) -> [String; 2] {
        self.try_lines().unwrap_or_else(|e| panic!("Td3: {e}"))
    }

    /// The two lines joined by a newline, as a scanner types them.
    pub fn text(&self) -> String {
        self.lines().join("\n")
    }
}

/// Pads `s` with `<` to `n` characters.
fn pad(s: &str, n: usize) -> String {
    format!("{s:<<n$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_doc_9303_specimen() {
        // ICAO Doc 9303 part 4, appendix A: Anna Maria Eriksson, Utopia.
        let [l1, l2] = Td3::new("ERIKSSON", "ANNA MARIA", "L898902C3", "UTO")
            .born("740812")
            .sex('F')
            .expires("120415")
            .optional("ZE184226B")
            .lines();
        assert_eq!(l1, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
        assert_eq!(l2, "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
    }

    #[test]
    fn bad_fields_are_named() {
        let e = Td3::new("LI", "NA", "E1", "CHN")
            .born("1990-01-01")
            .try_lines();
        assert!(e.unwrap_err().contains("birth date"));
        let e = Td3::new("li", "NA", "E1", "CHN").try_lines();
        assert!(e.unwrap_err().contains("not MRZ characters"));
    }

    #[test]
    fn dates_from_today() {
        let today = Utc::now().date_naive();
        assert_eq!(yymmdd_in_years(0), yymmdd(today));
        assert_eq!(years_from_today(-13).year(), today.year() - 13);
        assert_eq!(
            yymmdd(NaiveDate::from_ymd_opt(2001, 2, 3).unwrap()),
            "010203"
        );
    }
}
