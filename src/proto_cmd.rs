//! `guomen proto decode`: hex JT/T 808 frames or NMEA sentences on stdin, one JSON object per
//! line on stdout, for the people who connect new devices.

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Hex frames as on the wire (with 0x7e delimiters, escaped)
    Jt808,
    /// NMEA 0183 sentences
    Nmea,
}

#[derive(Debug, clap::Subcommand)]
pub enum ProtoCommand {
    /// Decode one frame or sentence per stdin line (blank lines skipped) into one JSON object
    /// per line: `ok`, `error` when not ok, and the decoded fields
    Decode {
        #[arg(long, value_enum)]
        format: Format,
    },
}

/// Exit status 0 even when some lines fail to decode: failures are data (`"ok": false`).
pub fn run(cmd: ProtoCommand) -> anyhow::Result<ExitCode> {
    let ProtoCommand::Decode { format } = cmd;
    let stdin = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.split(b'\n') {
        let line = line?;
        // Invalid UTF-8 is reported by the decoder as bad hex / bad character, not fatal.
        let line = String::from_utf8_lossy(&line);
        if line.trim().is_empty() {
            continue;
        }
        let v = match format {
            Format::Jt808 => guomen_proto::jt808_line_to_json(&line),
            Format::Nmea => guomen_proto::nmea_line_to_json(&line),
        };
        writeln!(out, "{v}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
