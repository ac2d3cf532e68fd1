use thiserror::Error;

/// Everything that can be wrong with a JT/T 808 frame. Each variant names the fault and where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Jt808Error {
    /// The XOR of header and body differs from the check code at the end of the frame.
    #[error("bad checksum: frame carries 0x{carried:02x}, header+body XOR to 0x{computed:02x}")]
    BadChecksum {
        /// The check code in the frame.
        carried: u8,
        /// The XOR computed over header and body.
        computed: u8,
    },
    /// 0x7d followed by something other than 0x01 or 0x02 (or by nothing).
    #[error("bad escape at byte {offset}: 0x7d followed by {}", describe_next(*.next))]
    BadEscape {
        /// Offset of the 0x7d inside the escaped payload (delimiters excluded).
        offset: usize,
        /// The byte after 0x7d, if any.
        next: Option<u8>,
    },
    /// Fewer bytes than a field needs.
    #[error("truncated {what}: needs {needed} bytes, {available} left")]
    Truncated {
        /// The field or structure being read.
        what: &'static str,
        /// Bytes it needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A frame or body larger than allowed.
    #[error("oversized {what}: {size} bytes, limit {limit}")]
    Oversized {
        /// What was too big ("frame", "body").
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A BCD field holds a nibble above 9.
    #[error("bad BCD in {field}: byte 0x{byte:02x}")]
    BadBcd {
        /// The BCD field.
        field: &'static str,
        /// The offending byte.
        byte: u8,
    },
    /// The body length in the header disagrees with the bytes present.
    #[error("body length mismatch: header declares {declared} bytes, frame holds {actual}")]
    BodyLengthMismatch {
        /// Length from the body attributes.
        declared: usize,
        /// Bytes actually between header and check code.
        actual: usize,
    },
    /// The frame is not enclosed in 0x7e delimiters or holds an inner 0x7e.
    #[error("bad framing: {0}")]
    Framing(&'static str),
    /// A field whose value the standard does not allow.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

fn describe_next(next: Option<u8>) -> String {
    match next {
        Some(b) => format!("0x{b:02x} (only 0x01 and 0x02 are allowed)"),
        None => "the end of the frame".to_owned(),
    }
}
