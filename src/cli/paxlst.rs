//! `guomen paxlst`: read a PAXLST interchange and print what was read.

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

#[derive(Debug, Args)]
pub struct PaxlstArgs {
    /// One compact JSON line (without it the same document is pretty-printed, with a short
    /// summary on stderr)
    #[arg(long)]
    json: bool,
    /// The interchange file (teletype envelope, UNA optional); stdin when absent
    file: Option<PathBuf>,
}

/// Prints `{"messages":[...],"errors":[...]}`; exit 0 when an interchange was read (its errors
/// listed), 1 when the input is not one.
pub fn paxlst(args: PaxlstArgs) -> anyhow::Result<ExitCode> {
    let bytes = match &args.file {
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        None => {
            let mut b = Vec::new();
            std::io::stdin()
                .read_to_end(&mut b)
                .context("cannot read stdin")?;
            b
        }
    };
    // Carriers' systems send Latin-1 as often as UTF-8; a stray byte must not hide the rest.
    let text = String::from_utf8_lossy(&bytes);
    let ic = match guomen_paxlst::parse(&text) {
        Ok(ic) => ic,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let doc = ic.to_json();
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{doc}")?;
    } else {
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        eprintln!(
            "{} message(s), {} person(s), {} error(s)",
            ic.messages.len(),
            ic.persons().count(),
            ic.errors.len()
        );
        for e in &ic.errors {
            eprintln!("  segment {} {}: {}", e.segment, e.tag, e.message);
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
