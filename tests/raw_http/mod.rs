//! Helpers of the connection tests: HTTP/1.1 spoken byte by byte on a real
//! socket (what a slow or hostile client does, which no HTTP client library
//! lets you do), a test app with routes that hold or flood a connection, and
//! the process's own resources (open files, resident memory).
#![allow(dead_code)]

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::routing::get;
use axum::Extension;
use ferrymcp::prelude::*;
use ferrymcp::transport::http::{serve_with, Connection, ServeOptions};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore};

/// Adds two numbers.
#[tool(read_only)]
pub async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// What the extra routes of the test app share with the test.
#[derive(Clone)]
pub struct Probes {
    /// `/wait` answers once it takes a permit from here.
    pub release: Arc<Semaphore>,
    /// `/wait` requests that reached the handler.
    pub waiting: Arc<AtomicUsize>,
    /// Notified when a `/flood` response is dropped by the server.
    pub flood_dropped: Arc<Notify>,
    /// `/slow` requests running now, and the most ever at once.
    pub slow_running: Arc<AtomicUsize>,
    pub slow_most: Arc<AtomicUsize>,
}

/// The MCP endpoint at `/mcp`, plus `/wait` (answers when the test releases
/// it), `/flood` (an endless response), `/slow` (answers after 50 ms) and
/// `/whoami` (the connection's ends, as the request's extensions say).
pub async fn app() -> (axum::Router, Probes) {
    let server = Server::builder("slow-clients")
        .tools(tools![add])
        .build()
        .await
        .expect("the server builds");
    let probes = Probes {
        release: Arc::new(Semaphore::new(0)),
        waiting: Arc::default(),
        flood_dropped: Arc::default(),
        slow_running: Arc::default(),
        slow_most: Arc::default(),
    };
    let p = probes.clone();
    let router = server
        .router_at("/mcp")
        .route(
            "/wait",
            get(move || {
                let release = Arc::clone(&p.release);
                p.waiting.fetch_add(1, Ordering::SeqCst);
                async move {
                    release.acquire().await.expect("open").forget();
                    "released"
                }
            }),
        )
        .route(
            "/flood",
            get({
                let dropped = Arc::clone(&probes.flood_dropped);
                move || async move { Body::new(Flood(dropped)) }
            }),
        )
        .route(
            "/slow",
            get({
                let (running, most) = (
                    Arc::clone(&probes.slow_running),
                    Arc::clone(&probes.slow_most),
                );
                move || async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    "slow"
                }
            }),
        )
        .route(
            "/whoami",
            get(
                |Extension(c): Extension<Connection>,
                 ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                    format!("peer={} local={} connect_info={peer}", c.peer, c.local)
                },
            ),
        );
    (router, probes)
}

/// An endless response body of 64 KiB chunks; notifies when dropped.
struct Flood(Arc<Notify>);

impl HttpBody for Flood {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        static CHUNK: [u8; 65536] = [b'x'; 65536];
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from_static(&CHUNK)))))
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

/// Connects to `addr` from the loopback address `from` (any of 127.0.0.0/8
/// reaches this machine), so that the server sees another peer.
pub async fn connect_from(from: [u8; 4], addr: SocketAddr) -> Client {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind(SocketAddr::from((from, 0)))
        .expect("bind a loopback source address");
    let stream = socket.connect(addr).await.expect("connect");
    Client {
        stream,
        buffer: Vec::new(),
    }
}

/// Serves the test app with `options` on a fresh loopback port.
pub async fn spawn(options: ServeOptions) -> (SocketAddr, Probes) {
    let (app, probes) = app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(serve_with(listener, app, options));
    (addr, probes)
}

/// A `tools/call add(a, b)` request of the stateless revision, as bytes.
pub fn add_request(id: u64, a: i64, b: i64) -> Vec<u8> {
    let body = add_body(id, a, b);
    let mut request = add_head(body.len()).into_bytes();
    request.extend_from_slice(body.as_bytes());
    request
}

/// The head of a `tools/call add` request whose body is `length` bytes.
pub fn add_head(length: usize) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\n\
         Mcp-Method: tools/call\r\nMcp-Name: add\r\nContent-Length: {length}\r\n\r\n"
    )
}

/// The body of a `tools/call add(a, b)` request.
pub fn add_body(id: u64, a: i64, b: i64) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
    "name": "add", "arguments": {"a": a, "b": b},
    "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "slow-clients", "version": "0.0.1"}
    }}})
    .to_string()
}

/// A GET of `path`, as bytes, with extra header lines (each ending in CRLF).
pub fn get_request(path: &str, extra_headers: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra_headers}\r\n").into_bytes()
}

/// The sum an `add` answer carries.
pub fn sum_of(response: &Response) -> Option<i64> {
    let message: Value = serde_json::from_slice(&response.body).ok()?;
    message["result"]["structuredContent"]["result"]
        .as_i64()
        .or_else(|| {
            message["result"]["content"][0]["text"]
                .as_str()?
                .parse()
                .ok()
        })
}

/// One response read off a connection.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client connection that reads responses off the socket itself.
pub struct Client {
    pub stream: TcpStream,
    buffer: Vec<u8>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        Client {
            stream,
            buffer: Vec::new(),
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Reads one response (a `Content-Length` body, or none), or says why not.
    pub async fn response(&mut self) -> Result<Response, String> {
        let head_end = loop {
            if let Some(i) = find(&self.buffer, b"\r\n\r\n") {
                break i;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buffer[..head_end]).into_owned();
        self.buffer.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("not a status line: {status_line:?}"))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        while self.buffer.len() < length {
            self.fill().await?;
        }
        let body = self.buffer.drain(..length).collect();
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// Reads until the server closes the connection (end of file or reset);
    /// returns how many bytes came first.
    pub async fn until_closed(&mut self) -> usize {
        let mut total = std::mem::take(&mut self.buffer).len();
        let mut chunk = [0u8; 8192];
        loop {
            match self.stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n,
            }
        }
    }

    async fn fill(&mut self) -> Result<(), String> {
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk).await {
            Ok(0) => Err(format!(
                "the server closed the connection ({} bytes unread: {:?})",
                self.buffer.len(),
                String::from_utf8_lossy(&self.buffer)
            )),
            Ok(n) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e) => Err(format!("read failed: {e}")),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One `add` call on a fresh connection, checked; the error says what went
/// wrong.
pub async fn honest_call(addr: SocketAddr, id: u64) -> Result<(), String> {
    let mut client = Client::connect(addr).await;
    client
        .send(&add_request(id, id as i64, 1))
        .await
        .map_err(|e| format!("send: {e}"))?;
    let response = client.response().await?;
    if response.status != 200 || sum_of(&response) != Some(id as i64 + 1) {
        return Err(format!(
            "add answered {}: {}",
            response.status,
            response.text()
        ));
    }
    Ok(())
}

/// Raises this process's soft limit on open files to at least `needed`
/// (up to the hard limit); panics, saying so, when the hard limit is lower.
pub fn allow_open_files(needed: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(got, 0, "getrlimit(RLIMIT_NOFILE)");
    if limit.rlim_cur >= needed {
        return;
    }
    assert!(
        limit.rlim_max >= needed,
        "this test needs {needed} open files but the hard limit is {}; raise it (ulimit -Hn)",
        limit.rlim_max
    );
    limit.rlim_cur = needed;
    // SAFETY: setrlimit reads the struct we pass.
    let set = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(set, 0, "setrlimit(RLIMIT_NOFILE)");
}

/// A process's resident memory, in bytes.
pub fn rss_bytes_of(pid: u32) -> u64 {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).expect("/proc/PID/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages in statm");
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64
}

/// How many files a process has open.
pub fn open_files_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("/proc/PID/fd")
        .count()
}
