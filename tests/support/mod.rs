//! Running the real `guomen` binary as a separate process.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn guomen() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_guomen"));
    c.env_remove("GUOMEN_CONFIG")
        .env_remove("GUOMEN_DATA")
        .env_remove("GUOMEN_DATABASE")
        .env("GUOMEN_LOG", "warn");
    c
}

pub fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = guomen()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("guomen starts");
    if let Some(mut s) = child.stdin.take() {
        let _ = s.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("guomen finishes")
}

/// Creates a user and returns the API token (the last line of stdout).
pub fn add_user(data: &Path, name: &str, role: &str, password: &str) -> String {
    let out = run_with_stdin(
        &[
            "user",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            "--data",
            data.to_str().unwrap(),
        ],
        &format!("{password}\n"),
    );
    assert!(
        out.status.success(),
        "user add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .expect("a token line")
        .trim()
        .to_owned()
}

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Starts `guomen serve` on a free loopback port and waits until it listens.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        let mut child = guomen()
            .args([
                "serve",
                "--data",
                data.to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
                // Fixed default ports would collide between tests running side by side.
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
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no stdout from guomen serve");
        };
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        let base = loop {
            if Instant::now() > deadline {
                break None;
            }
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("guomen listening on ") {
                        break Some(url.trim().to_owned());
                    }
                }
                _ => break None,
            }
        };
        let Some(base) = base else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("guomen serve exited or never reported its address");
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Server { child, base }
    }

    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("server exits")
    }
}
