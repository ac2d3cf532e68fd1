//! The rules a port must satisfy. Every rule runs; every problem is reported.

use std::collections::{BTreeMap, BTreeSet};

use geo::Intersects;

use crate::error::{ErrorKind, PortError};
use crate::geom;
use crate::model::*;

/// How far from the border line a sensor outside every zone may stand, in metres.
pub const SENSOR_MAX_BORDER_DISTANCE_M: f64 = 50.0;

/// Checks a port against every rule and returns all problems (empty when valid), sorted by
/// file and line. Problems met while reading the files are included.
pub fn validate(port: &Port) -> Vec<PortError> {
    let mut v = Validator {
        port,
        errors: port.load_problems.clone(),
    };
    v.port_info();
    v.ids();
    v.references();
    v.features();
    v.feature_geometry();
    v.sensors();
    v.units();
    v.links();
    v.markers();
    v.lanes();
    let mut errors = v.errors;
    errors.sort_by(|a, b| {
        (a.file != port.toml_name, &a.file, a.line.unwrap_or(0)).cmp(&(
            b.file != port.toml_name,
            &b.file,
            b.line.unwrap_or(0),
        ))
    });
    errors
}

struct Validator<'p> {
    port: &'p Port,
    errors: Vec<PortError>,
}

/// Which geometry types an item may use.
#[derive(Clone, Copy)]
enum Shape {
    Point,
    Line,
    Polygon,
    PointOrLine,
    PointOrPolygon,
}

impl Shape {
    fn accepts(self, g: &Geometry) -> bool {
        matches!(
            (self, g),
            (
                Shape::Point | Shape::PointOrLine | Shape::PointOrPolygon,
                Geometry::Point(_)
            ) | (Shape::Line | Shape::PointOrLine, Geometry::LineString(_))
                | (Shape::Polygon | Shape::PointOrPolygon, Geometry::Polygon(_))
        )
    }

    fn describe(self) -> &'static str {
        match self {
            Shape::Point => "a Point",
            Shape::Line => "a LineString",
            Shape::Polygon => "a Polygon",
            Shape::PointOrLine => "a Point or a LineString",
            Shape::PointOrPolygon => "a Point or a Polygon",
        }
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// ICAO 9303 nationality codes: three capital letters, or Germany's `D`.
fn is_country_code(code: &str) -> bool {
    code == "D" || (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()))
}

fn is_utc_offset(tz: &str) -> bool {
    let b = tz.as_bytes();
    let [sign, h1, h2, b':', m1, m2] = b else {
        return false;
    };
    let digits = [*h1, *h2, *m1, *m2];
    if !matches!(sign, b'+' | b'-') || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let hours = (h1 - b'0') * 10 + (h2 - b'0');
    let minutes = (m1 - b'0') * 10 + (m2 - b'0');
    hours <= 14 && minutes < 60
}

impl Validator<'_> {
    fn toml(&mut self, line: usize, kind: ErrorKind, message: String) {
        let file = &self.port.toml_name;
        self.errors
            .push(PortError::new(file, Some(line), kind, message));
    }

    fn geojson(&mut self, feature: &Feature, kind: ErrorKind, message: String) {
        let file = &self.port.geojson_name;
        self.errors
            .push(PortError::new(file, feature.line, kind, message).with_feature(&feature.id));
    }

    fn port_info(&mut self) {
        let info = &self.port.info;
        let line = info.line;
        if self
            .port
            .load_problems
            .iter()
            .any(|e| e.kind == ErrorKind::Schema)
            && info.id.is_empty()
            && info.geometry.is_empty()
        {
            // `[port]` missing or unreadable: already reported, nothing sensible to add.
            return;
        }
        if !is_valid_id(&info.id) {
            self.toml(
                line,
                ErrorKind::InvalidValue,
                format!(
                    "[port]: id \"{}\" must be 1–64 letters, digits, '-', '_' or '.'",
                    info.id
                ),
            );
        }
        if info.name.zh.trim().is_empty() || info.name.en.trim().is_empty() {
            self.toml(
                line,
                ErrorKind::InvalidValue,
                "[port]: name needs both zh and en".into(),
            );
        }
        let LonLat { lon, lat } = info.origin;
        if !(lon.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat))
        {
            self.toml(
                line,
                ErrorKind::CoordinateOutOfRange,
                format!("[port]: origin ({lon}, {lat}) is not a longitude/latitude pair"),
            );
        }
        if !is_utc_offset(&info.timezone) {
            self.toml(
                line,
                ErrorKind::InvalidValue,
                format!(
                    "[port]: timezone \"{}\" must be a UTC offset such as +08:00",
                    info.timezone
                ),
            );
        }
        for (field, code) in [("country", &info.country), ("neighbour", &info.neighbour)] {
            if !is_country_code(code) {
                self.toml(
                    line,
                    ErrorKind::InvalidValue,
                    format!(
                        "[port]: {field} \"{code}\" must be an ICAO 9303 country code such as CHN"
                    ),
                );
            }
        }
        if info.country == info.neighbour && is_country_code(&info.country) {
            self.toml(
                line,
                ErrorKind::InvalidValue,
                format!("[port]: neighbour is the home country \"{}\"", info.country),
            );
        }
    }

    /// Every declared `(section, id, line)`, in file order.
    fn declared(&self) -> Vec<(&'static str, &str, usize)> {
        let p = self.port;
        let mut all: Vec<(&'static str, &str, usize)> = Vec::new();
        all.extend(p.sites.iter().map(|x| ("site", x.id.as_str(), x.line)));
        all.extend(
            p.duty_points
                .iter()
                .map(|x| ("duty_point", x.id.as_str(), x.line)),
        );
        all.extend(p.lanes.iter().map(|x| ("lane", x.id.as_str(), x.line)));
        all.extend(p.zones.iter().map(|x| ("zone", x.id.as_str(), x.line)));
        all.extend(
            p.border_line
                .iter()
                .map(|x| ("border_line", x.id.as_str(), x.line)),
        );
        all.extend(p.markers.iter().map(|x| ("marker", x.id.as_str(), x.line)));
        all.extend(p.sensors.iter().map(|x| ("sensor", x.id.as_str(), x.line)));
        all.extend(p.cameras.iter().map(|x| ("camera", x.id.as_str(), x.line)));
        all.extend(p.units.iter().map(|x| ("unit", x.id.as_str(), x.line)));
        all.extend(p.links.iter().map(|x| ("link", x.id.as_str(), x.line)));
        all.extend(
            p.incomplete
                .iter()
                .filter_map(|i| i.id.as_deref().map(|id| ("item", id, i.line))),
        );
        all.sort_by_key(|&(_, _, line)| line);
        all
    }

    fn ids(&mut self) {
        let mut seen: BTreeMap<&str, (&'static str, usize)> = BTreeMap::new();
        let mut problems = Vec::new();
        for (section, id, line) in self.declared() {
            if !is_valid_id(id) {
                problems.push((
                    line,
                    ErrorKind::InvalidValue,
                    format!("{section} id \"{id}\" must be 1–64 letters, digits, '-', '_' or '.'"),
                ));
            }
            match seen.get(id) {
                Some(&(first_section, first_line)) => problems.push((
                    line,
                    ErrorKind::DuplicateId,
                    format!(
                        "duplicate id \"{id}\": already used by the {first_section} on line {first_line}"
                    ),
                )),
                None => {
                    seen.insert(id, (section, line));
                }
            }
        }
        for (line, kind, message) in problems {
            self.toml(line, kind, message);
        }
        for dup in &self.port.duplicate_features {
            let first_line = self
                .port
                .features
                .get(&dup.id)
                .and_then(|f| f.line)
                .map(|l| format!(" (first on line {l})"))
                .unwrap_or_default();
            self.geojson(
                dup,
                ErrorKind::DuplicateId,
                format!("duplicate feature id \"{}\"{first_line}", dup.id),
            );
        }
    }

    fn references(&mut self) {
        let p = self.port;
        let incomplete: BTreeSet<&str> = p
            .incomplete
            .iter()
            .filter_map(|i| i.id.as_deref())
            .collect();
        let sites: BTreeSet<&str> = p.sites.iter().map(|s| s.id.as_str()).collect();
        let points: BTreeSet<&str> = p.duty_points.iter().map(|d| d.id.as_str()).collect();
        let known = |set: &BTreeSet<&str>, id: &str| set.contains(id) || incomplete.contains(id);
        let mut problems = Vec::new();
        for d in &p.duty_points {
            if !known(&sites, &d.site) {
                problems.push((
                    d.line,
                    format!("duty_point \"{}\": unknown site \"{}\"", d.id, d.site),
                ));
            }
        }
        for l in &p.lanes {
            if !known(&sites, &l.site) {
                problems.push((
                    l.line,
                    format!("lane \"{}\": unknown site \"{}\"", l.id, l.site),
                ));
            }
        }
        for t in &p.train_services {
            if !known(&sites, &t.site) {
                problems.push((
                    t.line,
                    format!(
                        "train_service \"{}\": unknown site \"{}\"",
                        t.number, t.site
                    ),
                ));
            }
        }
        let lanes: BTreeSet<&str> = p.lanes.iter().map(|l| l.id.as_str()).collect();
        for c in &p.cameras {
            match (&c.lane, c.kind) {
                (Some(lane), _) if !known(&lanes, lane) => problems.push((
                    c.line,
                    format!("camera \"{}\": unknown lane \"{lane}\"", c.id),
                )),
                (None, CameraKind::Anpr) => problems.push((
                    c.line,
                    format!(
                        "camera \"{}\": an anpr camera names the lane it reads",
                        c.id
                    ),
                )),
                _ => {}
            }
        }
        for l in &p.links {
            if !known(&sites, &l.of) && !known(&points, &l.of) {
                problems.push((
                    l.line,
                    format!(
                        "link \"{}\": \"{}\" is neither a site nor a duty point",
                        l.id, l.of
                    ),
                ));
            }
        }
        let dp_refs = p
            .sensors
            .iter()
            .map(|s| ("sensor", &s.id, &s.duty_point, s.line))
            .chain(
                p.cameras
                    .iter()
                    .map(|c| ("camera", &c.id, &c.duty_point, c.line)),
            )
            .chain(
                p.units
                    .iter()
                    .map(|u| ("unit", &u.id, &u.duty_point, u.line)),
            );
        for (section, id, dp, line) in dp_refs {
            if !known(&points, dp) {
                problems.push((
                    line,
                    format!("{section} \"{id}\": unknown duty point \"{dp}\""),
                ));
            }
        }
        for (line, message) in problems {
            self.toml(line, ErrorKind::UnknownReference, message);
        }
    }

    /// Every `(section, id, feature, allowed shapes, line)` an item refers to.
    fn feature_refs(&self) -> Vec<(&'static str, &str, &str, Shape, usize)> {
        let p = self.port;
        let mut refs: Vec<(&'static str, &str, &str, Shape, usize)> = Vec::new();
        refs.extend(p.sites.iter().map(|x| {
            (
                "site",
                x.id.as_str(),
                x.feature.as_str(),
                Shape::PointOrPolygon,
                x.line,
            )
        }));
        refs.extend(p.duty_points.iter().map(|x| {
            (
                "duty_point",
                x.id.as_str(),
                x.feature.as_str(),
                Shape::Point,
                x.line,
            )
        }));
        refs.extend(p.lanes.iter().filter_map(|x| {
            x.feature
                .as_deref()
                .map(|f| ("lane", x.id.as_str(), f, Shape::Point, x.line))
        }));
        refs.extend(p.zones.iter().map(|x| {
            (
                "zone",
                x.id.as_str(),
                x.feature.as_str(),
                Shape::Polygon,
                x.line,
            )
        }));
        refs.extend(p.border_line.iter().map(|x| {
            (
                "border_line",
                x.id.as_str(),
                x.feature.as_str(),
                Shape::Line,
                x.line,
            )
        }));
        refs.extend(p.markers.iter().map(|x| {
            (
                "marker",
                x.id.as_str(),
                x.feature.as_str(),
                Shape::Point,
                x.line,
            )
        }));
        refs.extend(p.sensors.iter().map(|x| {
            (
                "sensor",
                x.id.as_str(),
                x.feature.as_str(),
                Shape::PointOrLine,
                x.line,
            )
        }));
        refs.extend(p.cameras.iter().map(|x| {
            (
                "camera",
                x.id.as_str(),
                x.feature.as_str(),
                Shape::Point,
                x.line,
            )
        }));
        refs
    }

    fn features(&mut self) {
        if self.port.border_line.is_none() && !self.port.border_line_declared {
            let line = self.port.info.line;
            self.toml(
                line,
                ErrorKind::NoBorderLine,
                "the port has no [border_line]: every port guards one".into(),
            );
        }
        if !self.port.geometry_loaded {
            return;
        }
        let mut problems = Vec::new();
        for (section, id, feature, shape, line) in self.feature_refs() {
            match self.port.features.get(feature) {
                // Already reported as unreadable in the GeoJSON file.
                None if self.port.unreadable_features.contains(feature) => {}
                None => problems.push((
                    line,
                    ErrorKind::UnknownFeature,
                    format!(
                        "{section} \"{id}\": no feature \"{feature}\" in {}",
                        self.port.geojson_name
                    ),
                )),
                Some(f) => match &f.geometry {
                    None => problems.push((
                        line,
                        ErrorKind::WrongGeometryType,
                        format!(
                            "{section} \"{id}\": feature \"{feature}\" has no geometry, needs {}",
                            shape.describe()
                        ),
                    )),
                    Some(g) if !shape.accepts(g) => problems.push((
                        line,
                        ErrorKind::WrongGeometryType,
                        format!(
                            "{section} \"{id}\": feature \"{feature}\" is a {}, needs {}",
                            g.type_name(),
                            shape.describe()
                        ),
                    )),
                    Some(_) => {}
                },
            }
        }
        for (line, kind, message) in problems {
            self.toml(line, kind, message);
        }
    }

    fn feature_geometry(&mut self) {
        let port = self.port;
        for f in port.features.values().chain(&port.duplicate_features) {
            let Some(g) = &f.geometry else { continue };
            let bad = geom::positions(g)
                .into_iter()
                .enumerate()
                .find(|(_, [lon, lat])| {
                    !(lon.is_finite()
                        && lat.is_finite()
                        && (-180.0..=180.0).contains(lon)
                        && (-90.0..=90.0).contains(lat))
                });
            if let Some((i, [lon, lat])) = bad {
                let shown = if lon.is_nan() || lat.is_nan() {
                    "a missing or non-numeric value".to_owned()
                } else {
                    format!("[{lon}, {lat}]")
                };
                self.geojson(
                    f,
                    ErrorKind::CoordinateOutOfRange,
                    format!(
                        "feature \"{}\": position {i} is {shown}; positions are [longitude −180..180, latitude −90..90]",
                        f.id
                    ),
                );
                // Ring and crossing checks on garbage coordinates would only add noise.
                continue;
            }
            match g {
                Geometry::LineString(ps) if ps.len() < 2 => self.geojson(
                    f,
                    ErrorKind::TooFewPoints,
                    format!(
                        "feature \"{}\": a LineString needs at least 2 positions, has {}",
                        f.id,
                        ps.len()
                    ),
                ),
                Geometry::Polygon(rings) => self.polygon(f, rings),
                _ => {}
            }
        }
    }

    fn polygon(&mut self, f: &Feature, rings: &[Vec<[f64; 2]>]) {
        if rings.is_empty() {
            self.geojson(
                f,
                ErrorKind::TooFewPoints,
                format!("feature \"{}\": polygon has no rings", f.id),
            );
        }
        for (r, ring) in rings.iter().enumerate() {
            let which = if r == 0 {
                "exterior ring".to_owned()
            } else {
                format!("hole {r}")
            };
            if ring.len() < 4 {
                self.geojson(
                    f,
                    ErrorKind::TooFewPoints,
                    format!(
                        "feature \"{}\": {which} has {} positions; a closed ring needs at least 4",
                        f.id,
                        ring.len()
                    ),
                );
                continue;
            }
            if ring.first() != ring.last() {
                self.geojson(
                    f,
                    ErrorKind::OpenRing,
                    format!(
                        "feature \"{}\": {which} is open: its last position must repeat the first",
                        f.id
                    ),
                );
            }
            if let Some(c) = geom::ring_self_intersection(ring) {
                self.geojson(
                    f,
                    ErrorKind::SelfIntersection,
                    format!(
                        "feature \"{}\": {which} intersects itself: edge {} meets edge {} near [{:.6}, {:.6}]",
                        f.id, c.edge_a, c.edge_b, c.at[0], c.at[1]
                    ),
                );
            }
        }
    }

    /// A polygon or line geometry only when it passed the geometry checks.
    fn usable(&self, feature: &str) -> Option<&Geometry> {
        let f = self.port.features.get(feature)?;
        let g = f.geometry.as_ref()?;
        let in_range = geom::positions(g).iter().all(|[lon, lat]| {
            lon.is_finite()
                && lat.is_finite()
                && (-180.0..=180.0).contains(lon)
                && (-90.0..=90.0).contains(lat)
        });
        let ok = in_range
            && match g {
                Geometry::Point(_) => true,
                Geometry::LineString(ps) => ps.len() >= 2,
                Geometry::Polygon(rings) => {
                    !rings.is_empty()
                        && rings.iter().all(|r| {
                            r.len() >= 4
                                && r.first() == r.last()
                                && geom::ring_self_intersection(r).is_none()
                        })
                }
                Geometry::Other(_) => false,
            };
        ok.then_some(g)
    }

    fn sensors(&mut self) {
        let p = self.port;
        // The rule can only be decided when every zone and the border line are usable. When
        // one is broken or missing, that is already reported, and blaming the sensors too
        // would bury the cause under consequences.
        let zones: Option<Vec<geo::Polygon<f64>>> = p
            .zones
            .iter()
            .map(|z| match self.usable(&z.feature) {
                Some(Geometry::Polygon(rings)) => geom::to_polygon(rings),
                _ => None,
            })
            .collect();
        let border = p
            .border_line
            .as_ref()
            .and_then(|b| match self.usable(&b.feature) {
                Some(Geometry::LineString(ps)) => Some(ps),
                _ => None,
            });
        let unreadable = p
            .incomplete
            .iter()
            .any(|i| i.section == "zone" || i.section == "border_line");
        let (Some(zones), Some(border), false) = (zones, border, unreadable) else {
            return;
        };
        let mut problems = Vec::new();
        for s in &p.sensors {
            let (in_zone, vertices) = match self.usable(&s.feature) {
                Some(Geometry::Point(pt)) => {
                    let point = geom::to_point(*pt);
                    (zones.iter().any(|z| z.intersects(&point)), vec![*pt])
                }
                Some(Geometry::LineString(ps)) => {
                    let line = geom::to_line_string(ps);
                    (zones.iter().any(|z| z.intersects(&line)), ps.clone())
                }
                // Missing or broken geometry is reported by the feature checks.
                _ => continue,
            };
            if in_zone {
                continue;
            }
            let distance = vertices
                .iter()
                .map(|v| geom::distance_to_polyline_m(*v, border))
                .fold(f64::INFINITY, f64::min);
            if distance > SENSOR_MAX_BORDER_DISTANCE_M {
                problems.push((
                    s.line,
                    format!(
                        "sensor \"{}\" lies in no zone and {distance:.0} m from the border line (at most {SENSOR_MAX_BORDER_DISTANCE_M:.0} m allowed)",
                        s.id
                    ),
                ));
            }
        }
        for (line, message) in problems {
            self.toml(line, ErrorKind::SensorOutsideZones, message);
        }
    }

    fn units(&mut self) {
        let mut problems = Vec::new();
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for u in &self.port.units {
            match u.terminal_id.as_deref().map(str::trim) {
                None | Some("") => problems.push((
                    u.line,
                    ErrorKind::MissingTerminalId,
                    format!("unit \"{}\" has no GNSS terminal_id; dispatch cannot track it", u.id),
                )),
                Some(t) if !(t.bytes().all(|b| b.is_ascii_digit()) && (t.len() == 12 || t.len() == 20)) => problems.push((
                    u.line,
                    ErrorKind::MissingTerminalId,
                    format!(
                        "unit \"{}\": terminal_id \"{t}\" must be 12 digits (JT/T 808-2013) or 20 digits (JT/T 808-2019)",
                        u.id
                    ),
                )),
                Some(t) => {
                    if let Some(other) = seen.insert(t, &u.id) {
                        problems.push((
                            u.line,
                            ErrorKind::DuplicateId,
                            format!("unit \"{}\": terminal_id \"{t}\" is already used by unit \"{other}\"", u.id),
                        ));
                    }
                }
            }
            if u.call_sign.trim().is_empty() {
                problems.push((
                    u.line,
                    ErrorKind::InvalidValue,
                    format!("unit \"{}\" has an empty call_sign", u.id),
                ));
            }
        }
        for (line, kind, message) in problems {
            self.toml(line, kind, message);
        }
    }

    fn links(&mut self) {
        let p = self.port;
        let targets = p
            .sites
            .iter()
            .map(|s| ("site", &s.id, s.line))
            .chain(p.duty_points.iter().map(|d| ("duty point", &d.id, d.line)));
        let mut problems = Vec::new();
        for (what, id, line) in targets {
            let has = |role: LinkRole| p.links.iter().any(|l| &l.of == id && l.role == role);
            let missing: Vec<&str> = [LinkRole::Primary, LinkRole::Backup]
                .into_iter()
                .filter(|r| !has(*r))
                .map(LinkRole::as_str)
                .collect();
            if !missing.is_empty() {
                problems.push((
                    line,
                    format!(
                        "{what} \"{id}\" has no {} link to the command centre",
                        missing.join(" or ")
                    ),
                ));
            }
        }
        for (line, message) in problems {
            self.toml(line, ErrorKind::MissingLink, message);
        }
    }

    fn markers(&mut self) {
        let mut seen: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
        let mut problems = Vec::new();
        for m in &self.port.markers {
            let number = m.number.trim();
            if number.is_empty() {
                problems.push((
                    m.line,
                    ErrorKind::InvalidValue,
                    format!("marker \"{}\" has an empty number", m.id),
                ));
                continue;
            }
            match seen.get(number) {
                Some(&(other, line)) => problems.push((
                    m.line,
                    ErrorKind::DuplicateMarkerNumber,
                    format!("marker \"{}\": number {number} is already marker \"{other}\" on line {line}", m.id),
                )),
                None => {
                    seen.insert(number, (&m.id, m.line));
                }
            }
        }
        for (line, kind, message) in problems {
            self.toml(line, kind, message);
        }
    }

    fn lanes(&mut self) {
        let mut problems = Vec::new();
        for l in &self.port.lanes {
            match (l.kind, l.channel) {
                (LaneKind::SpecialChannel, None) => problems.push((
                    l.line,
                    format!("lane \"{}\" is a special_channel but names no channel", l.id),
                )),
                (kind, Some(channel)) if kind != LaneKind::SpecialChannel => problems.push((
                    l.line,
                    format!("lane \"{}\" (kind {kind}) names channel \"{channel}\"; only special_channel lanes have one", l.id),
                )),
                _ => {}
            }
            for code in &l.rules.nationalities {
                if !is_country_code(code) {
                    problems.push((
                        l.line,
                        format!("lane \"{}\": nationality \"{code}\" is not an ICAO 9303 code such as CHN", l.id),
                    ));
                }
            }
            let mut docs = l.rules.documents.clone();
            docs.sort();
            docs.dedup();
            if docs.len() != l.rules.documents.len() {
                problems.push((
                    l.line,
                    format!("lane \"{}\" lists a document kind twice", l.id),
                ));
            }
        }
        for (line, message) in problems {
            self.toml(line, ErrorKind::InvalidLane, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_format_checks() {
        assert!(is_utc_offset("+08:00"));
        assert!(is_utc_offset("-03:30"));
        assert!(!is_utc_offset("08:00"));
        assert!(!is_utc_offset("+8:00"));
        assert!(!is_utc_offset("+15:00"));
        assert!(is_country_code("CHN") && is_country_code("D"));
        assert!(!is_country_code("cn") && !is_country_code("CHNA"));
        assert!(is_valid_id("rp-hall_1.a") && !is_valid_id("a b") && !is_valid_id(""));
    }
}
