//! `guomen proto decode` through the real binary, on the shared data: the JT/T 808 frames
//! extracted from Traccar's decoder tests (`jt808/jt808_frames.tsv`, Apache-2.0) and the gpsd
//! NMEA logs (`nmea/*.log`, BSD-2-Clause). Ignored, never passed, where the data is absent.

mod support;

use std::path::Path;

use guomen_testkit::{Failed, Trial, data_trials};
use serde_json::Value;

fn decode(format: &str, input: &str) -> Result<Vec<Value>, Failed> {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = support::guomen()
        .args(["proto", "decode", "--format", format])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Feed stdin from another thread: the output of a long input fills the stdout pipe
    // before the input is all written.
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output()?;
    writer.join().map_err(|_| "writer panicked")??;
    if !out.status.success() {
        return Err(format!(
            "exit {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| Failed::from(format!("not JSON: {e}: {l}"))))
        .collect()
}

fn jt808(path: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(path)?;
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
        .collect();
    // Blank lines in the input are skipped, not answered.
    let input: String = rows.iter().map(|r| format!("{}\n\n", r[3])).collect();
    let out = decode("jt808", &input)?;
    if out.len() != rows.len() {
        return Err(format!("{} lines in, {} objects out", rows.len(), out.len()).into());
    }
    let mut locations = 0;
    let mut reports = (0, 0);
    for (row, v) in rows.iter().zip(&out) {
        if ["0200", "0704"].contains(&row[1]) && row[2] == "True" {
            // Every report with a good check code decodes, whatever quirks it has.
            reports.0 += 1;
            reports.1 += usize::from(v["ok"] == true);
        }
        let ok = v["ok"].as_bool().ok_or("no `ok`")?;
        let checksum_ok = row[2] == "True";
        if !checksum_ok {
            if ok || !v["error"].as_str().unwrap_or("").contains("checksum") {
                return Err(format!("line {}: bad checksum not reported: {v}", row[0]).into());
            }
            continue;
        }
        if !ok {
            // Vendor variants may not follow the standard header; they must still say why.
            if v["error"].as_str().is_none_or(str::is_empty) {
                return Err(format!("line {}: failure without an error: {v}", row[0]).into());
            }
            continue;
        }
        let quirks = v["quirks"]
            .as_array()
            .ok_or_else(|| format!("line {}: ok without `quirks`: {v}", row[0]))?;
        // The shared frames' known quirk: a 0x7e left unescaped inside (lines 86 and 362).
        let expected: &[&str] = match row[0] {
            "86" | "362" => &["unescaped_delimiter"],
            _ => &[],
        };
        if quirks
            .iter()
            .map(|q| q.as_str().unwrap_or(""))
            .ne(expected.iter().copied())
        {
            return Err(
                format!("line {}: quirks {quirks:?}, expected {expected:?}", row[0]).into(),
            );
        }
        if v["msg_id"] != format!("0x{}", row[1].to_lowercase()) {
            return Err(format!("line {}: msg_id {} != {}", row[0], v["msg_id"], row[1]).into());
        }
        if v["msg_id"] == "0x0200" {
            locations += 1;
            for key in [
                "terminal",
                "serial",
                "lat",
                "lon",
                "speed_kmh",
                "course",
                "alarm",
                "status",
            ] {
                if v.get(key).is_none() {
                    return Err(format!("line {}: location without `{key}`: {v}", row[0]).into());
                }
            }
            if let Some(t) = v["time"].as_str() {
                chrono::DateTime::parse_from_rfc3339(t)
                    .map_err(|e| format!("line {}: time {t:?} is not RFC 3339: {e}", row[0]))?;
            }
        }
    }
    if locations == 0 {
        return Err("no location report decoded".into());
    }
    if reports.0 != reports.1 {
        return Err(format!("{} of {} reports decoded", reports.1, reports.0).into());
    }
    Ok(())
}

fn nmea_checksum_ok(line: &str) -> Option<bool> {
    let body = line.trim().strip_prefix('$')?;
    let (data, ck) = body.rsplit_once('*')?;
    let ck = u8::from_str_radix(ck.get(..2)?, 16).ok()?;
    Some(data.bytes().fold(0u8, |a, b| a ^ b) == ck)
}

fn nmea(path: &Path) -> Result<(), Failed> {
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let out = decode("nmea", &text)?;
    if out.len() != lines.len() {
        return Err(format!("{} lines in, {} objects out", lines.len(), out.len()).into());
    }
    for (line, v) in lines.iter().zip(&out) {
        let ok = v["ok"].as_bool().ok_or("no `ok`")?;
        if !ok && v["error"].as_str().is_none_or(str::is_empty) {
            return Err(format!("{line:?}: failure without an error").into());
        }
        if nmea_checksum_ok(line) == Some(false) && ok {
            return Err(format!("{line:?}: bad checksum accepted: {v}").into());
        }
        if line.starts_with('#') && ok {
            return Err(format!("{line:?}: a comment decoded as a sentence").into());
        }
    }
    Ok(())
}

fn main() {
    let mut trials = data_trials("jt808/jt808_frames.tsv", |p| {
        let p = p.to_owned();
        vec![Trial::test("proto_decode_jt808_frames", move || jt808(&p))]
    });
    trials.extend(data_trials("nmea", |dir| {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "log"));
        files.sort();
        files
            .into_iter()
            .map(|p| {
                let name = format!(
                    "proto_decode_nmea_{}",
                    p.file_stem().unwrap_or_default().to_string_lossy()
                );
                Trial::test(name, move || nmea(&p))
            })
            .collect()
    }));
    guomen_testkit::run(trials);
}
