use serde::Serialize;

use super::Jt808Error;
use super::header::Version;
use super::lenient::Quirk;
use super::location::Location;
use super::wire::Reader;

/// Message ids this crate understands.
pub mod ids {
    /// Terminal general response.
    pub const TERMINAL_RESPONSE: u16 = 0x0001;
    /// Terminal heartbeat.
    pub const HEARTBEAT: u16 = 0x0002;
    /// Terminal register.
    pub const REGISTER: u16 = 0x0100;
    /// Terminal authentication.
    pub const AUTH: u16 = 0x0102;
    /// Location report.
    pub const LOCATION: u16 = 0x0200;
    /// Location batch upload.
    pub const LOCATION_BATCH: u16 = 0x0704;
    /// Platform general response.
    pub const PLATFORM_RESPONSE: u16 = 0x8001;
    /// Platform register response.
    pub const REGISTER_RESPONSE: u16 = 0x8100;
}

/// Which table a terminal register body follows (the field widths differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterLayout {
    /// 2011: maker 5, model 8, terminal id 7 bytes.
    V2011,
    /// 2013: maker 5, model 20, terminal id 7 bytes.
    V2013,
    /// 2019: maker 11, model 30, terminal id 30 bytes.
    V2019,
}

impl RegisterLayout {
    /// (maker, model, terminal id) widths.
    fn widths(self) -> (usize, usize, usize) {
        match self {
            Self::V2011 => (5, 8, 7),
            Self::V2013 => (5, 20, 7),
            Self::V2019 => (11, 30, 30),
        }
    }

    fn fixed_len(self) -> usize {
        let (a, b, c) = self.widths();
        2 + 2 + a + b + c + 1
    }
}

/// Terminal register (0x0100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Register {
    /// Province code (GB/T 2260 first two digits).
    pub province: u16,
    /// City/county code.
    pub city: u16,
    /// Manufacturer id.
    pub maker: String,
    /// Terminal model.
    pub model: String,
    /// Terminal id.
    pub terminal_id: String,
    /// Plate colour (JT/T 415; 0 = not registered to a vehicle).
    pub plate_colour: u8,
    /// Plate (GBK on the wire), or VIN when the colour is 0.
    pub plate: String,
    /// Field widths used.
    pub layout: RegisterLayout,
}

/// Terminal authentication (0x0102).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Auth {
    /// The code the platform issued in 0x8100.
    pub code: String,
    /// 2019 only: IMEI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    /// 2019 only: software version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
}

/// Location batch upload (0x0704).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationBatch {
    /// 0 = normal batch, 1 = blind-area back-fill.
    pub batch_type: u8,
    /// The reports, in wire order.
    pub locations: Vec<Location>,
}

/// A decoded message body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum Message {
    /// 0x0001 (and 0x8001 with [`Message::PlatformResponse`]).
    TerminalResponse {
        /// Serial of the message answered.
        reply_serial: u16,
        /// Id of the message answered.
        reply_msg_id: u16,
        /// 0 ok, 1 failure, 2 bad message, 3 unsupported (4 alarm ack on 0x8001).
        result: u8,
    },
    /// 0x0002, empty body.
    Heartbeat,
    /// 0x0100.
    Register(Register),
    /// 0x0102.
    Auth(Auth),
    /// 0x0200.
    Location(Location),
    /// 0x0704.
    LocationBatch(LocationBatch),
    /// 0x8001.
    PlatformResponse {
        /// Serial of the message answered.
        reply_serial: u16,
        /// Id of the message answered.
        reply_msg_id: u16,
        /// 0 ok, 1 failure, 2 bad message, 3 unsupported, 4 alarm acknowledged.
        result: u8,
    },
    /// 0x8100.
    RegisterResponse {
        /// Serial of the 0x0100 answered.
        reply_serial: u16,
        /// 0 ok, 1 vehicle registered, 2 no such vehicle, 3 terminal registered, 4 no such terminal.
        result: u8,
        /// The code to send in 0x0102 (only when `result` is 0).
        #[serde(skip_serializing_if = "Option::is_none")]
        auth_code: Option<String>,
    },
    /// One piece of a split message; join pieces with [`super::Reassembler`].
    SubPackage {
        /// This piece's body bytes.
        #[serde(serialize_with = "hex_bytes")]
        fragment: Vec<u8>,
    },
    /// A message id this crate does not decode.
    Unknown {
        /// Its id.
        msg_id: u16,
        /// Its body.
        #[serde(serialize_with = "hex_bytes")]
        body: Vec<u8>,
    },
}

fn hex_bytes<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    use std::fmt::Write;
    let mut h = String::with_capacity(v.len() * 2);
    for b in v {
        let _ = write!(h, "{b:02x}");
    }
    s.serialize_str(&h)
}

/// Decodes fixed-width text: GBK (a superset of ASCII), trailing NULs and spaces dropped.
fn text(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .rposition(|&b| b != 0 && b != b' ')
        .map_or(0, |p| p + 1);
    let bytes = bytes.get(..end).unwrap_or_default();
    // Leading NUL padding is also seen (right-aligned fields).
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let (s, _, _) = encoding_rs::GBK.decode(bytes.get(start..).unwrap_or_default());
    s.into_owned()
}

/// Decodes an identifier field the standard defines as ASCII (maker, model, terminal id, IMEI).
/// Devices that put binary there (e.g. a BCD number) get a hex dump rather than mojibake.
fn ascii_or_hex(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .rposition(|&b| b != 0 && b != b' ')
        .map_or(0, |p| p + 1);
    let bytes = bytes.get(..end).unwrap_or_default();
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let trimmed = bytes.get(start..).unwrap_or_default();
    if trimmed.iter().all(|b| (0x20..0x7f).contains(b)) {
        trimmed.iter().map(|&b| char::from(b)).collect()
    } else {
        super::wire::phone_to_string(bytes)
    }
}

fn gbk(s: &str, field: &'static str) -> Result<Vec<u8>, Jt808Error> {
    let (b, _, unmappable) = encoding_rs::GBK.encode(s);
    if unmappable {
        return Err(Jt808Error::InvalidField {
            field,
            reason: format!("{s:?} has characters GBK cannot encode"),
        });
    }
    Ok(b.into_owned())
}

fn fixed(s: &str, width: usize, field: &'static str, out: &mut Vec<u8>) -> Result<(), Jt808Error> {
    let b = gbk(s, field)?;
    if b.len() > width {
        return Err(Jt808Error::InvalidField {
            field,
            reason: format!("{} bytes do not fit in {width}", b.len()),
        });
    }
    out.extend_from_slice(&b);
    out.extend(std::iter::repeat_n(0u8, width - b.len()));
    Ok(())
}

impl Message {
    /// Decodes the body of a non-split message.
    pub fn decode_body(msg_id: u16, version: Version, body: &[u8]) -> Result<Self, Jt808Error> {
        let mut r = Reader::new(body);
        let msg = match msg_id {
            ids::TERMINAL_RESPONSE | ids::PLATFORM_RESPONSE => {
                let reply_serial = r.u16("response reply serial")?;
                let reply_msg_id = r.u16("response reply message id")?;
                let result = r.u8("response result")?;
                if msg_id == ids::TERMINAL_RESPONSE {
                    Self::TerminalResponse {
                        reply_serial,
                        reply_msg_id,
                        result,
                    }
                } else {
                    Self::PlatformResponse {
                        reply_serial,
                        reply_msg_id,
                        result,
                    }
                }
            }
            ids::HEARTBEAT => Self::Heartbeat,
            ids::REGISTER => Self::Register(decode_register(version, &mut r)?),
            ids::AUTH => Self::Auth(match version {
                Version::V2013 => Auth {
                    code: text(r.rest()),
                    imei: None,
                    software_version: None,
                },
                Version::V2019 => {
                    let n = r.u8("auth code length")?;
                    let code = text(r.take(n.into(), "auth code")?);
                    let imei = ascii_or_hex(r.take(15, "auth IMEI")?);
                    let sw = ascii_or_hex(r.take(20, "auth software version")?);
                    Auth {
                        code,
                        imei: Some(imei),
                        software_version: Some(sw),
                    }
                }
            }),
            ids::LOCATION => Self::Location(Location::decode(body)?),
            ids::LOCATION_BATCH => {
                let count = r.u16("batch count")?;
                let batch_type = r.u8("batch type")?;
                let mut locations = Vec::with_capacity(usize::from(count).min(64));
                for _ in 0..count {
                    let len = r.u16("batch entry length")?;
                    locations.push(Location::decode(r.take(len.into(), "batch entry")?)?);
                }
                if r.remaining() > 0 {
                    return Err(Jt808Error::InvalidField {
                        field: "batch",
                        reason: format!(
                            "{} bytes after the {count} announced entries",
                            r.remaining()
                        ),
                    });
                }
                Self::LocationBatch(LocationBatch {
                    batch_type,
                    locations,
                })
            }
            ids::REGISTER_RESPONSE => {
                let reply_serial = r.u16("register response serial")?;
                let result = r.u8("register response result")?;
                let code = r.rest();
                let auth_code = (result == 0 || !code.is_empty()).then(|| text(code));
                Self::RegisterResponse {
                    reply_serial,
                    result,
                    auth_code,
                }
            }
            _ => Self::Unknown {
                msg_id,
                body: body.to_vec(),
            },
        };
        Ok(msg)
    }

    /// Decodes the body of a non-split message as devices send it: location reports (0x0200) and
    /// batches (0x0704) keep every sound basic block and note what was wrong around them in
    /// `quirks` (see [`Quirk`]); every other message decodes as in [`Message::decode_body`].
    ///
    /// In a batch, a truncated trailing entry ([`Quirk::TruncatedBatch`]) or an entry whose basic
    /// block is not sound ([`Quirk::DroppedBatchEntry`]) is left out and the others are kept;
    /// bytes after the announced entries are ignored ([`Quirk::BatchTrailingBytes`]). A batch
    /// with no sound entry at all is an error.
    pub fn decode_body_lenient(
        msg_id: u16,
        version: Version,
        body: &[u8],
        quirks: &mut Vec<Quirk>,
    ) -> Result<Self, Jt808Error> {
        match msg_id {
            ids::LOCATION => Ok(Self::Location(Location::decode_lenient(body, quirks)?)),
            ids::LOCATION_BATCH => decode_batch_lenient(body, quirks),
            _ => Self::decode_body(msg_id, version, body),
        }
    }

    /// The message id this body is sent under, if it has a fixed one.
    pub fn msg_id(&self) -> Option<u16> {
        Some(match self {
            Self::TerminalResponse { .. } => ids::TERMINAL_RESPONSE,
            Self::Heartbeat => ids::HEARTBEAT,
            Self::Register(_) => ids::REGISTER,
            Self::Auth(_) => ids::AUTH,
            Self::Location(_) => ids::LOCATION,
            Self::LocationBatch(_) => ids::LOCATION_BATCH,
            Self::PlatformResponse { .. } => ids::PLATFORM_RESPONSE,
            Self::RegisterResponse { .. } => ids::REGISTER_RESPONSE,
            Self::Unknown { msg_id, .. } => *msg_id,
            Self::SubPackage { .. } => return None,
        })
    }

    /// Encodes the body for a header of `version`.
    pub fn encode_body(&self, version: Version) -> Result<Vec<u8>, Jt808Error> {
        let mut out = Vec::new();
        match self {
            Self::TerminalResponse {
                reply_serial,
                reply_msg_id,
                result,
            }
            | Self::PlatformResponse {
                reply_serial,
                reply_msg_id,
                result,
            } => {
                out.extend_from_slice(&reply_serial.to_be_bytes());
                out.extend_from_slice(&reply_msg_id.to_be_bytes());
                out.push(*result);
            }
            Self::Heartbeat => {}
            Self::Register(reg) => {
                let (maker, model, tid) = reg.layout.widths();
                out.extend_from_slice(&reg.province.to_be_bytes());
                out.extend_from_slice(&reg.city.to_be_bytes());
                fixed(&reg.maker, maker, "register maker", &mut out)?;
                fixed(&reg.model, model, "register model", &mut out)?;
                fixed(&reg.terminal_id, tid, "register terminal id", &mut out)?;
                out.push(reg.plate_colour);
                out.extend_from_slice(&gbk(&reg.plate, "register plate")?);
            }
            Self::Auth(a) => match version {
                Version::V2013 => out.extend_from_slice(&gbk(&a.code, "auth code")?),
                Version::V2019 => {
                    let code = gbk(&a.code, "auth code")?;
                    let n = u8::try_from(code.len()).map_err(|_| Jt808Error::Oversized {
                        what: "auth code",
                        size: code.len(),
                        limit: 255,
                    })?;
                    out.push(n);
                    out.extend_from_slice(&code);
                    fixed(
                        a.imei.as_deref().unwrap_or_default(),
                        15,
                        "auth IMEI",
                        &mut out,
                    )?;
                    fixed(
                        a.software_version.as_deref().unwrap_or_default(),
                        20,
                        "auth software version",
                        &mut out,
                    )?;
                }
            },
            Self::Location(l) => out = l.encode()?,
            Self::LocationBatch(b) => {
                let count =
                    u16::try_from(b.locations.len()).map_err(|_| Jt808Error::Oversized {
                        what: "batch",
                        size: b.locations.len(),
                        limit: usize::from(u16::MAX),
                    })?;
                out.extend_from_slice(&count.to_be_bytes());
                out.push(b.batch_type);
                for l in &b.locations {
                    let body = l.encode()?;
                    let len = u16::try_from(body.len()).map_err(|_| Jt808Error::Oversized {
                        what: "batch entry",
                        size: body.len(),
                        limit: usize::from(u16::MAX),
                    })?;
                    out.extend_from_slice(&len.to_be_bytes());
                    out.extend_from_slice(&body);
                }
            }
            Self::RegisterResponse {
                reply_serial,
                result,
                auth_code,
            } => {
                out.extend_from_slice(&reply_serial.to_be_bytes());
                out.push(*result);
                if let Some(code) = auth_code {
                    out.extend_from_slice(&gbk(code, "auth code")?);
                }
            }
            Self::SubPackage { fragment } => out.extend_from_slice(fragment),
            Self::Unknown { body, .. } => out.extend_from_slice(body),
        }
        Ok(out)
    }
}

fn decode_batch_lenient(body: &[u8], quirks: &mut Vec<Quirk>) -> Result<Message, Jt808Error> {
    let mut r = Reader::new(body);
    let count = r.u16("batch count")?;
    let batch_type = r.u8("batch type")?;
    let mut locations = Vec::with_capacity(usize::from(count).min(64));
    let mut first_error = None;
    for _ in 0..count {
        let entry = r
            .u16("batch entry length")
            .and_then(|len| r.take(len.into(), "batch entry"));
        let Ok(entry) = entry else {
            quirks.push(Quirk::TruncatedBatch);
            first_error = first_error.or(entry.err());
            break;
        };
        match Location::decode_lenient(entry, quirks) {
            Ok(l) => locations.push(l),
            Err(e) => {
                quirks.push(Quirk::DroppedBatchEntry);
                first_error = first_error.or(Some(e));
            }
        }
    }
    if r.remaining() > 0 && first_error.is_none() {
        quirks.push(Quirk::BatchTrailingBytes);
    }
    if locations.is_empty()
        && let Some(e) = first_error
    {
        return Err(e);
    }
    Ok(Message::LocationBatch(LocationBatch {
        batch_type,
        locations,
    }))
}

fn decode_register(version: Version, r: &mut Reader<'_>) -> Result<Register, Jt808Error> {
    // 2011 and 2013 share the header; only the body length tells them apart.
    let layout = match version {
        Version::V2019 => RegisterLayout::V2019,
        Version::V2013 if r.remaining() < RegisterLayout::V2013.fixed_len() => {
            RegisterLayout::V2011
        }
        Version::V2013 => RegisterLayout::V2013,
    };
    let (maker, model, tid) = layout.widths();
    Ok(Register {
        province: r.u16("register province")?,
        city: r.u16("register city")?,
        maker: ascii_or_hex(r.take(maker, "register maker")?),
        model: ascii_or_hex(r.take(model, "register model")?),
        terminal_id: ascii_or_hex(r.take(tid, "register terminal id")?),
        plate_colour: r.u8("register plate colour")?,
        plate: text(r.rest()),
        layout,
    })
}
