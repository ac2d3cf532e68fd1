//! The demo's logs: the station's log goes to `DATA/logs/guomen.log` (info and above, or what
//! `GUOMEN_LOG` asks for), the terminal shows warnings and errors only, printed above the
//! progress bar rather than through it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use anyhow::Context as _;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The progress bar on the terminal, while the day plays.
fn bar() -> &'static Mutex<Option<indicatif::ProgressBar>> {
    static BAR: OnceLock<Mutex<Option<indicatif::ProgressBar>>> = OnceLock::new();
    BAR.get_or_init(|| Mutex::new(None))
}

/// Warnings are printed above this bar while it is shown.
pub fn set_bar(b: Option<indicatif::ProgressBar>) {
    *bar().lock().unwrap_or_else(|p| p.into_inner()) = b;
}

/// Writes each log record to stderr in one piece, suspending the progress bar meanwhile.
#[derive(Debug, Default)]
pub struct Terminal {
    buf: Vec<u8>,
}

impl std::io::Write for Terminal {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let buf = std::mem::take(&mut self.buf);
        let out = || std::io::stderr().lock().write_all(&buf);
        let guard = bar().lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(b) => b.suspend(out),
            None => out(),
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[derive(Debug, Clone, Copy)]
struct MakeTerminal;

impl<'a> MakeWriter<'a> for MakeTerminal {
    type Writer = Terminal;

    fn make_writer(&'a self) -> Terminal {
        Terminal::default()
    }
}

/// Sets up the demo's logging; the log file's path.
pub fn init(data: &Path) -> anyhow::Result<PathBuf> {
    let dir = data.join("logs");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("guomen.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let file_filter = EnvFilter::try_from_env("GUOMEN_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let to_file = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .with_filter(file_filter);
    let to_terminal = tracing_subscriber::fmt::layer()
        .with_writer(MakeTerminal)
        .with_filter(LevelFilter::WARN);
    // A subscriber set before (tests) stays.
    let _ = tracing_subscriber::registry()
        .with(to_file)
        .with(to_terminal)
        .try_init();
    Ok(path)
}
