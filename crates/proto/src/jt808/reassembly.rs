use serde::Serialize;
use thiserror::Error;

use super::Jt808Error;
use super::header::{Header, Version};
use super::lenient::Quirk;
use super::message::Message;

/// Identifies one split message: terminal, message id and the serial of its first package.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ReassemblyKey {
    /// Terminal phone digits.
    pub terminal: String,
    /// Message id.
    pub msg_id: u16,
    /// Serial of package 1 (serials run consecutively across the packages).
    pub first_serial: u16,
}

/// Bounds on what a [`Reassembler`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyLimits {
    /// Split messages in progress at once; the stalest is abandoned to admit a new one.
    pub max_pending: usize,
    /// Largest package count accepted in a header.
    pub max_packages: u16,
    /// Largest reassembled body, bytes.
    pub max_bytes: usize,
    /// A message that receives no piece while this many other pieces arrive is abandoned.
    pub max_idle_fragments: u64,
}

impl Default for ReassemblyLimits {
    fn default() -> Self {
        Self {
            max_pending: 16,
            max_packages: 1024,
            max_bytes: 1024 * 1024,
            max_idle_fragments: 256,
        }
    }
}

/// Why a piece was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReassemblyError {
    /// The header has no sub-package numbers.
    #[error("frame is not a sub-package")]
    NotSplit,
    /// Index 0 or beyond the total.
    #[error("sub-package index {index} outside 1..={total}")]
    BadIndex {
        /// Index from the header.
        index: u16,
        /// Total from the header.
        total: u16,
    },
    /// More packages than the limit allows.
    #[error("{total} sub-packages announced, limit {limit}")]
    TooManyPackages {
        /// Total from the header.
        total: u16,
        /// The limit.
        limit: u16,
    },
    /// A later piece announces a different total than the first.
    #[error("sub-package total changed from {expected} to {got}")]
    TotalMismatch {
        /// Total seen first.
        expected: u16,
        /// Total in this piece.
        got: u16,
    },
    /// The pieces add up to more than the limit; the message is dropped.
    #[error("reassembled body would reach {size} bytes, limit {limit}")]
    TooLarge {
        /// Bytes so far including this piece.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

/// A message joined from all its pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassembled {
    /// Which message.
    pub key: ReassemblyKey,
    /// Header edition of its pieces.
    pub version: Version,
    /// The joined body.
    pub body: Vec<u8>,
}

impl Reassembled {
    /// Decodes the joined body.
    pub fn decode(&self) -> Result<Message, Jt808Error> {
        Message::decode_body(self.key.msg_id, self.version, &self.body)
    }

    /// Decodes the joined body as devices send it ([`Message::decode_body_lenient`]), with the
    /// quirks found in it.
    pub fn decode_lenient(&self) -> Result<(Message, Vec<Quirk>), Jt808Error> {
        let mut quirks = Vec::new();
        let m =
            Message::decode_body_lenient(self.key.msg_id, self.version, &self.body, &mut quirks)?;
        Ok((m, super::lenient::dedup(quirks)))
    }
}

#[derive(Debug, Clone)]
struct Pending {
    key: ReassemblyKey,
    version: Version,
    parts: Vec<Option<Vec<u8>>>,
    received: usize,
    bytes: usize,
    last_tick: u64,
}

/// Joins sub-packages. Pure and bounded: it counts pieces instead of reading a clock.
#[derive(Debug, Clone, Default)]
pub struct Reassembler {
    limits: ReassemblyLimits,
    pending: Vec<Pending>,
    tick: u64,
    abandoned: Vec<ReassemblyKey>,
}

impl Reassembler {
    /// A reassembler with the given bounds.
    pub fn new(limits: ReassemblyLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Messages still waiting for pieces.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Messages given up on since the last call (missing pieces, or pushed out by newer ones).
    pub fn drain_abandoned(&mut self) -> Vec<ReassemblyKey> {
        std::mem::take(&mut self.abandoned)
    }

    /// Adds one piece; returns the whole message once its last piece is in.
    pub fn push(
        &mut self,
        header: &Header,
        fragment: &[u8],
    ) -> Result<Option<Reassembled>, ReassemblyError> {
        let package = header.package.ok_or(ReassemblyError::NotSplit)?;
        let (total, index) = (package.total, package.index);
        if total > self.limits.max_packages {
            return Err(ReassemblyError::TooManyPackages {
                total,
                limit: self.limits.max_packages,
            });
        }
        if index == 0 || index > total {
            return Err(ReassemblyError::BadIndex { index, total });
        }
        self.tick += 1;
        let (tick, idle) = (self.tick, self.limits.max_idle_fragments);
        let abandoned = &mut self.abandoned;
        self.pending.retain(|p| {
            let keep = tick - p.last_tick <= idle;
            if !keep {
                abandoned.push(p.key.clone());
            }
            keep
        });

        let key = ReassemblyKey {
            terminal: header.terminal.clone(),
            msg_id: header.msg_id,
            first_serial: header.serial.wrapping_sub(index - 1),
        };
        let pos = match self.pending.iter().position(|p| p.key == key) {
            Some(pos) => pos,
            None => {
                if self.pending.len() >= self.limits.max_pending.max(1) {
                    // Make room by abandoning the message that has waited longest.
                    let oldest = (0..self.pending.len())
                        .min_by_key(|&i| self.pending.get(i).map_or(0, |p| p.last_tick));
                    if let Some(oldest) = oldest {
                        let p = self.pending.swap_remove(oldest);
                        self.abandoned.push(p.key);
                    }
                }
                self.pending.push(Pending {
                    key,
                    version: header.version,
                    parts: vec![None; usize::from(total)],
                    received: 0,
                    bytes: 0,
                    last_tick: tick,
                });
                self.pending.len() - 1
            }
        };
        let Some(entry) = self.pending.get_mut(pos) else {
            return Ok(None);
        };
        if entry.parts.len() != usize::from(total) {
            return Err(ReassemblyError::TotalMismatch {
                expected: entry.parts.len() as u16,
                got: total,
            });
        }
        let Some(slot) = entry.parts.get_mut(usize::from(index - 1)) else {
            return Err(ReassemblyError::BadIndex { index, total });
        };
        let old = slot.as_ref().map_or(0, Vec::len);
        let size = entry.bytes - old + fragment.len();
        if size > self.limits.max_bytes {
            self.pending.swap_remove(pos);
            return Err(ReassemblyError::TooLarge {
                size,
                limit: self.limits.max_bytes,
            });
        }
        // A repeated piece (terminal retransmission) replaces the earlier copy.
        if slot.replace(fragment.to_vec()).is_none() {
            entry.received += 1;
        }
        entry.bytes = size;
        entry.last_tick = tick;
        if entry.received < entry.parts.len() {
            return Ok(None);
        }
        let done = self.pending.swap_remove(pos);
        let body = done.parts.into_iter().flatten().flatten().collect();
        Ok(Some(Reassembled {
            key: done.key,
            version: done.version,
            body,
        }))
    }
}
