//! The EDIFACT syntax layer: finding the interchange inside a teletype envelope, the service
//! string advice (UNA), release characters and splitting into segments, elements and
//! components. Nothing here knows PAXLST.

/// The six service characters (ISO 9735 defaults unless an UNA says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    pub component: char,
    pub element: char,
    pub decimal: char,
    pub release: char,
    pub terminator: char,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters {
            component: ':',
            element: '+',
            decimal: '.',
            release: '?',
            terminator: '\'',
        }
    }
}

/// One segment: its 1-based position in the interchange (UNA not counted) and its data
/// elements, each a list of components with release characters already removed. Element 0 is
/// the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub position: usize,
    pub elements: Vec<Vec<String>>,
}

impl Segment {
    pub fn tag(&self) -> &str {
        self.elements
            .first()
            .and_then(|e| e.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Component `c` of element `e` (element 0 is the tag), empty when absent.
    pub fn get(&self, e: usize, c: usize) -> &str {
        self.elements
            .get(e)
            .and_then(|el| el.get(c))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// All non-empty components of element `e`.
    pub fn components(&self, e: usize) -> impl Iterator<Item = &str> {
        self.elements
            .get(e)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|s| !s.trim().is_empty())
    }
}

/// A syntax problem found while splitting, with the segment it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxIssue {
    pub position: usize,
    pub tag: String,
    pub message: String,
}

/// The result of the syntax layer.
#[derive(Debug, Default)]
pub struct Split {
    pub delimiters: Delimiters,
    pub segments: Vec<Segment>,
    pub issues: Vec<SyntaxIssue>,
    /// The input ended without the terminator of its last segment.
    pub unterminated: bool,
}

/// Where the interchange starts: an UNA or UNB (or a bare UNH) at the start of a line, which is
/// how teletype (Type B) envelopes carry it after their address and origin lines; failing that,
/// anywhere in the text.
fn find_start(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start_matches([' ', '\t', '\u{c}']);
        let lead = line.len() - trimmed.len();
        if starts_service(trimmed) {
            return Some(offset + lead);
        }
        offset += line.len();
    }
    ["UNA", "UNB", "UNH"]
        .iter()
        .filter_map(|t| {
            text.match_indices(t)
                .find(|(i, _)| starts_service(&text[*i..]))
        })
        .map(|(i, _)| i)
        .min()
}

fn starts_service(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 4 {
        return false;
    }
    let tag = &b[..3];
    let next = b[3];
    (tag == b"UNA" && b.len() >= 9)
        || ((tag == b"UNB" || tag == b"UNH")
            && !next.is_ascii_alphanumeric()
            && !next.is_ascii_whitespace())
}

/// Splits the interchange found in `text` into segments. `None` when no interchange header is
/// found at all.
pub fn split(text: &str) -> Option<Split> {
    let start = find_start(text)?;
    let mut rest = &text[start..];
    let mut d = Delimiters::default();
    if rest.starts_with("UNA") {
        let chars: Vec<char> = rest.chars().skip(3).take(6).collect();
        if chars.len() < 6 {
            return None;
        }
        d = Delimiters {
            component: chars[0],
            element: chars[1],
            decimal: chars[2],
            release: chars[3],
            terminator: chars[5],
        };
        let una_len: usize = rest.chars().take(9).map(char::len_utf8).sum();
        rest = &rest[una_len..];
    } else if let Some(c) = rest.get(3..).and_then(|r| r.chars().next()) {
        // UNB or a bare UNH without UNA: ISO 9735 defaults, unless the first segment shows
        // another element separator.
        if c != '+' {
            d.element = c;
        }
    }
    let mut out = Split {
        delimiters: d,
        ..Split::default()
    };
    // Line breaks are the teletype's 69-column wrapping or a pretty-printer's, never data,
    // unless the UNA made one of them a delimiter.
    let keep_newlines = [d.component, d.element, d.release, d.terminator]
        .iter()
        .any(|c| *c == '\n' || *c == '\r');

    let mut elements: Vec<Vec<String>> = Vec::new();
    let mut element: Vec<String> = Vec::new();
    let mut comp = String::new();
    let mut released = false;
    let mut position = 0usize;
    let mut any = false;
    for ch in rest.chars() {
        if !keep_newlines && (ch == '\n' || ch == '\r') {
            continue;
        }
        if released {
            comp.push(ch);
            released = false;
            any = true;
            continue;
        }
        if ch == d.release {
            released = true;
            any = true;
            continue;
        }
        if ch == d.terminator {
            element.push(std::mem::take(&mut comp));
            elements.push(std::mem::take(&mut element));
            position += 1;
            let seg = Segment {
                position,
                elements: std::mem::take(&mut elements),
            };
            any = false;
            let tag = seg.tag().to_string();
            if !valid_tag(&tag) {
                out.issues.push(SyntaxIssue {
                    position,
                    tag: tag.clone(),
                    message: format!(
                        "{tag:?} is not a segment tag (three capital letters or digits)"
                    ),
                });
            } else {
                out.segments.push(seg);
            }
            if tag == "UNZ" {
                // What follows the interchange is the teletype trailer.
                return Some(out);
            }
            continue;
        }
        if ch == d.element {
            element.push(std::mem::take(&mut comp));
            elements.push(std::mem::take(&mut element));
            any = true;
            continue;
        }
        if ch == d.component {
            element.push(std::mem::take(&mut comp));
            any = true;
            continue;
        }
        if !any && comp.is_empty() && elements.is_empty() && ch.is_whitespace() {
            // Blank space between segments (a pretty-printer's indentation).
            continue;
        }
        comp.push(ch);
        any = true;
    }
    let tag_so_far = elements
        .first()
        .and_then(|e| e.first())
        .cloned()
        .unwrap_or_else(|| comp.chars().take(3).collect());
    if released {
        out.issues.push(SyntaxIssue {
            position: position + 1,
            tag: tag_so_far.clone(),
            message: format!(
                "the input ends with the release character {:?}, which has nothing to release",
                d.release
            ),
        });
    }
    let leftover = !elements.is_empty() || !element.is_empty() || !comp.trim().is_empty();
    if leftover {
        out.unterminated = true;
        out.issues.push(SyntaxIssue {
            position: position + 1,
            tag: tag_so_far,
            message: format!(
                "the last segment has no terminator {:?}: the interchange is truncated",
                d.terminator
            ),
        });
    }
    Some(out)
}

fn valid_tag(tag: &str) -> bool {
    tag.len() == 3
        && tag
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Escapes a value for writing: every service character gets the release character before it.
pub fn escape(value: &str, d: &Delimiters) -> String {
    let mut s = String::with_capacity(value.len());
    for ch in value.chars() {
        if ch == d.component || ch == d.element || ch == d.release || ch == d.terminator {
            s.push(d.release);
        }
        s.push(ch);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_characters_keep_service_characters_as_data() {
        let s = split("UNB+UNOA:4+A+B+260101:0000+1'NAD+FL+++O?'BRIEN:ANN?+MARIE'UNZ+0+1'")
            .expect("interchange");
        assert!(s.issues.is_empty(), "{:?}", s.issues);
        assert_eq!(s.segments[1].get(4, 0), "O'BRIEN");
        assert_eq!(s.segments[1].get(4, 1), "ANN+MARIE");
    }

    #[test]
    fn una_changes_the_delimiters() {
        let s = split("UNA:*.? #UNB*UNOA:4*A*B#UNZ*0*1#").expect("interchange");
        assert_eq!(s.delimiters.element, '*');
        assert_eq!(s.delimiters.terminator, '#');
        assert_eq!(s.segments.len(), 2);
    }

    #[test]
    fn teletype_header_and_wrapping_are_removed() {
        let text = "QP ADDRESS\r\n.ORIGIN 010101\r\nUNB+UNOA:4+A+B+2601\r\n01:0000+1'UN\r\nZ+0+1'\r\n\r\nTRAILER 'X'\r\n";
        let s = split(text).expect("interchange");
        assert!(s.issues.is_empty(), "{:?}", s.issues);
        assert_eq!(s.segments.len(), 2);
        assert_eq!(s.segments[0].get(4, 0), "260101");
        assert_eq!(s.segments[1].tag(), "UNZ");
    }

    #[test]
    fn a_release_character_at_the_end_is_reported() {
        let s = split("UNB+UNOA:4+A+B+260101:0000+1'NAD+FL+++X?").expect("interchange");
        assert!(
            s.issues
                .iter()
                .any(|i| i.message.contains("release character") && i.tag == "NAD")
        );
        assert!(s.unterminated);
    }

    #[test]
    fn no_header_is_no_interchange() {
        assert!(split("hello world").is_none());
        assert!(split("").is_none());
        assert!(split("UNA").is_none());
    }

    #[test]
    fn escape_round_trips() {
        let d = Delimiters::default();
        let v = "A?B:C+D'E";
        let text = format!("UNB+{}'UNZ+0+1'", escape(v, &d));
        let s = split(&text).expect("interchange");
        assert_eq!(s.segments[0].get(1, 0), v);
    }
}
