//! String similarity on name-part keys: Jaro-Winkler and Levenshtein, both in 0..1.

/// Jaro-Winkler similarity (prefix scale 0.1, up to 4 characters).
pub fn jaro_winkler<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    winkler(jaro(a, b), a, b)
}

/// Winkler's boost of a Jaro similarity for the common prefix (up to 4 items, scale 0.1).
fn winkler<T: PartialEq>(
    jaro: f64,
    a: impl IntoIterator<Item = T>,
    b: impl IntoIterator<Item = T>,
) -> f64 {
    let prefix = a
        .into_iter()
        .zip(b)
        .take(4)
        .take_while(|(x, y)| x == y)
        .count();
    jaro + (prefix as f64) * 0.1 * (1.0 - jaro)
}

fn jaro<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    // Names are short (keys are capped), so fixed-size flag arrays avoid allocation.
    let mut a_used = [false; 64];
    let mut b_used = [false; 64];
    let (a, b) = (&a[..a.len().min(64)], &b[..b.len().min(64)]);
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            let used = b_used.get(j).copied().unwrap_or(true);
            if !used && b.get(j) == Some(ca) {
                if let Some(f) = b_used.get_mut(j) {
                    *f = true;
                }
                if let Some(f) = a_used.get_mut(i) {
                    *f = true;
                }
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for (i, ca) in a.iter().enumerate() {
        if !a_used.get(i).copied().unwrap_or(false) {
            continue;
        }
        while k < b.len() && !b_used.get(k).copied().unwrap_or(true) {
            k += 1;
        }
        if b.get(k) != Some(ca) {
            transpositions += 1;
        }
        k += 1;
    }
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0
}

/// Levenshtein edit distance.
pub fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    // Name parts are short: one row on the stack keeps the hot path free of allocation.
    let mut stack = [0usize; 65];
    let mut heap = Vec::new();
    let row: &mut [usize] = if b.len() < stack.len() {
        stack.get_mut(..=b.len()).unwrap_or_default()
    } else {
        heap.resize(b.len() + 1, 0);
        &mut heap
    };
    for (j, cell) in row.iter_mut().enumerate() {
        *cell = j;
    }
    for (i, ca) in a.iter().enumerate() {
        let mut diag = i;
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let up = row.get(j + 1).copied().unwrap_or(usize::MAX - 1);
            let left = row.get(j).copied().unwrap_or(usize::MAX - 1);
            let cost = usize::from(ca != cb);
            let v = (diag + cost).min(up + 1).min(left + 1);
            diag = up;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = v;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// 1 - distance / longer length.
pub fn levenshtein_ratio<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    let n = a.len().max(b.len());
    if n == 0 {
        return 1.0;
    }
    1.0 - levenshtein(a, b) as f64 / n as f64
}

/// Levenshtein distance of two ASCII strings by Myers' bit-parallel algorithm (Hyyrö's
/// formulation): one pass over `b` with 64-bit column vectors, for `a` up to 64 bytes; longer
/// or non-ASCII input falls back to the row algorithm.
pub fn levenshtein_ascii(a: &[u8], b: &[u8]) -> usize {
    let m = a.len();
    if m == 0 {
        return b.len();
    }
    if m > 64 || !a.is_ascii() || !b.is_ascii() {
        return levenshtein(a, b);
    }
    let mut peq = [0u64; 128];
    for (i, &c) in a.iter().enumerate() {
        if let Some(p) = peq.get_mut(usize::from(c)) {
            *p |= 1u64 << i;
        }
    }
    let last = 1u64 << (m - 1);
    let (mut pv, mut mv, mut score) = (u64::MAX, 0u64, m);
    for &c in b {
        let eq = peq.get(usize::from(c)).copied().unwrap_or(0);
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let mut ph = mv | !(xh | pv);
        let mut mh = pv & xh;
        if ph & last != 0 {
            score += 1;
        } else if mh & last != 0 {
            score -= 1;
        }
        ph = (ph << 1) | 1;
        mh <<= 1;
        pv = mh | !(xv | ph);
        mv = ph & xv;
    }
    score
}

/// The blend used for name parts: Jaro-Winkler forgives typos well but over-rewards short
/// strings sharing a prefix; Levenshtein keeps that in check.
pub fn blend(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        let (x, y) = (a.as_bytes(), b.as_bytes());
        let n = x.len().max(y.len());
        let lev = if n == 0 {
            1.0
        } else {
            1.0 - levenshtein_ascii(x, y) as f64 / n as f64
        };
        0.5 * jaro_winkler(x, y) + 0.5 * lev
    } else {
        let x: Vec<char> = a.chars().collect();
        let y: Vec<char> = b.chars().collect();
        0.5 * jaro_winkler(&x, &y) + 0.5 * levenshtein_ratio(&x, &y)
    }
}

/// An upper bound of [`blend`], in one pass over each string: Jaro's matching letters and the
/// letters an edit script keeps are both at most the letters the two share, and those are
/// counted here in 32 classes (letters that share a class only make the bound looser, never
/// wrong). Most pairs of parts of two different names are far below any use, and this tells
/// so without the two quadratic measures.
pub fn blend_bound(a: &str, b: &str) -> f64 {
    let (mut ha, mut hb) = ([0u8; 32], [0u8; 32]);
    let (mut la, mut lb) = (0usize, 0usize);
    for c in a.chars() {
        if let Some(h) = ha.get_mut((c as usize) & 31) {
            *h = h.saturating_add(1);
        }
        la += 1;
    }
    for c in b.chars() {
        if let Some(h) = hb.get_mut((c as usize) & 31) {
            *h = h.saturating_add(1);
        }
        lb += 1;
    }
    if la == 0 || lb == 0 || la > 64 || lb > 64 {
        // Empty strings and long ones (which `jaro` cuts) are left to the exact measure.
        return 1.0;
    }
    let shared: usize = ha
        .iter()
        .zip(&hb)
        .map(|(x, y)| usize::from(*x.min(y)))
        .sum();
    if shared == 0 {
        return 0.0;
    }
    let c = shared as f64;
    let jaro = ((c / la as f64 + c / lb as f64 + 1.0) / 3.0).min(1.0);
    let jw = winkler(jaro, a.chars(), b.chars());
    let lev = (c / la.max(lb) as f64).min(1.0);
    0.5 * jw + 0.5 * lev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let jw = |a: &str, b: &str| jaro_winkler(a.as_bytes(), b.as_bytes());
        assert!((jw("martha", "marhta") - 0.961).abs() < 0.001);
        assert!((jw("dixon", "dicksonx") - 0.813).abs() < 0.001);
        assert_eq!(jw("", ""), 1.0);
        assert_eq!(jw("abc", ""), 0.0);
        assert_eq!(jw("abc", "xyz"), 0.0);
        let lev = |a: &str, b: &str| levenshtein(a.as_bytes(), b.as_bytes());
        assert_eq!(lev("kitten", "sitting"), 3);
        assert_eq!(lev("", "abc"), 3);
        assert_eq!(lev("abc", "abc"), 0);
        assert!((blend("ivan", "ivan") - 1.0).abs() < 1e-9);
        for (a, b) in [
            ("kitten", "sitting"),
            ("", "abc"),
            ("abc", ""),
            ("ivanov", "ivanof"),
            ("shcheglova", "sheglova"),
            ("a", "b"),
            (
                "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl",
                "abc",
            ),
        ] {
            assert_eq!(
                levenshtein_ascii(a.as_bytes(), b.as_bytes()),
                levenshtein(a.as_bytes(), b.as_bytes()),
                "{a} {b}"
            );
        }
        assert!(blend("иван", "иван") > 0.999);
    }

    #[test]
    fn the_bound_is_never_below_the_blend() {
        let words = [
            "",
            "a",
            "ab",
            "ivan",
            "ivanov",
            "ivanof",
            "yvanov",
            "mohammed",
            "muhammad",
            "ali",
            "ail",
            "choen",
            "cohen",
            "wolfgang",
            "erdenebat",
            "eldenbat",
            "иван",
            "иванов",
            "ивонов",
            "алексейович",
            "евгений",
            "семёнов",
            "額爾登巴特",
            "额尔登巴特",
            "shcheglova",
            "sheglova",
            "abcdefghijklmnopqrstuvwxyz",
        ];
        for a in words {
            for b in words {
                let (x, ub) = (blend(a, b), blend_bound(a, b));
                assert!(ub + 1e-12 >= x, "{a} {b}: blend {x} > bound {ub}");
            }
        }
    }
}
