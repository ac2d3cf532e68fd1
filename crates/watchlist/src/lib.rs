//! Watchlist file importers: pure parsers over readers that turn list files into
//! [`WatchlistEntry`] values, and the incremental [`diff`] that applies an import to a list.
//!
//! Formats (see `FORMAT.md` for the details and the per-format error policy):
//! - [`Format::Csv`]: guomen's own CSV ([`guomen_csv`]);
//! - [`Format::OfacSdn`]: the OFAC SDN legacy CSV, `sdn.csv` plus optional `alt.csv` ([`ofac`]);
//! - [`Format::UnXml`]: the UN Security Council consolidated list XML ([`un`]).
//!
//! Ids are prefixed by their source (`ofac:1234`, `un:QDi.001`; guomen CSV ids are kept as
//! given) so that entries from different sources never collide and an import replaces exactly
//! the entries of its own (list, source).
//!
//! The crate does no I/O of its own: callers pass readers, the total size when they know it, and
//! a progress callback.

use std::fmt;
use std::io::{BufReader, Read};
use std::str::FromStr;

pub use guomen_domain::watchlist::{
    DocumentRef, ListKind, PartialDate, Sex, UnknownList, WatchlistEntry,
};

pub mod country;
mod diff;
pub mod guomen_csv;
mod io;
pub mod ofac;
#[cfg(feature = "synth")]
pub mod synth;
mod text;
pub mod un;

pub use diff::{Diff, diff, diff_source, source_of};

/// Progress of an import, reported through the caller's callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes consumed so far, over all input files.
    pub bytes_read: u64,
    /// Total input size, when the caller told it.
    pub bytes_total: Option<u64>,
    /// Records (rows or XML list elements) read so far, kept or not.
    pub records: u64,
}

/// Something an import did not take as written, without failing the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Which input (`csv`, `sdn.csv`, `alt.csv`, `xml`).
    pub file: &'static str,
    /// The line the record starts on, when known.
    pub line: Option<u64>,
    /// The entry id concerned, when known.
    pub id: Option<String>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(id) = &self.id {
            write!(f, " ({id})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why an import failed. Every variant that concerns a record names its file and line.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: read failed: {source}")]
    Io {
        file: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} line {line}: {message}")]
    Record {
        file: &'static str,
        line: u64,
        message: String,
    },
    #[error(
        "{file} line {line}: field `{field}` is {len} bytes or more, over the {max}-byte limit"
    )]
    FieldTooLarge {
        file: &'static str,
        line: u64,
        field: String,
        len: usize,
        max: usize,
    },
    #[error(
        "{file} line {line}: a record runs over {max} bytes without a line break (not a list file?)"
    )]
    RecordTooLarge {
        file: &'static str,
        line: u64,
        max: usize,
    },
    #[error("{file} line {line}: invalid XML: {message}")]
    Xml {
        file: &'static str,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    Input { file: &'static str, message: String },
}

impl ImportError {
    /// The line the error concerns, when it concerns one.
    pub fn line(&self) -> Option<u64> {
        match self {
            ImportError::Record { line, .. }
            | ImportError::FieldTooLarge { line, .. }
            | ImportError::RecordTooLarge { line, .. }
            | ImportError::Xml { line, .. } => Some(*line),
            ImportError::Io { .. } | ImportError::Input { .. } => None,
        }
    }
}

/// The result of one import.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub entries: Vec<WatchlistEntry>,
    pub warnings: Vec<Warning>,
    /// Records read over all input files (rows, alias rows, list elements).
    pub records: u64,
    /// Records read but not turned into entries (non-persons left out, malformed records skipped).
    pub skipped: u64,
    /// The id prefix this import owns (`ofac`, `un`); `None` for guomen CSV, whose ids carry
    /// their own source.
    pub source: Option<String>,
}

/// Knobs shared by the importers. `Default` is what the CLI uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Import entities, vessels and aircraft too, as name-only entries (OFAC, UN).
    pub include_non_persons: bool,
    /// Keep the UN list's low-quality aliases as names (they are always kept in the reason).
    pub include_low_quality_aliases: bool,
    /// Largest identifying field (id, name, alias, date, code, number) in bytes.
    pub max_field_bytes: usize,
    /// Largest free-text field (reason, action, OFAC remarks, UN comments) in bytes.
    pub max_text_bytes: usize,
    /// Largest run of input without a line break (CSV) or markup (XML): bounds memory on
    /// hostile input before any field is looked at.
    pub max_record_bytes: usize,
    /// Overrides the id prefix (`ofac`, `un`), e.g. `ofac-cons` for the non-SDN list, so that
    /// both OFAC lists can live side by side in one watchlist.
    pub source: Option<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            include_non_persons: false,
            include_low_quality_aliases: false,
            max_field_bytes: 4 * 1024,
            max_text_bytes: 64 * 1024,
            max_record_bytes: 1024 * 1024,
            source: None,
        }
    }
}

/// A supported list file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// guomen's own CSV (`csv`).
    Csv,
    /// OFAC SDN legacy CSV, `sdn.csv` + `alt.csv` (`ofac-sdn`).
    OfacSdn,
    /// UN Security Council consolidated list XML (`un-xml`).
    UnXml,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Csv, Format::OfacSdn, Format::UnXml];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::OfacSdn => "ofac-sdn",
            Format::UnXml => "un-xml",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown watchlist format `{0}`; expected csv, ofac-sdn or un-xml")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s.trim())
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// What [`import`] reads: the main file, the OFAC alias file when there is one, the total
/// size for the progress bar, and options.
pub struct ImportInput<'a> {
    /// `FILE.csv`, `sdn.csv` or the UN XML.
    pub main: Box<dyn Read + 'a>,
    /// OFAC only: `alt.csv` (aliases). The CLI looks for it next to `sdn.csv`.
    pub alt: Option<Box<dyn Read + 'a>>,
    /// Total bytes of all inputs, when known.
    pub total_bytes: Option<u64>,
    pub options: ImportOptions,
}

impl fmt::Debug for ImportInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportInput")
            .field("alt", &self.alt.is_some())
            .field("total_bytes", &self.total_bytes)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'a> ImportInput<'a> {
    pub fn new(main: impl Read + 'a) -> Self {
        ImportInput {
            main: Box::new(main),
            alt: None,
            total_bytes: None,
            options: ImportOptions::default(),
        }
    }

    pub fn with_alt(mut self, alt: impl Read + 'a) -> Self {
        self.alt = Some(Box::new(alt));
        self
    }

    pub fn with_total_bytes(mut self, total: u64) -> Self {
        self.total_bytes = Some(total);
        self
    }

    pub fn with_options(mut self, options: ImportOptions) -> Self {
        self.options = options;
        self
    }
}

/// Imports one list file (pair, for OFAC) into `list`.
///
/// For guomen CSV a non-empty `list` column wins over `list`. An alias reader given with a
/// format other than OFAC is an error rather than silently ignored.
pub fn import(
    format: Format,
    input: ImportInput<'_>,
    list: ListKind,
    progress: &mut dyn FnMut(Progress),
) -> Result<Imported, ImportError> {
    let ImportInput {
        main,
        alt,
        total_bytes,
        options,
    } = input;
    if alt.is_some() && format != Format::OfacSdn {
        return Err(ImportError::Input {
            file: "alt.csv",
            message: format!("an alias file only goes with ofac-sdn, not {format}"),
        });
    }
    match format {
        Format::Csv => guomen_csv::import(main, list, &options, total_bytes, progress),
        Format::OfacSdn => {
            let mut alt = alt;
            let alt_ref: Option<&mut dyn Read> = match alt.as_mut() {
                Some(b) => Some(b.as_mut()),
                None => None,
            };
            ofac::import(main, alt_ref, list, &options, total_bytes, progress)
        }
        Format::UnXml => un::import(
            BufReader::with_capacity(64 * 1024, main),
            list,
            &options,
            total_bytes,
            progress,
        ),
    }
}

/// The action an inspector takes on a hit when the file does not say.
pub fn default_action(list: ListKind) -> &'static str {
    match list {
        ListKind::Wanted => "arrest",
        ListKind::RefusedEntry => "refuse entry",
        ListKind::LostStolenDocument => "seize document",
        ListKind::Alert => "report discreetly; do not alert the person",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_from_their_cli_names() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn alias_file_is_refused_for_other_formats() {
        let input = ImportInput::new(&b"id,name\n"[..]).with_alt(&b""[..]);
        let err = import(Format::Csv, input, ListKind::Alert, &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("ofac-sdn"), "{err}");
    }

    #[test]
    fn dispatch_reaches_every_importer() {
        let csv = ImportInput::new(&b"id,name\nx1,Bat Erdene\n"[..]);
        let got = import(Format::Csv, csv, ListKind::Wanted, &mut |_| {}).unwrap();
        assert_eq!(got.entries.len(), 1);
        let sdn = ImportInput::new(
            &b"1,\"DOE, John\",\"individual\",\"X\",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n"[..],
        )
        .with_alt(&b"1,2,\"aka\",\"ROE, Jim\",-0-\n"[..]);
        let got = import(Format::OfacSdn, sdn, ListKind::Wanted, &mut |_| {}).unwrap();
        assert_eq!(got.entries.len(), 1);
        assert!(got.entries[0].names.contains(&"ROE, Jim".to_owned()));
        let xml = ImportInput::new(
            &b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A</FIRST_NAME><REFERENCE_NUMBER>X.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"[..],
        );
        let got = import(Format::UnXml, xml, ListKind::Wanted, &mut |_| {}).unwrap();
        assert_eq!(got.entries[0].id, "un:X.1");
    }
}
