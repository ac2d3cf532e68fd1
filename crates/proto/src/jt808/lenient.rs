//! JT/T 808 as field devices send it: decode what can be trusted, name what was wrong.
//!
//! The strict [`decode_frame`](super::decode_frame) refuses any departure from the standard.
//! Field terminals depart from it in a few recurring ways that leave the position itself
//! intact; [`decode_frame_lenient`] accepts those and reports each as a [`Quirk`]:
//!
//! | quirk | what the device did | what we do |
//! | --- | --- | --- |
//! | `unescaped_delimiter` | sent a data byte 0x7e without escaping it | keep it as the byte 0x7e |
//! | `bad_escape` | sent 0x7d followed by a byte other than 0x01/0x02 (or last) | keep 0x7d as a byte |
//! | `truncated_additional_item` | cut the last additional item of a location short | drop that item |
//! | `truncated_batch` | announced more 0x0704 entries than it sent, or cut the last one | keep the whole ones |
//! | `dropped_batch_entry` | put an entry with an unsound basic block in a 0x0704 batch | drop that entry |
//! | `batch_trailing_bytes` | left bytes after the announced 0x0704 entries | ignore them |
//!
//! What stays refused, because nothing in the frame vouches for it: a check code that
//! disagrees with the unescaped content (the XOR is computed after the lenient unescaping, so a
//! quirk never excuses a bad check code); a body length in the header that disagrees with the
//! bytes present (with an 8-bit XOR, the length is the second witness that the frame is whole);
//! a header cut short; a location whose 28-byte basic block is short or not sound (latitude
//! beyond 90°, longitude beyond 180°, a time that is not BCD or not a calendar time); a batch
//! with no sound entry; missing delimiters.
//!
//! On a TCP stream a bare 0x7e cuts the frame in two for any splitter that resynchronises on
//! 0x7e, as ours must. [`LenientStream`] keeps the splitter as it is and rejoins afterwards: a
//! piece that fails to decode for a structural reason (check code, length, truncation) is held,
//! and the next pieces are tried joined to it with the 0x7e between them; the join is accepted
//! only when its check code and its declared body length both agree. A piece that decodes on its
//! own is always taken on its own, so a good frame after a damaged one is never delayed or lost.
//! A check code of 0x7e sent unescaped makes `7e 7e`, where the splitter resynchronises, so the
//! piece it hands over has lost its check code: a piece that fails is therefore also tried with
//! a 0x7e check code put back, accepted on the same two conditions. The costs of this choice: a
//! piece that fails is answered (as an error) only when the next piece arrives, and at most
//! [`MAX_JOINED_PIECES`] pieces are joined.
//!
//! Compared with Traccar (whose decoder the shared test frames come from): its frame decoder
//! also cuts at the first 0x7e, so it loses a frame with a bare 0x7e on TCP; and it drops a
//! 0x7d with an unknown follower together with that byte, where we keep the 0x7d, which is what
//! makes the check code agree when a device simply forgot to escape it.

use std::collections::VecDeque;
use std::fmt;

use serde::Serialize;

use super::wire::{ESCAPE, FLAG};
use super::{FrameSplitter, Jt808Error, decode_unescaped_with};
use crate::jt808::Frame;

/// One way a device's frame departs from the standard that the lenient decoder tolerates.
/// The snake_case names ([`Quirk::name`]) are stable: metrics and the CLI print them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quirk {
    /// A 0x7e inside the frame that the device did not escape; kept as the byte 0x7e.
    UnescapedDelimiter,
    /// 0x7d followed by a byte other than 0x01 or 0x02, or ending the frame; kept as 0x7d.
    BadEscape,
    /// The last additional item of a location report runs past the end; dropped.
    TruncatedAdditionalItem,
    /// A 0x0704 batch holds fewer whole entries than it announces; the whole ones are kept.
    TruncatedBatch,
    /// A 0x0704 entry whose basic block is not sound; dropped, the others are kept.
    DroppedBatchEntry,
    /// Bytes after the entries a 0x0704 batch announces; ignored.
    BatchTrailingBytes,
}

impl Quirk {
    /// Every quirk, in declaration order.
    pub const ALL: [Quirk; 6] = [
        Quirk::UnescapedDelimiter,
        Quirk::BadEscape,
        Quirk::TruncatedAdditionalItem,
        Quirk::TruncatedBatch,
        Quirk::DroppedBatchEntry,
        Quirk::BatchTrailingBytes,
    ];

    /// The stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Quirk::UnescapedDelimiter => "unescaped_delimiter",
            Quirk::BadEscape => "bad_escape",
            Quirk::TruncatedAdditionalItem => "truncated_additional_item",
            Quirk::TruncatedBatch => "truncated_batch",
            Quirk::DroppedBatchEntry => "dropped_batch_entry",
            Quirk::BatchTrailingBytes => "batch_trailing_bytes",
        }
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A frame decoded leniently, with what was wrong with it (each quirk once, in order of first
/// appearance; empty for a frame that follows the standard).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decoded {
    /// The frame.
    pub frame: Frame,
    /// What the device got wrong, each quirk once.
    pub quirks: Vec<Quirk>,
}

/// Reverses the transport escaping, tolerating what devices get wrong: a bare 0x7e is kept
/// ([`Quirk::UnescapedDelimiter`]); 0x7d followed by anything but 0x01/0x02, or by nothing, is
/// kept as the byte 0x7d and the next byte is read normally ([`Quirk::BadEscape`]). Never fails.
pub fn unescape_lenient_into(escaped: &[u8], out: &mut Vec<u8>, quirks: &mut Vec<Quirk>) {
    // Most frames hold neither byte: two memchr-fast scans and one copy.
    if !escaped.contains(&ESCAPE) && !escaped.contains(&FLAG) {
        out.extend_from_slice(escaped);
        return;
    }
    let mut i = 0;
    loop {
        // Copy the run up to the next 0x7d or 0x7e in one go: most frames hold none.
        let rest = escaped.get(i..).unwrap_or_default();
        let run = rest
            .iter()
            .position(|&b| b == ESCAPE || b == FLAG)
            .unwrap_or(rest.len());
        out.extend_from_slice(rest.get(..run).unwrap_or_default());
        i += run;
        let Some(&b) = escaped.get(i) else { break };
        match (b, escaped.get(i + 1)) {
            (ESCAPE, Some(0x01)) => {
                out.push(ESCAPE);
                i += 2;
            }
            (ESCAPE, Some(0x02)) => {
                out.push(FLAG);
                i += 2;
            }
            (ESCAPE, _) => {
                note(quirks, Quirk::BadEscape);
                out.push(ESCAPE);
                i += 1;
            }
            (FLAG, _) => {
                note(quirks, Quirk::UnescapedDelimiter);
                out.push(FLAG);
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
}

fn note(quirks: &mut Vec<Quirk>, q: Quirk) {
    if !quirks.contains(&q) {
        quirks.push(q);
    }
}

pub(crate) fn dedup(quirks: Vec<Quirk>) -> Vec<Quirk> {
    let mut out = Vec::with_capacity(quirks.len());
    for q in quirks {
        note(&mut out, q);
    }
    out
}

/// Decodes one wire frame (`7e … 7e`) as devices send it. See the module documentation for
/// what is tolerated (and reported in [`Decoded::quirks`]) and what is still refused.
pub fn decode_frame_lenient(wire: &[u8]) -> Result<Decoded, Jt808Error> {
    let inner = match wire {
        [FLAG, inner @ .., FLAG] => inner,
        _ => return Err(Jt808Error::Framing("a frame must start and end with 0x7e")),
    };
    let mut quirks = Vec::new();
    let mut raw = Vec::with_capacity(inner.len());
    unescape_lenient_into(inner, &mut raw, &mut quirks);
    let frame = decode_unescaped_with(&raw, Some(&mut quirks))?;
    Ok(Decoded {
        frame,
        quirks: dedup(quirks),
    })
}

/// Largest number of splitter pieces [`LenientStream`] joins into one frame (so at most three
/// bare 0x7e inside one frame are recovered on a stream).
pub const MAX_JOINED_PIECES: usize = 4;

/// A TCP byte stream → leniently decoded frames: a [`FrameSplitter`] (which resynchronises on
/// every 0x7e) followed by the rejoining of frames that a bare 0x7e cut in pieces (module
/// documentation). Errors are the decoding errors of the pieces that could not be joined, and
/// the splitter's own (oversized frames).
#[derive(Debug, Clone)]
pub struct LenientStream {
    splitter: FrameSplitter,
    max_frame: usize,
    /// Pieces that failed to decode and may be the start of a frame cut by a bare 0x7e, oldest
    /// first, each with its own error.
    held: VecDeque<(Vec<u8>, Jt808Error)>,
    out: VecDeque<Result<Decoded, Jt808Error>>,
}

impl Default for LenientStream {
    fn default() -> Self {
        Self::new(super::DEFAULT_MAX_FRAME)
    }
}

/// The frame `wire` would be if the 0x7e that closed it was its check code, sent unescaped, and
/// the real closing flag followed (the splitter drops it as the `7e 7e` resynchronisation).
fn with_flag_check_code(wire: &[u8]) -> Option<Decoded> {
    let mut w = Vec::with_capacity(wire.len() + 1);
    w.extend_from_slice(wire);
    w.push(FLAG);
    decode_frame_lenient(&w).ok()
}

/// Errors that may come from a frame cut short by a bare 0x7e.
fn maybe_cut(e: &Jt808Error) -> bool {
    matches!(
        e,
        Jt808Error::BadChecksum { .. }
            | Jt808Error::Truncated { .. }
            | Jt808Error::BodyLengthMismatch { .. }
    )
}

impl LenientStream {
    /// A stream whose frames (joined ones included) are at most `max_frame` wire bytes.
    pub fn new(max_frame: usize) -> Self {
        Self {
            splitter: FrameSplitter::new(max_frame),
            max_frame: max_frame.max(2),
            held: VecDeque::new(),
            out: VecDeque::new(),
        }
    }

    /// Adds bytes received from the stream.
    pub fn push(&mut self, chunk: &[u8]) {
        self.splitter.push(chunk);
    }

    /// Bytes the splitter dropped outside any frame.
    pub fn skipped_bytes(&self) -> u64 {
        self.splitter.skipped_bytes()
    }

    /// Bytes buffered and not yet returned (held pieces included).
    pub fn buffered(&self) -> usize {
        self.splitter.buffered() + self.held.iter().map(|(p, _)| p.len()).sum::<usize>()
    }

    /// The next decoded frame or error, or `None` until more bytes come. A piece held for
    /// rejoining is answered (joined, or as its own error) when a later piece arrives.
    pub fn next_decoded(&mut self) -> Option<Result<Decoded, Jt808Error>> {
        loop {
            if let Some(r) = self.out.pop_front() {
                return Some(r);
            }
            match self.splitter.next_frame()? {
                Err(e) => {
                    self.flush_held();
                    self.out.push_back(Err(e));
                }
                Ok(piece) => {
                    let alone = decode_frame_lenient(&piece);
                    // The usual case, nothing held: answer at once, without the queue.
                    match alone {
                        Ok(d) if self.held.is_empty() => return Some(Ok(d)),
                        Err(e) if self.held.is_empty() && !maybe_cut(&e) => return Some(Err(e)),
                        alone => self.on_piece(piece, alone),
                    }
                }
            }
        }
    }

    /// Gives up on held pieces: each is answered with its own error.
    pub fn flush_held(&mut self) {
        while let Some((_, e)) = self.held.pop_front() {
            self.out.push_back(Err(e));
        }
    }

    fn on_piece(&mut self, piece: Vec<u8>, alone: Result<Decoded, Jt808Error>) {
        let alone = match alone {
            Err(e) if maybe_cut(&e) => with_flag_check_code(&piece).ok_or(e),
            other => other,
        };
        if let Ok(d) = alone {
            // A piece that stands on its own is a frame: whatever was held was not its start.
            self.flush_held();
            self.out.push_back(Ok(d));
            return;
        }
        let alone_err = alone.err();
        // Try the held pieces joined to this one, the longest run first.
        for start in 0..self.held.len() {
            let mut joined: Vec<u8> = Vec::new();
            for (p, _) in self.held.iter().skip(start) {
                // Each piece ends with the 0x7e that the next one starts with.
                joined.extend_from_slice(p.get(..p.len().saturating_sub(1)).unwrap_or_default());
            }
            joined.extend_from_slice(&piece);
            if joined.len() > self.max_frame {
                continue;
            }
            if let Some(d) = decode_frame_lenient(&joined)
                .ok()
                .or_else(|| with_flag_check_code(&joined))
            {
                for _ in 0..start {
                    if let Some((_, e)) = self.held.pop_front() {
                        self.out.push_back(Err(e));
                    }
                }
                self.held.clear();
                self.out.push_back(Ok(d));
                return;
            }
        }
        match alone_err {
            Some(e) if maybe_cut(&e) => {
                self.held.push_back((piece, e));
                let held_len = |h: &VecDeque<(Vec<u8>, Jt808Error)>| {
                    h.iter().map(|(p, _)| p.len()).sum::<usize>()
                };
                // A join is the held pieces plus one more: hold at most one less than the cap.
                while self.held.len() >= MAX_JOINED_PIECES
                    || (self.held.len() > 1 && held_len(&self.held) > self.max_frame)
                {
                    if let Some((_, e)) = self.held.pop_front() {
                        self.out.push_back(Err(e));
                    }
                }
            }
            Some(e) => {
                self.flush_held();
                self.out.push_back(Err(e));
            }
            None => {}
        }
    }
}
