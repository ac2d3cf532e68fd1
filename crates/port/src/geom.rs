//! Geometry helpers: conversions to `geo` types, distances in metres, ring checks.

use geo::line_intersection::line_intersection;
use geo::{Coord, Line, LineIntersection, LineString, Point, Polygon};

use crate::model::Geometry;

/// WGS 84 semi-major axis and first eccentricity squared.
const WGS84_A: f64 = 6_378_137.0;
const WGS84_E2: f64 = 0.006_694_379_990_14;

/// Metres per degree of longitude and of latitude at a latitude (radii of curvature of the
/// WGS 84 ellipsoid). At port scale (a few km) a local plane with these scales is within
/// centimetres of the geodesic.
pub(crate) fn metres_per_degree(lat_deg: f64) -> (f64, f64) {
    let phi = lat_deg.to_radians();
    let s2 = phi.sin() * phi.sin();
    let w = (1.0 - WGS84_E2 * s2).sqrt();
    let n = WGS84_A / w;
    let m = WGS84_A * (1.0 - WGS84_E2) / (w * w * w);
    let deg = std::f64::consts::PI / 180.0;
    (n * phi.cos() * deg, m * deg)
}

/// Distance in metres from a point to a polyline, in a local plane centred on the point.
pub(crate) fn distance_to_polyline_m(p: [f64; 2], line: &[[f64; 2]]) -> f64 {
    let (kx, ky) = metres_per_degree(p[1]);
    let local = |q: [f64; 2]| ((q[0] - p[0]) * kx, (q[1] - p[1]) * ky);
    match line {
        [] => f64::INFINITY,
        [only] => {
            let (x, y) = local(*only);
            x.hypot(y)
        }
        _ => line
            .windows(2)
            .filter_map(|w| match w {
                [a, b] => Some(segment_distance_to_origin(local(*a), local(*b))),
                _ => None,
            })
            .fold(f64::INFINITY, f64::min),
    }
}

fn segment_distance_to_origin(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (-(a.0 * dx + a.1 * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (a.0 + t * dx).hypot(a.1 + t * dy)
}

/// Length of a polyline in metres (geodesic on WGS 84).
pub(crate) fn length_m(line: &LineString<f64>) -> f64 {
    use geo::{Geodesic, Length};
    Geodesic.length(line)
}

/// The point halfway along a polyline (by length).
pub(crate) fn midpoint(line: &[[f64; 2]]) -> Option<[f64; 2]> {
    let first = *line.first()?;
    let lens: Vec<f64> = line
        .windows(2)
        .map(|w| match w {
            [a, b] => {
                let (kx, ky) = metres_per_degree((a[1] + b[1]) / 2.0);
                ((b[0] - a[0]) * kx).hypot((b[1] - a[1]) * ky)
            }
            _ => 0.0,
        })
        .collect();
    let total: f64 = lens.iter().sum();
    let mut left = total / 2.0;
    for (w, len) in line.windows(2).zip(&lens) {
        if let [a, b] = w {
            if left <= *len && *len > 0.0 {
                let t = left / len;
                return Some([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
            }
            left -= len;
        }
    }
    Some(*line.last().unwrap_or(&first))
}

fn coord(p: [f64; 2]) -> Coord<f64> {
    Coord { x: p[0], y: p[1] }
}

/// A `geo` polygon from a validated GeoJSON polygon.
pub(crate) fn to_polygon(rings: &[Vec<[f64; 2]>]) -> Option<Polygon<f64>> {
    let (exterior, holes) = rings.split_first()?;
    let ring = |r: &Vec<[f64; 2]>| LineString::new(r.iter().copied().map(coord).collect());
    Some(Polygon::new(
        ring(exterior),
        holes.iter().map(ring).collect(),
    ))
}

pub(crate) fn to_line_string(points: &[[f64; 2]]) -> LineString<f64> {
    LineString::new(points.iter().copied().map(coord).collect())
}

pub(crate) fn to_point(p: [f64; 2]) -> Point<f64> {
    Point(coord(p))
}

/// Where two edges of a ring meet although they should not.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Crossing {
    pub(crate) edge_a: usize,
    pub(crate) edge_b: usize,
    pub(crate) at: [f64; 2],
}

/// Finds the first pair of ring edges that cross, touch or overlap, other than neighbouring
/// edges meeting at their shared vertex. The ring is treated as closed whether or not its last
/// position repeats the first (an open ring is reported separately). O(n²) over the edges,
/// which is fine for hand-drawn port polygons of at most a few hundred vertices.
pub(crate) fn ring_self_intersection(ring: &[[f64; 2]]) -> Option<Crossing> {
    // Repeated consecutive positions are legal in GeoJSON and make zero-length edges, which
    // would look like touching edges; drop them first.
    let mut pts: Vec<[f64; 2]> = Vec::with_capacity(ring.len() + 1);
    for p in ring {
        if pts.last() != Some(p) {
            pts.push(*p);
        }
    }
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let n = pts.len();
    if n < 3 {
        return None;
    }
    let edge = |i: usize| -> Option<Line<f64>> {
        let a = *pts.get(i)?;
        let b = *pts.get((i + 1) % n)?;
        Some(Line::new(coord(a), coord(b)))
    };
    for i in 0..n {
        let Some(ei) = edge(i) else { continue };
        for j in (i + 1)..n {
            let Some(ej) = edge(j) else { continue };
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            match line_intersection(ei, ej) {
                None => {}
                Some(LineIntersection::SinglePoint { intersection, .. }) if !adjacent => {
                    return Some(Crossing {
                        edge_a: i,
                        edge_b: j,
                        at: [intersection.x, intersection.y],
                    });
                }
                // Neighbouring edges that run back over each other form a spike: the overlap
                // has length, unlike the shared vertex.
                Some(LineIntersection::Collinear { intersection })
                    if !adjacent || intersection.start != intersection.end =>
                {
                    return Some(Crossing {
                        edge_a: i,
                        edge_b: j,
                        at: [intersection.start.x, intersection.start.y],
                    });
                }
                Some(_) => {}
            }
        }
    }
    None
}

/// Every position of a geometry, for range checks.
pub(crate) fn positions(g: &Geometry) -> Vec<[f64; 2]> {
    match g {
        Geometry::Point(p) => vec![*p],
        Geometry::LineString(ps) => ps.clone(),
        Geometry::Polygon(rings) => rings.iter().flatten().copied().collect(),
        Geometry::Other(_) => Vec::new(),
    }
}

/// GeoJSON geometry object for the API.
pub(crate) fn to_geojson(g: &Geometry) -> serde_json::Value {
    use serde_json::json;
    match g {
        Geometry::Point(p) => json!({ "type": "Point", "coordinates": p }),
        Geometry::LineString(ps) => json!({ "type": "LineString", "coordinates": ps }),
        Geometry::Polygon(rings) => json!({ "type": "Polygon", "coordinates": rings }),
        Geometry::Other(t) => json!({ "type": t, "coordinates": [] }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_is_simple_bowtie_is_not() {
        let square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]];
        assert_eq!(ring_self_intersection(&square), None);
        let bowtie = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]];
        let c = ring_self_intersection(&bowtie).expect("bowtie crosses");
        assert!((c.at[0] - 0.5).abs() < 1e-12 && (c.at[1] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn spike_and_touching_vertex_are_found() {
        let spike = [[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]];
        assert!(ring_self_intersection(&spike).is_some());
        // A vertex touching a non-neighbouring edge.
        let touch = [
            [0.0, 0.0],
            [4.0, 0.0],
            [4.0, 4.0],
            [2.0, 0.0],
            [0.0, 4.0],
            [0.0, 0.0],
        ];
        assert!(ring_self_intersection(&touch).is_some());
    }

    #[test]
    fn repeated_and_collinear_vertices_are_fine() {
        let ring = [
            [0.0, 0.0],
            [0.5, 0.0],
            [0.5, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [0.0, 0.0],
        ];
        assert_eq!(ring_self_intersection(&ring), None);
    }

    #[test]
    fn distances_in_metres() {
        // One arc-minute of latitude is about 1 852 m.
        let d = distance_to_polyline_m([112.0, 43.0 + 1.0 / 60.0], &[[111.9, 43.0], [112.1, 43.0]]);
        assert!((d - 1852.0).abs() < 5.0, "{d}");
        let mid = midpoint(&[[0.0, 0.0], [0.0, 1.0], [0.0, 3.0]]).unwrap_or([9.0, 9.0]);
        assert!((mid[1] - 1.5).abs() < 0.01, "{mid:?}");
        assert_eq!(midpoint(&[]), None);
    }
}
