//! One error type for everything wrong with a port description.

use std::fmt;

use serde::Serialize;

/// What kind of problem a [`PortError`] reports. The snake-case name is stable and is what
/// `guomen port check` prints in brackets, so scripts and tests can match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// The TOML or GeoJSON text is not well-formed.
    Syntax,
    /// A TOML item lacks a field, has a field of the wrong type, an unknown field or value.
    Schema,
    /// Two items (of any kind) or two GeoJSON features share an id.
    DuplicateId,
    /// An item refers to a site, duty point or other item that does not exist, or of the wrong kind.
    UnknownReference,
    /// An item refers to a GeoJSON feature id that is not in the geometry file.
    UnknownFeature,
    /// A feature has a geometry type that does not fit the item using it.
    WrongGeometryType,
    /// A polygon ring whose last position differs from its first.
    OpenRing,
    /// A polygon ring with fewer than four positions.
    TooFewPoints,
    /// A polygon ring whose edges cross or overlap.
    SelfIntersection,
    /// A coordinate outside longitude −180..180 / latitude −90..90, non-finite, or missing.
    CoordinateOutOfRange,
    /// A sensor that lies in no zone and is farther from the border line than allowed.
    SensorOutsideZones,
    /// A unit without a GNSS terminal id, or with a malformed one.
    MissingTerminalId,
    /// A site or duty point that lacks a primary or a backup network link.
    MissingLink,
    /// Two boundary markers with the same number.
    DuplicateMarkerNumber,
    /// The port declares no border line.
    NoBorderLine,
    /// A lane whose eligibility rules or channel do not make sense.
    InvalidLane,
    /// A value with a bad format (id characters, time zone offset, country code...).
    InvalidValue,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::Io,
        ErrorKind::Syntax,
        ErrorKind::Schema,
        ErrorKind::DuplicateId,
        ErrorKind::UnknownReference,
        ErrorKind::UnknownFeature,
        ErrorKind::WrongGeometryType,
        ErrorKind::OpenRing,
        ErrorKind::TooFewPoints,
        ErrorKind::SelfIntersection,
        ErrorKind::CoordinateOutOfRange,
        ErrorKind::SensorOutsideZones,
        ErrorKind::MissingTerminalId,
        ErrorKind::MissingLink,
        ErrorKind::DuplicateMarkerNumber,
        ErrorKind::NoBorderLine,
        ErrorKind::InvalidLane,
        ErrorKind::InvalidValue,
    ];

    /// The stable snake-case name.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::Syntax => "syntax",
            ErrorKind::Schema => "schema",
            ErrorKind::DuplicateId => "duplicate_id",
            ErrorKind::UnknownReference => "unknown_reference",
            ErrorKind::UnknownFeature => "unknown_feature",
            ErrorKind::WrongGeometryType => "wrong_geometry_type",
            ErrorKind::OpenRing => "open_ring",
            ErrorKind::TooFewPoints => "too_few_points",
            ErrorKind::SelfIntersection => "self_intersection",
            ErrorKind::CoordinateOutOfRange => "coordinate_out_of_range",
            ErrorKind::SensorOutsideZones => "sensor_outside_zones",
            ErrorKind::MissingTerminalId => "missing_terminal_id",
            ErrorKind::MissingLink => "missing_link",
            ErrorKind::DuplicateMarkerNumber => "duplicate_marker_number",
            ErrorKind::NoBorderLine => "no_border_line",
            ErrorKind::InvalidLane => "invalid_lane",
            ErrorKind::InvalidValue => "invalid_value",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One problem in a port description: which file, where in it, and what is wrong.
///
/// Displayed as `file:line:col: [kind] message` (line and column when known; for GeoJSON the
/// line is where the feature's id first appears, and `feature` names the feature).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortError {
    /// The file name as given to the loader.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known (TOML syntax errors).
    pub column: Option<usize>,
    /// The GeoJSON feature concerned, if any.
    pub feature: Option<String>,
    /// The kind of problem.
    pub kind: ErrorKind,
    /// What is wrong, in words.
    pub message: String,
}

impl PortError {
    pub(crate) fn new(
        file: &str,
        line: Option<usize>,
        kind: ErrorKind,
        message: impl Into<String>,
    ) -> Self {
        PortError {
            file: file.to_owned(),
            line,
            column: None,
            feature: None,
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn with_column(mut self, column: Option<usize>) -> Self {
        self.column = column;
        self
    }

    pub(crate) fn with_feature(mut self, feature: &str) -> Self {
        self.feature = Some(feature.to_owned());
        self
    }
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": [{}] {}", self.kind, self.message)
    }
}

impl std::error::Error for PortError {}

/// Maps byte offsets to 1-based line and column numbers.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    /// Byte offset at which each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// 1-based line of a byte offset (offsets past the end map to the last line).
    pub(crate) fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            // `Err(i)` is where the offset would be inserted, so it lies on line i (1-based).
            Err(i) => i.max(1),
        }
    }

    /// 1-based column (in bytes) of a byte offset.
    pub(crate) fn column(&self, offset: usize) -> usize {
        let line = self.line(offset);
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(0);
        offset.saturating_sub(start) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_maps_offsets() {
        let idx = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 1);
        assert_eq!(idx.line(3), 2);
        assert_eq!(idx.column(4), 2);
        assert_eq!(idx.line(6), 3);
        assert_eq!(idx.line(7), 4);
        assert_eq!(idx.line(1000), 4);
    }

    #[test]
    fn display_has_file_line_kind() {
        let e = PortError::new("p.toml", Some(3), ErrorKind::DuplicateId, "id \"a\" twice");
        assert_eq!(e.to_string(), "p.toml:3: [duplicate_id] id \"a\" twice");
        let e = e.with_column(Some(5));
        assert_eq!(e.to_string(), "p.toml:3:5: [duplicate_id] id \"a\" twice");
    }
}
