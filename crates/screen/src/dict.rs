//! Cross-script name-part dictionary: parts in one group are the same name
//! ("ovsei, ovsej, ovsey, овсей => Q10000006").

use std::collections::HashMap;
use std::io::BufRead;

use crate::compare::part_keys;

/// Name-part equivalence groups, keyed by the Latin key of every spelling (Cyrillic and Han
/// spellings are keyed by all their transliterations).
#[derive(Debug, Default, Clone)]
pub struct NameDictionary {
    groups: HashMap<Box<str>, Vec<u32>>,
    group_count: u32,
}

/// A dictionary line that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DictionaryError {
    #[error("name dictionary line {line}: {why}")]
    Line { line: usize, why: &'static str },
    #[error("name dictionary read failed at line {line}: {source}")]
    Io {
        line: usize,
        #[source]
        source: std::io::Error,
    },
}

impl NameDictionary {
    /// Reads the rigour `persons` format: `alias, alias, ... => GROUP_ID` per line; blank lines
    /// and `#` comments are skipped. Fails on a line without `=>` or without aliases.
    pub fn from_rigour_reader(reader: impl BufRead) -> Result<Self, DictionaryError> {
        let mut dict = NameDictionary::default();
        for (n, line) in reader.lines().enumerate() {
            let line_no = n + 1;
            let line = line.map_err(|source| DictionaryError::Io {
                line: line_no,
                source,
            })?;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (aliases, _id) = line.split_once("=>").ok_or(DictionaryError::Line {
                line: line_no,
                why: "missing `=>`",
            })?;
            let aliases: Vec<&str> = aliases
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .collect();
            if aliases.is_empty() {
                return Err(DictionaryError::Line {
                    line: line_no,
                    why: "no aliases before `=>`",
                });
            }
            dict.add_group(&aliases);
        }
        Ok(dict)
    }

    /// Adds one group of equivalent spellings of a name part.
    pub fn add_group(&mut self, aliases: &[&str]) {
        let gid = self.group_count;
        self.group_count = self.group_count.saturating_add(1);
        for a in aliases {
            for key in part_keys(a) {
                let e = self.groups.entry(key.into_boxed_str()).or_default();
                if e.last() != Some(&gid) {
                    e.push(gid);
                }
            }
        }
    }

    /// Groups a name-part key belongs to.
    pub fn groups_of(&self, key: &str) -> &[u32] {
        self.groups.get(key).map_or(&[], Vec::as_slice)
    }

    /// True when two keys are spellings of the same name part.
    pub fn same_group(&self, a: &str, b: &str) -> bool {
        let (ga, gb) = (self.groups_of(a), self.groups_of(b));
        !ga.is_empty() && ga.iter().any(|g| gb.contains(g))
    }

    /// Number of groups and of distinct keys.
    pub fn len(&self) -> (usize, usize) {
        (self.group_count as usize, self.groups.len())
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rigour_groups() {
        let text = "# comment\novsei, ovsej, ovsey, овсей => Q1\n\nosolin, ozolin, озолин => Q2\n";
        let d = NameDictionary::from_rigour_reader(text.as_bytes()).unwrap();
        assert_eq!(d.len().0, 2);
        assert!(d.same_group("ovsej", "ovsey"));
        assert!(d.same_group("ovsei", "ovsej"));
        assert!(d.same_group("osolin", "ozolin"));
        assert!(!d.same_group("ovsei", "ozolin"));
        assert!(!d.same_group("nobody", "nobody"));
    }

    #[test]
    fn bad_lines_are_named() {
        let e =
            NameDictionary::from_rigour_reader("a, b => Q1\nno arrow\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = NameDictionary::from_rigour_reader(" , => Q1\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
