//! The day's watchlist in the project's CSV format (`crates/watchlist/FORMAT.md`).

use crate::document::Passport;
use crate::names::Sex;

/// One list entry. Ids start with `sim:` so an import replaces only the simulator's entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEntry {
    pub id: String,
    pub list: &'static str,
    pub name: String,
    pub aliases: Vec<String>,
    pub birth_date: String,
    pub sex: char,
    pub nationality: String,
    pub document_number: String,
    pub document_country: String,
    pub reason: String,
    pub action: String,
}

impl WatchEntry {
    /// An entry naming the holder of `p`: native name first, the MRZ spelling as an alias.
    pub fn from_passport(
        id: &str,
        list: &'static str,
        p: &Passport,
        extra_aliases: &[String],
        reason: &str,
        action: &str,
    ) -> WatchEntry {
        let mut aliases = vec![p.name.latin()];
        aliases.extend(extra_aliases.iter().cloned());
        aliases.retain(|a| *a != p.name.native);
        aliases.dedup();
        WatchEntry {
            id: id.to_owned(),
            list,
            name: p.name.native.clone(),
            aliases,
            birth_date: p.birth.format("%Y-%m-%d").to_string(),
            sex: match p.sex {
                Sex::Male => 'M',
                Sex::Female => 'F',
            },
            nationality: p.nationality.to_owned(),
            document_number: p.number.clone(),
            document_country: p.issuing.to_owned(),
            reason: reason.to_owned(),
            action: action.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Watchlist {
    pub entries: Vec<WatchEntry>,
}

pub const LISTS: [&str; 4] = ["wanted", "refused_entry", "lost_stolen_document", "alert"];
const HEADER: &str = "id,list,name,aliases,birth_date,sex,nationality,document_number,document_country,reason,action";

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl Watchlist {
    /// The CSV of every entry.
    pub fn csv(&self) -> String {
        self.csv_where(|_| true)
    }

    /// The CSV of one list's entries (an import replaces one list at a time).
    pub fn csv_for(&self, list: &str) -> String {
        self.csv_where(|e| e.list == list)
    }

    fn csv_where(&self, keep: impl Fn(&WatchEntry) -> bool) -> String {
        let mut out = String::from(HEADER);
        out.push('\n');
        for e in self.entries.iter().filter(|e| keep(e)) {
            let row = [
                quote(&e.id),
                quote(e.list),
                quote(&e.name),
                quote(&e.aliases.join("|")),
                quote(&e.birth_date),
                e.sex.to_string(),
                quote(&e.nationality),
                quote(&e.document_number),
                quote(&e.document_country),
                quote(&e.reason),
                quote(&e.action),
            ];
            out.push_str(&row.join(","));
            out.push('\n');
        }
        out
    }

    pub fn count(&self, list: &str) -> usize {
        self.entries.iter().filter(|e| e.list == list).count()
    }
}
