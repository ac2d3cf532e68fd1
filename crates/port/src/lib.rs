//! The port model: one TOML file plus GeoJSON geometry, validated with file and line.
//!
//! A port file (TOML) declares the station's duty sites, duty points, lanes, zones, border line,
//! boundary markers, sensors, cameras, units and network links; a GeoJSON FeatureCollection
//! named by the TOML holds their geometry, and items refer to features by id.
//!
//! - [`load_str`] reads and validates text (pure); [`load_file`] is the only I/O in the crate.
//! - [`validate`] reports every problem, each with file, line and what is wrong.
//! - [`erenhot`] is the built-in sample port.
//! - [`Port::to_api_json`] is the body of `GET /api/v1/port`; [`Port::summary`] the measured
//!   figures `guomen port check` prints.
//!
//! Architecture Invariant: apart from the [`load_file`] wrapper this crate does no I/O.

mod api;
mod error;
mod fs;
mod geojson_read;
mod geom;
mod load;
mod model;
mod summary;
mod validate;

use geo::{LineString, Point, Polygon};

pub use error::{ErrorKind, PortError};
pub use fs::load_file;
pub use load::load_str;
pub use model::*;
pub use summary::PortSummary;
pub use validate::{SENSOR_MAX_BORDER_DISTANCE_M, validate};

const ERENHOT_TOML: &str = include_str!("../ports/erenhot/port.toml");
const ERENHOT_GEOJSON: &str = include_str!("../ports/erenhot/geometry.geojson");

/// The built-in sample port: Erenhot (二连浩特), China–Mongolia. Geometry is illustrative.
///
/// # Panics
///
/// Never in a released build: the embedded files are checked by this crate's tests, so a
/// failure here means the crate itself is broken.
pub fn erenhot() -> Port {
    match load_str(
        ERENHOT_TOML,
        "erenhot/port.toml",
        ERENHOT_GEOJSON,
        "erenhot/geometry.geojson",
    ) {
        Ok(port) => port,
        Err(errors) => {
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!(
                "the built-in erenhot port is invalid:\n{}",
                listed.join("\n")
            )
        }
    }
}

/// The built-in sample's files, `(port.toml, geometry.geojson)`, for callers that want to
/// write them out as a starting point.
pub fn erenhot_sources() -> (&'static str, &'static str) {
    (ERENHOT_TOML, ERENHOT_GEOJSON)
}

/// A sensor with its position: the point itself, or for a line sensor (a fence cable, a beam
/// pair) the point halfway along it, plus the line.
#[derive(Debug, Clone)]
pub struct SensorPlace<'a> {
    /// The sensor.
    pub sensor: &'a Sensor,
    /// Where to put it on a map or measure distances from.
    pub position: Point<f64>,
    /// The covered line, for line sensors.
    pub line: Option<LineString<f64>>,
}

impl Port {
    /// The port's id.
    pub fn id(&self) -> &str {
        &self.info.id
    }

    fn geometry(&self, feature: &str) -> Option<&Geometry> {
        self.features.get(feature)?.geometry.as_ref()
    }

    fn point_of(&self, feature: &str) -> Option<Point<f64>> {
        match self.geometry(feature)? {
            Geometry::Point(p) => Some(geom::to_point(*p)),
            _ => None,
        }
    }

    /// The site with this id.
    pub fn site(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    /// The duty point with this id.
    pub fn duty_point(&self, id: &str) -> Option<&DutyPoint> {
        self.duty_points.iter().find(|d| d.id == id)
    }

    /// The zone with this id.
    pub fn zone(&self, id: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.id == id)
    }

    /// The sensor with this id.
    pub fn sensor(&self, id: &str) -> Option<&Sensor> {
        self.sensors.iter().find(|s| s.id == id)
    }

    /// The unit with this id.
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// The unit whose GNSS terminal has this id (JT/T 808 phone number).
    pub fn unit_by_terminal(&self, terminal_id: &str) -> Option<&Unit> {
        self.units
            .iter()
            .find(|u| u.terminal_id.as_deref() == Some(terminal_id))
    }

    /// The flow settings of a lane kind: the port file's `[[lane_kind]]`, else the defaults.
    pub fn lane_flow(&self, kind: LaneKind) -> LaneKindFlow {
        self.lane_kinds
            .iter()
            .find(|k| k.kind == kind)
            .cloned()
            .unwrap_or_else(|| default_lane_flow(kind))
    }

    /// The lane with this id.
    pub fn lane(&self, id: &str) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.id == id)
    }

    /// The lanes of a site.
    pub fn lanes_of_site<'a>(&'a self, site: &'a str) -> impl Iterator<Item = &'a Lane> + 'a {
        self.lanes.iter().filter(move |l| l.site == site)
    }

    /// The duty points of a site.
    pub fn duty_points_of_site<'a>(
        &'a self,
        site: &'a str,
    ) -> impl Iterator<Item = &'a DutyPoint> + 'a {
        self.duty_points.iter().filter(move |d| d.site == site)
    }

    /// The network links of a site or duty point.
    pub fn links_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Link> + 'a {
        self.links.iter().filter(move |l| l.of == id)
    }

    /// Zones with their polygons (zones whose geometry is unusable are skipped; a validated
    /// port has none).
    pub fn zone_polygons(&self) -> impl Iterator<Item = (&Zone, Polygon<f64>)> + '_ {
        self.zones
            .iter()
            .filter_map(|z| match self.geometry(&z.feature)? {
                Geometry::Polygon(rings) => Some((z, geom::to_polygon(rings)?)),
                _ => None,
            })
    }

    /// The zones containing a point (boundary included), highest priority first.
    pub fn zones_at(&self, point: Point<f64>) -> Vec<&Zone> {
        use geo::Intersects;
        let mut zones: Vec<&Zone> = self
            .zone_polygons()
            .filter(|(_, poly)| poly.intersects(&point))
            .map(|(z, _)| z)
            .collect();
        zones.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
        zones
    }

    /// The border line as a `geo` line string.
    pub fn border_line_string(&self) -> Option<LineString<f64>> {
        match self.geometry(&self.border_line.as_ref()?.feature)? {
            Geometry::LineString(ps) => Some(geom::to_line_string(ps)),
            _ => None,
        }
    }

    /// Distance in metres from a point to the border line (`None` without a border line).
    pub fn distance_to_border_m(&self, point: Point<f64>) -> Option<f64> {
        match self.geometry(&self.border_line.as_ref()?.feature)? {
            Geometry::LineString(ps) => {
                Some(geom::distance_to_polyline_m([point.x(), point.y()], ps))
            }
            _ => None,
        }
    }

    /// Boundary markers with their positions.
    pub fn marker_points(&self) -> impl Iterator<Item = (&Marker, Point<f64>)> + '_ {
        self.markers
            .iter()
            .filter_map(|m| Some((m, self.point_of(&m.feature)?)))
    }

    /// The marker with this number (e.g. `"814"`).
    pub fn marker_by_number(&self, number: &str) -> Option<&Marker> {
        self.markers.iter().find(|m| m.number == number)
    }

    /// Duty points with their positions.
    pub fn duty_point_positions(&self) -> impl Iterator<Item = (&DutyPoint, Point<f64>)> + '_ {
        self.duty_points
            .iter()
            .filter_map(|d| Some((d, self.point_of(&d.feature)?)))
    }

    /// An ANPR camera with the site, lane and direction it reads for.
    pub fn anpr_camera(&self, id: &str) -> Option<AnprCamera<'_>> {
        let camera = self
            .cameras
            .iter()
            .find(|c| c.id == id && c.kind == CameraKind::Anpr)?;
        let lane = self
            .lanes
            .iter()
            .find(|l| Some(&l.id) == camera.lane.as_ref())?;
        Some(AnprCamera {
            camera,
            site: &lane.site,
            lane,
            direction: camera.direction.unwrap_or(lane.direction),
        })
    }

    /// The sites that take appointments, with their slots per direction and hour.
    pub fn appointment_sites(&self) -> impl Iterator<Item = (&Site, u32)> + '_ {
        self.sites
            .iter()
            .filter_map(|s| Some((s, s.slot_capacity?)))
    }

    /// Cameras with their positions.
    pub fn camera_positions(&self) -> impl Iterator<Item = (&Camera, Point<f64>)> + '_ {
        self.cameras
            .iter()
            .filter_map(|c| Some((c, self.point_of(&c.feature)?)))
    }

    /// Sensors with their positions (a line sensor's midpoint) and lines.
    pub fn sensor_places(&self) -> impl Iterator<Item = SensorPlace<'_>> + '_ {
        self.sensors
            .iter()
            .filter_map(|s| match self.geometry(&s.feature)? {
                Geometry::Point(p) => Some(SensorPlace {
                    sensor: s,
                    position: geom::to_point(*p),
                    line: None,
                }),
                Geometry::LineString(ps) => Some(SensorPlace {
                    sensor: s,
                    position: geom::to_point(geom::midpoint(ps)?),
                    line: Some(geom::to_line_string(ps)),
                }),
                _ => None,
            })
    }

    /// The GeoJSON geometry of a feature, as the API serves it.
    pub fn feature_geojson(&self, feature: &str) -> Option<serde_json::Value> {
        self.geometry(feature).map(geom::to_geojson)
    }
}

#[cfg(test)]
mod tests;

/// An `anpr` camera resolved against the port: where its reads come from.
#[derive(Debug, Clone, Copy)]
pub struct AnprCamera<'a> {
    pub camera: &'a Camera,
    pub site: &'a str,
    pub lane: &'a Lane,
    pub direction: Direction,
}
