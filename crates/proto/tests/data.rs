//! Data-driven tests over the shared public test data (never copied, read in place):
//! - `jt808/jt808_frames.tsv`, `jt808/jt808_escape_vectors.txt`: from traccar/traccar's
//!   decoder tests (Apache-2.0);
//! - `nmea/*.log`, `nmea/beidou-bd.log.chk`: gpsd's `test/daemon/` logs (BSD-2-Clause,
//!   `nmea/COPYING.gpsd`).
//!
//! Without the data folder every trial is reported as ignored with the reason.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use guomen_proto::jt808::{self, Frame, Jt808Error, Location, Message, wire};
use guomen_proto::nmea::{self, Fix, NmeaError, Sentence};
use guomen_testkit::{Failed, Trial, data_trials, run};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn plausible(l: &Location) -> Result<(), Failed> {
    let ok = l.lat.is_finite() && l.lon.is_finite() && l.lat.abs() <= 90.0 && l.lon.abs() <= 180.0;
    if !ok {
        return Err(format!("implausible position {} {}", l.lat, l.lon).into());
    }
    if l.status.has(jt808::StatusFlags::SOUTH) != (l.lat < 0.0) && l.lat != 0.0 {
        return Err("south bit and latitude sign disagree".into());
    }
    if let Some(t) = l.time {
        let year = chrono::Datelike::year(&t);
        if !(2000..=2100).contains(&year) {
            return Err(format!("implausible time {t}").into());
        }
    }
    Ok(())
}

fn check_decoded(frame: &Frame, msg_id: u16) -> Result<(), Failed> {
    if frame.header.msg_id != msg_id {
        return Err(format!(
            "msg id 0x{:04x}, file says 0x{msg_id:04x}",
            frame.header.msg_id
        )
        .into());
    }
    match &frame.message {
        Message::Location(l) => plausible(l)?,
        Message::LocationBatch(b) => {
            if b.locations.is_empty() {
                return Err("empty batch".into());
            }
            for l in &b.locations {
                plausible(l)?;
            }
        }
        Message::Unknown { .. } => {
            let decoded_ids = [
                0x0001, 0x0002, 0x0100, 0x0102, 0x0200, 0x0704, 0x8001, 0x8100,
            ];
            if decoded_ids.contains(&msg_id) {
                return Err("a standard message decoded as Unknown".into());
            }
        }
        _ => {}
    }
    Ok(())
}

/// Quirks the lenient decoder must name on the shared frames, by source line (every other
/// frame with a good check code decodes without any).
const EXPECTED_QUIRKS: &[(&str, &[&str])] = &[
    ("86", &["unescaped_delimiter"]),
    ("362", &["unescaped_delimiter"]),
];

const REPORT_IDS: [u16; 2] = [0x0200, 0x0704];

fn jt808_frame_trial(line: &str) -> Option<Trial> {
    let cols: Vec<&str> = line.split('\t').collect();
    let [src, id, ck, hex] = cols.as_slice() else {
        return None;
    };
    let name = format!("jt808_frames:line{src}_0x{id}");
    let src = src.to_string();
    let (id, ck, hex) = (
        u16::from_str_radix(id, 16).ok()?,
        *ck == "True",
        hex.to_string(),
    );
    Some(Trial::test(name, move || {
        let bytes = hex::decode(&hex).map_err(|e| format!("bad hex in data: {e}"))?;
        let standard = [0x0001, 0x0002, 0x0100, 0x0102, 0x0200, 0x0704].contains(&id);
        let strict = jt808::decode_frame(&bytes);
        let lenient = jt808::decode_frame_lenient(&bytes);
        let expected: Vec<&str> = EXPECTED_QUIRKS
            .iter()
            .find(|(line, _)| *line == src)
            .map(|(_, q)| q.to_vec())
            .unwrap_or_default();
        if !ck {
            // A bad check code is refused by both, whatever else is wrong.
            return match (&strict, &lenient) {
                (Err(Jt808Error::BadChecksum { .. }), Err(Jt808Error::BadChecksum { .. })) => {
                    Ok(())
                }
                _ => Err(format!(
                    "file says the checksum is bad: strict {strict:?}, lenient {lenient:?}"
                )
                .into()),
            };
        }
        match (&strict, &lenient) {
            (Ok(s), Ok(l)) if *s != l.frame || !l.quirks.is_empty() => {
                return Err("a standard frame decodes differently when lenient".into());
            }
            (Ok(_), Err(e)) => return Err(format!("lenient refuses a standard frame: {e}").into()),
            _ => {}
        }
        match lenient {
            Ok(d) => {
                let names: Vec<&str> = d.quirks.iter().map(|q| q.name()).collect();
                if names != expected {
                    return Err(format!("quirks {names:?}, expected {expected:?}").into());
                }
                if let Err(e) = &strict {
                    eprintln!("line {src}: strict refuses ({e}); lenient decodes with {names:?}");
                }
                check_decoded(&d.frame, id)
            }
            Err(e) if !standard => {
                // Vendor messages (0x5501/0x5502) use a private header layout.
                eprintln!("line {src}: vendor message 0x{id:04x} refused: {e}");
                Ok(())
            }
            Err(e) => Err(format!("standard message 0x{id:04x} refused: {e}").into()),
        }
    }))
}

/// Every report (0x0200, 0x0704) with a good check code decodes, whole and as one TCP stream
/// fed in uneven chunks (where a bare 0x7e cuts a frame for the splitter and must be rejoined).
fn jt808_reports_trial(path: &Path) -> Vec<Trial> {
    let text = read(path);
    let rows: Vec<(String, u16, bool, Vec<u8>)> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let [src, id, ck, hex] = c.as_slice() else {
                return None;
            };
            Some((
                src.to_string(),
                u16::from_str_radix(id, 16).ok()?,
                *ck == "True",
                hex::decode(hex).ok()?,
            ))
        })
        .collect();
    vec![Trial::test(
        "jt808_frames:every_report_decoded",
        move || {
            let reports: Vec<&(String, u16, bool, Vec<u8>)> = rows
                .iter()
                .filter(|r| REPORT_IDS.contains(&r.1) && r.2)
                .collect();
            let strict = reports
                .iter()
                .filter(|r| jt808::decode_frame(&r.3).is_ok())
                .count();
            let lenient = reports
                .iter()
                .filter(|r| jt808::decode_frame_lenient(&r.3).is_ok())
                .count();
            eprintln!(
                "{} reports with a good check code: strict decodes {strict}, lenient {lenient}",
                reports.len()
            );
            if lenient != reports.len() {
                return Err(format!("lenient decodes {lenient} of {}", reports.len()).into());
            }
            let mut stream = Vec::new();
            for r in &rows {
                stream.extend_from_slice(&r.3);
            }
            for chunk in [1, 7, 64, stream.len()] {
                let mut s = jt808::LenientStream::default();
                let mut decoded = Vec::new();
                for c in stream.chunks(chunk) {
                    s.push(c);
                    while let Some(r) = s.next_decoded() {
                        decoded.extend(r.ok());
                    }
                }
                s.flush_held();
                while let Some(r) = s.next_decoded() {
                    decoded.extend(r.ok());
                }
                let got: Vec<u16> = decoded
                    .iter()
                    .map(|d| d.frame.header.msg_id)
                    .filter(|id| REPORT_IDS.contains(id))
                    .collect();
                let want: Vec<u16> = reports.iter().map(|r| r.1).collect();
                if got != want {
                    return Err(
                        format!("chunks of {chunk}: reports {got:04x?}, want {want:04x?}").into(),
                    );
                }
            }
            Ok(())
        },
    )]
}

fn jt808_trials() -> Vec<Trial> {
    let mut trials = data_trials("jt808/jt808_frames.tsv", |path| {
        let text = read(path);
        let trials: Vec<Trial> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(jt808_frame_trial)
            .collect();
        assert!(
            trials.len() >= 40,
            "expected 40 frames, found {}",
            trials.len()
        );
        trials
    });
    trials.extend(data_trials("jt808/jt808_frames.tsv", jt808_reports_trial));
    trials.extend(data_trials("jt808/jt808_escape_vectors.txt", |path| {
        let text = read(path);
        let lines: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        lines
            .chunks(2)
            .enumerate()
            .map(|(i, pair)| {
                let pair = pair.to_vec();
                Trial::test(format!("jt808_escape_vectors:pair{i}"), move || {
                    escape_vector(&pair)
                })
            })
            .collect()
    }));
    trials
}

/// Pairs of (payload, wire). Wire bytes may carry noise before the first 0x7e, and may hold no
/// frame at all (a text protocol passing through untouched).
fn escape_vector(pair: &[String]) -> Result<(), Failed> {
    let [expected, wire_hex] = pair else {
        return Err("odd number of lines".into());
    };
    let expected = hex::decode(expected).map_err(|e| e.to_string())?;
    let wire_bytes = hex::decode(wire_hex).map_err(|e| e.to_string())?;
    if !wire_bytes.contains(&wire::FLAG) {
        // No delimiter: nothing to unescape, and escaping must leave it alone too.
        if wire::unescape(&wire_bytes)? != expected || wire::escape(&expected) != wire_bytes {
            return Err("undelimited bytes changed".into());
        }
        return Ok(());
    }
    let mut splitter = jt808::FrameSplitter::default();
    splitter.push(&wire_bytes);
    let frame = splitter.next_frame().ok_or("no frame found")??;
    let inner = frame.get(1..frame.len() - 1).unwrap_or_default();
    let payload = wire::unescape(inner)?;
    let mut got = vec![wire::FLAG];
    got.extend_from_slice(&payload);
    got.push(wire::FLAG);
    if got != expected {
        return Err(format!(
            "unescaped {} != {}",
            hex::encode(&got),
            hex::encode(&expected)
        )
        .into());
    }
    let inner_expected = expected.get(1..expected.len() - 1).unwrap_or_default();
    if wire::escape(inner_expected) != inner {
        return Err("escaping the payload does not give the wire bytes back".into());
    }
    Ok(())
}

fn nmea_sentences(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect()
}

fn nmea_log_trial(file: &'static str) -> Vec<Trial> {
    data_trials(&format!("nmea/{file}"), |path| {
        let text = read(path);
        vec![Trial::test(format!("nmea_log:{file}"), move || {
            let mut failures = Vec::new();
            let mut fixes = 0;
            for (n, line) in nmea_sentences(&text) {
                match nmea::parse(&line) {
                    Ok(p) => fixes += usize::from(p.sentence.fix(None).is_some()),
                    Err(e) => failures.push(format!("line {n}: {e}: {line}")),
                }
            }
            if !failures.is_empty() {
                return Err(failures.join("\n").into());
            }
            if fixes == 0 {
                return Err("no position in the whole log".into());
            }
            Ok(())
        })]
    })
}

#[derive(Debug)]
struct Tpv {
    time: Option<DateTime<Utc>>,
    lat: f64,
    lon: f64,
}

fn gpsd_tpvs(chk: &str) -> Vec<Tpv> {
    chk.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["class"] == "TPV")
        .filter_map(|v| {
            Some(Tpv {
                time: v["time"]
                    .as_str()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc)),
                lat: v["lat"].as_f64()?,
                lon: v["lon"].as_f64()?,
            })
        })
        .collect()
}

/// Our fixes from RMC (own date) and GGA/GNS (dated by the last RMC), against gpsd's TPVs.
fn beidou_vs_gpsd() -> Vec<Trial> {
    data_trials("nmea/beidou-bd.log", |log| {
        let log = read(log);
        let Some(chk) = guomen_testkit::data_path("nmea/beidou-bd.log.chk") else {
            return vec![Trial::test("beidou_vs_gpsd", || Ok(())).with_ignored_flag(true)];
        };
        let chk = read(&chk);
        vec![Trial::test("nmea:beidou-bd_vs_gpsd_tpv", move || {
            let mut date: Option<NaiveDate> = None;
            let mut fixes: Vec<Fix> = Vec::new();
            for (_, line) in nmea_sentences(&log) {
                let p = nmea::parse(&line)?;
                if let Sentence::Rmc { data, .. } = &p.sentence {
                    date = data.date.or(date);
                }
                fixes.extend(p.sentence.fix(date).filter(|f| f.valid));
            }
            let tpvs = gpsd_tpvs(&chk);
            let timed: Vec<&Tpv> = tpvs.iter().filter(|t| t.time.is_some()).collect();
            if tpvs.is_empty() || timed.is_empty() {
                return Err("no TPV with a position in the .chk file".into());
            }
            let close =
                |f: &Fix, t: &Tpv| (f.lat - t.lat).abs() < 1e-8 && (f.lon - t.lon).abs() < 1e-8;
            for t in &tpvs {
                let hit = fixes
                    .iter()
                    .any(|f| close(f, t) && (t.time.is_none() || f.time == t.time));
                if !hit {
                    return Err(format!("gpsd reports {t:?}, no fix of ours matches").into());
                }
            }
            // And the other way: every timed fix of ours at a time gpsd reports agrees with it.
            for f in &fixes {
                let Some(t) = timed.iter().find(|t| t.time == f.time) else {
                    continue;
                };
                if !fixes
                    .iter()
                    .filter(|g| g.time == f.time)
                    .any(|g| close(g, t))
                {
                    return Err(format!("fix {f:?} disagrees with gpsd {t:?}").into());
                }
            }
            Ok(())
        })]
    })
}

/// The fuzzy-arithmetic cases must parse; every corruption of them must give an error value
/// (naming what is wrong) or a result, never a panic.
fn fuzzy_cases() -> Vec<Trial> {
    data_trials("nmea/nmea-fuzzy-cases.log", |path| {
        let text = read(path);
        vec![Trial::test("nmea:fuzzy_cases_and_corruptions", move || {
            for (n, line) in nmea_sentences(&text) {
                let p = nmea::parse(&line).map_err(|e| format!("line {n}: {e}"))?;
                let fix = p
                    .sentence
                    .fix(NaiveDate::from_ymd_opt(2020, 3, 18))
                    .ok_or(format!("line {n}: no fix"))?;
                // 4134.49821229 N 09345.03351845 W: Iowa.
                if !(41.5..41.6).contains(&fix.lat) || !(-93.8..-93.7).contains(&fix.lon) {
                    return Err(format!("line {n}: fix off: {fix:?}").into());
                }
                for cut in 0..line.len() {
                    let _ = nmea::parse(line.get(..cut).unwrap_or_default());
                }
                // Corrupt one character: the checksum must catch it, or the field parser must.
                let bytes = line.as_bytes();
                for i in 1..bytes.len().saturating_sub(3) {
                    let mut b = bytes.to_vec();
                    if let Some(x) = b.get_mut(i) {
                        *x = if *x == b'9' { b'0' } else { b'9' };
                    }
                    let s = String::from_utf8_lossy(&b);
                    match nmea::parse(&s) {
                        Err(NmeaError::BadChecksum { .. }) => {}
                        Err(e) if e.to_string().is_empty() => {
                            return Err("error without text".into());
                        }
                        Err(_) => {}
                        Ok(_) => return Err(format!("corrupted line accepted: {s}").into()),
                    }
                }
                // Without the checksum the field parsers alone must name the bad field.
                let body = line.split('*').next().unwrap_or_default();
                let bad = body.replacen(",N,", ",Q,", 1);
                match nmea::parse(&bad) {
                    Err(NmeaError::BadField { field, .. }) if field.contains("hemisphere") => {}
                    other => {
                        return Err(format!("expected a hemisphere error, got {other:?}").into());
                    }
                }
            }
            Ok(())
        })]
    })
}

fn main() {
    let mut trials = jt808_trials();
    for f in [
        "beidou-bd.log",
        "beidou-gb.log",
        "quectel-l76k-nmea.log",
        "nmea-fuzzy-cases.log",
    ] {
        trials.extend(nmea_log_trial(f));
    }
    trials.extend(beidou_vs_gpsd());
    trials.extend(fuzzy_cases());
    run(trials)
}
