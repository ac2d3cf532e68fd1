//! Deterministic synthetic watchlists and queries (Latin, Cyrillic, Mongolian, Han names) for
//! benchmarks. No randomness source: a fixed linear congruential generator.

use guomen_domain::watchlist::{DocumentRef, ListKind, PartialDate, Sex, WatchlistEntry};

use crate::Query;

const LATIN_GIVEN: &[&str] = &[
    "john", "maria", "ahmed", "fatima", "carlos", "anna", "mohammed", "li", "peter", "sofia",
    "omar", "elena", "david", "aisha", "juan", "olga", "michael", "yusuf", "laura", "hassan",
];
const LATIN_FAMILY: &[&str] = &[
    "smith", "garcia", "khan", "muller", "rossi", "nguyen", "kim", "hussein", "silva", "novak",
    "kowalski", "haddad", "jensen", "dubois", "ibrahim", "lopez", "schmidt", "ali", "martin",
    "popescu",
];
const CYR_GIVEN: &[&str] = &[
    "иван",
    "сергей",
    "юлия",
    "андрей",
    "елена",
    "дмитрий",
    "ольга",
    "артём",
    "наталья",
    "алексей",
    "батбаяр",
    "өлзий",
    "түмэн",
    "сарангэрэл",
];
const CYR_FAMILY: &[&str] = &[
    "петров",
    "щеглова",
    "цветков",
    "васильев",
    "кузнецов",
    "смирнова",
    "попов",
    "соколов",
    "лебедев",
    "козлов",
    "дорж",
    "болд",
    "ганбаатар",
    "эрдэнэ",
];
const HAN_FAMILY: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "欧阳", "司马",
];
const HAN_GIVEN: &[char] = &[
    '小', '明', '建', '国', '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳',
    '杰', '涛', '超', '霞',
];

/// A fixed-seed pseudo-random generator.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % (n.max(1) as u64)) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        v.get(self.below(v.len()))
    }
}

/// Variation so that names are not all alike: a syllable suffix drawn from a larger space.
fn suffix(r: &mut Lcg, cyr: bool) -> String {
    const L: &[&str] = &[
        "", "a", "o", "an", "er", "ov", "in", "el", "is", "ur", "ek", "am",
    ];
    const C: &[&str] = &[
        "", "а", "о", "ан", "ер", "ов", "ин", "ель", "ис", "ур", "ек", "ам",
    ];
    let i = r.below(L.len());
    let s = if cyr { C.get(i) } else { L.get(i) };
    let mut out = s.copied().unwrap_or("").to_owned();
    if r.below(3) == 0 {
        out.push_str(if cyr { "ский" } else { "ski" });
    }
    out
}

/// One synthetic name in a script chosen by `r`.
pub fn name(r: &mut Lcg) -> String {
    match r.below(3) {
        0 => format!(
            "{}{} {}{}",
            r.pick(LATIN_GIVEN).unwrap_or(&"x"),
            suffix(r, false),
            r.pick(LATIN_FAMILY).unwrap_or(&"y"),
            suffix(r, false)
        ),
        1 => format!(
            "{}{} {}{}",
            r.pick(CYR_GIVEN).unwrap_or(&"и"),
            suffix(r, true),
            r.pick(CYR_FAMILY).unwrap_or(&"п"),
            suffix(r, true)
        ),
        _ => {
            let mut s = (*r.pick(HAN_FAMILY).unwrap_or(&"王")).to_owned();
            for _ in 0..(1 + r.below(2)) {
                s.push(*r.pick(HAN_GIVEN).unwrap_or(&'明'));
            }
            s
        }
    }
}

/// `n` synthetic entries over the four lists; about one in ten with a face template.
pub fn entries(n: usize, seed: u64) -> Vec<WatchlistEntry> {
    let mut r = Lcg::new(seed);
    (0..n)
        .map(|i| {
            let list = ListKind::ALL
                .get(r.below(4))
                .copied()
                .unwrap_or(ListKind::Alert);
            let mut names = vec![name(&mut r)];
            if r.below(4) == 0 {
                names.push(name(&mut r));
            }
            let year = u16::try_from(1940 + r.below(65)).unwrap_or(1980);
            let month = u8::try_from(1 + r.below(12)).unwrap_or(1);
            let day = u8::try_from(1 + r.below(28)).unwrap_or(1);
            let nat = ["RUS", "MNG", "CHN", "KAZ", "DEU", "USA"]
                .get(r.below(6))
                .copied()
                .unwrap_or("RUS");
            let face = (r.below(10) == 0).then(|| {
                (0..128)
                    .map(|_| r.below(1000) as f32 / 1000.0 - 0.5)
                    .collect()
            });
            WatchlistEntry {
                id: format!("S{i}"),
                list,
                names,
                birth_dates: vec![PartialDate::full(year, month, day)],
                sex: Some(if r.below(2) == 0 {
                    Sex::Male
                } else {
                    Sex::Female
                }),
                nationalities: vec![nat.to_owned()],
                documents: vec![DocumentRef {
                    number: format!("{:09}", r.next_u64() % 1_000_000_000),
                    country: Some(nat.to_owned()),
                }],
                reason: "synthetic".into(),
                action: "check".into(),
                face_template: face,
            }
        })
        .collect()
}

/// `n` synthetic travellers: half are list names (sometimes in another order), half new names.
pub fn queries(n: usize, seed: u64) -> Vec<Query> {
    let mut r = Lcg::new(seed.wrapping_add(7));
    (0..n)
        .map(|_| {
            let nm = name(&mut r);
            let nm = if r.below(2) == 0 {
                nm.split(' ').rev().collect::<Vec<_>>().join(" ")
            } else {
                nm
            };
            Query {
                name: nm,
                birth_date: Some(PartialDate::full(
                    u16::try_from(1940 + r.below(65)).unwrap_or(1980),
                    1 + u8::try_from(r.below(12)).unwrap_or(0),
                    1 + u8::try_from(r.below(28)).unwrap_or(0),
                )),
                nationality: Some("RUS".into()),
                document_number: Some(format!("{:09}", r.next_u64() % 1_000_000_000)),
                document_country: Some("RUS".into()),
                face_template: (r.below(10) == 0).then(|| {
                    (0..128)
                        .map(|_| r.below(1000) as f32 / 1000.0 - 0.5)
                        .collect()
                }),
                ..Query::default()
            }
        })
        .collect()
}
