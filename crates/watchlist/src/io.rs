//! Reader plumbing shared by the importers: a guard that bounds how much input may pass without
//! a delimiter (so hostile input cannot make a parser buffer gigabytes), counts lines for error
//! messages, and a throttled progress reporter.

use std::io::{self, BufRead, Read};

use crate::{Progress, Warning};

/// Collects warnings, keeping at most `MAX_WARNINGS` so that a hostile file cannot exhaust
/// memory through them; the rest are counted in one final warning.
pub(crate) struct Warnings {
    file: &'static str,
    list: Vec<Warning>,
    dropped: u64,
}

pub(crate) const MAX_WARNINGS: usize = 10_000;

impl Warnings {
    pub(crate) fn new(file: &'static str) -> Self {
        Warnings {
            file,
            list: Vec::new(),
            dropped: 0,
        }
    }

    pub(crate) fn set_file(&mut self, file: &'static str) {
        self.file = file;
    }

    pub(crate) fn push(&mut self, line: Option<u64>, id: Option<&str>, message: impl Into<String>) {
        if self.list.len() >= MAX_WARNINGS {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        self.list.push(Warning {
            file: self.file,
            line,
            id: id.map(str::to_owned),
            message: message.into(),
        });
    }

    pub(crate) fn finish(mut self) -> Vec<Warning> {
        if self.dropped > 0 {
            self.list.push(Warning {
                file: self.file,
                line: None,
                id: None,
                message: format!("{} more warnings not shown", self.dropped),
            });
        }
        self.list
    }
}

/// Wraps a reader; fails once more than `max_run` bytes pass without `delimiter`.
pub(crate) struct Guarded<R> {
    inner: R,
    c: Counters,
}

struct Counters {
    delimiter: u8,
    max_run: usize,
    run: usize,
    newlines: u64,
    bytes: u64,
    overflowed: bool,
}

impl Counters {
    fn account(&mut self, data: &[u8]) {
        self.bytes = self.bytes.saturating_add(data.len() as u64);
        for &b in data {
            if self.overflowed {
                // Stop counting so that `line()` names the line where the run started to overflow.
                break;
            }
            if b == b'\n' {
                self.newlines = self.newlines.saturating_add(1);
            }
            if b == self.delimiter {
                self.run = 0;
            } else {
                self.run = self.run.saturating_add(1);
                if self.run > self.max_run {
                    self.overflowed = true;
                }
            }
        }
    }
}

fn overflow_error() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "record too large")
}

impl<R> Guarded<R> {
    pub(crate) fn new(inner: R, delimiter: u8, max_run: usize) -> Self {
        Guarded {
            inner,
            c: Counters {
                delimiter,
                max_run,
                run: 0,
                newlines: 0,
                bytes: 0,
                overflowed: false,
            },
        }
    }

    /// The 1-based line of the next unread byte.
    pub(crate) fn line(&self) -> u64 {
        self.c.newlines.saturating_add(1)
    }

    pub(crate) fn consumed(&self) -> u64 {
        self.c.bytes
    }

    pub(crate) fn overflowed(&self) -> bool {
        self.c.overflowed
    }
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.c.overflowed {
            return Err(overflow_error());
        }
        let n = self.inner.read(buf)?;
        self.c.account(buf.get(..n).unwrap_or_default());
        if self.c.overflowed {
            return Err(overflow_error());
        }
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Guarded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.c.overflowed {
            return Err(overflow_error());
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The buffer is still filled from the previous `fill_buf`, so this does no I/O.
        if let Ok(buf) = self.inner.fill_buf() {
            self.c
                .account(buf.get(..amt.min(buf.len())).unwrap_or_default());
        }
        self.inner.consume(amt);
    }
}

/// Reports progress to the caller at most every few hundred records, plus once at the end.
pub(crate) struct Tracker<'p> {
    callback: &'p mut dyn FnMut(Progress),
    total: Option<u64>,
    /// Bytes of earlier input files (OFAC reads sdn.csv then alt.csv).
    pub(crate) base: u64,
    pub(crate) records: u64,
    last_reported: u64,
}

const REPORT_EVERY: u64 = 512;

impl<'p> Tracker<'p> {
    pub(crate) fn new(callback: &'p mut dyn FnMut(Progress), total: Option<u64>) -> Self {
        Tracker {
            callback,
            total,
            base: 0,
            records: 0,
            last_reported: 0,
        }
    }

    pub(crate) fn record(&mut self, bytes_in_file: u64) {
        self.records = self.records.saturating_add(1);
        if self.records.saturating_sub(self.last_reported) >= REPORT_EVERY {
            self.report(bytes_in_file);
        }
    }

    pub(crate) fn report(&mut self, bytes_in_file: u64) {
        self.last_reported = self.records;
        (self.callback)(Progress {
            bytes_read: self.base.saturating_add(bytes_in_file),
            bytes_total: self.total,
            records: self.records,
        });
    }
}

/// The fields of a record read with a `\n` terminator, the `\r` of a CRLF line ending removed.
pub(crate) fn fields(record: &csv::ByteRecord) -> impl Iterator<Item = &[u8]> {
    let last = record.len().saturating_sub(1);
    record.iter().enumerate().map(move |(i, f)| {
        if i == last {
            f.strip_suffix(b"\r").unwrap_or(f)
        } else {
            f
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_counts_lines_and_trips_on_long_runs() {
        let mut g = Guarded::new(&b"ab\ncd\nef"[..], b'\n', 4);
        let mut s = String::new();
        g.read_to_string(&mut s).unwrap();
        assert_eq!(g.line(), 3);
        assert_eq!(g.consumed(), 8);
        let mut g = Guarded::new(&b"ab\nabcdefgh\n"[..], b'\n', 4);
        let mut s = Vec::new();
        assert!(g.read_to_end(&mut s).is_err());
        assert!(g.overflowed());
        assert_eq!(g.line(), 2);
    }

    #[test]
    fn guard_counts_consumed_bytes_of_buffered_readers() {
        let mut g = Guarded::new(io::BufReader::new(&b"a\nb\nc"[..]), b'<', 100);
        let mut line = String::new();
        g.read_line(&mut line).unwrap();
        assert_eq!(g.line(), 2);
        assert_eq!(g.consumed(), 2);
    }
}
