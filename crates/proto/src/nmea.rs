//! NMEA 0183 sentences: framing and checksum for any talker, RMC, GGA and GNS decoded, every
//! other sentence recognised by address only. [`Fix`] is the position a unit reports.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use thiserror::Error;

/// Longest line accepted. The standard says 82 characters; real receivers exceed it
/// (high-precision RTK output), so allow far more while still bounding work per line.
pub const MAX_SENTENCE_LEN: usize = 1024;

/// Knots to km/h, exact by definition of the nautical mile.
const KNOTS_TO_KMH: f64 = 1.852;

/// What is wrong with a sentence. Field errors name the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NmeaError {
    /// Blank line.
    #[error("empty sentence")]
    Empty,
    /// Does not start with `$` or `!`.
    #[error("sentence must start with '$' or '!', found {0:?}")]
    BadStart(char),
    /// Longer than [`MAX_SENTENCE_LEN`].
    #[error("sentence is {len} characters, limit {MAX_SENTENCE_LEN}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The `*hh` checksum does not match the XOR of the characters between `$` and `*`.
    #[error("bad checksum: sentence says {carried:02X}, computed {computed:02X}")]
    BadChecksum {
        /// Value after `*`.
        carried: u8,
        /// XOR computed.
        computed: u8,
    },
    /// `*` not followed by two hex digits.
    #[error("malformed checksum field {0:?}: expected two hex digits after '*'")]
    MalformedChecksum(String),
    /// Control or non-ASCII characters where the standard allows only printable ASCII.
    #[error("non-printable or non-ASCII character at position {0}")]
    BadCharacter(usize),
    /// The address field (talker + sentence type) is malformed.
    #[error("bad address field {0:?}: expected a talker and sentence type such as GPRMC")]
    BadAddress(String),
    /// A field is present but not valid.
    #[error("{sentence} field {field}: {value:?} {reason}")]
    BadField {
        /// Sentence type.
        sentence: &'static str,
        /// Field name.
        field: &'static str,
        /// The text found.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Whether the sentence carried a checksum. A wrong one is an error, never a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumState {
    /// Present and matching.
    Valid,
    /// Absent (allowed by NMEA for some sentences, and by sloppy devices for all).
    Missing,
}

/// RMC: recommended minimum data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rmc {
    /// UTC time of day.
    pub time: Option<NaiveTime>,
    /// `A` valid, `V` warning.
    pub status: Option<char>,
    /// Degrees, negative south.
    pub lat: Option<f64>,
    /// Degrees, negative west.
    pub lon: Option<f64>,
    /// Speed over ground, km/h (wire: knots).
    pub speed_kmh: Option<f64>,
    /// Course over ground, degrees true.
    pub course: Option<f64>,
    /// UTC date.
    pub date: Option<NaiveDate>,
    /// Magnetic variation, degrees, negative west.
    pub magnetic_variation: Option<f64>,
    /// NMEA 2.3 mode indicator (A autonomous, D differential, E estimated, N not valid, ...).
    pub mode: Option<char>,
}

/// GGA: fix data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gga {
    /// UTC time of day.
    pub time: Option<NaiveTime>,
    /// Degrees, negative south.
    pub lat: Option<f64>,
    /// Degrees, negative west.
    pub lon: Option<f64>,
    /// 0 invalid, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float, 6 estimated, ...
    pub fix_quality: Option<u8>,
    /// Satellites in use.
    pub satellites: Option<u8>,
    /// Horizontal dilution of precision.
    pub hdop: Option<f64>,
    /// Altitude above mean sea level, metres.
    pub altitude_m: Option<f64>,
    /// Geoid separation, metres.
    pub geoid_separation_m: Option<f64>,
}

/// GNS: multi-constellation fix data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gns {
    /// UTC time of day.
    pub time: Option<NaiveTime>,
    /// Degrees, negative south.
    pub lat: Option<f64>,
    /// Degrees, negative west.
    pub lon: Option<f64>,
    /// One mode character per constellation (GPS, GLONASS, Galileo, BeiDou, ...): N no fix,
    /// A autonomous, D differential, P precise, R RTK, F float RTK, E estimated, M manual, S simulator.
    pub mode: Option<String>,
    /// Satellites in use.
    pub satellites: Option<u8>,
    /// Horizontal dilution of precision.
    pub hdop: Option<f64>,
    /// Altitude above mean sea level, metres.
    pub altitude_m: Option<f64>,
    /// Geoid separation, metres.
    pub geoid_separation_m: Option<f64>,
}

/// A decoded sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind")]
pub enum Sentence {
    /// Recommended minimum data.
    #[serde(rename = "RMC")]
    Rmc {
        /// Talker (GP, GN, BD, ...).
        talker: String,
        /// Fields.
        #[serde(flatten)]
        data: Rmc,
    },
    /// Fix data.
    #[serde(rename = "GGA")]
    Gga {
        /// Talker.
        talker: String,
        /// Fields.
        #[serde(flatten)]
        data: Gga,
    },
    /// Multi-constellation fix data.
    #[serde(rename = "GNS")]
    Gns {
        /// Talker.
        talker: String,
        /// Fields.
        #[serde(flatten)]
        data: Gns,
    },
    /// Any other sentence, framed and checked but not decoded.
    #[serde(rename = "other")]
    Other {
        /// Talker, or `P` for proprietary sentences.
        talker: String,
        /// Sentence type (for proprietary sentences: maker and type, e.g. `SRFEPE`).
        #[serde(rename = "type")]
        kind: String,
    },
}

/// A parsed sentence with its checksum verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed {
    /// `$` or `!` (encapsulation, e.g. AIS).
    pub start: char,
    /// Checksum verdict.
    pub checksum: ChecksumState,
    /// The content.
    #[serde(flatten)]
    pub sentence: Sentence,
}

/// A position fix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fix {
    /// Time in UTC, when date and time are both known.
    pub time: Option<DateTime<Utc>>,
    /// Degrees, negative south.
    pub lat: f64,
    /// Degrees, negative west.
    pub lon: f64,
    /// Speed, km/h.
    pub speed_kmh: Option<f64>,
    /// Course over ground, degrees true.
    pub course: Option<f64>,
    /// Whether the receiver called the fix valid.
    pub valid: bool,
}

impl Sentence {
    /// The fix this sentence carries, if it has a position. GGA and GNS carry only a time of
    /// day: `date` (e.g. from the last RMC or ZDA of the same receiver) completes it.
    pub fn fix(&self, date: Option<NaiveDate>) -> Option<Fix> {
        match self {
            Self::Rmc { data, .. } => data.fix(),
            Self::Gga { data, .. } => data.fix(date),
            Self::Gns { data, .. } => data.fix(date),
            Self::Other { .. } => None,
        }
    }
}

fn join(date: Option<NaiveDate>, time: Option<NaiveTime>) -> Option<DateTime<Utc>> {
    Some(date?.and_time(time?).and_utc())
}

impl Rmc {
    /// The fix, with date and time from the sentence itself.
    pub fn fix(&self) -> Option<Fix> {
        Some(Fix {
            time: join(self.date, self.time),
            lat: self.lat?,
            lon: self.lon?,
            speed_kmh: self.speed_kmh,
            course: self.course,
            valid: self.status == Some('A') && !matches!(self.mode, Some('N')),
        })
    }
}

impl Gga {
    /// The fix, dated by the caller.
    pub fn fix(&self, date: Option<NaiveDate>) -> Option<Fix> {
        Some(Fix {
            time: join(date, self.time),
            lat: self.lat?,
            lon: self.lon?,
            speed_kmh: None,
            course: None,
            valid: self.fix_quality.is_some_and(|q| q > 0),
        })
    }
}

impl Gns {
    /// The fix, dated by the caller.
    pub fn fix(&self, date: Option<NaiveDate>) -> Option<Fix> {
        Some(Fix {
            time: join(date, self.time),
            lat: self.lat?,
            lon: self.lon?,
            speed_kmh: None,
            course: None,
            valid: self
                .mode
                .as_deref()
                .is_some_and(|m| m.chars().any(|c| c != 'N')),
        })
    }
}

/// Parses one sentence. Surrounding whitespace and a trailing CR/LF are ignored.
pub fn parse(line: &str) -> Result<Parsed, NmeaError> {
    let line = line.trim();
    if line.len() > MAX_SENTENCE_LEN {
        return Err(NmeaError::TooLong { len: line.len() });
    }
    let mut chars = line.chars();
    let start = match chars.next() {
        None => return Err(NmeaError::Empty),
        Some(c @ ('$' | '!')) => c,
        Some(c) => return Err(NmeaError::BadStart(c)),
    };
    let rest = chars.as_str();
    if let Some(pos) = rest.bytes().position(|b| !(0x20..0x7f).contains(&b)) {
        return Err(NmeaError::BadCharacter(pos + 1));
    }
    let (content, checksum) = match rest.rsplit_once('*') {
        Some((content, hh)) => {
            let carried =
                parse_hex_byte(hh).ok_or_else(|| NmeaError::MalformedChecksum(hh.to_owned()))?;
            let computed = content.bytes().fold(0u8, |a, b| a ^ b);
            if carried != computed {
                return Err(NmeaError::BadChecksum { carried, computed });
            }
            (content, ChecksumState::Valid)
        }
        None => (rest, ChecksumState::Missing),
    };
    let mut fields = content.split(',');
    let address = fields.next().unwrap_or_default();
    let valid_address = address.len() >= 3
        && address.len() <= 10
        && address
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !valid_address {
        return Err(NmeaError::BadAddress(address.to_owned()));
    }
    // Proprietary sentences: `P` + maker mnemonic + type, no talker.
    let (talker, kind) = if address.starts_with('P') {
        address.split_at(1)
    } else {
        address.split_at(2)
    };
    let talker = talker.to_owned();
    let sentence = match (start, kind) {
        ('$', "RMC") if talker != "P" => Sentence::Rmc {
            talker,
            data: parse_rmc(&mut Fields::new("RMC", fields))?,
        },
        ('$', "GGA") if talker != "P" => Sentence::Gga {
            talker,
            data: parse_gga(&mut Fields::new("GGA", fields))?,
        },
        ('$', "GNS") if talker != "P" => Sentence::Gns {
            talker,
            data: parse_gns(&mut Fields::new("GNS", fields))?,
        },
        _ => Sentence::Other {
            talker,
            kind: kind.to_owned(),
        },
    };
    Ok(Parsed {
        start,
        checksum,
        sentence,
    })
}

fn parse_hex_byte(s: &str) -> Option<u8> {
    if s.len() != 2 {
        return None;
    }
    u8::from_str_radix(s, 16).ok()
}

/// Field cursor: missing trailing fields read as empty, as older NMEA versions omit them.
struct Fields<'a, I> {
    sentence: &'static str,
    it: I,
    _p: std::marker::PhantomData<&'a str>,
}

impl<'a, I: Iterator<Item = &'a str>> Fields<'a, I> {
    fn new(sentence: &'static str, it: I) -> Self {
        Self {
            sentence,
            it,
            _p: std::marker::PhantomData,
        }
    }

    fn next(&mut self) -> &'a str {
        self.it.next().unwrap_or_default()
    }

    fn bad(&self, field: &'static str, value: &str, reason: &'static str) -> NmeaError {
        NmeaError::BadField {
            sentence: self.sentence,
            field,
            value: value.to_owned(),
            reason,
        }
    }

    fn number<T: std::str::FromStr>(
        &mut self,
        field: &'static str,
    ) -> Result<Option<T>, NmeaError> {
        let v = self.next();
        if v.is_empty() {
            return Ok(None);
        }
        v.parse()
            .map(Some)
            .map_err(|_| self.bad(field, v, "is not a number"))
    }

    fn float(&mut self, field: &'static str) -> Result<Option<f64>, NmeaError> {
        let v: Option<f64> = self.number(field)?;
        match v {
            Some(x) if !x.is_finite() => Err(self.bad(field, &x.to_string(), "is not finite")),
            _ => Ok(v),
        }
    }

    fn char(&mut self, field: &'static str) -> Result<Option<char>, NmeaError> {
        let v = self.next();
        let mut cs = v.chars();
        match (cs.next(), cs.next()) {
            (None, _) => Ok(None),
            (Some(c), None) => Ok(Some(c)),
            _ => Err(self.bad(field, v, "should be one character")),
        }
    }

    fn time(&mut self) -> Result<Option<NaiveTime>, NmeaError> {
        let v = self.next();
        if v.is_empty() {
            return Ok(None);
        }
        let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
        let digits_ok = whole.len() == 6
            && whole.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
            && frac.len() <= 9;
        if !digits_ok {
            return Err(self.bad("time", v, "is not hhmmss[.sss]"));
        }
        let n = |r: std::ops::Range<usize>| {
            whole
                .get(r)
                .and_then(|s| s.parse::<u32>().ok())
                .unwrap_or(99)
        };
        let nanos = if frac.is_empty() {
            0
        } else {
            frac.parse::<u32>().unwrap_or(0) * 10u32.pow(9 - frac.len() as u32)
        };
        let (h, m, s) = (n(0..2), n(2..4), n(4..6));
        // Second 60 is a leap second; chrono expresses it as 59 with nanos ≥ 1e9.
        let t = if s == 60 {
            NaiveTime::from_hms_nano_opt(h, m, 59, 1_000_000_000 + nanos)
        } else {
            NaiveTime::from_hms_nano_opt(h, m, s, nanos)
        };
        t.map(Some)
            .ok_or_else(|| self.bad("time", v, "is not a time of day"))
    }

    fn date(&mut self) -> Result<Option<NaiveDate>, NmeaError> {
        let v = self.next();
        if v.is_empty() {
            return Ok(None);
        }
        if v.len() != 6 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.bad("date", v, "is not ddmmyy"));
        }
        let n =
            |r: std::ops::Range<usize>| v.get(r).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
        let (d, m, y) = (n(0..2), n(2..4), n(4..6));
        // Two-digit years: receivers from before 1980 do not exist (GPS week 0 is 1980).
        let year = if y < 80 { 2000 + y } else { 1900 + y } as i32;
        NaiveDate::from_ymd_opt(year, m, d)
            .map(Some)
            .ok_or_else(|| self.bad("date", v, "is not a calendar date"))
    }

    /// `ddmm.mmmm,N` or `dddmm.mmmm,E`.
    fn coordinate(
        &mut self,
        field: &'static str,
        degree_digits: usize,
        max: f64,
        positive: char,
        negative: char,
    ) -> Result<Option<f64>, NmeaError> {
        let v = self.next();
        let hemi = self.next();
        if v.is_empty() && hemi.is_empty() {
            return Ok(None);
        }
        if v.is_empty() {
            return Err(self.bad(field, hemi, "has a hemisphere but no value"));
        }
        let int_len = v.find('.').unwrap_or(v.len());
        if int_len < degree_digits + 2 || !v.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(self.bad(field, v, "is not (d)ddmm.mmmm"));
        }
        let split = int_len - 2;
        let deg: f64 = v
            .get(..split)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.bad(field, v, "is not (d)ddmm.mmmm"))?;
        let min: f64 = v
            .get(split..)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.bad(field, v, "is not (d)ddmm.mmmm"))?;
        if min >= 60.0 {
            return Err(self.bad(field, v, "has 60 or more minutes"));
        }
        let value = deg + min / 60.0;
        if value > max {
            return Err(self.bad(field, v, "is out of range"));
        }
        let mut hs = hemi.chars();
        match (hs.next(), hs.next()) {
            (Some(c), None) if c == positive => Ok(Some(value)),
            (Some(c), None) if c == negative => Ok(Some(-value)),
            _ => Err(self.bad(
                if degree_digits == 2 {
                    "latitude hemisphere"
                } else {
                    "longitude hemisphere"
                },
                hemi,
                "is not a hemisphere letter",
            )),
        }
    }
}

fn parse_rmc<'a, I: Iterator<Item = &'a str>>(f: &mut Fields<'a, I>) -> Result<Rmc, NmeaError> {
    let time = f.time()?;
    let status = f.char("status")?;
    if let Some(c) = status.filter(|c| !matches!(c, 'A' | 'V')) {
        return Err(f.bad("status", &c.to_string(), "is not A or V"));
    }
    let lat = f.coordinate("latitude", 2, 90.0, 'N', 'S')?;
    let lon = f.coordinate("longitude", 3, 180.0, 'E', 'W')?;
    let speed_kmh = f.float("speed")?.map(|k| k * KNOTS_TO_KMH);
    let course = f.float("course")?;
    let date = f.date()?;
    let var = f.float("magnetic variation")?;
    let var_dir = f.char("magnetic variation direction")?;
    let magnetic_variation = var.map(|v| if var_dir == Some('W') { -v } else { v });
    let mode = f.char("mode")?;
    Ok(Rmc {
        time,
        status,
        lat,
        lon,
        speed_kmh,
        course,
        date,
        magnetic_variation,
        mode,
    })
}

fn parse_gga<'a, I: Iterator<Item = &'a str>>(f: &mut Fields<'a, I>) -> Result<Gga, NmeaError> {
    let time = f.time()?;
    let lat = f.coordinate("latitude", 2, 90.0, 'N', 'S')?;
    let lon = f.coordinate("longitude", 3, 180.0, 'E', 'W')?;
    let fix_quality = f.number("fix quality")?;
    let satellites = f.number("satellites")?;
    let hdop = f.float("hdop")?;
    let altitude_m = f.float("altitude")?;
    let _unit = f.next();
    let geoid_separation_m = f.float("geoid separation")?;
    Ok(Gga {
        time,
        lat,
        lon,
        fix_quality,
        satellites,
        hdop,
        altitude_m,
        geoid_separation_m,
    })
}

fn parse_gns<'a, I: Iterator<Item = &'a str>>(f: &mut Fields<'a, I>) -> Result<Gns, NmeaError> {
    let time = f.time()?;
    let lat = f.coordinate("latitude", 2, 90.0, 'N', 'S')?;
    let lon = f.coordinate("longitude", 3, 180.0, 'E', 'W')?;
    let mode_raw = f.next();
    if !mode_raw.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(f.bad(
            "mode",
            mode_raw,
            "should be one capital letter per constellation",
        ));
    }
    let mode = (!mode_raw.is_empty()).then(|| mode_raw.to_owned());
    let satellites = f.number("satellites")?;
    let hdop = f.float("hdop")?;
    let altitude_m = f.float("altitude")?;
    let geoid_separation_m = f.float("geoid separation")?;
    Ok(Gns {
        time,
        lat,
        lon,
        mode,
        satellites,
        hdop,
        altitude_m,
        geoid_separation_m,
    })
}
