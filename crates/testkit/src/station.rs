//! The real `guomen` binary as a separate process: one-shot commands, `guomen user add`, and a
//! station (`guomen serve`) on free loopback ports that is killed when dropped.
//!
//! Only the root package's tests know where the binary is (`env!("CARGO_BIN_EXE_guomen")`),
//! so the path is given once, to [`Guomen::new`].

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a station may take to listen and answer `/readyz`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The `guomen` binary under test.
#[derive(Clone, Debug)]
pub struct Guomen {
    bin: PathBuf,
}

impl Guomen {
    /// The binary at `bin`, e.g. `Guomen::new(env!("CARGO_BIN_EXE_guomen"))`.
    pub fn new(bin: impl Into<PathBuf>) -> Guomen {
        Guomen { bin: bin.into() }
    }

    /// A command for the binary, isolated from the caller's environment (no configuration file,
    /// data folder or database from `GUOMEN_*`) and logging only warnings.
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.env_remove("GUOMEN_CONFIG")
            .env_remove("GUOMEN_DATA")
            .env_remove("GUOMEN_DATABASE")
            .env("GUOMEN_LOG", "warn");
        c
    }

    /// Runs `guomen ARGS` with `stdin` as its input (written from another thread, so a long
    /// output cannot block it) and waits for it to finish.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut command = self.command();
        command.args(args);
        output_with_stdin(command, stdin).unwrap_or_else(|e| panic!("guomen {args:?}: {e}"))
    }

    /// Creates a user with `guomen user add` in the data folder `data` and returns its API
    /// token (the last line of the output). Panics if the command fails.
    pub fn add_user(&self, data: &Path, name: &str, role: &str, password: &str) -> String {
        self.add_user_with(data, name, role, password, &[])
    }

    /// A device user whose scopes are `scopes` (`lane:*,sensor:F-07`...), and its token.
    pub fn add_device(&self, data: &Path, name: &str, scopes: &str, password: &str) -> String {
        self.add_user_with(data, name, "device", password, &["--scope", scopes])
    }

    fn add_user_with(
        &self,
        data: &Path,
        name: &str,
        role: &str,
        password: &str,
        extra: &[&str],
    ) -> String {
        let data = data.to_str().expect("a UTF-8 data path");
        let mut args = vec![
            "user",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            "--data",
            data,
        ];
        args.extend_from_slice(extra);
        let out = self.run_with_stdin(&args, &format!("{password}\n"));
        assert!(
            out.status.success(),
            "guomen user add {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .expect("a token line")
            .trim()
            .to_owned()
    }

    /// Runs `guomen journal verify` on `data` and panics with its output unless the journal is
    /// intact.
    pub fn assert_journal_verifies(&self, data: &Path) {
        let out = self
            .command()
            .args(["journal", "verify", "--data"])
            .arg(data)
            .output()
            .expect("guomen journal verify runs");
        assert!(
            out.status.success(),
            "journal verify: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts `guomen serve` on the data folder `data`; see [`Station`].
    pub fn serve(&self, data: &Path, extra: &[&str]) -> Station {
        Station::start(self, data.to_owned(), None, extra)
    }

    /// Starts `guomen serve` on a fresh data folder, removed when the station is dropped.
    pub fn serve_fresh(&self, extra: &[&str]) -> Station {
        let dir = tempfile::tempdir().expect("a temporary folder");
        Station::start(self, dir.path().join("data"), Some(dir), extra)
    }
}

/// Runs `command` with `input` on its stdin and collects its output.
pub fn output_with_stdin(mut command: Command, input: &str) -> std::io::Result<Output> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    let input = input.to_owned();
    // A reader that stops early (an error) closes the pipe: not our failure to report.
    let writer = std::thread::spawn(move || drop(stdin.write_all(input.as_bytes())));
    let out = child.wait_with_output()?;
    let _ = writer.join();
    Ok(out)
}

/// A running `guomen serve`: HTTP, JT/T 808, NMEA and MQTT on free loopback ports (tests side
/// by side never collide). Ready once `/readyz` answers 200. Killed (SIGKILL) when dropped,
/// unless stopped before.
#[derive(Debug)]
pub struct Station {
    child: Child,
    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    data: PathBuf,
    guomen: Guomen,
    // Dropped after the child is killed (fields drop after `Drop::drop`).
    _dir: Option<tempfile::TempDir>,
}

impl Station {
    fn start(
        guomen: &Guomen,
        data: PathBuf,
        dir: Option<tempfile::TempDir>,
        extra: &[&str],
    ) -> Station {
        let mut child = guomen
            .command()
            .arg("serve")
            .arg("--data")
            .arg(&data)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--jt808-listen",
                "127.0.0.1:0",
                "--nmea-listen",
                "127.0.0.1:0",
                "--mqtt-listen",
                "127.0.0.1:0",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("guomen serve starts");
        let stdout = child.stdout.take().expect("a piped stdout");
        let mut station = Station {
            child,
            base: String::new(),
            data,
            guomen: guomen.clone(),
            _dir: dir,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        let mut lines = BufReader::new(stdout).lines();
        let base = lines.by_ref().map_while(Result::ok).find_map(|line| {
            line.strip_prefix("guomen listening on ")
                .map(|url| url.trim().to_owned())
        });
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let Some(base) = base else {
            panic!("guomen serve exited or never reported its address");
        };
        station.base = base;
        loop {
            if station.get_status("/readyz") == Some(200) {
                return station;
            }
            if let Ok(Some(status)) = station.child.try_wait() {
                panic!("guomen serve exited before it was ready: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "guomen serve not ready within {START_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The base URL followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The station's data folder.
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// Creates a user in the station's data folder (while it runs) and returns its API token.
    pub fn add_user(&self, name: &str, role: &str, password: &str) -> String {
        self.guomen.add_user(&self.data, name, role, password)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The HTTP status of a bare `GET path`, or `None` if nothing answers.
    fn get_status(&self, path: &str) -> Option<u16> {
        let host = self.base.strip_prefix("http://")?;
        let mut s = TcpStream::connect(host).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").ok()?;
        let mut head = [0u8; 12];
        s.read_exact(&mut head).ok()?;
        std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
    }

    /// Kills the process (SIGKILL), as a power cut would, and waits for it.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks for a graceful shutdown (SIGTERM) and waits for the exit.
    pub fn stop(mut self) -> ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("the station exits")
    }
}

impl Drop for Station {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
