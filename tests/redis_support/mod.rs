//! Helpers of the Redis tests: a real `redis-server` on a free port with its
//! own directory, the example processes (`tasks` HTTP nodes, `worker`
//! processes) started the way a person starts them, and a small MCP client
//! over HTTP (2025-11-25 sessions with a bearer token, so a task is bound to
//! the token's identity and visible from every node).
#![allow(dead_code)]

pub mod cluster;
pub mod sentinel;

use ferrymcp_tests::stdio::example_binary;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The bearer token every node accepts (subject `dev`).
pub const TOKEN: &str = "dev-secret-token-3f9a";

/// The tests of one binary run one at a time: each starts several processes.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Takes [`ONE_AT_A_TIME`] (a failed test does not poison it).
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().await
}

/// A safety net for waits: a hang becomes a failure, never a timing assertion.
pub const LIMIT: Duration = Duration::from_secs(60);

/// A `redis-server` this test started, on its own port and directory.
pub struct Redis {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
    persistent: bool,
    /// More `redis-server` arguments (a Cluster node, a Sentinel).
    extra: Vec<String>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Redis {
    /// Starts a fresh `redis-server`; `persistent` turns on the append-only
    /// file with `fsync` at every write. Fails the test (never skips it)
    /// when the server cannot be started.
    pub fn start(persistent: bool) -> Redis {
        Redis::start_with(persistent, &[])
    }

    /// [`start`](Self::start) with more `redis-server` arguments.
    pub fn start_with(persistent: bool, extra: &[&str]) -> Redis {
        ensure_redis_installed();
        let dir = std::env::temp_dir().join(format!(
            "ferrymcp-redis-{}-{:x}",
            std::process::id(),
            rand_u64()
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
        let mut redis = Redis {
            child: None,
            port: free_port(),
            dir,
            persistent,
            extra: extra.iter().map(|a| a.to_string()).collect(),
        };
        redis.spawn();
        redis
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new("redis-server");
        cmd.arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", "127.0.0.1", "--save", "", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--logfile", "redis.log"]);
        if self.persistent {
            cmd.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            cmd.args(["--appendonly", "no"]);
        }
        cmd.args(&self.extra);
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start `redis-server` ({e}). The Redis tests need a real Redis: install it \
                     (`apt-get install redis-server`, or `brew install redis`) so that `redis-server` is on PATH"
                )
            });
        self.child = Some(child);
        let started = Instant::now();
        while !self.ping() {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                let log = std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default();
                panic!("redis-server exited at start ({status}); its log:\n{log}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "redis-server did not answer PING on port {} within 20 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether it answers PING.
    pub fn ping(&self) -> bool {
        matches!(self.command(&["PING"]), Some(r) if r.starts_with("+PONG"))
    }

    /// Sends one command (RESP) and returns the raw reply, or `None` when
    /// the server cannot be reached.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        command_on(self.port, args)
    }

    /// Sends one command and parses its reply; fails the test when the
    /// server cannot be reached or the reply is malformed.
    pub fn query(&self, args: &[&str]) -> Resp {
        let raw = self
            .command(args)
            .unwrap_or_else(|| panic!("redis-server did not answer {args:?}"));
        let (reply, _) = Resp::parse(raw.as_bytes(), 0)
            .unwrap_or_else(|| panic!("a malformed reply to {args:?}: {raw:?}"));
        reply
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Its process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server at once (SIGKILL: no shutdown save).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

/// Sends one command (RESP) to the server on `port`; the raw reply, or
/// `None` when it cannot be reached.
pub fn command_on(port: u16, args: &[&str]) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    stream.write_all(req.as_bytes()).ok()?;
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let n = stream.read(&mut buf).ok()?;
        out.extend_from_slice(&buf[..n]);
        if n == 0 || complete(&out) {
            break;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// A parsed RESP2 reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Resp {
    /// `+OK`.
    Simple(String),
    /// `-ERR ...`.
    Error(String),
    /// `:1`.
    Int(i64),
    /// `$n` (`None`: the null bulk string).
    Bulk(Option<String>),
    /// `*n` (`None`: the null array).
    Array(Option<Vec<Resp>>),
}

impl Resp {
    fn parse(b: &[u8], i: usize) -> Option<(Resp, usize)> {
        let end = b.get(i..)?.windows(2).position(|w| w == b"\r\n")? + i;
        let line = std::str::from_utf8(&b[i + 1..end]).ok()?;
        match b.get(i)? {
            b'+' => Some((Resp::Simple(line.into()), end + 2)),
            b'-' => Some((Resp::Error(line.into()), end + 2)),
            b':' => Some((Resp::Int(line.parse().ok()?), end + 2)),
            b'$' => {
                let n: i64 = line.parse().ok()?;
                if n < 0 {
                    return Some((Resp::Bulk(None), end + 2));
                }
                let start = end + 2;
                let text = String::from_utf8(b.get(start..start + n as usize)?.to_vec()).ok()?;
                Some((Resp::Bulk(Some(text)), start + n as usize + 2))
            }
            b'*' => {
                let n: i64 = line.parse().ok()?;
                if n < 0 {
                    return Some((Resp::Array(None), end + 2));
                }
                let mut at = end + 2;
                let mut items = Vec::new();
                for _ in 0..n {
                    let (item, next) = Resp::parse(b, at)?;
                    items.push(item);
                    at = next;
                }
                Some((Resp::Array(Some(items)), at))
            }
            _ => None,
        }
    }

    /// The integer of `:n`.
    pub fn int(&self) -> i64 {
        match self {
            Resp::Int(n) => *n,
            other => panic!("an integer reply expected, got {other:?}"),
        }
    }

    /// The text of a bulk or simple string (`None`: nil).
    pub fn text(&self) -> Option<String> {
        match self {
            Resp::Bulk(t) => t.clone(),
            Resp::Simple(t) => Some(t.clone()),
            other => panic!("a string reply expected, got {other:?}"),
        }
    }

    /// The items of an array (empty for the null array).
    pub fn items(&self) -> Vec<Resp> {
        match self {
            Resp::Array(items) => items.clone().unwrap_or_default(),
            other => panic!("an array reply expected, got {other:?}"),
        }
    }
}

/// Whether a RESP reply is complete (enough for the replies these tests read).
fn complete(buf: &[u8]) -> bool {
    fn value(b: &[u8], i: usize) -> Option<usize> {
        let end = b[i..].windows(2).position(|w| w == b"\r\n")? + i;
        let line = std::str::from_utf8(&b[i + 1..end]).ok()?;
        match b.get(i)? {
            b'+' | b'-' | b':' => Some(end + 2),
            b'$' => {
                let n: i64 = line.parse().ok()?;
                if n < 0 {
                    return Some(end + 2);
                }
                let stop = end + 2 + n as usize + 2;
                (b.len() >= stop).then_some(stop)
            }
            b'*' => {
                let n: i64 = line.parse().ok()?;
                let mut at = end + 2;
                for _ in 0..n.max(0) {
                    at = value(b, at)?;
                }
                Some(at)
            }
            _ => None,
        }
    }
    !buf.is_empty() && value(buf, 0).is_some_and(|n| n <= buf.len())
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

/// The path of an example's binary, built once per test process (a test
/// that starts several processes of one example runs `cargo build` once).
fn built(package: &str) -> PathBuf {
    static BUILT: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, path)) = built.iter().find(|(p, _)| p == package) {
        return path.clone();
    }
    let path = example_binary(package);
    built.push((package.to_owned(), path.clone()));
    path
}

/// An example process, killed (SIGKILL) when dropped; its stderr is kept.
pub struct Process {
    child: Child,
    /// The first line it printed on stdout (a node's URL).
    pub first_line: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Process {
    fn start(package: &str, args: &[String]) -> Process {
        Process::start_logging(package, args, "info")
    }

    /// Starts `package` with `RUST_LOG=rust_log`.
    fn start_logging(package: &str, args: &[String], rust_log: &str) -> Process {
        let mut child = Command::new(built(package))
            .args(args)
            .env("RUST_LOG", rust_log)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {package}: {e}"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the process prints its first line");
        assert!(
            !line.is_empty(),
            "{package} exited at start: {:?}",
            log.lock().unwrap()
        );
        Process {
            child,
            first_line: line.trim().to_string(),
            log,
        }
    }

    /// An HTTP node: `tasks --bind 127.0.0.1:0 --redis URL --dev-token TOKEN ...`.
    pub fn node(redis: &str, extra: &[&str]) -> Process {
        let mut args: Vec<String> = [
            "--bind",
            "127.0.0.1:0",
            "--redis",
            redis,
            "--dev-token",
            TOKEN,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        let p = Process::start("tasks", &args);
        assert!(
            p.first_line.starts_with("http://127.0.0.1:"),
            "{}",
            p.first_line
        );
        p
    }

    /// A worker: `worker --redis URL ...`.
    pub fn worker(redis: &str, extra: &[&str]) -> Process {
        let mut args = vec!["--redis".to_string(), redis.to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let p = Process::start("worker", &args);
        assert_eq!(p.first_line, "worker ready");
        p
    }

    /// The node's MCP URL.
    pub fn url(&self) -> &str {
        &self.first_line
    }

    /// A worker whose stderr also records each run's end (the task engine
    /// at debug level: `task finished task_id=.. status=..` in the span
    /// `mcp.task{task_id=.. tool=.. attempt=..}`).
    pub fn worker_traced(redis: &str, extra: &[&str]) -> Process {
        let mut args = vec!["--redis".to_string(), redis.to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let p = Process::start_logging("worker", &args, "info,ferrymcp::task=debug");
        assert_eq!(p.first_line, "worker ready");
        p
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills it with SIGKILL.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether a stderr line so far contains every one of `parts`.
    pub fn logged(&self, parts: &[&str]) -> bool {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|l| parts.iter().all(|p| l.contains(p)))
    }

    /// Its stderr so far.
    pub fn log(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A 2025-11-25 session on one node, with the bearer token.
pub struct Mcp {
    http: reqwest::Client,
    url: String,
    session: String,
    next: std::sync::atomic::AtomicI64,
}

/// The JSON-RPC messages of a body: the JSON object, or every SSE event's data.
pub fn messages(content_type: &str, body: &str) -> Vec<Value> {
    if content_type.starts_with("text/event-stream") {
        body.split("\n\n")
            .filter_map(|event| {
                let data: Vec<&str> = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(|d| d.strip_prefix(' ').unwrap_or(d))
                    .collect();
                let data = data.join("\n");
                (!data.is_empty()).then(|| serde_json::from_str(&data).expect("SSE data is JSON"))
            })
            .collect()
    } else if body.is_empty() {
        Vec::new()
    } else {
        vec![serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))]
    }
}

impl Mcp {
    /// Initializes a session on `url`.
    pub async fn open(url: &str) -> Mcp {
        let http = reqwest::Client::new();
        let mut mcp = Mcp {
            http,
            url: url.into(),
            session: String::new(),
            next: 1.into(),
        };
        let (headers, init) = mcp
            .post(
                json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "redis-test", "version": "0.0.1"}}}),
            )
            .await;
        assert!(init[0]["result"].is_object(), "{init:?}");
        mcp.session = headers
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .expect("initialize returns Mcp-Session-Id")
            .to_owned();
        mcp.post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        mcp
    }

    async fn post(&self, message: Value) -> (reqwest::header::HeaderMap, Vec<Value>) {
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("mcp-protocol-version", "2025-11-25");
        if !self.session.is_empty() {
            req = req.header("mcp-session-id", &self.session);
        }
        let res = tokio::time::timeout(LIMIT, req.body(message.to_string()).send())
            .await
            .expect("the node answered within the safety limit")
            .expect("the request is sent");
        let headers = res.headers().clone();
        let ct = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let status = res.status();
        let body = res.text().await.expect("the body is read");
        assert!(status.is_success(), "HTTP {status}: {body}");
        (headers, messages(&ct, &body))
    }

    /// Sends a request; returns its response (`result` or `error`).
    pub async fn request(&self, method: &str, params: Value) -> Value {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let (_, msgs) = self
            .post(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        msgs.into_iter()
            .find(|m| m["id"] == json!(id))
            .unwrap_or_else(|| panic!("no response to {method}"))
    }

    /// Starts `slow_task` as a task; returns the response.
    pub async fn start_slow(&self, duration_ms: u64) -> Value {
        self.request(
            "tools/call",
            json!({"name": "slow_task", "arguments": {"duration": duration_ms}, "task": {"ttl": 600000}}),
        )
        .await
    }

    /// Starts `slow_task` as a task; returns its id.
    pub async fn create(&self, duration_ms: u64) -> String {
        let r = self.start_slow(duration_ms).await;
        r["result"]["task"]["taskId"]
            .as_str()
            .unwrap_or_else(|| panic!("CreateTaskResult expected: {r}"))
            .to_owned()
    }

    /// `tasks/get`: the task.
    pub async fn get(&self, id: &str) -> Value {
        let r = self.request("tasks/get", json!({"taskId": id})).await;
        assert!(r["result"].is_object(), "{r}");
        r["result"].clone()
    }

    /// `tasks/result`: the response.
    pub async fn result(&self, id: &str) -> Value {
        self.request("tasks/result", json!({"taskId": id})).await
    }

    /// The text of a completed task's result.
    pub async fn result_text(&self, id: &str) -> String {
        let r = self.result(id).await;
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("a result with text expected for {id}: {r}"))
            .to_owned()
    }

    /// Polls `tasks/get` until `done` holds (safety limit: [`LIMIT`]).
    pub async fn wait_for(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let task = self.get(id).await;
            if done(&task) {
                return task;
            }
            assert!(start.elapsed() < LIMIT, "task {id} never got there: {task}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until the task reports progress (it runs on a worker).
    pub async fn wait_running(&self, id: &str) -> Value {
        self.wait_for(id, |t| {
            t["statusMessage"]
                .as_str()
                .is_some_and(|m| m.starts_with("step"))
        })
        .await
    }

    /// Every task of `tasks/list`, following `nextCursor`.
    pub async fn list_all(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let r = self.request("tasks/list", params).await;
            let page = &r["result"];
            out.extend(page["tasks"].as_array().expect("tasks").iter().cloned());
            match page["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }
}

/// Waits (safety limit: [`LIMIT`]) until `cond` holds.
pub async fn eventually(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < LIMIT, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Installs `redis-server` with apt-get when it is not on PATH, once per test
/// process, so `cargo test --workspace` works on a fresh machine of this kind.
/// When it cannot (no apt-get, not root), `Redis::start` then fails loudly.
fn ensure_redis_installed() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let found = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return;
        }
        eprintln!("redis-server is not installed; installing it with apt-get");
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-qq", "redis-server"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status();
    });
}

/// 2026-07-28 requests to one node (no session), with the bearer token,
/// opted into the tasks extension in every request's `_meta`.
pub struct Stateless {
    http: reqwest::Client,
    url: String,
    next: std::sync::atomic::AtomicI64,
}

impl Stateless {
    /// Requests to the node at `url`.
    pub fn new(url: &str) -> Stateless {
        Stateless {
            http: reqwest::Client::new(),
            url: url.into(),
            next: 1.into(),
        }
    }

    /// Sends a request with the `_meta` and headers of 2026-07-28
    /// (`Mcp-Name` mirrors `params.name` or `params.taskId`); returns its
    /// response (`result` or `error`).
    pub async fn call(&self, method: &str, mut params: Value) -> Value {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities":
                {"extensions": {"io.modelcontextprotocol/tasks": {}}},
        });
        let name = params["name"]
            .as_str()
            .or(params["taskId"].as_str())
            .map(str::to_owned);
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", method);
        if let Some(name) = name {
            req = req.header("mcp-name", name);
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let res = tokio::time::timeout(LIMIT, req.body(body.to_string()).send())
            .await
            .expect("the node answered within the safety limit")
            .expect("the request is sent");
        let status = res.status();
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = res.text().await.expect("the body is read");
        assert!(status.is_success(), "{method}: HTTP {status}: {text}");
        messages(&ct, &text)
            .into_iter()
            .find(|m| m["id"] == json!(id))
            .unwrap_or_else(|| panic!("no response to {method}: {text}"))
    }
}
