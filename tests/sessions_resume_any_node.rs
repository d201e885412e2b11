//! Resumable streams across nodes: two HTTP nodes share one real
//! `redis-server` through `RedisSessionStore`, which keeps the events of a
//! session's streams. A long call on node A sends progress; its client drops
//! the stream, reconnects on node B with `GET` and `Last-Event-ID`, and gets
//! what it missed (kept in Redis), then the live rest (relayed from A), then
//! the result, each exactly once. An id whose events the budget dropped ends
//! the call with an error, an unknown one gets 400, never a gap; the kept
//! events go with the session.

#[path = "redis_support/mod.rs"]
mod redis_support;

use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisConfig, RedisSessionStore};
use ferrymcp::transport::http::HttpOptions;
use redis_support::{serial, Redis, LIMIT};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

const PREFIX: &str = "resume-test";

/// Each step after the second waits for a permit (only node A runs calls).
static GATE: Semaphore = Semaphore::const_new(0);
static SENT: AtomicU32 = AtomicU32::new(0);
static STEPPED: Notify = Notify::const_new();

/// Sends `steps` progress notifications (the first two at once, each later
/// one when the test lets it), then returns.
#[tool]
async fn long_job(ctx: Ctx, steps: u32) -> String {
    for i in 1..=steps.min(100) {
        if i > 2 {
            GATE.acquire().await.expect("open").forget();
        }
        ctx.progress(f64::from(i), Some(f64::from(steps)), None)
            .await;
        SENT.store(i, Ordering::SeqCst);
        STEPPED.notify_waiters();
    }
    format!("done after {steps} steps")
}

async fn until_sent(n: u32) {
    tokio::time::timeout(LIMIT, async {
        loop {
            let stepped = STEPPED.notified();
            if SENT.load(Ordering::SeqCst) >= n {
                return;
            }
            stepped.await;
        }
    })
    .await
    .expect("the tool reached the step in time");
}

/// One HTTP node on its own loopback socket.
struct Node {
    url: String,
    serving: tokio::task::JoinHandle<()>,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.serving.abort();
    }
}

async fn node(redis: &Redis, options: HttpOptions) -> Node {
    let config = RedisConfig::new(redis.url()).prefix(PREFIX);
    let store = RedisSessionStore::new(&config).unwrap();
    let server = Server::builder("node")
        .tools(tools![long_job])
        .sessions(store.clone())
        .build()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = server.router_at_with("/mcp", options);
    let serving = tokio::spawn(async move {
        let _ = ferrymcp::transport::http::serve(listener, app).await;
    });
    tokio::time::timeout(LIMIT, store.subscribed())
        .await
        .expect("the node subscribed to the session events");
    Node {
        url: format!("http://{addr}/mcp"),
        serving,
    }
}

/// One SSE event: its id and data.
#[derive(Debug, Clone)]
struct Event {
    id: Option<String>,
    data: String,
}

impl Event {
    fn json(&self) -> Value {
        serde_json::from_str(&self.data).expect("JSON data")
    }

    fn progress(&self) -> Option<u64> {
        let m = self.json();
        (m["method"] == "notifications/progress")
            .then(|| m["params"]["progress"].as_f64().unwrap() as u64)
    }
}

/// An SSE response read as it comes.
struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    /// The next event; `None` at the end.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(at) = self.buffer.find("\n\n") {
                let text: String = self.buffer.drain(..at + 2).collect();
                let mut event = Event {
                    id: None,
                    data: String::new(),
                };
                let mut fields = false;
                for line in text.lines() {
                    if let Some(id) = line.strip_prefix("id: ") {
                        event.id = Some(id.to_owned());
                        fields = true;
                    } else if let Some(data) = line.strip_prefix("data:") {
                        event.data.push_str(data.strip_prefix(' ').unwrap_or(data));
                        fields = true;
                    }
                }
                if fields {
                    return Some(event);
                }
                continue;
            }
            let chunk = tokio::time::timeout(LIMIT, self.response.chunk())
                .await
                .expect("the stream went on in time")
                .expect("the stream reads");
            match chunk {
                Some(bytes) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                None => return None,
            }
        }
    }

    async fn rest(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(e) = self.next().await {
            events.push(e);
        }
        events
    }
}

struct Client {
    http: reqwest::Client,
    session: String,
}

impl Client {
    /// A 2025-11-25 session opened on `url`.
    async fn open(url: &str) -> Client {
        let http = reqwest::Client::new();
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "resume-any-node", "version": "0"}}});
        let reply = http
            .post(url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(init.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        let session = reply.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let _ = reply.bytes().await;
        let client = Client { http, session };
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let reply = client.post(url, &note).await;
        assert_eq!(reply.status(), 202);
        client
    }

    async fn post(&self, url: &str, body: &Value) -> reqwest::Response {
        tokio::time::timeout(
            LIMIT,
            self.http
                .post(url)
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json")
                .header("mcp-session-id", &self.session)
                .header("mcp-protocol-version", "2025-11-25")
                .body(body.to_string())
                .send(),
        )
        .await
        .expect("answered in time")
        .unwrap()
    }

    /// Starts `long_job(steps)` as request `id`; its SSE stream.
    async fn long_job(&self, url: &str, id: i64, steps: u32) -> Stream {
        let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": "long_job", "arguments": {"steps": steps},
            "_meta": {"progressToken": "job"}}});
        let response = self.post(url, &call).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Stream {
            response,
            buffer: String::new(),
        }
    }

    /// `GET` with `Last-Event-ID`.
    async fn resume(&self, url: &str, last_event_id: &str) -> reqwest::Response {
        tokio::time::timeout(
            LIMIT,
            self.http
                .get(url)
                .header("accept", "text/event-stream")
                .header("mcp-session-id", &self.session)
                .header("mcp-protocol-version", "2025-11-25")
                .header("last-event-id", last_event_id)
                .send(),
        )
        .await
        .expect("answered in time")
        .unwrap()
    }
}

fn kept(redis: &Redis, session: &str) -> bool {
    let key = format!("{{{PREFIX}}}:replay:{session}");
    redis.command(&["EXISTS", &key]).as_deref() == Some(":1\r\n")
}

#[tokio::test]
async fn a_call_dropped_on_one_node_resumes_on_another_with_the_rest_and_its_result_once() {
    let _one = serial().await;
    let redis = Redis::start(false);
    let a = node(&redis, HttpOptions::new()).await;
    let b = node(&redis, HttpOptions::new()).await;
    let client = Client::open(&a.url).await;
    SENT.store(0, Ordering::SeqCst);

    let mut call = client.long_job(&a.url, 7, 6).await;
    let priming = call.next().await.expect("a priming event");
    assert!(priming.data.is_empty());
    let first = call.next().await.expect("progress 1");
    let second = call.next().await.expect("progress 2");
    assert_eq!((first.progress(), second.progress()), (Some(1), Some(2)));
    drop(call);

    // Step 3 while the client is away.
    GATE.add_permits(1);
    until_sent(3).await;

    // On node B: progress 3 (kept in Redis), then live from node A.
    let resumed = client.resume(&b.url, second.id.as_deref().unwrap()).await;
    assert_eq!(resumed.status(), 200);
    assert_eq!(resumed.headers()["content-type"], "text/event-stream");
    let mut resumed = Stream {
        response: resumed,
        buffer: String::new(),
    };
    let third = resumed.next().await.expect("progress 3, replayed");
    assert_eq!(third.progress(), Some(3));
    GATE.add_permits(1);
    let fourth = resumed.next().await.expect("progress 4, live");
    assert_eq!(fourth.progress(), Some(4));
    GATE.add_permits(2);
    let events = resumed.rest().await;
    let progress: Vec<_> = events.iter().filter_map(Event::progress).collect();
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

    // The ids are A's, in order, each once.
    let mut ids = vec![second.id.clone().unwrap(), third.id.clone().unwrap()];
    ids.push(fourth.id.clone().unwrap());
    ids.extend(events.iter().filter_map(|e| e.id.clone()));
    let numbers: Vec<u64> = ids
        .iter()
        .map(|id| id.rsplit_once('-').unwrap().1.parse().unwrap())
        .collect();
    assert_eq!(numbers, [2, 3, 4, 5, 6, 7]);

    // Resumed again on B from progress 4, after the call ended: from Redis only.
    let again = client.resume(&b.url, fourth.id.as_deref().unwrap()).await;
    assert_eq!(again.status(), 200);
    let mut again = Stream {
        response: again,
        buffer: String::new(),
    };
    let replayed = again.rest().await;
    assert_eq!(
        replayed.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        events.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
    );

    // The kept events end with the session.
    assert!(kept(&redis, &client.session));
    let ended = tokio::time::timeout(
        LIMIT,
        client
            .http
            .delete(&b.url)
            .header("mcp-session-id", &client.session)
            .header("mcp-protocol-version", "2025-11-25")
            .send(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(ended.status(), 204);
    assert!(!kept(&redis, &client.session));
}

#[tokio::test]
async fn ids_another_node_no_longer_keeps_get_an_error_never_a_gap() {
    let _one = serial().await;
    let redis = Redis::start(false);
    let options = HttpOptions::new().max_replay_events(3);
    let a = node(&redis, options.clone()).await;
    let b = node(&redis, options).await;
    let client = Client::open(&a.url).await;
    SENT.store(0, Ordering::SeqCst);

    let mut call = client.long_job(&a.url, 9, 5).await;
    let _priming = call.next().await.expect("a priming event");
    let first = call.next().await.expect("progress 1");
    drop(call);
    GATE.add_permits(3);
    until_sent(5).await;
    // Five progress events and the result: three kept. Wait until the
    // result is in Redis (it is written right after the call ends).
    let last = format!(
        "{}-6",
        first.id.as_deref().unwrap().rsplit_once('-').unwrap().0
    );
    tokio::time::timeout(LIMIT, async {
        loop {
            let reply = client.resume(&b.url, &last).await;
            if reply.status() == 200 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the result reached Redis");

    let lost = client.resume(&b.url, first.id.as_deref().unwrap()).await;
    assert_eq!(lost.status(), 200);
    let mut lost = Stream {
        response: lost,
        buffer: String::new(),
    };
    let events = lost.rest().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let error = events[0].json();
    assert_eq!(error["id"], 9);
    assert_eq!(error["error"]["code"], -32603);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no longer kept"));

    for unknown in [
        "0123456789abcdef-1",
        &format!("{}-99", last.rsplit_once('-').unwrap().0),
    ] {
        let reply = client.resume(&b.url, unknown).await;
        assert_eq!(reply.status(), 400, "{unknown}");
        let body: Value = serde_json::from_slice(&reply.bytes().await.unwrap()).unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("names no stream of this session"),
            "{body}"
        );
    }
}
