//! Positions and movement: a local metric frame around the port's origin, routes, and fixes
//! of units moving along them.

/// `(lon, lat)` in degrees.
pub type LonLat = (f64, f64);

const M_PER_DEG_LAT: f64 = 110_574.0;
const M_PER_DEG_LON_EQ: f64 = 111_320.0;

/// An equirectangular frame: good to well under a metre over a port a few km across.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    origin: LonLat,
    kx: f64,
}

impl Frame {
    pub fn new(origin: LonLat) -> Frame {
        Frame {
            origin,
            kx: M_PER_DEG_LON_EQ * origin.1.to_radians().cos(),
        }
    }

    /// Metres east and north of the origin.
    pub fn xy(&self, p: LonLat) -> (f64, f64) {
        (
            (p.0 - self.origin.0) * self.kx,
            (p.1 - self.origin.1) * M_PER_DEG_LAT,
        )
    }

    pub fn lonlat(&self, xy: (f64, f64)) -> LonLat {
        (
            self.origin.0 + xy.0 / self.kx,
            self.origin.1 + xy.1 / M_PER_DEG_LAT,
        )
    }

    pub fn distance_m(&self, a: LonLat, b: LonLat) -> f64 {
        let (ax, ay) = self.xy(a);
        let (bx, by) = self.xy(b);
        (ax - bx).hypot(ay - by)
    }

    /// Course over ground from `a` to `b`, degrees clockwise from north.
    pub fn course_deg(&self, a: LonLat, b: LonLat) -> f64 {
        let (ax, ay) = self.xy(a);
        let (bx, by) = self.xy(b);
        (bx - ax).atan2(by - ay).to_degrees().rem_euclid(360.0)
    }

    /// Where `p` projects onto segment `a→b`: the fraction along it (unclamped) and the
    /// distance from the segment (clamped) in metres.
    pub fn along(&self, a: LonLat, b: LonLat, p: LonLat) -> (f64, f64) {
        let (ax, ay) = self.xy(a);
        let (bx, by) = self.xy(b);
        let (px, py) = self.xy(p);
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        if len2 == 0.0 {
            return (0.0, (px - ax).hypot(py - ay));
        }
        let t = ((px - ax) * dx + (py - ay) * dy) / len2;
        let c = t.clamp(0.0, 1.0);
        (t, (px - (ax + c * dx)).hypot(py - (ay + c * dy)))
    }
}

/// One GNSS fix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    pub lon: f64,
    pub lat: f64,
    pub speed_kmh: f64,
    pub course_deg: f64,
}

/// A closed route (the last point joins the first) run at a constant speed.
#[derive(Debug, Clone)]
pub struct Route {
    pub points: Vec<LonLat>,
    pub speed_kmh: f64,
}

impl Route {
    /// Where a unit that started at the first point is `t_s` seconds later.
    pub fn fix_at(&self, frame: &Frame, t_s: f64) -> Fix {
        let n = self.points.len();
        let Some(&first) = self.points.first() else {
            return Fix {
                lon: 0.0,
                lat: 0.0,
                speed_kmh: 0.0,
                course_deg: 0.0,
            };
        };
        let legs: Vec<(LonLat, LonLat, f64)> = (0..n)
            .map(|i| {
                let a = self.points[i];
                let b = self.points[(i + 1) % n];
                (a, b, frame.distance_m(a, b))
            })
            .collect();
        let total: f64 = legs.iter().map(|l| l.2).sum();
        if total <= 0.0 || self.speed_kmh <= 0.0 {
            return Fix {
                lon: first.0,
                lat: first.1,
                speed_kmh: 0.0,
                course_deg: 0.0,
            };
        }
        let mut d = (t_s.max(0.0) * self.speed_kmh / 3.6).rem_euclid(total);
        for (a, b, len) in &legs {
            if d <= *len && *len > 0.0 {
                let p = toward(frame, *a, *b, d);
                return Fix {
                    lon: p.0,
                    lat: p.1,
                    speed_kmh: self.speed_kmh,
                    course_deg: frame.course_deg(*a, *b),
                };
            }
            d -= len;
        }
        Fix {
            lon: first.0,
            lat: first.1,
            speed_kmh: self.speed_kmh,
            course_deg: 0.0,
        }
    }
}

/// The point `d_m` metres from `a` toward `b` (at most `b`).
pub fn toward(frame: &Frame, a: LonLat, b: LonLat, d_m: f64) -> LonLat {
    let len = frame.distance_m(a, b);
    if len <= 0.0 || d_m >= len {
        return b;
    }
    let (ax, ay) = frame.xy(a);
    let (bx, by) = frame.xy(b);
    let f = d_m / len;
    frame.lonlat((ax + f * (bx - ax), ay + f * (by - ay)))
}

/// A unit going straight from `from` to `to` at `speed_kmh`, `t_s` seconds after leaving;
/// the fix and whether it has arrived.
pub fn transit(frame: &Frame, from: LonLat, to: LonLat, speed_kmh: f64, t_s: f64) -> (Fix, bool) {
    let d = t_s.max(0.0) * speed_kmh / 3.6;
    let len = frame.distance_m(from, to);
    let p = toward(frame, from, to, d);
    let arrived = d >= len;
    (
        Fix {
            lon: p.0,
            lat: p.1,
            speed_kmh: if arrived { 0.0 } else { speed_kmh },
            course_deg: frame.course_deg(from, to),
        },
        arrived,
    )
}
