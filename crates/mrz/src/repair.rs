//! OCR-confusion repairs, only ever proposed (see [`crate::Proposal`]).
//!
//! The confusions are the classic OCR-B ones: `O`/`Q`/`D`↔`0`, `I`/`L`↔`1`, `Z`↔`2`,
//! `S`↔`5`, `G`↔`6`, `B`↔`8`.

use crate::check::check_digit;

/// The digit a letter is commonly misread for.
pub(crate) const fn letter_to_digit(b: u8) -> Option<u8> {
    match b {
        b'O' | b'Q' | b'D' => Some(b'0'),
        b'I' | b'L' => Some(b'1'),
        b'Z' => Some(b'2'),
        b'S' => Some(b'5'),
        b'G' => Some(b'6'),
        b'B' => Some(b'8'),
        _ => None,
    }
}

/// The letter a digit is commonly misread for.
pub(crate) const fn digit_to_letter(b: u8) -> Option<u8> {
    match b {
        b'0' => Some(b'O'),
        b'1' => Some(b'I'),
        b'2' => Some(b'Z'),
        b'5' => Some(b'S'),
        b'6' => Some(b'G'),
        b'8' => Some(b'B'),
        _ => None,
    }
}

/// A check digit as it should be read: a digit stays, a confusable letter maps, anything else
/// (the filler included) cannot be repaired.
fn repaired_check(check: u8) -> Option<u8> {
    if check.is_ascii_digit() {
        Some(check)
    } else {
        letter_to_digit(check)
    }
}

fn passes(data: &[u8], check: u8) -> bool {
    check_digit(data).is_some_and(|d| d + b'0' == check)
}

/// The largest field a repair handles (a TD1 long document number is at most 22).
pub(crate) const MAX: usize = 24;

/// A repaired field and its check digit.
pub(crate) struct Repair {
    pub data: [u8; MAX],
    pub len: usize,
    pub check: u8,
}

impl Repair {
    pub fn data(&self) -> &[u8] {
        self.data.get(..self.len).unwrap_or(&[])
    }
}

/// A purely numeric field (a date): every confusable letter maps to its digit. Proposed only
/// when the result is all digits, differs from what was read, passes its check digit and
/// `accept` likes it.
pub(crate) fn numeric(data: &[u8], check: u8, accept: impl Fn(&[u8]) -> bool) -> Option<Repair> {
    let mut out = [0u8; MAX];
    let slot = out.get_mut(..data.len())?;
    for (o, &b) in slot.iter_mut().zip(data) {
        *o = if b.is_ascii_digit() {
            b
        } else {
            letter_to_digit(b)?
        };
    }
    let check2 = repaired_check(check)?;
    let fixed = out.get(..data.len())?;
    if (fixed == data && check2 == check) || !passes(fixed, check2) || !accept(fixed) {
        return None;
    }
    Some(Repair {
        data: out,
        len: data.len(),
        check: check2,
    })
}

/// An alphanumeric field (document number, personal number): letters and digits are both
/// legal, so only one confusion is tried at a time, and a repair is proposed only when exactly
/// one candidate passes the check digit (several would be a guess).
pub(crate) fn alphanumeric(data: &[u8], check: u8) -> Option<Repair> {
    let check2 = repaired_check(check)?;
    let mut buf = [0u8; MAX];
    buf.get_mut(..data.len())?.copy_from_slice(data);
    if check2 != check && passes(data, check2) {
        return Some(Repair {
            data: buf,
            len: data.len(),
            check: check2,
        });
    }
    let mut found: Option<Repair> = None;
    for i in 0..data.len() {
        let Some(&orig) = data.get(i) else { break };
        let Some(alt) = letter_to_digit(orig).or_else(|| digit_to_letter(orig)) else {
            continue;
        };
        let mut cand = buf;
        if let Some(slot) = cand.get_mut(i) {
            *slot = alt;
        }
        if passes(cand.get(..data.len())?, check2) {
            if found.is_some() {
                return None;
            }
            found = Some(Repair {
                data: cand,
                len: data.len(),
                check: check2,
            });
        }
    }
    found
}

/// A field no check digit covers whose characters must be letters (names, country codes):
/// digits map to the letters they are commonly misread for. A hint only.
pub(crate) fn letters(data: &[u8]) -> Option<Vec<u8>> {
    let mut changed = false;
    let out = data
        .iter()
        .map(|&b| {
            if b.is_ascii_digit() {
                changed = true;
                digit_to_letter(b)
            } else {
                Some(b)
            }
        })
        .collect::<Option<Vec<u8>>>()?;
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_repairs_dates_only_when_the_check_passes() {
        let r = numeric(b"7SIOZS", b'G', |_| true).map(|r| (r.data().to_vec(), r.check));
        assert_eq!(r, Some((b"751025".to_vec(), b'6')));
        // Nothing to change.
        assert!(numeric(b"751025", b'6', |_| true).is_none());
        // Changes that do not satisfy the check are not proposed.
        assert!(numeric(b"7SIOZS", b'1', |_| true).is_none());
        // Unmappable letter.
        assert!(numeric(b"7XIOZS", b'6', |_| true).is_none());
        // The acceptor can veto.
        assert!(numeric(b"7SIOZS", b'G', |_| false).is_none());
    }

    #[test]
    fn alphanumeric_needs_a_unique_candidate() {
        // L898902C3 check 6: read as L8989O2C3 (0→O) repairs uniquely.
        let r = alphanumeric(b"L8989O2C3", b'6').map(|r| r.data().to_vec());
        assert_eq!(r, Some(b"L898902C3".to_vec()));
        // Only the check digit was misread.
        let r = alphanumeric(b"L898902C3", b'G').map(|r| (r.data().to_vec(), r.check));
        assert_eq!(r, Some((b"L898902C3".to_vec(), b'6')));
        // A filler check digit is never repaired.
        assert!(alphanumeric(b"L898902C3", b'<').is_none());
    }

    #[test]
    fn letters_maps_digits() {
        assert_eq!(letters(b"UT0"), Some(b"UTO".to_vec()));
        assert_eq!(letters(b"UTO"), None);
        assert_eq!(letters(b"UT3"), None);
    }
}
