//! Any long-running program as a child process of a test (a `nats-server`, `guomen centre`):
//! started, waited for until it listens, stopped gently or killed hard, killed when dropped.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running child process, killed (SIGKILL) when dropped unless stopped before.
#[derive(Debug)]
pub struct Process {
    child: Child,
    name: String,
    /// The rest of the line the process announced itself with (see [`Process::until_line`]).
    pub announced: String,
}

impl Process {
    /// Starts `command` and waits until a line of its stdout starts with `prefix`; the rest of
    /// that line is kept in `announced`. Stdout is drained afterwards.
    pub fn until_line(
        name: &str,
        mut command: Command,
        prefix: &str,
        timeout: Duration,
    ) -> Process {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{name} does not start: {e}"));
        let stdout = child.stdout.take().expect("a piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        let prefix = prefix.to_owned();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let found = lines
                .by_ref()
                .map_while(Result::ok)
                .find_map(|l| l.strip_prefix(&prefix).map(|r| r.trim().to_owned()));
            let _ = tx.send(found);
            lines.for_each(drop);
        });
        let announced = match rx.recv_timeout(timeout) {
            Ok(Some(rest)) => rest,
            Ok(None) => {
                let _ = child.kill();
                panic!("{name} exited before announcing itself");
            }
            Err(_) => {
                let _ = child.kill();
                panic!("{name} did not announce itself within {timeout:?}");
            }
        };
        Process {
            child,
            name: name.to_owned(),
            announced,
        }
    }

    /// Starts `command` and waits until `addr` accepts TCP connections.
    pub fn until_listening(
        name: &str,
        mut command: Command,
        addr: SocketAddr,
        timeout: Duration,
    ) -> Process {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{name} does not start: {e}"));
        let deadline = Instant::now() + timeout;
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{name} exited before listening on {addr}: {status}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{name} not listening on {addr} within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Process {
            child,
            name: name.to_owned(),
            announced: String::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
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
        self.child
            .wait()
            .unwrap_or_else(|e| panic!("{} does not exit: {e}", self.name))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
