//! The Doc 9303 check digit (Part 3, section 4.9): weights 7, 3, 1 repeated, modulus 10.

/// The value of one MRZ character in the check-digit computation: digits are themselves,
/// `A`..`Z` are 10..35 and the filler `<` is 0. Any other byte has no value.
#[inline]
pub const fn char_value(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some((b - b'0') as u32),
        b'A'..=b'Z' => Some((b - b'A') as u32 + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// Value + 1 of every byte (0: not an MRZ character), so the hot loop is one table load.
const TABLE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        if let Some(v) = char_value(b as u8) {
            t[b] = v as u8 + 1;
        }
        b += 1;
    }
    t
};

/// Whether a byte is one of `A-Z0-9<`.
#[inline]
pub(crate) fn is_mrz_byte(b: u8) -> bool {
    TABLE.get(usize::from(b)).is_some_and(|&v| v != 0)
}

/// Adds the weighted values of `data` to `sum`, continuing the weight cycle (7, 3, 1) at
/// `*index` (0, 1 or 2). Returns `None` when `data` holds a byte outside `A-Z0-9<`.
#[inline]
pub(crate) fn accumulate(sum: &mut u32, index: &mut usize, data: &[u8]) -> Option<()> {
    let mut i = *index;
    let mut acc = *sum;
    for &b in data {
        let v = u32::from(TABLE.get(usize::from(b)).copied().unwrap_or(0));
        if v == 0 {
            return None;
        }
        let w = match i {
            0 => 7,
            1 => 3,
            _ => 1,
        };
        acc = acc.wrapping_add((v - 1) * w);
        i = if i >= 2 { 0 } else { i + 1 };
    }
    *sum = acc;
    *index = i;
    Some(())
}

/// The check digit (0..=9) of `data`, or `None` when `data` holds a byte outside `A-Z0-9<`.
///
/// ```
/// // Doc 9303 Part 3, section 4.9 worked example: the date 27 July 1952.
/// assert_eq!(guomen_mrz::check_digit(b"520727"), Some(3));
/// ```
pub fn check_digit(data: &[u8]) -> Option<u8> {
    check_digit_of(&[data])
}

/// The check digit over several discontinuous pieces read as one string (the composite).
pub fn check_digit_of(pieces: &[&[u8]]) -> Option<u8> {
    let mut sum = 0u32;
    let mut index = 0usize;
    for p in pieces {
        accumulate(&mut sum, &mut index, p)?;
    }
    u8::try_from(sum % 10).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc9303_worked_examples() {
        // Part 3 §4.9.1: date of birth 27 July 1952 → 3.
        assert_eq!(check_digit(b"520727"), Some(3));
        // Part 3 Appendix A example 1: document number AB2134<<< → 5.
        assert_eq!(check_digit(b"AB2134<<<"), Some(5));
        // The Utopia passport: L898902C3 → 6, 740812 → 2, 120415 → 9, ZE184226B<<<<< → 1.
        assert_eq!(check_digit(b"L898902C3"), Some(6));
        assert_eq!(check_digit(b"740812"), Some(2));
        assert_eq!(check_digit(b"120415"), Some(9));
        assert_eq!(check_digit(b"ZE184226B<<<<<"), Some(1));
        // Its composite over 1-10, 14-20, 22-43 → 0.
        assert_eq!(
            check_digit_of(&[b"L898902C36", b"7408122", b"1204159ZE184226B<<<<<1"]),
            Some(0)
        );
        // Part 3 Appendix A example 3: HA672242<6YTO5802254M9601086<<<<<<<<<<<<<<0 → 8.
        assert_eq!(
            check_digit_of(&[b"HA672242<6", b"5802254", b"9601086<<<<<<<<<<<<<<0"]),
            Some(8)
        );
    }

    #[test]
    fn filler_counts_as_zero_and_bad_bytes_fail() {
        assert_eq!(check_digit(b"<<<<<<"), Some(0));
        assert_eq!(check_digit(b""), Some(0));
        assert_eq!(check_digit(b"a"), None);
        assert_eq!(check_digit(b" "), None);
    }
}
