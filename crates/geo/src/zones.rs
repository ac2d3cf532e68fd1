//! Zones, the border line and boundary markers, indexed in local metres.

use geo::{LineString, Point, Polygon};
use rstar::primitives::{GeomWithData, Line, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};

use crate::error::{GeoError, check_lonlat};
use crate::geom::{P2, in_ring, proper_cross, ring_dist2, seg_dist2, seg_intersection_t};
use crate::projection::Projection;

/// What a zone is for. Priority of alarms comes from it (restricted area and border strip first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    RestrictedArea,
    BorderStrip,
    Hall,
    Yard,
    Other,
}

/// A zone as configured: a polygon in lon/lat degrees (holes allowed).
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneDef {
    pub id: String,
    pub kind: ZoneKind,
    pub name: String,
    /// Exterior and interior rings in (lon, lat) degrees.
    pub polygon: Polygon<f64>,
    /// Lower value = more important; lists of zones are ordered by it, then by definition order.
    pub priority: u8,
}

/// A boundary marker (界碑), e.g. number "814".
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub id: String,
    pub number: String,
    /// (lon, lat) degrees.
    pub point: Point<f64>,
}

/// Which side of the border line a point lies on, looking along the line's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BorderSide {
    Left,
    Right,
    /// Within [`ON_LINE_TOLERANCE_M`] of the line.
    On,
}

/// A side of the border expressed as a country, given which side is home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountrySide {
    Home,
    Foreign,
    OnLine,
}

/// Points closer than this to the border line are on it, neither side.
pub const ON_LINE_TOLERANCE_M: f64 = 0.01;

#[derive(Debug, Clone)]
pub(crate) struct ProjectedZone {
    pub(crate) exterior: Vec<P2>,
    pub(crate) holes: Vec<Vec<P2>>,
}

impl ProjectedZone {
    pub(crate) fn contains(&self, p: P2) -> bool {
        in_ring(p, &self.exterior) && !self.holes.iter().any(|h| in_ring(p, h))
    }

    /// Distance to the boundary: positive inside, negative outside.
    pub(crate) fn signed_distance(&self, p: P2) -> f64 {
        let d2 = self
            .holes
            .iter()
            .fold(ring_dist2(p, &self.exterior), |m, h| {
                m.min(ring_dist2(p, h))
            });
        let d = d2.sqrt();
        if self.contains(p) { d } else { -d }
    }

    /// Parameter along `p`–`q` where it first touches the boundary.
    pub(crate) fn first_boundary_t(&self, p: P2, q: P2) -> Option<f64> {
        std::iter::once(&self.exterior)
            .chain(self.holes.iter())
            .flat_map(|r| r.windows(2))
            .filter_map(|w| seg_intersection_t(p, q, w[0], w[1]))
            .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.min(t))))
    }
}

#[derive(Clone)]
struct Border {
    pts: Vec<P2>,
    tree: RTree<GeomWithData<Line<P2>, usize>>,
}

/// Zones, border line and markers of one port, projected once and indexed with R-trees.
#[derive(Clone)]
pub struct ZoneSet {
    projection: Projection,
    zones: Vec<ZoneDef>,
    projected: Vec<ProjectedZone>,
    tree: RTree<GeomWithData<Rectangle<P2>, usize>>,
    border: Option<Border>,
    markers: Vec<Marker>,
    marker_tree: RTree<GeomWithData<P2, usize>>,
}

impl std::fmt::Debug for ZoneSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZoneSet")
            .field("origin", &self.projection.origin())
            .field("zones", &self.zones.len())
            .field(
                "border_vertices",
                &self.border.as_ref().map(|b| b.pts.len()),
            )
            .field("markers", &self.markers.len())
            .finish()
    }
}

impl ZoneSet {
    /// Builds the set with its origin at the centre of the bounding box of everything given.
    pub fn new(
        zones: Vec<ZoneDef>,
        border_line: Option<LineString<f64>>,
        markers: Vec<Marker>,
    ) -> Result<Self, GeoError> {
        let mut lo = [f64::INFINITY; 2];
        let mut hi = [f64::NEG_INFINITY; 2];
        let zone_coords = zones.iter().flat_map(|z| {
            z.polygon
                .exterior()
                .coords()
                .chain(z.polygon.interiors().iter().flat_map(|r| r.coords()))
        });
        let border_coords = border_line.iter().flat_map(|l| l.coords());
        let marker_coords = markers.iter().map(|m| &m.point.0);
        for c in zone_coords.chain(border_coords).chain(marker_coords) {
            // Invalid coordinates are reported by `with_projection` with their owner's name.
            if check_lonlat(c.x, c.y).is_ok() {
                lo = [lo[0].min(c.x), lo[1].min(c.y)];
                hi = [hi[0].max(c.x), hi[1].max(c.y)];
            }
        }
        let origin = if lo[0].is_finite() {
            (
                (lo[0] + hi[0]) / 2.0,
                ((lo[1] + hi[1]) / 2.0).clamp(-89.0, 89.0),
            )
        } else {
            (0.0, 0.0)
        };
        Self::with_projection(Projection::new(origin)?, zones, border_line, markers)
    }

    /// Builds the set on a caller-chosen projection (e.g. the port's configured origin).
    pub fn with_projection(
        projection: Projection,
        zones: Vec<ZoneDef>,
        border_line: Option<LineString<f64>>,
        markers: Vec<Marker>,
    ) -> Result<Self, GeoError> {
        let mut projected = Vec::with_capacity(zones.len());
        let mut boxes = Vec::with_capacity(zones.len());
        let mut seen = std::collections::HashSet::new();
        for (i, z) in zones.iter().enumerate() {
            if z.id.trim().is_empty() {
                return Err(GeoError::InvalidZone {
                    id: z.id.clone(),
                    reason: "empty id".into(),
                });
            }
            if !seen.insert(z.id.as_str()) {
                return Err(GeoError::DuplicateZone(z.id.clone()));
            }
            let exterior = project_ring(&projection, z.polygon.exterior(), &z.id, "exterior")?;
            let holes = z
                .polygon
                .interiors()
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.0.is_empty())
                .map(|(k, r)| project_ring(&projection, r, &z.id, &format!("interior ring {k}")))
                .collect::<Result<Vec<_>, _>>()?;
            let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
            for p in &exterior {
                lo = [lo[0].min(p[0]), lo[1].min(p[1])];
                hi = [hi[0].max(p[0]), hi[1].max(p[1])];
            }
            boxes.push(GeomWithData::new(Rectangle::from_corners(lo, hi), i));
            projected.push(ProjectedZone { exterior, holes });
        }
        let border = match border_line {
            None => None,
            Some(line) => {
                let mut pts: Vec<P2> = Vec::with_capacity(line.0.len());
                for c in line.coords() {
                    check_lonlat(c.x, c.y).map_err(|e| GeoError::InvalidBorder(e.to_string()))?;
                    let (x, y) = projection.project_unchecked(c.x, c.y);
                    // Repeated vertices would make zero-length segments with no direction.
                    if pts.last() != Some(&[x, y]) {
                        pts.push([x, y]);
                    }
                }
                if pts.len() < 2 {
                    return Err(GeoError::InvalidBorder(
                        "needs at least two distinct points".into(),
                    ));
                }
                let segs = pts
                    .windows(2)
                    .enumerate()
                    .map(|(i, w)| GeomWithData::new(Line::new(w[0], w[1]), i))
                    .collect();
                Some(Border {
                    pts,
                    tree: RTree::bulk_load(segs),
                })
            }
        };
        let mut marker_pts = Vec::with_capacity(markers.len());
        for (i, m) in markers.iter().enumerate() {
            check_lonlat(m.point.x(), m.point.y()).map_err(|e| GeoError::InvalidMarker {
                id: m.id.clone(),
                reason: e.to_string(),
            })?;
            marker_pts.push(GeomWithData::new(
                projection
                    .project_unchecked(m.point.x(), m.point.y())
                    .into(),
                i,
            ));
        }
        Ok(Self {
            projection,
            zones,
            projected,
            tree: RTree::bulk_load(boxes),
            border,
            markers,
            marker_tree: RTree::bulk_load(marker_pts),
        })
    }

    /// The plane everything is projected to.
    pub fn projection(&self) -> &Projection {
        &self.projection
    }

    /// All zones in definition order; indices used by the `*_local` methods refer to it.
    pub fn zones(&self) -> &[ZoneDef] {
        &self.zones
    }

    /// The zone at `index` in definition order.
    pub fn zone(&self, index: usize) -> Option<&ZoneDef> {
        self.zones.get(index)
    }

    /// The zone with this id.
    pub fn zone_by_id(&self, id: &str) -> Option<&ZoneDef> {
        self.zones.iter().find(|z| z.id == id)
    }

    /// The boundary markers as given.
    pub fn markers(&self) -> &[Marker] {
        &self.markers
    }

    /// Zones containing `(lon, lat)`, most important first.
    pub fn zones_at(&self, lon: f64, lat: f64) -> Result<Vec<&ZoneDef>, GeoError> {
        let (x, y) = self.projection.to_local(lon, lat)?;
        let mut idx = Vec::new();
        self.zone_indices_at_local(x, y, &mut idx);
        Ok(idx.iter().filter_map(|&i| self.zones.get(i)).collect())
    }

    /// Indices of the zones containing local point `(x, y)`, most important first, written to
    /// `out` (cleared first) so a hot loop can reuse one buffer. Non-finite input yields none.
    pub fn zone_indices_at_local(&self, x: f64, y: f64, out: &mut Vec<usize>) {
        out.clear();
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        let p = [x, y];
        for hit in self.tree.locate_all_at_point(&p) {
            if self.projected.get(hit.data).is_some_and(|z| z.contains(p)) {
                out.push(hit.data);
            }
        }
        if out.len() > 1 {
            out.sort_unstable_by_key(|&i| (self.zones.get(i).map_or(u8::MAX, |z| z.priority), i));
        }
    }

    /// Indices of zones whose bounding box comes within `radius` metres of local `(x, y)`.
    pub(crate) fn zone_indices_near_local(&self, p: P2, radius: f64, out: &mut Vec<usize>) {
        out.clear();
        let env = AABB::from_corners(
            [p[0] - radius, p[1] - radius],
            [p[0] + radius, p[1] + radius],
        );
        out.extend(
            self.tree
                .locate_in_envelope_intersecting(&env)
                .map(|h| h.data),
        );
    }

    /// Zones whose bounding box intersects the segment's box, for ray casting.
    pub(crate) fn zone_indices_in_box(&self, a: P2, b: P2, out: &mut Vec<usize>) {
        out.clear();
        let env = AABB::from_corners(a, b);
        out.extend(
            self.tree
                .locate_in_envelope_intersecting(&env)
                .map(|h| h.data),
        );
    }

    pub(crate) fn projected(&self, index: usize) -> Option<&ProjectedZone> {
        self.projected.get(index)
    }

    /// Signed distance in metres from local `p` to the boundary of zone `index`
    /// (positive inside).
    pub(crate) fn signed_distance_local(&self, index: usize, p: P2) -> Option<f64> {
        self.projected.get(index).map(|z| z.signed_distance(p))
    }

    /// Distance in metres from `(lon, lat)` to the border line; `None` without a border line.
    pub fn distance_to_border_m(&self, lon: f64, lat: f64) -> Result<Option<f64>, GeoError> {
        let (x, y) = self.projection.to_local(lon, lat)?;
        Ok(self.border_nearest([x, y]).map(|(d2, _, _)| d2.sqrt()))
    }

    /// Nearest border segment: squared distance, segment index, parameter on it.
    fn border_nearest(&self, p: P2) -> Option<(f64, usize, f64)> {
        let b = self.border.as_ref()?;
        let seg = b.tree.nearest_neighbor(&p)?;
        let (d2, t) = seg_dist2(p, seg.geom().from, seg.geom().to);
        Some((d2, seg.data, t))
    }

    /// Side of the border line `(lon, lat)` lies on; `None` without a border line.
    ///
    /// Beyond the line's ends the side of the end segment's extension is given, so configure a
    /// border line that extends past the area watched.
    pub fn side_of_border(&self, lon: f64, lat: f64) -> Result<Option<BorderSide>, GeoError> {
        let (x, y) = self.projection.to_local(lon, lat)?;
        Ok(self.side_local([x, y]))
    }

    /// [`ZoneSet::side_of_border`] as a country, given which side of the line is home.
    pub fn country_side(
        &self,
        lon: f64,
        lat: f64,
        home: BorderSide,
    ) -> Result<Option<CountrySide>, GeoError> {
        Ok(self.side_of_border(lon, lat)?.map(|s| match s {
            BorderSide::On => CountrySide::OnLine,
            s if s == home => CountrySide::Home,
            _ => CountrySide::Foreign,
        }))
    }

    pub(crate) fn side_local(&self, p: P2) -> Option<BorderSide> {
        let b = self.border.as_ref()?;
        let (d2, i, t) = self.border_nearest(p)?;
        if d2 <= ON_LINE_TOLERANCE_M * ON_LINE_TOLERANCE_M {
            return Some(BorderSide::On);
        }
        let seg = |k: usize| -> Option<(P2, P2)> { Some((*b.pts.get(k)?, *b.pts.get(k + 1)?)) };
        let left_normal = |(a, c): (P2, P2)| -> P2 {
            let (dx, dy) = (c[0] - a[0], c[1] - a[1]);
            let len = dx.hypot(dy).max(f64::MIN_POSITIVE);
            [-dy / len, dx / len]
        };
        let (a, c) = seg(i)?;
        // At a shared vertex the nearest point is the vertex itself; the sum of the two edges'
        // unit normals (the pseudo-normal) gives the right side even in the wedge behind a bend.
        let (origin, n) = if t <= 0.0 && i > 0 {
            let (n1, n2) = (left_normal(seg(i - 1)?), left_normal((a, c)));
            (a, [n1[0] + n2[0], n1[1] + n2[1]])
        } else if t >= 1.0 && seg(i + 1).is_some() {
            let (n1, n2) = (left_normal((a, c)), left_normal(seg(i + 1)?));
            (c, [n1[0] + n2[0], n1[1] + n2[1]])
        } else {
            (a, left_normal((a, c)))
        };
        let dot = (p[0] - origin[0]) * n[0] + (p[1] - origin[1]) * n[1];
        Some(if dot > 0.0 {
            BorderSide::Left
        } else {
            BorderSide::Right
        })
    }

    /// Whether segment `p`–`q` touches the border line, and how many border segments it
    /// properly crosses.
    pub(crate) fn border_crossings(&self, p: P2, q: P2) -> (bool, usize) {
        let Some(b) = self.border.as_ref() else {
            return (false, 0);
        };
        let env = AABB::from_corners(p, q);
        let mut touches = false;
        let mut proper = 0;
        for s in b.tree.locate_in_envelope_intersecting(&env) {
            let (a, c) = (s.geom().from, s.geom().to);
            if seg_intersection_t(p, q, a, c).is_some() {
                touches = true;
                if proper_cross(p, q, a, c) {
                    proper += 1;
                }
            }
        }
        (touches, proper)
    }

    /// Whether a border line is configured.
    pub fn has_border(&self) -> bool {
        self.border.is_some()
    }

    /// The nearest boundary marker to `(lon, lat)` and its distance in metres.
    pub fn nearest_marker(&self, lon: f64, lat: f64) -> Result<Option<(&Marker, f64)>, GeoError> {
        let (x, y) = self.projection.to_local(lon, lat)?;
        Ok(self.marker_tree.nearest_neighbor(&[x, y]).and_then(|m| {
            let d = (m.geom()[0] - x).hypot(m.geom()[1] - y);
            self.markers.get(m.data).map(|mk| (mk, d))
        }))
    }

    /// The marker with this number (e.g. "814"), for partner reports given as a marker.
    pub fn marker_by_number(&self, number: &str) -> Option<&Marker> {
        self.markers.iter().find(|m| m.number == number)
    }
}

fn project_ring(
    projection: &Projection,
    ring: &LineString<f64>,
    id: &str,
    which: &str,
) -> Result<Vec<P2>, GeoError> {
    let bad = |reason: String| GeoError::InvalidZone {
        id: id.to_string(),
        reason,
    };
    let mut pts: Vec<P2> = Vec::with_capacity(ring.0.len() + 1);
    for c in ring.coords() {
        check_lonlat(c.x, c.y).map_err(|e| bad(format!("{which}: {e}")))?;
        let p = projection.project_unchecked(c.x, c.y);
        if pts.last() != Some(&[p.0, p.1]) {
            pts.push([p.0, p.1]);
        }
    }
    if let Some(&first) = pts.first().filter(|&&f| pts.last() != Some(&f)) {
        pts.push(first);
    }
    if pts.len() < 4 {
        return Err(bad(format!("{which} needs at least three distinct points")));
    }
    let twice_area: f64 = pts
        .windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum();
    if twice_area.abs() < 1e-6 {
        return Err(bad(format!("{which} encloses no area")));
    }
    Ok(pts)
}
