//! A JSON-RPC client that talks to a server binary over its real stdin and stdout.

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The path of a binary built by this workspace (`cargo test` builds the
/// examples first because the tests crate depends on nothing that does, so
/// the test builds it on demand).
pub fn example_binary(name: &str) -> PathBuf {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", name])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building example {name} failed");
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.pop();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("target"));
    target.join("debug").join(name)
}

/// A server process and the pipes to it.
pub struct StdioPeer {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Lines<BufReader<ChildStdout>>,
}

/// How long one read may wait before the test fails (not a timing assertion:
/// it only turns a hang into a failure).
const READ_LIMIT: Duration = Duration::from_secs(30);

impl StdioPeer {
    /// Starts `binary` with piped stdin and stdout (stderr is inherited).
    pub fn spawn(binary: &PathBuf) -> StdioPeer {
        let mut child = Command::new(binary)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        StdioPeer {
            child,
            stdin,
            stdout,
        }
    }

    /// Writes one line (a message, or anything else).
    pub async fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(line.as_bytes()).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        stdin.flush().await.unwrap();
    }

    /// Writes one message.
    pub async fn send(&mut self, message: Value) {
        self.send_line(&message.to_string()).await
    }

    /// Reads the next message the server wrote.
    pub async fn recv(&mut self) -> Value {
        let line = tokio::time::timeout(READ_LIMIT, self.stdout.next_line())
            .await
            .expect("the server answered in time")
            .expect("stdout is readable")
            .expect("the server did not close stdout");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the server wrote a line that is not JSON ({e}): {line}"))
    }

    /// Reads messages until the response with `id`, returning it and the
    /// notifications that came before it.
    pub async fn response_to(&mut self, id: i64) -> (Value, Vec<Value>) {
        let mut notifications = Vec::new();
        loop {
            let message = self.recv().await;
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return (message, notifications);
            }
            notifications.push(message);
        }
    }

    /// Sends `initialize` and `notifications/initialized`; returns the result.
    pub async fn initialize(&mut self, version: &str) -> Value {
        self.send(json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "stdio-test", "version": "1"}}
        }))
        .await;
        let (response, _) = self.response_to(0).await;
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        response
    }

    /// Closes the server's stdin (end of input), keeping its stdout to read.
    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// Closes stdin and waits for the process to exit; returns whether it
    /// exited successfully.
    pub async fn close(mut self) -> bool {
        self.stdin.take();
        let status = tokio::time::timeout(READ_LIMIT, self.child.wait())
            .await
            .expect("the server exited after stdin closed")
            .expect("wait works");
        status.success()
    }
}
