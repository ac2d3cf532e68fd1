//! Deterministic synthetic watchlists for benchmarks and demos (feature `synth`).
//!
//! Names are built from syllable tables, never taken from real people. The same seed always
//! yields the same entries. Nationalities favour MNG, CHN and RUS (the sample port's traffic),
//! names come in the script of the nationality (Mongolian Cyrillic, Han, Russian Cyrillic,
//! Latin), with Latin transliterated aliases, birth dates at every precision and documents.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{DocumentRef, ListKind, PartialDate, Sex, WatchlistEntry, default_action};

const MN_GIVEN: &[(&str, &str)] = &[
    ("Бат", "Bat"),
    ("Эрдэнэ", "Erdene"),
    ("Болд", "Bold"),
    ("Ганбаатар", "Ganbaatar"),
    ("Төмөр", "Tomor"),
    ("Сүх", "Sukh"),
    ("Мөнх", "Monkh"),
    ("Оюун", "Oyun"),
    ("Цэцэг", "Tsetseg"),
    ("Нара", "Nara"),
    ("Дорж", "Dorj"),
    ("Баяр", "Bayar"),
    ("Хүрэл", "Khurel"),
    ("Отгон", "Otgon"),
];
const MN_TAIL: &[(&str, &str)] = &[
    ("", ""),
    ("баатар", "baatar"),
    ("сайхан", "saikhan"),
    ("жаргал", "jargal"),
    ("эрдэнэ", "erdene"),
    ("болд", "bold"),
    ("цэцэг", "tsetseg"),
    ("дэлгэр", "delger"),
];
const ZH_FAMILY: &[(&str, &str)] = &[
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("赵", "Zhao"),
    ("黄", "Huang"),
    ("周", "Zhou"),
    ("吴", "Wu"),
    ("徐", "Xu"),
    ("孙", "Sun"),
];
const ZH_GIVEN: &[(&str, &str)] = &[
    ("伟", "Wei"),
    ("芳", "Fang"),
    ("娜", "Na"),
    ("敏", "Min"),
    ("静", "Jing"),
    ("丽", "Li"),
    ("强", "Qiang"),
    ("磊", "Lei"),
    ("军", "Jun"),
    ("洋", "Yang"),
    ("勇", "Yong"),
    ("艳", "Yan"),
    ("杰", "Jie"),
    ("涛", "Tao"),
    ("明", "Ming"),
    ("超", "Chao"),
    ("霞", "Xia"),
    ("平", "Ping"),
];
const RU_START: &[(&str, &str)] = &[
    ("Ан", "An"),
    ("Бо", "Bo"),
    ("Ва", "Va"),
    ("Ге", "Ge"),
    ("До", "Do"),
    ("Жу", "Zhu"),
    ("Ка", "Ka"),
    ("Ле", "Le"),
    ("Ми", "Mi"),
    ("Но", "No"),
    ("Пе", "Pe"),
    ("Ро", "Ro"),
    ("Се", "Se"),
    ("Ти", "Ti"),
    ("Фё", "Fyo"),
    ("Ша", "Sha"),
];
const RU_MID: &[(&str, &str)] = &[
    ("ре", "re"),
    ("ли", "li"),
    ("ма", "ma"),
    ("ви", "vi"),
    ("го", "go"),
    ("ста", "sta"),
    ("но", "no"),
    ("ри", "ri"),
    ("дми", "dmi"),
    ("лья", "lya"),
];
const RU_SURNAME_END: &[(&str, &str)] = &[
    ("ов", "ov"),
    ("ев", "ev"),
    ("ин", "in"),
    ("енко", "enko"),
    ("ский", "skiy"),
    ("ых", "ykh"),
];
const RU_GIVEN_END: &[(&str, &str)] = &[
    ("й", "y"),
    ("р", "r"),
    ("н", "n"),
    ("слав", "slav"),
    ("дий", "diy"),
    ("м", "m"),
];
const LATIN_SYL: &[&str] = &[
    "ka", "lo", "mi", "ren", "tas", "vel", "dor", "an", "be", "sil", "mar", "to", "ne", "ric",
    "ul", "fa", "gan", "ho", "ja", "wen",
];
const OTHER_NATIONS: &[&str] = &[
    "KAZ", "KGZ", "UZB", "TJK", "KOR", "PRK", "JPN", "D", "POL", "UKR", "BLR", "TUR", "IRN", "AFG",
    "PAK", "IND", "VNM", "USA", "GBR", "FRA",
];
const REASONS: &[&str] = &[
    "fraud case",
    "smuggling investigation",
    "overstay and removal",
    "document forgery",
    "court order",
    "partner-agency alert",
    "customs violation",
];

/// Generates `count` entries for `list`, ids `synth:<seed>:<n>`; the same seed, count and list
/// always give the same entries. Entries on the lost/stolen document list always carry a
/// document.
pub fn generate(count: usize, seed: u64, list: ListKind) -> Vec<WatchlistEntry> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(|i| entry(&mut rng, i, seed, list)).collect()
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        return None;
    }
    items.get(rng.gen_range(0..items.len()))
}

fn pair(rng: &mut StdRng, items: &[(&'static str, &'static str)]) -> (&'static str, &'static str) {
    pick(rng, items).copied().unwrap_or(("", ""))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// (native-script name, Latin transliteration(s)).
fn names_for(rng: &mut StdRng, nation: &str) -> (String, Vec<String>) {
    match nation {
        "MNG" => {
            let (pg, pl) = pair(rng, MN_GIVEN);
            let (gg, gl) = pair(rng, MN_GIVEN);
            let (tg, tl) = pair(rng, MN_TAIL);
            let patronymic = pg.to_owned();
            let given = format!("{gg}{tg}");
            let latin_given = capitalize(&format!("{}{tl}", gl.to_lowercase()));
            // Mongolians write the father's name first; passports show it as the surname.
            (
                format!("{patronymic} {given}"),
                vec![
                    format!("{} {latin_given}", pl.to_uppercase()),
                    format!("{latin_given} {pl}"),
                ],
            )
        }
        "CHN" | "HKG" | "TWN" => {
            let (fh, fl) = pair(rng, ZH_FAMILY);
            let (g1h, g1l) = pair(rng, ZH_GIVEN);
            let two = rng.gen_bool(0.6);
            let (g2h, g2l) = if two { pair(rng, ZH_GIVEN) } else { ("", "") };
            let given_l = capitalize(&format!("{}{}", g1l.to_lowercase(), g2l.to_lowercase()));
            (
                format!("{fh}{g1h}{g2h}"),
                vec![
                    format!("{} {given_l}", fl.to_uppercase()),
                    format!("{given_l} {fl}"),
                ],
            )
        }
        "RUS" | "UKR" | "BLR" | "KAZ" | "KGZ" => {
            let (s1, l1) = pair(rng, RU_START);
            let (s2, l2) = pair(rng, RU_MID);
            let (s3, l3) = pair(rng, RU_SURNAME_END);
            let (g1, gl1) = pair(rng, RU_START);
            let (g2, gl2) = pair(rng, RU_GIVEN_END);
            let surname = format!("{s1}{s2}{s3}");
            let surname_l = format!("{l1}{l2}{l3}");
            let given = format!("{g1}{g2}");
            let given_l = format!("{gl1}{gl2}");
            // Two legitimate spellings, as passports issued under different rules show.
            let alt_surname = surname_l
                .replace("yo", "e")
                .replace("iy", "ii")
                .replace("kh", "h");
            (
                format!("{surname} {given}"),
                vec![
                    format!("{} {given_l}", surname_l.to_uppercase()),
                    format!("{given_l} {alt_surname}"),
                ],
            )
        }
        _ => {
            let word = |n: usize, rng: &mut StdRng| {
                let s: String = (0..n)
                    .filter_map(|_| pick(rng, LATIN_SYL).copied())
                    .collect();
                capitalize(&s)
            };
            let n1 = rng.gen_range(2..4);
            let family = word(n1, rng);
            let n2 = rng.gen_range(1..3);
            let given = word(n2, rng);
            (
                format!("{given} {family}"),
                vec![format!("{}, {given}", family.to_uppercase())],
            )
        }
    }
}

fn birth_date(rng: &mut StdRng) -> PartialDate {
    let year = rng.gen_range(1940..2006);
    match rng.gen_range(0..10) {
        0..=5 => {
            let month = rng.gen_range(1..=12u8);
            let day = rng.gen_range(1..=28u8);
            PartialDate::full(year, month, day)
        }
        6 | 7 => PartialDate {
            year,
            month: Some(rng.gen_range(1..=12)),
            day: None,
        },
        _ => PartialDate {
            year,
            month: None,
            day: None,
        },
    }
}

fn document(rng: &mut StdRng, nation: &str) -> DocumentRef {
    let letters = ["E", "G", "P", "AB", "K", "N"];
    let prefix = pick(rng, &letters).copied().unwrap_or("P");
    let digits = rng.gen_range(1_000_000u32..10_000_000);
    DocumentRef {
        number: format!("{prefix}{digits}"),
        country: Some(nation.to_owned()),
        kind: None,
    }
}

fn entry(rng: &mut StdRng, i: usize, seed: u64, list: ListKind) -> WatchlistEntry {
    let nation: &str = match rng.gen_range(0..100) {
        0..=29 => "MNG",
        30..=54 => "CHN",
        55..=69 => "RUS",
        _ => pick(rng, OTHER_NATIONS).copied().unwrap_or("KAZ"),
    };
    let (native, latin) = names_for(rng, nation);
    let mut names = vec![native];
    for l in latin {
        if !names.contains(&l) {
            names.push(l);
        }
    }
    let mut birth_dates = vec![birth_date(rng)];
    if rng.gen_bool(0.1) {
        birth_dates.push(birth_date(rng));
    }
    let sex = match rng.gen_range(0..10) {
        0..=5 => Some(Sex::Male),
        6..=8 => Some(Sex::Female),
        _ => None,
    };
    let mut nationalities = vec![nation.to_owned()];
    if rng.gen_bool(0.05)
        && let Some(second) = pick(rng, OTHER_NATIONS)
        && *second != nation
    {
        nationalities.push((*second).to_owned());
    }
    let doc_count = if list == ListKind::LostStolenDocument {
        1
    } else {
        rng.gen_range(0..3)
    };
    let documents = (0..doc_count).map(|_| document(rng, nation)).collect();
    let reason = format!(
        "{} {}",
        pick(rng, REASONS).copied().unwrap_or("case"),
        rng.gen_range(1000..99999)
    );
    WatchlistEntry {
        id: format!("synth:{seed}:{i}"),
        list,
        names,
        birth_dates,
        sex,
        nationalities,
        documents,
        reason,
        action: default_action(list).to_owned(),
        face_template: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::country::is_icao_code;

    #[test]
    fn same_seed_same_entries_and_plausible_content() {
        let a = generate(2000, 7, ListKind::RefusedEntry);
        assert_eq!(a, generate(2000, 7, ListKind::RefusedEntry));
        assert_ne!(a, generate(2000, 8, ListKind::RefusedEntry));
        let mut scripts = [0usize; 3];
        for e in &a {
            assert!(e.names.len() >= 2, "{:?}", e.names);
            assert!(e.nationalities.iter().all(|n| is_icao_code(n)));
            assert!(!e.birth_dates.is_empty());
            let first = e.names[0].chars().next().unwrap();
            if ('\u{0400}'..='\u{04FF}').contains(&first) {
                scripts[0] += 1;
            } else if ('\u{4E00}'..='\u{9FFF}').contains(&first) {
                scripts[1] += 1;
            } else {
                scripts[2] += 1;
            }
        }
        assert!(scripts.iter().all(|n| *n > 200), "{scripts:?}");
        let mng = a.iter().filter(|e| e.nationalities[0] == "MNG").count();
        assert!(mng > 450 && mng < 750, "{mng}");
        assert!(
            a.iter().any(|e| e.names[0].contains('ө')
                || e.names[0].contains('ү')
                || e.names[0].contains('Ө')
                || e.names[0].contains('Ү')),
            "Mongolian letters"
        );
        let precisions: std::collections::HashSet<_> = a
            .iter()
            .flat_map(|e| {
                e.birth_dates
                    .iter()
                    .map(|d| (d.month.is_some(), d.day.is_some()))
            })
            .collect();
        assert_eq!(precisions.len(), 3);
        assert!(
            generate(50, 1, ListKind::LostStolenDocument)
                .iter()
                .all(|e| e.documents.len() == 1)
        );
    }
}
