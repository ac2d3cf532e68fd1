use super::Jt808Error;
use super::wire::FLAG;

/// Default largest wire frame: a full 1023-byte body, the longest (2019, split) header and the
/// check code, all escaped to twice their size, plus delimiters; rounded up for vendor extras.
pub const DEFAULT_MAX_FRAME: usize = 4096;

/// Cuts a TCP byte stream into wire frames (`7e … 7e`, still escaped).
///
/// Bytes before the first 0x7e are skipped. A closing 0x7e also opens the next frame, so both
/// `7e…7e7e…7e` and the shared-flag `7e…7e…7e` streams split correctly; an empty `7e7e` is a
/// resynchronisation point, not a frame. A frame longer than the limit yields one
/// [`Jt808Error::Oversized`] and the splitter resynchronises on the next 0x7e.
#[derive(Debug, Clone)]
pub struct FrameSplitter {
    buf: Vec<u8>,
    /// Start of unconsumed data in `buf`.
    head: usize,
    /// Where the search for the next 0x7e resumes (absolute index into `buf`).
    scan: usize,
    /// `buf[head]` is an opening 0x7e.
    in_frame: bool,
    /// Dropping an oversized frame until the next 0x7e.
    discarding: bool,
    max_frame: usize,
    skipped: u64,
}

impl Default for FrameSplitter {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_FRAME)
    }
}

impl FrameSplitter {
    /// A splitter that rejects frames longer than `max_frame` wire bytes (delimiters included).
    pub fn new(max_frame: usize) -> Self {
        Self {
            buf: Vec::new(),
            head: 0,
            scan: 0,
            in_frame: false,
            discarding: false,
            max_frame: max_frame.max(2),
            skipped: 0,
        }
    }

    /// Adds bytes received from the stream.
    pub fn push(&mut self, chunk: &[u8]) {
        // Compact before growing so memory stays bounded by roughly one frame plus one chunk.
        if self.head > 0 && (self.head >= self.buf.len() / 2 || self.head > 64 * 1024) {
            self.buf.drain(..self.head);
            self.scan -= self.head;
            self.head = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// Bytes dropped so far outside any frame (noise before a 0x7e, oversized frames).
    pub fn skipped_bytes(&self) -> u64 {
        self.skipped
    }

    /// Bytes buffered but not yet returned.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.head
    }

    /// The next complete frame, an error for an oversized one, or `None` until more bytes come.
    pub fn next_frame(&mut self) -> Option<Result<Vec<u8>, Jt808Error>> {
        loop {
            let Some(found) = self
                .buf
                .get(self.scan..)
                .and_then(|s| s.iter().position(|&b| b == FLAG))
            else {
                return self.wait_for_more();
            };
            let at = self.scan + found;
            if self.discarding || !self.in_frame {
                self.skipped += (at - self.head) as u64;
                self.head = at;
                self.scan = at + 1;
                self.in_frame = true;
                self.discarding = false;
                continue;
            }
            let len = at + 1 - self.head;
            if len == 2 {
                // `7e7e`: the first was a closing flag whose frame we never saw (or noise).
                self.head = at;
                self.scan = at + 1;
                continue;
            }
            let start = self.head;
            self.head = at;
            self.scan = at + 1;
            if len > self.max_frame {
                self.skipped += (len - 1) as u64;
                return Some(Err(Jt808Error::Oversized {
                    what: "frame",
                    size: len,
                    limit: self.max_frame,
                }));
            }
            return self.buf.get(start..=at).map(|f| Ok(f.to_vec()));
        }
    }

    fn wait_for_more(&mut self) -> Option<Result<Vec<u8>, Jt808Error>> {
        let end = self.buf.len();
        if !self.in_frame || self.discarding {
            self.skipped += (end - self.head) as u64;
            self.head = end;
            self.scan = end;
            return None;
        }
        self.scan = end;
        let len = end - self.head;
        if len > self.max_frame {
            self.skipped += len as u64;
            self.head = end;
            self.in_frame = false;
            self.discarding = true;
            return Some(Err(Jt808Error::Oversized {
                what: "frame",
                size: len,
                limit: self.max_frame,
            }));
        }
        None
    }
}
