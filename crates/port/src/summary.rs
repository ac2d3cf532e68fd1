//! Measured figures of a port, as `guomen port check` prints them.

use std::fmt;

use geo::GeodesicArea;
use geo::orient::{Direction as RingDirection, Orient};
use serde::Serialize;

use crate::geom;
use crate::model::*;

/// Lengths, areas and counts of a port.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PortSummary {
    /// Port id.
    pub id: String,
    /// Geodesic length of the border line (WGS 84), metres.
    pub border_line_m: f64,
    /// Geodesic area of the restricted port area (all `restricted_area` zones), km².
    pub restricted_area_km2: f64,
    /// Number of duty sites.
    pub sites: usize,
    /// Number of duty points.
    pub duty_points: usize,
    /// Number of lanes of all kinds.
    pub lanes: usize,
    /// Manual counters.
    pub manual_counters: usize,
    /// E-gates.
    pub egates: usize,
    /// Special channels.
    pub special_channels: usize,
    /// Vehicle and freight lanes.
    pub vehicle_and_freight_lanes: usize,
    /// Zones.
    pub zones: usize,
    /// Boundary markers.
    pub markers: usize,
    /// Sensors.
    pub sensors: usize,
    /// Sensors flagged for maintenance.
    pub sensors_in_maintenance: usize,
    /// Cameras.
    pub cameras: usize,
    /// Units.
    pub units: usize,
    /// Network links.
    pub links: usize,
}

impl Port {
    /// Measures the port. Lengths and areas are geodesic on the WGS 84 ellipsoid.
    pub fn summary(&self) -> PortSummary {
        let lanes = |k: LaneKind| self.lanes.iter().filter(|l| l.kind == k).count();
        PortSummary {
            id: self.info.id.clone(),
            border_line_m: self
                .border_line_string()
                .map(|l| geom::length_m(&l))
                .unwrap_or(0.0),
            restricted_area_km2: self
                .zone_polygons()
                .filter(|(z, _)| z.kind == ZoneKind::RestrictedArea)
                .map(|(_, p)| {
                    // The geodesic area of a clockwise ring is that of the rest of the globe;
                    // RFC 7946 only recommends counter-clockwise exteriors, so orient first.
                    p.orient(RingDirection::Default).geodesic_area_unsigned()
                })
                .sum::<f64>()
                / 1e6,
            sites: self.sites.len(),
            duty_points: self.duty_points.len(),
            lanes: self.lanes.len(),
            manual_counters: lanes(LaneKind::ManualCounter),
            egates: lanes(LaneKind::Egate),
            special_channels: lanes(LaneKind::SpecialChannel),
            vehicle_and_freight_lanes: lanes(LaneKind::Vehicle) + lanes(LaneKind::Freight),
            zones: self.zones.len(),
            markers: self.markers.len(),
            sensors: self.sensors.len(),
            sensors_in_maintenance: self.sensors.iter().filter(|s| s.maintenance).count(),
            cameras: self.cameras.len(),
            units: self.units.len(),
            links: self.links.len(),
        }
    }
}

impl fmt::Display for PortSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "port {}", self.id)?;
        writeln!(
            f,
            "  border line       {:.2} km",
            self.border_line_m / 1000.0
        )?;
        writeln!(f, "  restricted area   {:.2} km²", self.restricted_area_km2)?;
        writeln!(f, "  duty sites        {}", self.sites)?;
        writeln!(f, "  duty points       {}", self.duty_points)?;
        writeln!(
            f,
            "  lanes             {} ({} manual counters, {} e-gates, {} special channels, {} vehicle/freight)",
            self.lanes,
            self.manual_counters,
            self.egates,
            self.special_channels,
            self.vehicle_and_freight_lanes
        )?;
        writeln!(f, "  zones             {}", self.zones)?;
        writeln!(f, "  boundary markers  {}", self.markers)?;
        writeln!(
            f,
            "  sensors           {} ({} in maintenance)",
            self.sensors, self.sensors_in_maintenance
        )?;
        writeln!(f, "  cameras           {}", self.cameras)?;
        writeln!(f, "  units             {}", self.units)?;
        write!(f, "  network links     {}", self.links)
    }
}
