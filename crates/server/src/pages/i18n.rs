//! The two languages of the pages. One dictionary (`assets/i18n.json`, every key with `zh`
//! and `en`) serves both the server, which renders the chosen language, and the browser,
//! which switches without a reload.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub zh: String,
    pub en: String,
}

pub const DICTIONARY_JSON: &str = include_str!("../../assets/i18n.json");

/// Every label in both languages. A malformed dictionary is a build-time mistake caught by
/// this module's test; at run time it degrades to showing keys rather than failing pages.
pub static DICTIONARY: LazyLock<BTreeMap<String, Entry>> =
    LazyLock::new(|| serde_json::from_str(DICTIONARY_JSON).unwrap_or_default());

pub fn t(lang: Lang, key: &str) -> &str {
    match DICTIONARY.get(key) {
        Some(e) => match lang {
            Lang::Zh => &e.zh,
            Lang::En => &e.en,
        },
        None => {
            tracing::warn!(key, "label missing from the dictionary");
            // The key itself, so a missing label is visible rather than blank.
            key
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::assets::ASSETS;

    #[test]
    fn the_dictionary_parses_and_every_label_is_in_both_languages() {
        let d: BTreeMap<String, Entry> = serde_json::from_str(DICTIONARY_JSON).unwrap();
        assert!(d.len() > 50);
        for (k, e) in &d {
            assert!(!e.zh.trim().is_empty(), "{k} has no Chinese label");
            assert!(!e.en.trim().is_empty(), "{k} has no English label");
        }
    }

    /// Every key a page or script names must be in the dictionary, so no label shows as a
    /// raw key in either language.
    #[test]
    fn every_key_the_pages_and_scripts_use_is_defined() {
        let mut missing = Vec::new();
        for a in ASSETS {
            let Ok(text) = std::str::from_utf8(a.bytes) else {
                continue;
            };
            for key in used_keys(text) {
                if !DICTIONARY.contains_key(&key) {
                    missing.push(format!("{}: {key}", a.name));
                }
            }
        }
        for (name, text) in crate::pages::assets::TEMPLATES {
            for key in used_keys(text) {
                if !DICTIONARY.contains_key(&key) {
                    missing.push(format!("{name}: {key}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "labels missing from i18n.json: {missing:#?}"
        );
    }

    fn used_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for marker in [
            "data-i18n=\"",
            "data-i18n-placeholder=\"",
            "data-i18n-title=\"",
            "data-i18n-aria-label=\"",
            "{{t:",
            "t('",
            "G.t(\"",
        ] {
            let mut rest = text;
            while let Some(i) = rest.find(marker) {
                rest = &rest[i + marker.len()..];
                let end = rest.find(['"', '\'', '}']).unwrap_or(rest.len());
                let key = &rest[..end];
                // Keys built at run time (`G.t("ustatus." + s)`) end with a dot or `_`; the
                // domain's enumerations are checked below. `{{...}}` is a template value.
                if !key.is_empty() && !key.ends_with(['.', '_']) && !key.starts_with("{{") {
                    keys.push(key.to_owned());
                }
            }
        }
        keys
    }

    #[test]
    fn enumerated_labels_cover_the_domain() {
        use guomen_domain::incident::{Disposition, IncidentKind, IncidentStatus};
        for k in IncidentKind::ALL {
            assert!(
                DICTIONARY.contains_key(&format!("ikind.{}", k.as_str())),
                "{k:?}"
            );
        }
        use guomen_domain::unit::UnitStatus;
        for s in IncidentStatus::ALL {
            assert!(
                DICTIONARY.contains_key(&format!("istatus.{}", s.as_str())),
                "{s}"
            );
        }
        for s in UnitStatus::ALL {
            assert!(
                DICTIONARY.contains_key(&format!("ustatus.{}", s.as_str())),
                "{s:?}"
            );
        }
        for d in Disposition::ALL {
            assert!(
                DICTIONARY.contains_key(&format!("disp.{}", d.as_str())),
                "{d:?}"
            );
        }
        for r in guomen_domain::Role::ALL {
            assert!(
                DICTIONARY.contains_key(&format!("role.{}", r.as_str())),
                "{r}"
            );
        }
        for k in guomen_domain::unit::UnitKind::ALL {
            assert!(
                DICTIONARY.contains_key(&format!("ukind.{}", k.as_str())),
                "{k:?}"
            );
        }
    }

    /// The `{name}` placeholders of a label.
    fn placeholders(s: &str) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        let mut rest = s;
        while let Some(i) = rest.find('{') {
            rest = &rest[i + 1..];
            let Some(j) = rest.find('}') else { break };
            out.insert(rest[..j].to_owned());
            rest = &rest[j + 1..];
        }
        out
    }

    /// Every code the engines write for people (titles, priority, recommendation, nuisance
    /// and downlink reasons) renders in both languages, with the same placeholders, each one
    /// a parameter the code declares.
    #[test]
    fn every_server_made_text_code_is_in_both_languages_with_its_parameters() {
        use guomen_domain::text::codes;
        let mut problems = Vec::new();
        for code in codes::ALL {
            let Some(e) = DICTIONARY.get(*code) else {
                problems.push(format!("{code}: missing"));
                continue;
            };
            let (zh, en) = (placeholders(&e.zh), placeholders(&e.en));
            if zh != en {
                problems.push(format!("{code}: zh has {zh:?}, en has {en:?}"));
            }
            for p in &en {
                if !codes::params(code).contains(&p.as_str()) {
                    problems.push(format!("{code}: `{{{p}}}` is not a parameter of the code"));
                }
            }
            // Chinese is Chinese (ideographs or at least Chinese punctuation around the
            // parameters), not the English sentence copied.
            let chinese = |c: char| {
                ('\u{4e00}'..='\u{9fff}').contains(&c)
                    || ('\u{3000}'..='\u{303f}').contains(&c)
                    || ('\u{ff00}'..='\u{ffef}').contains(&c)
            };
            if e.zh == e.en || !e.zh.chars().any(chinese) {
                problems.push(format!("{code}: the Chinese label has no Chinese"));
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    /// Every error code a page can meet in an envelope has a label in both languages; the
    /// pages show the envelope's message only for a code they do not know.
    #[test]
    fn every_error_code_pages_can_meet_is_labelled() {
        for code in crate::error::CODES {
            assert!(
                DICTIONARY.contains_key(&format!("error.{code}")),
                "error.{code} missing from i18n.json"
            );
        }
    }
}
