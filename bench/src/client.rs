//! The load driver: keep-alive HTTP/1.1 connections (hyper), one per client,
//! each sending `tools/call add(a, b)` back to back with a unique JSON-RPC id,
//! and checking every response (status, id, and the sum).

use crate::flow::{self, Flow};
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE, HOST};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

const SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");
const PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");
const MCP_METHOD: HeaderName = HeaderName::from_static("mcp-method");
const MCP_NAME: HeaderName = HeaderName::from_static("mcp-name");

/// One keep-alive connection to a server's `/mcp` endpoint.
pub struct Connection {
    send: SendRequest<Full<Bytes>>,
    host: HeaderValue,
    flow: Flow,
    session: Option<HeaderValue>,
}

/// A response: status, whether it is an SSE stream, the session header, body.
struct Answer {
    status: StatusCode,
    sse: bool,
    session: Option<HeaderValue>,
    body: Bytes,
}

impl Connection {
    /// Connects (with `TCP_NODELAY`) and, for the session flow, opens a session.
    pub async fn open(addr: SocketAddr, flow: Flow) -> Result<Connection, String> {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(conn);
        let mut connection = Connection {
            send,
            host: HeaderValue::from_str(&addr.to_string()).map_err(|e| e.to_string())?,
            flow,
            session: None,
        };
        if flow == Flow::Session {
            connection.open_session(0).await?;
        }
        Ok(connection)
    }

    /// Opens a new session on this connection (`initialize`, then
    /// `notifications/initialized`); later calls use it.
    pub async fn open_session(&mut self, id: u64) -> Result<(), String> {
        self.session = None;
        let answer = self.post(flow::initialize_body(id), false).await?;
        let message = flow::message_of(&answer.body, answer.sse)?;
        if answer.status != StatusCode::OK || message.get("result").is_none() {
            return Err(format!(
                "initialize failed with {}: {message}",
                answer.status
            ));
        }
        self.session = Some(answer.session.ok_or("initialize gave no Mcp-Session-Id")?);
        let answer = self.post(flow::INITIALIZED_BODY.to_vec(), false).await?;
        if answer.status != StatusCode::ACCEPTED {
            return Err(format!(
                "notifications/initialized answered {}",
                answer.status
            ));
        }
        Ok(())
    }

    async fn post(&mut self, body: Vec<u8>, call: bool) -> Result<Answer, String> {
        let mut request = Request::post("/mcp")
            .header(HOST, self.host.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json, text/event-stream")
            .header(PROTOCOL_VERSION, self.flow.protocol_version());
        if let Some(session) = &self.session {
            request = request.header(SESSION_ID, session.clone());
        }
        if call && self.flow == Flow::Stateless {
            request = request
                .header(MCP_METHOD, "tools/call")
                .header(MCP_NAME, "add");
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        self.send.ready().await.map_err(|e| e.to_string())?;
        let response = self
            .send
            .send_request(request)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status();
        let sse = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let session = response.headers().get(SESSION_ID).cloned();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the body: {e}"))?
            .to_bytes();
        Ok(Answer {
            status,
            sse,
            session,
            body,
        })
    }

    /// Calls `add(a, b)` with JSON-RPC id `id` and checks the answer.
    pub async fn call(&mut self, id: u64) -> Result<(), String> {
        let (a, b) = flow::operands(id);
        let answer = self
            .post(flow::call_body(self.flow, id, a, b), true)
            .await?;
        if answer.status != StatusCode::OK {
            return Err(format!(
                "tools/call answered {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ));
        }
        let message = flow::message_of(&answer.body, answer.sse)?;
        flow::check_call(&message, id, a + b)
    }
}

/// When a run stops.
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    /// After this long of measurement (after the warm-up).
    After(Duration),
    /// After each client has sent this many measured requests.
    Requests(u64),
}

/// The load: how many clients, how long to warm up, when to stop.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Concurrent clients, each on its own keep-alive connection.
    pub clients: usize,
    /// Requests before this are not measured.
    pub warmup: Duration,
    /// When the measurement ends.
    pub stop: Stop,
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Requests answered correctly in the measurement window.
    pub requests: u64,
    /// Requests that failed (any failure ends the run).
    pub errors: u64,
    /// The first failure, to show.
    pub first_error: Option<String>,
    /// The length of the measurement window.
    pub elapsed: Duration,
    /// Latency of every measured request, sorted.
    pub latencies: Vec<Duration>,
    /// CPU time the server process used in the window, when its pid is known.
    pub server_cpu: Option<Duration>,
    /// CPU time this (driver) process used in the window.
    pub client_cpu: Option<Duration>,
}

impl Outcome {
    /// Requests per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency at quantile `q` (0..=1).
    pub fn quantile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[i]
    }

    /// Server CPU time per request.
    pub fn server_cpu_per_request(&self) -> Option<Duration> {
        let cpu = self.server_cpu?;
        (self.requests > 0).then(|| cpu / self.requests as u32)
    }
}

/// Drives the server at `addr` with `load` in `flow`; `server_pid` (a
/// process of its own) gets its CPU time measured over the window.
///
/// Every client connects (and opens its session) first; then all warm up
/// together and measure together. Any failed request ends the run with an
/// error: a benchmark of wrong answers measures nothing.
pub async fn run(
    addr: SocketAddr,
    flow: Flow,
    load: Load,
    server_pid: Option<u32>,
) -> Result<Outcome, String> {
    let ids = Arc::new(AtomicU64::new(1_000));
    let mut connections = Vec::with_capacity(load.clients);
    for _ in 0..load.clients {
        connections.push(Connection::open(addr, flow).await?);
    }
    let start = Instant::now() + Duration::from_millis(5);
    let measure_from = start + load.warmup;
    let window_end = match load.stop {
        Stop::After(d) => Some(measure_from + d),
        Stop::Requests(_) => None,
    };
    let mut tasks = Vec::with_capacity(load.clients);
    for mut connection in connections {
        let ids = Arc::clone(&ids);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(start.into()).await;
            let mut latencies = Vec::with_capacity(1 << 16);
            let mut measured = 0u64;
            loop {
                let id = ids.fetch_add(1, Ordering::Relaxed);
                let sent = Instant::now();
                if let Err(e) = connection.call(id).await {
                    return (latencies, Some(e));
                }
                let done = Instant::now();
                if sent >= measure_from {
                    match window_end {
                        Some(end) if done > end => break,
                        _ => {}
                    }
                    latencies.push(done - sent);
                    measured += 1;
                    if matches!(load.stop, Stop::Requests(n) if measured >= n) {
                        break;
                    }
                }
            }
            (latencies, None)
        }));
    }
    // CPU time of the server and of this driver over the window.
    let sampler = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        let at = Instant::now();
        let server0 = server_pid.and_then(crate::sys::cpu_time);
        let client0 = crate::sys::cpu_time(std::process::id());
        (at, server0, client0)
    });
    let mut outcome = Outcome::default();
    let mut latencies = Vec::new();
    for task in tasks {
        let (l, error) = task.await.map_err(|e| e.to_string())?;
        latencies.extend(l);
        if let Some(e) = error {
            outcome.errors += 1;
            outcome.first_error.get_or_insert(e);
        }
    }
    let end = Instant::now();
    let server1 = server_pid.and_then(crate::sys::cpu_time);
    let client1 = crate::sys::cpu_time(std::process::id());
    let (at, server0, client0) = sampler.await.map_err(|e| e.to_string())?;
    if let Some(e) = outcome.first_error.take() {
        return Err(format!("{} request(s) failed; first: {e}", outcome.errors));
    }
    latencies.sort_unstable();
    outcome.requests = latencies.len() as u64;
    outcome.latencies = latencies;
    outcome.elapsed = match (load.stop, window_end) {
        (Stop::After(d), _) => d,
        (Stop::Requests(_), _) => end.saturating_duration_since(at),
    };
    outcome.server_cpu = server1.zip(server0).map(|(b, a)| b.saturating_sub(a));
    outcome.client_cpu = client1.zip(client0).map(|(b, a)| b.saturating_sub(a));
    Ok(outcome)
}

/// Opens `count` legacy sessions on one connection (each `initialize` plus
/// `notifications/initialized`, then one checked `tools/call`), leaving them
/// open.
pub async fn open_sessions(addr: SocketAddr, count: usize) -> Result<(), String> {
    let mut connection = Connection::open(addr, Flow::Session).await?;
    for i in 0..count as u64 {
        connection.open_session(i * 2 + 10).await?;
        connection.call(i * 2 + 11).await?;
    }
    Ok(())
}
