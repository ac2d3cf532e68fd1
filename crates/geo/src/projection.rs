//! A local metric projection: east/north metres around an origin.
//!
//! The projection is equirectangular on the WGS 84 ellipsoid, scaled by the meridional (M) and
//! prime-vertical (N) radii of curvature at the origin's latitude:
//! `x = Δλ · N · cos φ0`, `y = Δφ · M`. A port is a few kilometres across, so this plane is
//! what every distance, containment and heading computation works in.
//!
//! Accuracy: the east scale is exact only on the origin's parallel; it drifts by
//! `tan φ0 · Δφ` with latitude. At the Erenhot port (φ0 ≈ 43.65°), between any two points
//! within 5 km of the origin, the planar distance differs from the WGS 84 geodesic by at most
//! 3.3 m (lines up to 10 km, i.e. ≤ ~0.05 %), and by well under 1 m for points within 1 km;
//! the test `error_within_5_km_is_small` measures it on a grid. Beyond ~20 km use a new
//! origin.

use crate::error::{GeoError, check_lonlat};

/// WGS 84 semi-major axis, metres.
const A: f64 = 6_378_137.0;
/// WGS 84 first eccentricity squared.
const E2: f64 = 6.694_379_990_141_316e-3;

/// A longitude/latitude origin and the metres-per-radian scales at it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    lon0: f64,
    lat0: f64,
    /// Metres per radian of longitude at the origin.
    kx: f64,
    /// Metres per radian of latitude at the origin.
    ky: f64,
}

impl Projection {
    /// Anchors the plane at `origin = (lon, lat)` in degrees.
    ///
    /// Origins closer than 1° to a pole are refused: the east scale collapses there.
    pub fn new(origin: (f64, f64)) -> Result<Self, GeoError> {
        let (lon, lat) = origin;
        if check_lonlat(lon, lat).is_err() {
            return Err(GeoError::InvalidOrigin {
                lon,
                lat,
                reason: "origin must be finite with lon in [-180, 180] and lat in [-90, 90]",
            });
        }
        if lat.abs() > 89.0 {
            return Err(GeoError::InvalidOrigin {
                lon,
                lat,
                reason: "origin latitude must be within 89° of the equator",
            });
        }
        let phi = lat.to_radians();
        let s = phi.sin();
        let w = (1.0 - E2 * s * s).sqrt();
        let n = A / w;
        let m = A * (1.0 - E2) / (w * w * w);
        Ok(Self {
            lon0: lon,
            lat0: lat,
            kx: n * phi.cos(),
            ky: m,
        })
    }

    /// The origin as `(lon, lat)` degrees.
    pub fn origin(&self) -> (f64, f64) {
        (self.lon0, self.lat0)
    }

    /// Projects `(lon, lat)` degrees to `(east, north)` metres from the origin.
    pub fn to_local(&self, lon: f64, lat: f64) -> Result<(f64, f64), GeoError> {
        check_lonlat(lon, lat)?;
        Ok(self.project_unchecked(lon, lat))
    }

    /// Projection for coordinates already validated by [`check_lonlat`].
    pub(crate) fn project_unchecked(&self, lon: f64, lat: f64) -> (f64, f64) {
        // Wrap the longitude difference so a port on the antimeridian stays one plane.
        let mut dlon = lon - self.lon0;
        if dlon > 180.0 {
            dlon -= 360.0;
        } else if dlon < -180.0 {
            dlon += 360.0;
        }
        (
            dlon.to_radians() * self.kx,
            (lat - self.lat0).to_radians() * self.ky,
        )
    }

    /// Inverse of [`Projection::to_local`]: `(east, north)` metres to `(lon, lat)` degrees.
    ///
    /// Fails when the metres are not finite or land outside the valid lon/lat range.
    pub fn to_lonlat(&self, x: f64, y: f64) -> Result<(f64, f64), GeoError> {
        let lat = self.lat0 + (y / self.ky).to_degrees();
        let mut lon = self.lon0 + (x / self.kx).to_degrees();
        if (180.0..=540.0).contains(&lon) && lon > 180.0 {
            lon -= 360.0;
        } else if (-540.0..-180.0).contains(&lon) {
            lon += 360.0;
        }
        check_lonlat(lon, lat)?;
        Ok((lon, lat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Geodesic, Point};

    const ERENHOT: (f64, f64) = (111.9785, 43.6532);

    #[test]
    fn origin_maps_to_zero_and_round_trips() {
        let p = Projection::new(ERENHOT).unwrap();
        let (x, y) = p.to_local(ERENHOT.0, ERENHOT.1).unwrap();
        assert!(x.abs() < 1e-9 && y.abs() < 1e-9);
        for (lon, lat) in [(111.99, 43.66), (111.95, 43.62), (112.01, 43.7)] {
            let (x, y) = p.to_local(lon, lat).unwrap();
            let (lon2, lat2) = p.to_lonlat(x, y).unwrap();
            assert!((lon - lon2).abs() < 1e-12 && (lat - lat2).abs() < 1e-12);
        }
    }

    #[test]
    fn axes_point_east_and_north() {
        let p = Projection::new(ERENHOT).unwrap();
        let (x, y) = p.to_local(ERENHOT.0 + 0.01, ERENHOT.1).unwrap();
        assert!(x > 800.0 && x < 810.0 && y.abs() < 1e-9, "{x} {y}");
        let (x, y) = p.to_local(ERENHOT.0, ERENHOT.1 + 0.01).unwrap();
        assert!(y > 1110.0 && y < 1112.0 && x.abs() < 1e-9, "{x} {y}");
    }

    #[test]
    fn error_within_5_km_is_small() {
        let p = Projection::new(ERENHOT).unwrap();
        let mut worst: f64 = 0.0;
        let step = 0.015;
        let mut pts = Vec::new();
        for i in -3..=3 {
            for j in -3..=3 {
                let lon = ERENHOT.0 + f64::from(i) * step * 1.38;
                let lat = ERENHOT.1 + f64::from(j) * step;
                let (x, y) = p.to_local(lon, lat).unwrap();
                if x.hypot(y) <= 5_000.0 {
                    pts.push((lon, lat, x, y));
                }
            }
        }
        assert!(pts.len() > 20);
        for a in &pts {
            for b in &pts {
                let g = Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1));
                let l = (a.2 - b.2).hypot(a.3 - b.3);
                worst = worst.max((g - l).abs());
            }
        }
        // Lines up to 10 km long between points within 5 km of the origin.
        assert!(worst < 5.0, "worst error {worst} m");
    }

    #[test]
    fn antimeridian_wraps() {
        let p = Projection::new((179.999, 0.0)).unwrap();
        let (x, _) = p.to_local(-179.999, 0.0).unwrap();
        assert!(x > 200.0 && x < 250.0, "{x}");
        let (lon, _) = p.to_lonlat(x, 0.0).unwrap();
        assert!((lon + 179.999).abs() < 1e-9);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(Projection::new((f64::NAN, 0.0)).is_err());
        assert!(Projection::new((0.0, 89.5)).is_err());
        let p = Projection::new(ERENHOT).unwrap();
        for (lon, lat) in [
            (f64::NAN, 1.0),
            (f64::INFINITY, 1.0),
            (1.0, f64::NEG_INFINITY),
            (1e300, 1.0),
            (181.0, 0.0),
            (0.0, -90.5),
        ] {
            let e = p.to_local(lon, lat).unwrap_err();
            assert!(matches!(e, GeoError::InvalidCoordinate { .. }), "{e}");
        }
        assert!(p.to_lonlat(f64::NAN, 0.0).is_err());
        assert!(p.to_lonlat(0.0, 1e12).is_err());
    }
}
