//! Deterministic synthetic watchlists and queries (Latin, Cyrillic, Mongolian, Han names) for
//! benchmarks. No randomness source: a fixed linear congruential generator.

use guomen_domain::watchlist::{DocumentRef, ListKind, PartialDate, Sex, WatchlistEntry};

use crate::Query;

// Name pools per culture, most frequent first: names are drawn with a Zipf-like skew, so that
// the head ("Mohammed", "Ivanov", "Wang", "Batbayar") is as common as in real lists, and family
// names also come from a large syllable-composed tail, so that not all names are alike.
const ARABIC_GIVEN: &[&str] = &[
    "mohammed",
    "ahmed",
    "ali",
    "omar",
    "abdullah",
    "hassan",
    "hussein",
    "mahmoud",
    "khaled",
    "youssef",
    "ibrahim",
    "mustafa",
    "abdul rahman",
    "saeed",
    "hamza",
    "tariq",
    "yasin",
    "nasser",
    "karim",
    "walid",
    "fatima",
    "aisha",
    "mariam",
    "zainab",
    "noor",
    "layla",
    "amina",
    "huda",
    "salma",
    "rania",
];
const ARABIC_FAMILY: &[&str] = &[
    "ali",
    "hussein",
    "hassan",
    "khan",
    "ahmed",
    "abdullah",
    "al-masri",
    "al-tamimi",
    "haddad",
    "khalil",
    "nasser",
    "saleh",
    "rahman",
    "qureshi",
    "siddiqui",
    "al-shami",
    "mansour",
    "yousef",
    "barakat",
    "darwish",
];
const WEST_GIVEN: &[&str] = &[
    "john", "michael", "david", "james", "robert", "maria", "anna", "peter", "thomas", "daniel",
    "laura", "sarah", "carlos", "juan", "jose", "luis", "pierre", "jean", "hans", "klaus",
    "heather", "jennifer", "patrick", "george", "sofia", "elena", "marco", "giovanni", "stefan",
    "andrzej",
];
const WEST_FAMILY: &[&str] = &[
    "smith",
    "garcia",
    "muller",
    "johnson",
    "rodriguez",
    "martin",
    "schmidt",
    "rossi",
    "lopez",
    "brown",
    "kowalski",
    "dubois",
    "jensen",
    "silva",
    "novak",
    "schneider",
    "williams",
    "fischer",
    "bernard",
    "popescu",
];
const WEST_SYL: &[&str] = &[
    "ber", "ton", "man", "son", "ley", "ard", "wick", "field", "ham", "ster", "mar", "gal", "ven",
    "dor", "kins", "lund", "berg", "stein", "ric", "tel", "vas", "quez", "ell", "ford", "ing",
    "ack", "ros", "lan", "mont", "val",
];
const RU_GIVEN: &[&str] = &[
    "александр",
    "сергей",
    "дмитрий",
    "андрей",
    "алексей",
    "иван",
    "владимир",
    "михаил",
    "евгений",
    "николай",
    "юрий",
    "артём",
    "олег",
    "игорь",
    "виктор",
    "елена",
    "ольга",
    "наталья",
    "татьяна",
    "ирина",
    "юлия",
    "анна",
    "мария",
    "светлана",
    "екатерина",
    "людмила",
    "галина",
    "ксения",
    "вячеслав",
    "фёдор",
];
const RU_FAMILY: &[&str] = &[
    "иванов",
    "смирнов",
    "кузнецов",
    "попов",
    "васильев",
    "петров",
    "соколов",
    "михайлов",
    "новиков",
    "фёдоров",
    "морозов",
    "волков",
    "алексеев",
    "лебедев",
    "семёнов",
    "егоров",
    "павлов",
    "козлов",
    "степанов",
    "николаев",
    "щеглов",
    "цветков",
    "журавлёв",
    "хабибуллин",
];
const RU_ROOT: &[&str] = &[
    "бел",
    "черн",
    "гром",
    "добр",
    "жук",
    "зайц",
    "крот",
    "лис",
    "медвед",
    "орл",
    "рыб",
    "сок",
    "тарас",
    "ушак",
    "филат",
    "хром",
    "цар",
    "чуд",
    "шмел",
    "щук",
    "юдин",
    "яков",
    "бор",
    "вер",
    "гав",
    "дьяч",
    "ерш",
    "жил",
    "злат",
    "кис",
    "лап",
    "мух",
    "нос",
    "пуг",
    "ряб",
    "сыч",
    "тюр",
    "хлеб",
    "шуст",
    "ткач",
];
const RU_SUFFIX: &[&str] = &["ов", "ев", "ин", "енко", "ский", "цкий", "ых", "ович"];
const MN_STEM: &[&str] = &[
    "бат",
    "ган",
    "эрдэнэ",
    "болд",
    "мөнх",
    "төмөр",
    "оюун",
    "сүх",
    "цэцэг",
    "нар",
    "отгон",
    "алтан",
    "өлзий",
    "энх",
    "баяр",
    "дорж",
    "пүрэв",
    "сарнай",
    "шинэ",
    "хүрэл",
    "чулуун",
    "мягмар",
    "даваа",
    "наран",
    "гэрэл",
];
const MN_END: &[&str] = &[
    "баяр",
    "эрдэнэ",
    "болд",
    "сүрэн",
    "очир",
    "жаргал",
    "цэцэг",
    "тулга",
    "хуяг",
    "зориг",
    "",
    "маа",
    "даш",
    "сайхан",
    "туяа",
];
const HAN_FAMILY: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "萧", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "欧阳", "司马", "诸葛", "上官",
];
const HAN_GIVEN: &[char] = &[
    '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '涛', '明', '超',
    '霞', '平', '刚', '桂', '英', '华', '玉', '兰', '秀', '文', '辉', '建', '国', '小', '红', '海',
    '鹏', '宇', '浩', '晨', '欣', '怡', '婷', '雪', '峰', '志', '斌', '凯', '梅', '琳', '颖', '佳',
    '俊', '鑫', '博', '轩', '雨', '思', '子', '天', '龙', '飞', '春', '东',
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

impl Lcg {
    /// An index into a pool of `n`, skewed to the head (about a quarter of draws take the
    /// first element of a 60-element pool, as "Mohammed" or "Wang" do in real lists).
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next_u64() % 1_000_000) as f64 / 1_000_000.0;
        ((u * u * u) * n as f64) as usize
    }
    fn pick_zipf<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        let i = self.zipf(v.len());
        v.get(i)
    }
}

fn syllables(r: &mut Lcg, pool: &[&str], min: usize, max: usize) -> String {
    let n = min + r.below(max - min + 1);
    (0..n)
        .filter_map(|_| r.pick(pool).copied())
        .collect::<String>()
}

fn family_west(r: &mut Lcg) -> String {
    if r.below(2) == 0 {
        (*r.pick_zipf(WEST_FAMILY).unwrap_or(&"smith")).to_owned()
    } else {
        syllables(r, WEST_SYL, 2, 3)
    }
}

fn family_arabic(r: &mut Lcg) -> String {
    if r.below(3) > 0 {
        (*r.pick_zipf(ARABIC_FAMILY).unwrap_or(&"ali")).to_owned()
    } else {
        // Patronymic chains: "mohammed ahmed ali".
        format!(
            "{} {}",
            r.pick_zipf(ARABIC_GIVEN).unwrap_or(&"ahmed"),
            r.pick_zipf(ARABIC_FAMILY).unwrap_or(&"hassan")
        )
    }
}

fn family_ru(r: &mut Lcg) -> String {
    if r.below(2) == 0 {
        (*r.pick_zipf(RU_FAMILY).unwrap_or(&"иванов")).to_owned()
    } else {
        format!(
            "{}{}",
            r.pick(RU_ROOT).unwrap_or(&"бел"),
            r.pick_zipf(RU_SUFFIX).unwrap_or(&"ов")
        )
    }
}

fn mongolian(r: &mut Lcg) -> String {
    // Batbayar is the archetypal common name: head-heavy stems and endings.
    format!(
        "{}{}",
        r.pick_zipf(MN_STEM).unwrap_or(&"бат"),
        r.pick_zipf(MN_END).unwrap_or(&"баяр")
    )
}

fn han(r: &mut Lcg) -> String {
    let mut s = (*r.pick_zipf(HAN_FAMILY).unwrap_or(&"王")).to_owned();
    for _ in 0..(1 + r.below(2)) {
        s.push(*r.pick(HAN_GIVEN).unwrap_or(&'明'));
    }
    s
}

/// One synthetic name: Russian, Mongolian (Cyrillic), Chinese (Han or pinyin), Arabic-origin
/// and Western names in Latin script, with realistic heads and long tails.
pub fn name(r: &mut Lcg) -> String {
    match r.below(10) {
        0 | 1 => {
            let mut s = format!(
                "{} {}",
                r.pick_zipf(RU_GIVEN).unwrap_or(&"иван"),
                family_ru(r)
            );
            if r.below(3) == 0 {
                s.push(' ');
                s.push_str(r.pick_zipf(RU_GIVEN).unwrap_or(&"иван"));
                s.push_str("ович");
            }
            s
        }
        2 | 3 => format!("{} {}", mongolian(r), mongolian(r)),
        4 | 5 => {
            let h = han(r);
            if r.below(4) == 0 {
                // Romanised, as on a foreign passport.
                crate::han::han_name_parts(&[h.as_str()]).join(" ")
            } else {
                h
            }
        }
        6 | 7 => format!(
            "{} {}",
            r.pick_zipf(ARABIC_GIVEN).unwrap_or(&"mohammed"),
            family_arabic(r)
        ),
        _ => format!(
            "{} {}",
            r.pick_zipf(WEST_GIVEN).unwrap_or(&"john"),
            family_west(r)
        ),
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
                    kind: None,
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

/// `n` travellers who ARE on the list: an entry's name as a border officer would see it
/// (Cyrillic transliterated by a passport scheme, parts in another order, one letter dropped),
/// with its birth date and nationality. Returns the queries with the expected entry ids.
pub fn queries_for(entries: &[WatchlistEntry], n: usize, seed: u64) -> Vec<(Query, String)> {
    use crate::translit::{Scheme, transliterate};
    let mut r = Lcg::new(seed.wrapping_add(11));
    let named: Vec<&WatchlistEntry> = entries.iter().filter(|e| !e.names.is_empty()).collect();
    (0..n)
        .filter_map(|_| {
            let e = *named.get(r.below(named.len()))?;
            let name = e.names.first()?;
            let scheme = *r.pick(Scheme::ALL.get(..5).unwrap_or(&[]))?;
            let mut parts: Vec<String> = name
                .split(' ')
                .map(|p| {
                    if p.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)) && r.below(2) == 0 {
                        transliterate(p, scheme)
                    } else {
                        p.to_owned()
                    }
                })
                .collect();
            if r.below(2) == 0 {
                parts.reverse();
            }
            if r.below(4) == 0
                && let Some(p) = parts.first_mut()
                && p.is_ascii()
                && p.len() > 5
            {
                p.remove(p.len() / 2);
            }
            let q = Query {
                name: parts.join(" "),
                birth_date: e.birth_dates.first().copied(),
                nationality: e.nationalities.first().cloned(),
                ..Query::default()
            };
            Some((q, e.id.clone()))
        })
        .collect()
}
