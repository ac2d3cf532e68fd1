//! The parser proper: structure first (lines, lengths, characters, document type), then
//! fields.

use chrono::{Datelike, NaiveDate};

use crate::check::check_digit_of;
use crate::codes::{self, CodeKind};
use crate::repair;
use crate::text::{Text, trim_fillers};
use crate::{Checks, ErrorKind, Format, Mrz, MrzError, Proposal, Sex};

/// The longest MRZ line.
const MAX_LEN: usize = 44;

/// Parses one MRZ given as text, one line per MRZ line. Trailing whitespace (CR included) is
/// removed from each line; blank lines before and after the MRZ are ignored.
///
/// `today` decides the century of two-digit years: a birth date is never after `today`, an
/// expiry date lies within 50 years of it.
pub fn parse(text: &str, today: NaiveDate) -> Result<Mrz, MrzError> {
    let mut lines = [""; 3];
    let mut count = 0usize;
    let mut pending_blank = 0usize;
    for raw in text.split('\n') {
        let line = raw.trim_end();
        if line.is_empty() {
            if count > 0 {
                pending_blank += 1;
            }
            continue;
        }
        // Blank lines between MRZ lines count as (empty) lines: they are an error below.
        for _ in 0..pending_blank {
            if let Some(slot) = lines.get_mut(count) {
                *slot = "";
            }
            count += 1;
        }
        pending_blank = 0;
        if let Some(slot) = lines.get_mut(count) {
            *slot = line;
        }
        count += 1;
    }
    if count > 3 {
        return Err(line_count_error(count));
    }
    parse_trimmed(lines.get(..count).unwrap_or(&[]), today)
}

/// Parses one MRZ given as separate lines (trailing whitespace and CR removed from each).
pub fn parse_lines<S: AsRef<str>>(lines: &[S], today: NaiveDate) -> Result<Mrz, MrzError> {
    if lines.len() > 3 || lines.len() < 2 {
        return Err(line_count_error(lines.len()));
    }
    let mut trimmed = [""; 3];
    for (slot, l) in trimmed.iter_mut().zip(lines) {
        *slot = l.as_ref().trim_end();
    }
    parse_trimmed(trimmed.get(..lines.len()).unwrap_or(&[]), today)
}

/// One document found by [`parse_many`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// 1-based line in the input text where the document starts.
    pub first_line: usize,
    /// The parse result; error lines are relative to the document (add `first_line - 1` for
    /// the line in the text).
    pub result: Result<Mrz, MrzError>,
}

/// Splits text into documents (one MRZ line per text line, documents separated by one or more
/// blank lines) and parses each.
pub fn parse_many(text: &str, today: NaiveDate) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut group: Vec<&str> = Vec::new();
    let mut first = 0usize;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end();
        if line.is_empty() {
            if !group.is_empty() {
                docs.push(Document {
                    first_line: first,
                    result: parse_group(&group, today),
                });
                group.clear();
            }
            continue;
        }
        if group.is_empty() {
            first = i + 1;
        }
        group.push(line);
    }
    if !group.is_empty() {
        docs.push(Document {
            first_line: first,
            result: parse_group(&group, today),
        });
    }
    docs
}

fn parse_group(group: &[&str], today: NaiveDate) -> Result<Mrz, MrzError> {
    if group.len() > 3 || group.len() < 2 {
        return Err(line_count_error(group.len()));
    }
    parse_trimmed(group, today)
}

fn structural(
    line: usize,
    position: usize,
    field: &'static str,
    kind: ErrorKind,
    message: String,
) -> MrzError {
    MrzError {
        line,
        position,
        field,
        message,
        kind,
    }
}

fn line_count_error(count: usize) -> MrzError {
    let (line, message) = if count > 3 {
        (
            4,
            format!("{count} lines; an MRZ has 2 (TD2, TD3, MRV) or 3 (TD1)"),
        )
    } else {
        (
            count + 1,
            format!("{count} line(s); an MRZ has 2 (TD2, TD3, MRV) or 3 (TD1)"),
        )
    };
    structural(line, 1, "line", ErrorKind::LineCount, message)
}

/// The format the line count, lengths and first character point to, before any is checked.
fn guess_format(lines: &[&str]) -> Option<Format> {
    let first = lines.first()?.as_bytes().first().copied();
    match lines.len() {
        3 => Some(Format::Td1),
        2 => {
            let len = |i: usize| {
                lines.get(i).map_or(0, |l| {
                    if l.is_ascii() {
                        l.len()
                    } else {
                        l.chars().count()
                    }
                })
            };
            let wide = [len(1), len(0)].into_iter().find(|&n| n == 44 || n == 36)?;
            Some(match (wide, first == Some(b'V')) {
                (44, true) => Format::MrvA,
                (44, false) => Format::Td3,
                (_, true) => Format::MrvB,
                (_, false) => Format::Td2,
            })
        }
        _ => None,
    }
}

fn parse_trimmed(lines: &[&str], today: NaiveDate) -> Result<Mrz, MrzError> {
    if lines.len() < 2 || lines.len() > 3 {
        return Err(line_count_error(lines.len()));
    }
    let guess = guess_format(lines);
    // Characters first: a stray character is the most specific thing to report.
    for (li, line) in lines.iter().enumerate() {
        // Fast path: everything ASCII and legal.
        if line.bytes().all(crate::check::is_mrz_byte) {
            continue;
        }
        for (ci, ch) in line.chars().enumerate() {
            if ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '<' {
                continue;
            }
            let field = guess.map_or("line", |f| field_at(f, li, ci));
            let message = if ch.is_lowercase() {
                format!("lower-case {ch:?}: an MRZ holds upper-case letters only")
            } else if ch == ' ' {
                "space: an MRZ uses '<' as filler, never a space".to_owned()
            } else {
                format!("character {ch:?} is not allowed (only A-Z, 0-9 and '<')")
            };
            return Err(structural(
                li + 1,
                ci + 1,
                field,
                ErrorKind::Character,
                message,
            ));
        }
    }
    let Some(format) = guess else {
        let n = lines.first().map_or(0, |l| l.len());
        return Err(structural(
            1,
            n.min(43) + 1,
            "line",
            ErrorKind::LineLength,
            format!(
                "line 1 has {n} characters; two-line MRZs have 36 (TD2, MRV-B) or 44 (TD3, MRV-A)"
            ),
        ));
    };
    let want = format.line_len();
    for (li, line) in lines.iter().enumerate() {
        let n = line.len();
        if n != want {
            let position = if n > want { want + 1 } else { n + 1 };
            return Err(structural(
                li + 1,
                position,
                "line",
                ErrorKind::LineLength,
                format!(
                    "line {} has {n} characters; {} needs {want}",
                    li + 1,
                    format.name()
                ),
            ));
        }
    }
    let l1 = lines.first().map_or(&[][..], |l| l.as_bytes());
    let first = l1.first().copied().unwrap_or(b'<');
    let type_ok = match format {
        Format::Td1 | Format::Td2 => matches!(first, b'A' | b'C' | b'I'),
        Format::Td3 => first == b'P',
        Format::MrvA | Format::MrvB => first == b'V',
    };
    if !type_ok {
        let allowed = match format {
            Format::Td1 | Format::Td2 => "A, C or I",
            Format::Td3 => "P",
            Format::MrvA | Format::MrvB => "V",
        };
        return Err(structural(
            1,
            1,
            "document_code",
            ErrorKind::DocumentType,
            format!(
                "document code starts with {:?}; a {}-line MRZ of {want} characters must start with {allowed}",
                char::from(first),
                lines.len()
            ),
        ));
    }
    let mut buf = [[b'<'; MAX_LEN]; 3];
    for (dst, src) in buf.iter_mut().zip(lines) {
        if let Some(d) = dst.get_mut(..src.len()) {
            d.copy_from_slice(src.as_bytes());
        }
    }
    let p = Parser {
        today,
        lines: buf,
        patched: buf,
        errors: Vec::new(),
        proposals: Vec::new(),
        checks: Checks::default(),
        specimen: false,
    };
    Ok(match format {
        Format::Td1 => p.td1(),
        _ => p.two_line(format),
    })
}

/// The field at a 0-based (line, column), for naming a bad character.
fn field_at(format: Format, line: usize, col: usize) -> &'static str {
    match (format, line) {
        (Format::Td1, 0) => match col {
            0..=1 => "document_code",
            2..=4 => "issuing_state",
            5..=14 => "document_number",
            _ => "optional_data",
        },
        (Format::Td1, 1) => match col {
            0..=6 => "birth_date",
            7 => "sex",
            8..=14 => "expiry_date",
            15..=17 => "nationality",
            18..=28 => "optional_data_2",
            _ => "composite",
        },
        (Format::Td1, _) => "name",
        (_, 0) => match col {
            0..=1 => "document_code",
            2..=4 => "issuing_state",
            _ => "name",
        },
        (f, _) => match col {
            0..=9 => "document_number",
            10..=12 => "nationality",
            13..=19 => "birth_date",
            20 => "sex",
            21..=27 => "expiry_date",
            42 if f == Format::Td3 => "personal_number",
            43 if f == Format::Td3 => "composite",
            35 if f == Format::Td2 => "composite",
            _ if f == Format::Td3 => "personal_number",
            _ => "optional_data",
        },
    }
}

/// A place in the MRZ: 0-based line and column.
#[derive(Clone, Copy)]
struct At {
    line: usize,
    col: usize,
}

const fn at(line: usize, col: usize) -> At {
    At { line, col }
}

struct Parser {
    today: NaiveDate,
    lines: [[u8; MAX_LEN]; 3],
    /// The lines with every verified proposal applied, for proposing a composite repair.
    patched: [[u8; MAX_LEN]; 3],
    errors: Vec<MrzError>,
    proposals: Vec<Proposal>,
    checks: Checks,
    specimen: bool,
}

impl Parser {
    fn bytes(&self, a: At, len: usize) -> &[u8] {
        self.lines
            .get(a.line)
            .and_then(|l| l.get(a.col..a.col + len))
            .unwrap_or(&[])
    }

    fn byte(&self, a: At) -> u8 {
        self.bytes(a, 1).first().copied().unwrap_or(b'<')
    }

    fn error(&mut self, a: At, field: &'static str, kind: ErrorKind, message: String) {
        self.errors.push(MrzError {
            line: a.line + 1,
            position: a.col + 1,
            field,
            message,
            kind,
        });
    }

    fn propose(
        &mut self,
        a: At,
        field: &'static str,
        original: &[u8],
        proposed: &[u8],
        verified: bool,
    ) {
        if verified && let Some(l) = self.patched.get_mut(a.line) {
            for (i, &b) in proposed.iter().enumerate() {
                if let Some(slot) = l.get_mut(a.col + i) {
                    *slot = b;
                }
            }
        }
        self.proposals.push(Proposal {
            line: a.line + 1,
            position: a.col + 1,
            field,
            original: String::from_utf8_lossy(original).into_owned(),
            proposed: String::from_utf8_lossy(proposed).into_owned(),
            verified,
        });
    }

    /// Verifies a check digit over `data` (read at `data_at`) and records the outcome.
    /// `filler_if_empty`: a `<` check digit is accepted when `data` is all fillers.
    fn check(
        &mut self,
        field: &'static str,
        data: &[u8],
        check_at: At,
        check: u8,
        filler_if_empty: bool,
    ) -> bool {
        let computed = check_digit_of(&[data]).unwrap_or(0);
        let ok = match check {
            b'0'..=b'9' => computed + b'0' == check,
            b'<' => filler_if_empty && data.iter().all(|&b| b == b'<'),
            _ => false,
        };
        self.checks.push(field, ok);
        if !ok {
            let message = match check {
                b'<' if filler_if_empty => format!(
                    "check digit is '<', allowed only when the field is empty; computed {computed}"
                ),
                b'<' => format!(
                    "check digit is '<', which Doc 9303 does not allow here; computed {computed}"
                ),
                b'0'..=b'9' => format!("check digit is {}, computed {computed}", char::from(check)),
                _ => format!(
                    "check digit {:?} is not a digit; computed {computed}",
                    char::from(check)
                ),
            };
            self.error(check_at, field, ErrorKind::CheckDigit, message);
        }
        ok
    }

    /// Check digit of a contiguous alphanumeric field, with a repair proposal on failure.
    fn check_alnum(
        &mut self,
        field: &'static str,
        data_at: At,
        len: usize,
        check_at: At,
        filler_if_empty: bool,
    ) -> bool {
        let data = self.bytes(data_at, len);
        let mut tmp = [0u8; MAX_LEN];
        let Some(slot) = tmp.get_mut(..data.len()) else {
            return false;
        };
        slot.copy_from_slice(data);
        let data: &[u8] = slot;
        let check = self.byte(check_at);
        if self.check(field, data, check_at, check, filler_if_empty) {
            return true;
        }
        if let Some(r) = repair::alphanumeric(data, check) {
            let fixed = r.data().to_vec();
            if fixed != data {
                self.propose(data_at, field, data, &fixed, true);
            }
            if r.check != check {
                self.propose(check_at, field, &[check], &[r.check], true);
            }
        }
        false
    }

    /// A YYMMDD date and its check digit.
    fn date(
        &mut self,
        field: &'static str,
        data_at: At,
        check_at: At,
        birth: bool,
    ) -> (Text<6>, Option<NaiveDate>) {
        let mut raw = [0u8; 6];
        raw.copy_from_slice(self.bytes(data_at, 6).get(..6).unwrap_or(b"<<<<<<"));
        let check = self.byte(check_at);
        if !self.check(field, &raw, check_at, check, false) {
            let today = self.today;
            let accept = |d: &[u8]| resolve(d, today, birth).is_ok();
            if let Some(r) = repair::numeric(&raw, check, accept) {
                let fixed = r.data().to_vec();
                if fixed != raw {
                    self.propose(data_at, field, &raw, &fixed, true);
                }
                if r.check != check {
                    self.propose(check_at, field, &[check], &[r.check], true);
                }
            }
        }
        let text = Text::from_bytes(&raw);
        match resolve(&raw, self.today, birth) {
            Ok(d) => (text, d),
            Err(msg) => {
                self.error(data_at, field, ErrorKind::Date, msg);
                (text, None)
            }
        }
    }

    fn sex(&mut self, a: At) -> Option<Sex> {
        match self.byte(a) {
            b'M' => Some(Sex::Male),
            b'F' => Some(Sex::Female),
            b'X' => Some(Sex::Unspecified),
            b'<' => Some(Sex::Filler),
            other => {
                self.error(
                    a,
                    "sex",
                    ErrorKind::Sex,
                    format!("sex {:?} is not M, F, X or '<'", char::from(other)),
                );
                None
            }
        }
    }

    fn country(&mut self, field: &'static str, a: At) -> Text<3> {
        let mut raw = [0u8; 3];
        raw.copy_from_slice(self.bytes(a, 3).get(..3).unwrap_or(b"<<<"));
        let code = Text::<3>::trimmed(&raw);
        match codes::kind(code.as_str()) {
            Some(CodeKind::Specimen) => self.specimen = true,
            Some(_) => {}
            None => {
                let message = if code.is_empty() {
                    format!("{field} is empty")
                } else {
                    format!("{:?} is not in the ICAO code list", code.as_str())
                };
                self.error(a, field, ErrorKind::Country, message);
                if let Some(fixed) = repair::letters(&raw)
                    && codes::kind(Text::<3>::trimmed(&fixed).as_str()).is_some()
                {
                    self.propose(a, field, &raw, &fixed, false);
                }
            }
        }
        code
    }

    /// Primary and secondary identifiers from a name field.
    fn names(&mut self, a: At, len: usize) -> (String, String, bool) {
        let mut raw = [0u8; MAX_LEN];
        let Some(field) = raw.get_mut(..len) else {
            return (String::new(), String::new(), false);
        };
        field.copy_from_slice(self.bytes(a, len).get(..len).unwrap_or(&[]));
        let field: &[u8] = field;
        let truncated = field.last().is_some_and(|&b| b != b'<');
        let split = field.windows(2).position(|w| w == b"<<");
        let (primary, secondary) = match split {
            Some(i) => (
                field.get(..i).unwrap_or(&[]),
                field.get(i + 2..).unwrap_or(&[]),
            ),
            None => (field, &[][..]),
        };
        let surname = join_parts(primary);
        let given = join_parts(secondary);
        if surname.is_empty() && given.is_empty() {
            self.error(a, "name", ErrorKind::Name, "name field is empty".to_owned());
        } else if let Some(i) = field.iter().position(u8::is_ascii_digit) {
            let digit = field.get(i).copied().unwrap_or(b'0');
            self.error(
                at(a.line, a.col + i),
                "name",
                ErrorKind::Name,
                format!("digit {:?} in the name", char::from(digit)),
            );
            let used = trim_fillers(field);
            if let Some(fixed) = repair::letters(used) {
                self.propose(a, "name", used, &fixed, false);
            }
        }
        (surname, given, truncated)
    }

    /// Document number with its check digit; in TD1 and TD2 a `<` check digit followed by
    /// data in the optional field is a long number (Doc 9303 Part 5 §4.2.2, Part 6 §4.2.2).
    /// Returns the number and the optional data left after the continuation.
    fn document_number(
        &mut self,
        doc_at: At,
        check_at: At,
        overflow: Option<(At, usize)>,
    ) -> (Text<24>, Text<16>) {
        let doc: [u8; 9] = self.bytes(doc_at, 9).try_into().unwrap_or([b'<'; 9]);
        let check = self.byte(check_at);
        let opt_first = overflow.map(|(a, _)| self.byte(a));
        let (Some((opt_at, opt_len)), b'<', Some(first)) = (overflow, check, opt_first) else {
            self.check_alnum("document_number", doc_at, 9, check_at, false);
            let opt = overflow.map_or(Text::default(), |(a, n)| Text::trimmed(self.bytes(a, n)));
            return (Text::trimmed(&doc), opt);
        };
        if first == b'<' {
            // A filler check digit with no continuation: simply a failed check.
            self.check("document_number", &doc, check_at, check, false);
            return (Text::trimmed(&doc), Text::default());
        }
        let opt: Vec<u8> = self.bytes(opt_at, opt_len).to_vec();
        let run = opt.iter().position(|&b| b == b'<').unwrap_or(opt.len());
        let mut number = Text::<24>::from_bytes(&doc);
        let rest = Text::trimmed(opt.get(run + 1..).unwrap_or(&[]));
        if run < 2 {
            number.extend(opt.get(..run).unwrap_or(&[]));
            self.checks.push("document_number", false);
            self.error(
                opt_at,
                "document_number",
                ErrorKind::DocumentNumber,
                "long document number: the continuation in the optional data has no check digit"
                    .to_owned(),
            );
            return (number, rest);
        }
        let tail = opt.get(..run - 1).unwrap_or(&[]);
        let cd = opt.get(run - 1).copied().unwrap_or(b'<');
        number.extend(tail);
        self.check(
            "document_number",
            number.as_bytes(),
            at(opt_at.line, opt_at.col + run - 1),
            cd,
            false,
        );
        (number, rest)
    }

    fn composite(&mut self, pieces: &[(At, usize)], check_at: At) {
        let mut orig: [&[u8]; 4] = [&[]; 4];
        for (slot, &(a, n)) in orig.iter_mut().zip(pieces) {
            *slot = self.bytes(a, n);
        }
        let check = self.byte(check_at);
        let computed = check_digit_of(&orig).unwrap_or(0);
        let ok = check == computed + b'0';
        self.checks.push("composite", ok);
        if ok {
            return;
        }
        let message = if check.is_ascii_digit() {
            format!(
                "composite check digit is {}, computed {computed}",
                char::from(check)
            )
        } else {
            format!(
                "composite check digit {:?} is not a digit; computed {computed}",
                char::from(check)
            )
        };
        self.error(check_at, "composite", ErrorKind::CheckDigit, message);
        // With the verified repairs applied, would the composite pass?
        let mut fixed: [&[u8]; 4] = [&[]; 4];
        for (slot, &(a, n)) in fixed.iter_mut().zip(pieces) {
            *slot = self
                .patched
                .get(a.line)
                .and_then(|l| l.get(a.col..a.col + n))
                .unwrap_or(&[]);
        }
        let repaired = check_digit_of(&fixed).unwrap_or(0) + b'0';
        let readable = if check.is_ascii_digit() {
            Some(check)
        } else {
            repair::letter_to_digit(check)
        };
        // When the digit as read is right once the other repairs are applied, those repairs
        // already say everything; only a misread composite digit needs its own proposal.
        if readable == Some(repaired) && check != repaired {
            self.propose(check_at, "composite", &[check], &[repaired], true);
        }
    }

    fn finish(mut self, mut m: Mrz) -> Mrz {
        // Reading order, so that a person fixes the first problem first.
        self.errors.sort_by_key(|e| (e.line, e.position));
        self.proposals.sort_by_key(|p| (p.line, p.position));
        m.checks = self.checks;
        m.errors = self.errors;
        m.proposals = self.proposals;
        m.specimen = self.specimen;
        m
    }

    fn td1(mut self) -> Mrz {
        let document_code = Text::trimmed(self.bytes(at(0, 0), 2));
        let issuing_state = self.country("issuing_state", at(0, 2));
        let (document_number, optional_data) =
            self.document_number(at(0, 5), at(0, 14), Some((at(0, 15), 15)));
        let (birth_date_raw, birth_date) = self.date("birth_date", at(1, 0), at(1, 6), true);
        let sex = self.sex(at(1, 7));
        let (expiry_date_raw, expiry_date) = self.date("expiry_date", at(1, 8), at(1, 14), false);
        let nationality = self.country("nationality", at(1, 15));
        let optional_data_2 = Text::trimmed(self.bytes(at(1, 18), 11));
        self.composite(
            &[
                (at(0, 5), 25),
                (at(1, 0), 7),
                (at(1, 8), 7),
                (at(1, 18), 11),
            ],
            at(1, 29),
        );
        let (surname, given_names, name_truncated) = self.names(at(2, 0), 30);
        self.dates_in_order(birth_date, expiry_date, at(1, 8));
        let m = Mrz {
            format: Format::Td1,
            document_code,
            issuing_state,
            document_number,
            nationality,
            birth_date_raw,
            birth_date,
            expiry_date_raw,
            expiry_date,
            sex,
            surname,
            given_names,
            name_truncated,
            optional_data,
            optional_data_2,
            checks: Checks::default(),
            errors: Vec::new(),
            proposals: Vec::new(),
            specimen: false,
        };
        self.finish(m)
    }

    fn two_line(mut self, format: Format) -> Mrz {
        let width = format.line_len();
        let document_code = Text::trimmed(self.bytes(at(0, 0), 2));
        let issuing_state = self.country("issuing_state", at(0, 2));
        let (surname, given_names, name_truncated) = self.names(at(0, 5), width - 5);
        let overflow = (format == Format::Td2).then_some((at(1, 28), 7));
        let (document_number, mut optional_data) =
            self.document_number(at(1, 0), at(1, 9), overflow);
        let nationality = self.country("nationality", at(1, 10));
        let (birth_date_raw, birth_date) = self.date("birth_date", at(1, 13), at(1, 19), true);
        let sex = self.sex(at(1, 20));
        let (expiry_date_raw, expiry_date) = self.date("expiry_date", at(1, 21), at(1, 27), false);
        match format {
            Format::Td3 => {
                optional_data = Text::trimmed(self.bytes(at(1, 28), 14));
                self.check_alnum("personal_number", at(1, 28), 14, at(1, 42), true);
                self.composite(
                    &[(at(1, 0), 10), (at(1, 13), 7), (at(1, 21), 22)],
                    at(1, 43),
                );
            }
            Format::Td2 => {
                self.composite(
                    &[(at(1, 0), 10), (at(1, 13), 7), (at(1, 21), 14)],
                    at(1, 35),
                );
            }
            _ => {
                optional_data = Text::trimmed(self.bytes(at(1, 28), width - 28));
            }
        }
        self.dates_in_order(birth_date, expiry_date, at(1, 21));
        let m = Mrz {
            format,
            document_code,
            issuing_state,
            document_number,
            nationality,
            birth_date_raw,
            birth_date,
            expiry_date_raw,
            expiry_date,
            sex,
            surname,
            given_names,
            name_truncated,
            optional_data,
            optional_data_2: Text::default(),
            checks: Checks::default(),
            errors: Vec::new(),
            proposals: Vec::new(),
            specimen: false,
        };
        self.finish(m)
    }

    fn dates_in_order(
        &mut self,
        birth: Option<NaiveDate>,
        expiry: Option<NaiveDate>,
        expiry_at: At,
    ) {
        if let (Some(b), Some(e)) = (birth, expiry)
            && e < b
        {
            self.error(
                expiry_at,
                "expiry_date",
                ErrorKind::Date,
                format!("expiry date {e} is before the birth date {b}"),
            );
        }
    }
}

/// `<` runs become single spaces.
fn join_parts(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for part in bytes.split(|&b| b == b'<').filter(|p| !p.is_empty()) {
        if !s.is_empty() {
            s.push(' ');
        }
        // Validated ASCII, so the conversion cannot fail.
        s.push_str(std::str::from_utf8(part).unwrap_or_default());
    }
    s
}

fn two_digits(b: &[u8]) -> Option<u32> {
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(c - b'0'))
        }
        _ => None,
    }
}

/// A YYMMDD date in context. `Ok(None)`: a birth date that Doc 9303 lets be partly or wholly
/// unknown (fillers for the day, the day and month, or the whole date).
fn resolve(raw: &[u8], today: NaiveDate, birth: bool) -> Result<Option<NaiveDate>, String> {
    let what = if birth { "birth date" } else { "expiry date" };
    let shown = String::from_utf8_lossy(raw);
    let yy = two_digits(raw.get(0..2).unwrap_or(&[]));
    let mm = two_digits(raw.get(2..4).unwrap_or(&[]));
    let dd = two_digits(raw.get(4..6).unwrap_or(&[]));
    let (Some(yy), Some(mm), Some(dd)) = (yy, mm, dd) else {
        if birth {
            let fill = |r: std::ops::Range<usize>| {
                raw.get(r).is_some_and(|p| p.iter().all(|&b| b == b'<'))
            };
            let partial = fill(0..6)
                || (yy.is_some() && fill(2..6))
                || (yy.is_some() && mm.is_some_and(|m| (1..=12).contains(&m)) && fill(4..6));
            if partial {
                return Ok(None);
            }
        }
        if raw.iter().all(|&b| b == b'<') {
            return Err(format!("{what} is empty"));
        }
        return Err(format!("{what} {shown:?} is not six digits YYMMDD"));
    };
    let (yy, mm, dd) = (yy as i32, mm, dd);
    let this_year = today.year();
    let century = this_year - this_year.rem_euclid(100);
    let mut year = century + yy;
    if birth {
        if (year, mm, dd) > (this_year, today.month(), today.day()) {
            year -= 100;
        }
    } else if year > this_year + 50 {
        year -= 100;
    } else if year <= this_year - 50 {
        year += 100;
    }
    let date = NaiveDate::from_ymd_opt(year, mm, dd)
        .ok_or_else(|| format!("{what} {shown} is not a calendar date"))?;
    if birth && date > today {
        return Err(format!("birth date {date} is in the future"));
    }
    Ok(Some(date))
}

#[cfg(test)]
mod tests;
