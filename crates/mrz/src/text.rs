//! A small fixed-capacity string, so that parsing allocates nothing but names.

use serde::Serialize;

/// Up to `N` ASCII characters stored inline. Longer input is cut at `N` (the parser never
/// gives it more than the field width).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Text<const N: usize> {
    buf: [u8; N],
    len: u8,
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> Text<N> {
    /// Copies ASCII bytes (non-ASCII bytes are dropped, so the contents are always valid
    /// UTF-8), at most `N` of them.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let mut t = Self::default();
        t.extend(bytes);
        t
    }

    /// Copies a field, dropping the trailing `<` fillers.
    pub(crate) fn trimmed(bytes: &[u8]) -> Self {
        Self::from_bytes(trim_fillers(bytes))
    }

    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let at = usize::from(self.len);
            if !b.is_ascii() {
                continue;
            }
            match self.buf.get_mut(at) {
                Some(slot) if at < usize::from(u8::MAX) => {
                    *slot = b;
                    self.len += 1;
                }
                _ => break,
            }
        }
    }

    /// The contents.
    pub fn as_str(&self) -> &str {
        let bytes = self.buf.get(..usize::from(self.len)).unwrap_or(&[]);
        std::str::from_utf8(bytes).unwrap_or("")
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// `bytes` without its trailing `<` fillers.
pub(crate) fn trim_fillers(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != b'<').map_or(0, |i| i + 1);
    bytes.get(..end).unwrap_or(&[])
}

impl<const N: usize> std::ops::Deref for Text<N> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> std::fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> std::fmt::Display for Text<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> PartialEq<str> for Text<N> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<const N: usize> PartialEq<&str> for Text<N> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl<const N: usize> Serialize for Text<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_caps() {
        assert_eq!(Text::<9>::trimmed(b"A1234567<"), "A1234567");
        assert_eq!(Text::<3>::trimmed(b"D<<"), "D");
        assert_eq!(Text::<3>::trimmed(b"<<<"), "");
        assert_eq!(Text::<2>::from_bytes(b"ABC"), "AB");
        assert_eq!(Text::<4>::from_bytes("AÅB".as_bytes()), "AB");
    }
}
