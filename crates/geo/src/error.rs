//! Errors of the geo engine, each naming the offending value.

/// Everything the geo engine refuses. Bad input is an error value, never a panic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoError {
    /// A longitude/latitude pair that is not finite or out of range.
    #[error("invalid coordinate lon={lon}, lat={lat}: {reason}")]
    InvalidCoordinate {
        lon: f64,
        lat: f64,
        reason: &'static str,
    },
    /// A projection origin that cannot anchor a local plane.
    #[error("invalid projection origin lon={lon}, lat={lat}: {reason}")]
    InvalidOrigin {
        lon: f64,
        lat: f64,
        reason: &'static str,
    },
    /// A zone definition that cannot be indexed.
    #[error("invalid zone `{id}`: {reason}")]
    InvalidZone { id: String, reason: String },
    /// Two zones share one id.
    #[error("duplicate zone id `{0}`")]
    DuplicateZone(String),
    /// A border line that cannot be used.
    #[error("invalid border line: {0}")]
    InvalidBorder(String),
    /// A boundary marker that cannot be indexed.
    #[error("invalid boundary marker `{id}`: {reason}")]
    InvalidMarker { id: String, reason: String },
    /// A configuration value that is out of range.
    #[error("invalid configuration `{field}` = {value}: {reason}")]
    InvalidConfig {
        field: &'static str,
        value: f64,
        reason: &'static str,
    },
}

/// Checks that a longitude/latitude pair is finite and in range.
pub fn check_lonlat(lon: f64, lat: f64) -> Result<(), GeoError> {
    let bad = |reason| Err(GeoError::InvalidCoordinate { lon, lat, reason });
    if !lon.is_finite() || !lat.is_finite() {
        return bad("coordinates must be finite numbers");
    }
    if !(-180.0..=180.0).contains(&lon) {
        return bad("longitude must be within [-180, 180]");
    }
    if !(-90.0..=90.0).contains(&lat) {
        return bad("latitude must be within [-90, 90]");
    }
    Ok(())
}
