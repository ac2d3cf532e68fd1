//! Multi-script name screening engine: pure, no I/O.
//!
//! Names in Latin, Cyrillic (Russian and Mongolian) and Han script are normalised into Latin
//! keys (every transliteration scheme Russian passports have used, pinyin for Han), indexed by
//! part keys and their 1-deletion neighbours, and scored with order-independent part alignment
//! plus birth date, sex, nationality and document number. See [`Index::screen`].

mod compare;
mod dict;
mod han;
mod index;
mod learned;
pub mod normalize;
mod similarity;
pub mod translit;

#[cfg(feature = "synth")]
pub mod synth;

pub use compare::{DEFAULT_NAME_THRESHOLD, compare_names, compare_names_with};
pub use dict::{DictionaryError, NameDictionary};
pub use index::{FieldExplain, Hit, Index, IndexMemory, IndexStats, Query, Verdict};
pub use normalize::{MAX_NAME_CHARS, MAX_TOKENS, Script, detect_script};
pub use similarity::{jaro_winkler, levenshtein, levenshtein_ascii};

pub use guomen_domain::watchlist::{DocumentRef, ListKind, PartialDate, Sex, WatchlistEntry};
