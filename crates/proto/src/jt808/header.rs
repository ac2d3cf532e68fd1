use serde::{Serialize, Serializer};

use super::Jt808Error;
use super::wire::{Reader, phone_to_string, string_to_bcd};

/// Largest body the 10-bit length field can describe.
pub const MAX_BODY_LEN: usize = 0x03ff;

const LEN_MASK: u16 = 0x03ff;
const ENCRYPTION_SHIFT: u16 = 10;
const SUBPACKAGE_BIT: u16 = 1 << 13;
const VERSION_BIT: u16 = 1 << 14;

/// Which edition of the header a frame uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// JT/T 808-2011/2013: 6-byte BCD phone, no version byte.
    V2013,
    /// JT/T 808-2019: version flag set, protocol version byte, 10-byte BCD phone.
    V2019,
}

impl Version {
    /// The year, as printed by the CLI.
    pub fn year(self) -> u16 {
        match self {
            Self::V2013 => 2013,
            Self::V2019 => 2019,
        }
    }

    fn phone_len(self) -> usize {
        match self {
            Self::V2013 => 6,
            Self::V2019 => 10,
        }
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.year())
    }
}

/// Sub-package numbering (both 1-based per the standard: index runs 1..=total).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct SubPackage {
    /// How many packages the message was split into.
    pub total: u16,
    /// This package's number.
    pub index: u16,
}

/// A decoded message header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// Message id.
    pub msg_id: u16,
    /// Body length from the attributes.
    pub body_len: u16,
    /// Encryption bits (0 = none, bit 0 = RSA).
    pub encryption: u8,
    /// Header edition.
    pub version: Version,
    /// The 2019 protocol version byte.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<u8>,
    /// Terminal phone number as its BCD digits (12 for 2013, 20 for 2019), leading zeros kept.
    /// Devices that put non-BCD bytes there get lowercase hex letters for those nibbles.
    pub terminal: String,
    /// Message serial number.
    pub serial: u16,
    /// Present when the body is one piece of a split message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<SubPackage>,
}

impl Header {
    /// Parses a header from the unescaped frame content.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, Jt808Error> {
        let msg_id = r.u16("header message id")?;
        let attrs = r.u16("header body attributes")?;
        let version = if attrs & VERSION_BIT != 0 {
            Version::V2019
        } else {
            Version::V2013
        };
        let protocol_version = match version {
            Version::V2019 => Some(r.u8("header protocol version")?),
            Version::V2013 => None,
        };
        let terminal = phone_to_string(r.take(version.phone_len(), "header terminal phone")?);
        let serial = r.u16("header serial")?;
        let package = if attrs & SUBPACKAGE_BIT != 0 {
            let total = r.u16("header sub-package total")?;
            let index = r.u16("header sub-package index")?;
            Some(SubPackage { total, index })
        } else {
            None
        };
        Ok(Self {
            msg_id,
            body_len: attrs & LEN_MASK,
            encryption: ((attrs >> ENCRYPTION_SHIFT) & 0x07) as u8,
            version,
            protocol_version,
            terminal,
            serial,
            package,
        })
    }

    /// Appends the header bytes, with `body_len` as given (callers set it from the real body).
    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), Jt808Error> {
        if usize::from(self.body_len) > MAX_BODY_LEN {
            return Err(Jt808Error::Oversized {
                what: "body",
                size: self.body_len.into(),
                limit: MAX_BODY_LEN,
            });
        }
        let mut attrs = self.body_len | (u16::from(self.encryption & 0x07) << ENCRYPTION_SHIFT);
        if self.package.is_some() {
            attrs |= SUBPACKAGE_BIT;
        }
        if self.version == Version::V2019 {
            attrs |= VERSION_BIT;
        }
        out.extend_from_slice(&self.msg_id.to_be_bytes());
        out.extend_from_slice(&attrs.to_be_bytes());
        if self.version == Version::V2019 {
            out.push(self.protocol_version.unwrap_or(1));
        }
        out.extend_from_slice(&string_to_bcd(
            &self.terminal,
            self.version.phone_len(),
            "terminal phone",
        )?);
        out.extend_from_slice(&self.serial.to_be_bytes());
        if let Some(p) = self.package {
            out.extend_from_slice(&p.total.to_be_bytes());
            out.extend_from_slice(&p.index.to_be_bytes());
        }
        Ok(())
    }
}
