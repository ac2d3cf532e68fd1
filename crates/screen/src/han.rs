//! Chinese names: Hanzi to pinyin (the `pinyin` crate's table), family name first.

use pinyin::ToPinyin;

/// Two-character family names: a Han name starting with one of these has a two-syllable
/// family name.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "东方", "東方", "皇甫", "令狐", "慕容",
    "尉迟", "尉遲", "长孙", "長孫", "宇文", "司徒", "夏侯", "轩辕", "軒轅", "公孙", "公孫", "端木",
    "独孤", "獨孤", "南宫", "南宮", "西门", "西門", "闻人", "聞人", "澹台", "百里", "呼延", "万俟",
    "申屠", "太史", "赫连", "赫連", "钟离", "鍾離", "宗政", "濮阳", "濮陽", "公冶", "仲孙", "仲孫",
];

/// Family names whose reading differs from the character's most common reading.
fn surname_reading(c: char) -> Option<&'static str> {
    Some(match c {
        '单' | '單' => "shan",
        '曾' => "zeng",
        '解' => "xie",
        '仇' => "qiu",
        '朴' => "piao",
        '区' | '區' => "ou",
        '查' => "zha",
        '盖' | '蓋' => "ge",
        '乐' | '樂' => "yue",
        '尉' => "yu",
        '重' => "chong",
        '秘' => "bi",
        '缪' | '繆' => "miao",
        '翟' => "zhai",
        '覃' => "qin",
        '长' | '長' => "chang",
        '种' | '種' => "chong",
        '华' | '華' => "hua",
        '柏' => "bai",
        '沈' => "shen",
        '任' => "ren",
        '葛' => "ge",
        '薄' => "bo",
        _ => return None,
    })
}

/// Toneless pinyin syllables of a Han word, one per character; characters without a reading
/// are skipped. `surname_first` applies family-name readings to the first character.
pub fn syllables(word: &str, surname_first: bool) -> Vec<&'static str> {
    let mut out = Vec::with_capacity(word.chars().count());
    for (i, c) in word.chars().enumerate() {
        if i == 0
            && surname_first
            && let Some(r) = surname_reading(c)
        {
            out.push(r);
            continue;
        }
        if let Some(p) = c.to_pinyin() {
            out.push(p.plain());
        }
    }
    out
}

/// Number of leading characters of a Han name that form the family name (1 or 2).
pub fn surname_len(word: &str) -> usize {
    if COMPOUND_SURNAMES.iter().any(|s| word.starts_with(s)) {
        2
    } else {
        1
    }
}

/// Name parts of a Han name as Latin keys. A single word of 2-4 characters is split into family
/// name and given name ("王小明" → "wang", "xiaoming"); longer words (foreign names written in
/// Han characters) become one joined part. Already separated words stay separate.
pub fn han_name_parts(words: &[&str]) -> Vec<String> {
    let mut parts = Vec::new();
    if let [word] = words {
        let n = word.chars().count();
        let sl = surname_len(word);
        if (2..=4).contains(&n) && n > sl {
            let syl = syllables(word, true);
            if syl.len() == n {
                let (fam, given) = syl.split_at(sl.min(syl.len()));
                parts.push(fam.concat());
                parts.push(given.concat());
                return parts;
            }
        }
    }
    for (i, w) in words.iter().enumerate() {
        let syl = syllables(w, i == 0);
        let joined = syl.concat();
        if !joined.is_empty() {
            parts.push(joined);
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_names_become_family_and_given_parts() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["王小明"], &["wang", "xiaoming"]),
            (&["欧阳修"], &["ouyang", "xiu"]),
            (&["曾国藩"], &["zeng", "guofan"]),
            (&["单田芳"], &["shan", "tianfang"]),
            (&["王", "小明"], &["wang", "xiaoming"]),
            (&["迈克尔", "杰克逊"], &["maikeer", "jiekexun"]),
            (&["李"], &["li"]),
        ];
        for (w, want) in cases {
            assert_eq!(&han_name_parts(w), want, "{w:?}");
        }
    }
}
