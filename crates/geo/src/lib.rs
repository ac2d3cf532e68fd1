//! Zones, geofences, linkage tracking and unit recommendation over a local metric projection.
//!
//! Architecture invariant: pure. No I/O, no clock, no threads; callers pass time in. Every
//! public entry point rejects non-finite or out-of-range coordinates with a [`GeoError`]
//! instead of panicking.
//!
//! All geometry is done once in a local east/north metre plane ([`Projection`]); zones are
//! projected when a [`ZoneSet`] is built and indexed with R-trees, so classifying a point is
//! an R-tree lookup plus a ray-casting test on the few candidate polygons.

mod error;
mod geofence;
mod geom;
mod projection;
mod recommend;
mod track;
mod zones;

pub use error::{GeoError, check_lonlat};
pub use geofence::{
    FixRejected, GeofenceConfig, GeofenceEvent, GeofenceEventKind, GeofenceTracker,
};
pub use projection::Projection;
pub use recommend::{
    Exclusion, MIN_SPEED_MPS, Pick, RecommendOptions, Recommendation, UnitCandidate, recommend,
};
pub use track::{Alarm, PredictedZone, Track, TrackPoint, Tracker, TrackerConfig};
pub use zones::{BorderSide, CountrySide, Marker, ON_LINE_TOLERANCE_M, ZoneDef, ZoneKind, ZoneSet};

/// Re-exported so callers build polygons and lines with the same `geo` version.
pub use geo;
