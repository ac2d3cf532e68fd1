//! JT/T 808 (2011/2013/2019): framing, escaping, check code, headers, the messages a GNSS
//! terminal and a platform exchange, sub-package reassembly and a streaming frame splitter.
//!
//! Decoding: [`FrameSplitter`] turns TCP chunks into wire frames; [`decode_frame`] turns one
//! into a [`Frame`]; split messages go through a [`Reassembler`] and [`Message::decode_body`].
//! Encoding: [`encode`] builds a complete escaped frame.
//!
//! Devices in the field: [`decode_frame_lenient`] and [`LenientStream`] decode what a terminal
//! really sends, naming each departure from the standard as a [`Quirk`] (see `lenient`).

mod error;
mod header;
mod lenient;
mod location;
mod message;
mod reassembly;
mod splitter;
pub mod wire;

use serde::Serialize;

pub use error::Jt808Error;
pub use header::{Header, MAX_BODY_LEN, SubPackage, Version};
pub use lenient::{
    Decoded, LenientStream, MAX_JOINED_PIECES, Quirk, decode_frame_lenient, unescape_lenient_into,
};
pub use location::{AlarmFlags, Extra, Location, StatusFlags, decode_time, encode_time};
pub use message::{Auth, LocationBatch, Message, Register, RegisterLayout, ids};
pub use reassembly::{Reassembled, Reassembler, ReassemblyError, ReassemblyKey, ReassemblyLimits};
pub use splitter::{DEFAULT_MAX_FRAME, FrameSplitter};

use wire::{FLAG, Reader, checksum, escape_into, unescape_into};

/// A decoded frame: header plus message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frame {
    /// The header.
    pub header: Header,
    /// The body; [`Message::SubPackage`] when the header carries sub-package numbers.
    pub message: Message,
}

/// Decodes one frame as it comes off the wire: `7e … 7e`, escaped.
pub fn decode_frame(wire: &[u8]) -> Result<Frame, Jt808Error> {
    let inner = match wire {
        [FLAG, inner @ .., FLAG] => inner,
        _ => return Err(Jt808Error::Framing("a frame must start and end with 0x7e")),
    };
    if inner.contains(&FLAG) {
        return Err(Jt808Error::Framing(
            "0x7e inside the frame (two frames run together?)",
        ));
    }
    let mut raw = Vec::with_capacity(inner.len());
    unescape_into(inner, &mut raw)?;
    decode_unescaped(&raw)
}

/// Decodes unescaped frame content (header, body, check code; no delimiters).
pub fn decode_unescaped(raw: &[u8]) -> Result<Frame, Jt808Error> {
    decode_unescaped_with(raw, None)
}

/// The strict decoder when `quirks` is `None`; the lenient body decoder otherwise (the check
/// code, header and body length are checked the same way in both).
fn decode_unescaped_with(raw: &[u8], quirks: Option<&mut Vec<Quirk>>) -> Result<Frame, Jt808Error> {
    let Some((&carried, content)) = raw.split_last() else {
        return Err(Jt808Error::Truncated {
            what: "frame",
            needed: 13,
            available: 0,
        });
    };
    // Check the code first: a corrupted header would otherwise give a misleading error.
    let computed = checksum(content);
    if computed != carried {
        return Err(Jt808Error::BadChecksum { carried, computed });
    }
    let mut r = Reader::new(content);
    let header = Header::read(&mut r)?;
    let body = r.rest();
    if body.len() != usize::from(header.body_len) {
        return Err(Jt808Error::BodyLengthMismatch {
            declared: header.body_len.into(),
            actual: body.len(),
        });
    }
    let message = if header.package.is_some() {
        Message::SubPackage {
            fragment: body.to_vec(),
        }
    } else if let Some(quirks) = quirks {
        Message::decode_body_lenient(header.msg_id, header.version, body, quirks)?
    } else {
        Message::decode_body(header.msg_id, header.version, body)?
    };
    Ok(Frame { header, message })
}

/// Who sends a frame, and how: everything of a header except what the body determines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Terminal phone digits (left-padded with zeros to 12 or 20).
    pub terminal: String,
    /// Serial number.
    pub serial: u16,
    /// Header edition.
    pub version: Version,
    /// The 2019 protocol version byte (ignored for 2013; 1 when `None`).
    pub protocol_version: Option<u8>,
}

impl Envelope {
    /// A 2013 envelope.
    pub fn v2013(terminal: impl Into<String>, serial: u16) -> Self {
        Self {
            terminal: terminal.into(),
            serial,
            version: Version::V2013,
            protocol_version: None,
        }
    }

    /// A 2019 envelope (protocol version 1).
    pub fn v2019(terminal: impl Into<String>, serial: u16) -> Self {
        Self {
            terminal: terminal.into(),
            serial,
            version: Version::V2019,
            protocol_version: Some(1),
        }
    }
}

/// Encodes a message as a complete wire frame (delimited, escaped, with check code).
pub fn encode(envelope: &Envelope, message: &Message) -> Result<Vec<u8>, Jt808Error> {
    let msg_id = message.msg_id().ok_or(Jt808Error::InvalidField {
        field: "message",
        reason: "a sub-package has no message id of its own; use encode_raw".to_owned(),
    })?;
    let body = message.encode_body(envelope.version)?;
    encode_raw(envelope, msg_id, &body, None)
}

/// Encodes a frame from a raw body, optionally as one sub-package.
pub fn encode_raw(
    envelope: &Envelope,
    msg_id: u16,
    body: &[u8],
    package: Option<SubPackage>,
) -> Result<Vec<u8>, Jt808Error> {
    if body.len() > MAX_BODY_LEN {
        return Err(Jt808Error::Oversized {
            what: "body",
            size: body.len(),
            limit: MAX_BODY_LEN,
        });
    }
    let header = Header {
        msg_id,
        body_len: body.len() as u16,
        encryption: 0,
        version: envelope.version,
        protocol_version: match envelope.version {
            Version::V2019 => Some(envelope.protocol_version.unwrap_or(1)),
            Version::V2013 => None,
        },
        terminal: envelope.terminal.clone(),
        serial: envelope.serial,
        package,
    };
    let mut raw = Vec::with_capacity(body.len() + 24);
    header.write(&mut raw)?;
    raw.extend_from_slice(body);
    raw.push(checksum(&raw));
    let mut out = Vec::with_capacity(raw.len() + 8);
    out.push(FLAG);
    escape_into(&raw, &mut out);
    out.push(FLAG);
    Ok(out)
}
