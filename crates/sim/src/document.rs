//! Passports: document numbers in each issuer's style and a TD3 MRZ with its check digits.

use chrono::{Datelike, NaiveDate};
use rand::Rng;

use crate::names::{PersonName, Sex};

/// A passport's data page as the MRZ carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passport {
    pub issuing: &'static str,
    pub nationality: &'static str,
    pub number: String,
    pub name: PersonName,
    pub sex: Sex,
    pub birth: NaiveDate,
    pub expiry: NaiveDate,
}

/// A document number in the issuer's usual shape (all invented).
pub fn document_number<R: Rng>(rng: &mut R, issuing: &str) -> String {
    let digits = |rng: &mut R, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect()
    };
    let letter = |rng: &mut R| char::from(b'A' + rng.gen_range(0..26u8));
    match issuing {
        "CHN" => format!("E{}", digits(rng, 8)),
        "MNG" => format!("E{}", digits(rng, 7)),
        "RUS" | "BLR" | "UKR" | "KAZ" => digits(rng, 9),
        "KOR" => format!("M{}", digits(rng, 8)),
        "D" => {
            let a = letter(rng);
            let b = letter(rng);
            format!("C{a}{b}{}", digits(rng, 6))
        }
        _ => {
            let a = letter(rng);
            let b = letter(rng);
            format!("{a}{b}{}", digits(rng, 7))
        }
    }
}

fn field(s: &str, width: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '<'
            }
        })
        .take(width)
        .collect();
    while out.len() < width {
        out.push('<');
    }
    out
}

fn yymmdd(d: NaiveDate) -> String {
    format!(
        "{:02}{:02}{:02}",
        d.year().rem_euclid(100),
        d.month(),
        d.day()
    )
}

fn digit(data: &str) -> char {
    // Every field handed in is built from A-Z, 0-9 and `<`, so a check digit exists.
    let d = guomen_mrz::check_digit(data.as_bytes()).unwrap_or(0);
    char::from(b'0' + d)
}

impl Passport {
    /// The two 44-character lines of the TD3 MRZ.
    pub fn mrz(&self) -> [String; 2] {
        let names = format!(
            "{}<<{}",
            self.name.surname.replace([' ', '-'], "<"),
            self.name.given.replace([' ', '-'], "<")
        );
        let line1 = format!("P<{}{}", field(self.issuing, 3), field(&names, 39));
        let number = field(&self.number, 9);
        let birth = yymmdd(self.birth);
        let expiry = yymmdd(self.expiry);
        let personal = field("", 14);
        let (dn, db, de, dp) = (
            digit(&number),
            digit(&birth),
            digit(&expiry),
            digit(&personal),
        );
        let composite = format!("{number}{dn}{birth}{db}{expiry}{de}{personal}{dp}");
        let line2 = format!(
            "{number}{dn}{}{birth}{db}{}{expiry}{de}{personal}{dp}{}",
            field(self.nationality, 3),
            self.sex.mrz(),
            digit(&composite)
        );
        [line1, line2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_icao_specimen_comes_out_as_printed() {
        // Doc 9303 Part 4 Appendix A specimen (Utopia), rebuilt from its fields.
        let p = Passport {
            issuing: "UTO",
            nationality: "UTO",
            number: "L898902C3".into(),
            name: PersonName {
                native: "Anna Maria Eriksson".into(),
                surname: "ERIKSSON".into(),
                given: "ANNA MARIA".into(),
            },
            sex: Sex::Female,
            birth: NaiveDate::from_ymd_opt(1974, 8, 12).unwrap(),
            expiry: NaiveDate::from_ymd_opt(2012, 4, 15).unwrap(),
        };
        let [l1, l2] = p.mrz();
        assert_eq!(l1, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
        assert_eq!(&l2[..28], "L898902C36UTO7408122F1204159");
        assert_eq!(l2.len(), 44);
    }
}
