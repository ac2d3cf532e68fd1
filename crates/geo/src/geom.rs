//! Planar geometry on projected metres. Small and allocation-free so the hot path stays fast.

pub(crate) type P2 = [f64; 2];

/// Squared distance from `p` to segment `a`–`b`, and the clamped parameter of the closest point.
pub(crate) fn seg_dist2(p: P2, a: P2, b: P2) -> (f64, f64) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
    (cx * cx + cy * cy, t)
}

/// Crossing-number test of `p` against a closed ring (first point repeated last).
pub(crate) fn in_ring(p: P2, ring: &[P2]) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            if p[0] < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// Minimum squared distance from `p` to the edges of a closed ring.
pub(crate) fn ring_dist2(p: P2, ring: &[P2]) -> f64 {
    ring.windows(2)
        .map(|w| seg_dist2(p, w[0], w[1]).0)
        .fold(f64::INFINITY, f64::min)
}

/// 2-D cross product of `b - a` and `c - a`.
pub(crate) fn orient(a: P2, b: P2, c: P2) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Where segment `p`–`q` meets segment `a`–`b`, as the parameter along `p`–`q`; touching counts.
/// Collinear overlaps report the first overlapping parameter.
pub(crate) fn seg_intersection_t(p: P2, q: P2, a: P2, b: P2) -> Option<f64> {
    let r = [q[0] - p[0], q[1] - p[1]];
    let s = [b[0] - a[0], b[1] - a[1]];
    let denom = r[0] * s[1] - r[1] * s[0];
    let ap = [a[0] - p[0], a[1] - p[1]];
    if denom.abs() < 1e-12 {
        // Parallel: only collinear overlaps meet.
        if orient(p, q, a).abs() > 1e-9 {
            return None;
        }
        let rr = r[0] * r[0] + r[1] * r[1];
        if rr == 0.0 {
            return (seg_dist2(p, a, b).0 < 1e-18).then_some(0.0);
        }
        let t0 = (ap[0] * r[0] + ap[1] * r[1]) / rr;
        let t1 = ((b[0] - p[0]) * r[0] + (b[1] - p[1]) * r[1]) / rr;
        let (lo, hi) = if t0 <= t1 { (t0, t1) } else { (t1, t0) };
        if hi < 0.0 || lo > 1.0 {
            return None;
        }
        return Some(lo.max(0.0));
    }
    let t = (ap[0] * s[1] - ap[1] * s[0]) / denom;
    let u = (ap[0] * r[1] - ap[1] * r[0]) / denom;
    const EPS: f64 = 1e-12;
    ((-EPS..=1.0 + EPS).contains(&t) && (-EPS..=1.0 + EPS).contains(&u))
        .then_some(t.clamp(0.0, 1.0))
}

/// Whether `p`–`q` properly crosses `a`–`b` (endpoints strictly on opposite sides both ways).
pub(crate) fn proper_cross(p: P2, q: P2, a: P2, b: P2) -> bool {
    let d1 = orient(a, b, p);
    let d2 = orient(a, b, q);
    let d3 = orient(p, q, a);
    let d4 = orient(p, q, b);
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQ: [P2; 5] = [
        [0.0, 0.0],
        [10.0, 0.0],
        [10.0, 10.0],
        [0.0, 10.0],
        [0.0, 0.0],
    ];

    #[test]
    fn ring_membership() {
        for (p, want) in [
            ([5.0, 5.0], true),
            ([0.1, 9.9], true),
            ([-0.1, 5.0], false),
            ([10.1, 5.0], false),
            ([5.0, 10.1], false),
            ([20.0, 20.0], false),
        ] {
            assert_eq!(in_ring(p, &SQ), want, "{p:?}");
        }
    }

    #[test]
    fn distances() {
        assert!((ring_dist2([5.0, 5.0], &SQ) - 25.0).abs() < 1e-12);
        assert!((ring_dist2([13.0, 14.0], &SQ) - 25.0).abs() < 1e-12);
        let (d2, t) = seg_dist2([5.0, 3.0], [0.0, 0.0], [10.0, 0.0]);
        assert!((d2 - 9.0).abs() < 1e-12 && (t - 0.5).abs() < 1e-12);
        let (d2, t) = seg_dist2([1.0, 1.0], [0.0, 0.0], [0.0, 0.0]);
        assert!((d2 - 2.0).abs() < 1e-12 && t == 0.0);
    }

    #[test]
    fn intersections() {
        let t = seg_intersection_t([-5.0, 5.0], [5.0, 5.0], [0.0, 0.0], [0.0, 10.0]).unwrap();
        assert!((t - 0.5).abs() < 1e-12);
        assert!(seg_intersection_t([-5.0, 5.0], [-1.0, 5.0], [0.0, 0.0], [0.0, 10.0]).is_none());
        assert!(seg_intersection_t([0.0, 1.0], [10.0, 1.0], [0.0, 0.0], [10.0, 0.0]).is_none());
        let t = seg_intersection_t([-2.0, 0.0], [8.0, 0.0], [3.0, 0.0], [20.0, 0.0]).unwrap();
        assert!((t - 0.5).abs() < 1e-12);
        assert!(proper_cross(
            [-1.0, 1.0],
            [1.0, 1.0],
            [0.0, 0.0],
            [0.0, 2.0]
        ));
        assert!(!proper_cross(
            [0.0, 1.0],
            [1.0, 1.0],
            [0.0, 0.0],
            [0.0, 2.0]
        ));
    }
}
