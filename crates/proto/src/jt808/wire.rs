//! Byte-level pieces of JT/T 808: escaping, check code, BCD and a bounds-checked reader.

use super::Jt808Error;

/// Frame delimiter.
pub const FLAG: u8 = 0x7e;
/// Escape introducer.
pub const ESCAPE: u8 = 0x7d;

/// Reverses the transport escaping of the bytes between the delimiters
/// (0x7d 0x02 → 0x7e, 0x7d 0x01 → 0x7d).
pub fn unescape(escaped: &[u8]) -> Result<Vec<u8>, Jt808Error> {
    let mut out = Vec::with_capacity(escaped.len());
    unescape_into(escaped, &mut out)?;
    Ok(out)
}

/// Like [`unescape`], appending to `out` so hot paths can reuse a buffer.
pub fn unescape_into(escaped: &[u8], out: &mut Vec<u8>) -> Result<(), Jt808Error> {
    let mut i = 0;
    while i < escaped.len() {
        // Copy the run up to the next escape in one go: most frames hold none.
        let rest = escaped.get(i..).unwrap_or_default();
        let run = rest.iter().position(|&b| b == ESCAPE).unwrap_or(rest.len());
        out.extend_from_slice(rest.get(..run).unwrap_or_default());
        i += run;
        if i >= escaped.len() {
            break;
        }
        let next = escaped.get(i + 1).copied();
        match next {
            Some(0x02) => out.push(FLAG),
            Some(0x01) => out.push(ESCAPE),
            _ => return Err(Jt808Error::BadEscape { offset: i, next }),
        }
        i += 2;
    }
    Ok(())
}

/// Applies the transport escaping (0x7e → 0x7d 0x02, 0x7d → 0x7d 0x01).
pub fn escape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 4);
    escape_into(raw, &mut out);
    out
}

/// Like [`escape`], appending to `out`.
pub fn escape_into(raw: &[u8], out: &mut Vec<u8>) {
    for &b in raw {
        match b {
            FLAG => out.extend_from_slice(&[ESCAPE, 0x02]),
            ESCAPE => out.extend_from_slice(&[ESCAPE, 0x01]),
            _ => out.push(b),
        }
    }
}

/// The JT/T 808 check code: XOR of every byte of header and body.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc ^ b)
}

/// Decodes packed BCD into its decimal digits.
pub fn bcd_to_string(bytes: &[u8], field: &'static str) -> Result<String, Jt808Error> {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        let (hi, lo) = (b >> 4, b & 0x0f);
        if hi > 9 || lo > 9 {
            return Err(Jt808Error::BadBcd { field, byte: b });
        }
        s.push(char::from(b'0' + hi));
        s.push(char::from(b'0' + lo));
    }
    Ok(s)
}

/// Decodes a terminal phone number. Standard phones are BCD; some devices put arbitrary bytes
/// there, so non-decimal nibbles are kept as lowercase hex letters. The result is always the
/// hex dump of the bytes, which equals the BCD digits when the field is valid BCD.
pub fn phone_to_string(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

/// Decodes one packed BCD byte (two digits) into 0..=99.
pub fn bcd_byte(b: u8, field: &'static str) -> Result<u8, Jt808Error> {
    let (hi, lo) = (b >> 4, b & 0x0f);
    if hi > 9 || lo > 9 {
        return Err(Jt808Error::BadBcd { field, byte: b });
    }
    Ok(hi * 10 + lo)
}

/// Encodes digits as packed BCD of exactly `width` bytes, left-padded with zeros. Hex letters
/// are accepted so that a non-BCD phone read by [`phone_to_string`] encodes back unchanged.
pub fn string_to_bcd(
    digits: &str,
    width: usize,
    field: &'static str,
) -> Result<Vec<u8>, Jt808Error> {
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Jt808Error::InvalidField {
            field,
            reason: format!("{digits:?} is not all digits"),
        });
    }
    let max = width * 2;
    if digits.len() > max {
        return Err(Jt808Error::InvalidField {
            field,
            reason: format!("{} digits do not fit in {width} BCD bytes", digits.len()),
        });
    }
    let padded: Vec<u8> = std::iter::repeat_n(0u8, max - digits.len())
        .chain(
            digits
                .bytes()
                .map(|b| char::from(b).to_digit(16).unwrap_or(0) as u8),
        )
        .collect();
    Ok(padded
        .chunks(2)
        .map(|p| match p {
            [hi, lo] => (hi << 4) | lo,
            _ => 0,
        })
        .collect())
}

/// Encodes 0..=99 as one packed BCD byte.
pub fn to_bcd_byte(v: u32) -> u8 {
    let v = v % 100;
    (((v / 10) as u8) << 4) | (v % 10) as u8
}

/// A cursor over a byte slice whose reads fail with [`Jt808Error::Truncated`] instead of panicking.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Starts at the beginning of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// Current offset.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Reads `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Jt808Error> {
        let end = self.pos.checked_add(n);
        match end.and_then(|end| self.bytes.get(self.pos..end)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(Jt808Error::Truncated {
                what,
                needed: n,
                available: self.remaining(),
            }),
        }
    }

    /// Reads everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos = self.bytes.len();
        s
    }

    /// Reads one byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, Jt808Error> {
        let s = self.take(1, what)?;
        Ok(s.first().copied().unwrap_or_default())
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, Jt808Error> {
        let s = self.take(2, what)?;
        Ok(u16::from_be_bytes(s.try_into().unwrap_or_default()))
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, Jt808Error> {
        let s = self.take(4, what)?;
        Ok(u32::from_be_bytes(s.try_into().unwrap_or_default()))
    }
}
