//! Resumable streams across nodes: two HTTP nodes share one real
//! `redis-server` through `RedisSessionStore`, which keeps the events of a
//! session's streams. A long call on node A sends progress; its client drops
//! the stream, reconnects on node B with `GET` and `Last-Event-ID`, and gets
//! what it missed (kept in Redis), then the live rest (relayed from A), then
//! the result, each exactly once. An id whose events the budget dropped ends
//! the call with an error, an unknown one gets 400, never a gap; the kept
//! events go with the session. The GET stream resumes on another node too,
//! with what was announced while no GET stream was open anywhere.

#[path = "redis_support/mod.rs"]
mod redis_support;

use ferrymcp::call::Change;
use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisConfig, RedisSessionStore};
use ferrymcp::transport::http::HttpOptions;
use ferrymcp::{resource, resources};
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

/// A watched resource.
#[resource(uri = "test://watched", mime_type = "text/plain")]
async fn watched() -> String {
    "now".into()
}

/// Announces that the tool list (`"tools"`) or the watched resource
/// (anything else) changed.
#[tool]
async fn announce(ctx: Ctx, what: String) -> String {
    ctx.notifier().announce(match what.as_str() {
        "tools" => Change::ToolsListChanged,
        _ => Change::ResourceUpdated("test://watched".into()),
    });
    "announced".into()
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
        .tools(tools![long_job, announce])
        .resources(resources![watched])
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

    /// Calls `announce(what)` on `url`.
    async fn announce(&self, url: &str, what: &str) {
        let call = json!({"jsonrpc": "2.0", "id": 100, "method": "tools/call", "params": {
            "name": "announce", "arguments": {"what": what}}});
        let reply = self.post(url, &call).await;
        assert_eq!(reply.status(), 200);
        let body = String::from_utf8_lossy(&reply.bytes().await.unwrap()).into_owned();
        assert!(body.contains("announced"), "{body}");
    }

    /// Opens the session's GET stream on `url`.
    async fn get_stream(&self, url: &str) -> Stream {
        let response = tokio::time::timeout(
            LIMIT,
            self.http
                .get(url)
                .header("accept", "text/event-stream")
                .header("mcp-session-id", &self.session)
                .header("mcp-protocol-version", "2025-11-25")
                .send(),
        )
        .await
        .expect("answered in time")
        .unwrap();
        assert_eq!(response.status(), 200);
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

/// How many events Redis keeps for the session.
fn kept_count(redis: &Redis, session: &str) -> u64 {
    let key = format!("{{{PREFIX}}}:replay-order:{session}");
    redis
        .command(&["ZCARD", &key])
        .and_then(|r| r.trim().trim_start_matches(':').parse().ok())
        .unwrap_or(0)
}

/// Waits (a little) until Redis keeps more than `before` events.
async fn until_kept_more(redis: &Redis, session: &str, before: u64) {
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while kept_count(redis, session) <= before {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

/// Waits until Redis keeps the event `id` of `session` (events are
/// written off the response path, so a count taken before may not hold it).
async fn until_kept(redis: &Redis, session: &str, id: &str) {
    let key = format!("{{{PREFIX}}}:replay-order:{session}");
    let kept = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let score = redis.command(&["ZSCORE", &key, id]).unwrap_or_default();
            if !score.trim().is_empty() && !score.trim().starts_with("$-1") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(kept.is_ok(), "Redis did not keep {id} within 5 s");
}

/// An event expected soon (a GET stream's keep-alive comments would keep a
/// per-read limit from ever firing).
async fn soon(next: impl std::future::Future<Output = Option<Event>>) -> Option<Event> {
    tokio::time::timeout(Duration::from_secs(10), next)
        .await
        .expect("the event came within 10 s")
}

fn method(event: &Event) -> String {
    event.json()["method"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn number(id: &str) -> u64 {
    id.rsplit_once('-').unwrap().1.parse().unwrap()
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
    // Events reach Redis off the response path: a resume elsewhere within
    // that moment is told the id is unknown (400; README says so).
    until_kept(&redis, &client.session, second.id.as_deref().unwrap()).await;

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

/// The GET stream opened on A, dropped, resumed on B: what was announced
/// while no GET stream was open anywhere (caused on B and on A) comes in
/// order, once, then what is announced after.
#[tokio::test]
async fn a_get_stream_dropped_on_one_node_resumes_on_another_with_what_was_announced_meanwhile() {
    let _one = serial().await;
    let redis = Redis::start(false);
    let a = node(&redis, HttpOptions::new()).await;
    let b = node(&redis, HttpOptions::new()).await;
    let client = Client::open(&a.url).await;
    let subscribed = client
        .post(
            &b.url,
            &json!({"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe",
                    "params": {"uri": "test://watched"}}),
        )
        .await;
    assert_eq!(subscribed.status(), 200);
    let _ = subscribed.bytes().await;

    let mut stream = client.get_stream(&a.url).await;
    let priming = stream.next().await.expect("a priming event");
    assert!(priming.data.is_empty());
    let key = priming.id.unwrap().rsplit_once('-').unwrap().0.to_owned();
    client.announce(&a.url, "tools").await;
    let first = stream.next().await.expect("the first notice, live");
    assert_eq!(method(&first), "notifications/tools/list_changed");
    let first_id = first.id.clone().unwrap();
    assert_eq!(first_id, format!("{key}-1"));
    drop(stream);
    until_kept(&redis, &client.session, &first_id).await;

    // No GET stream is open anywhere: one notice caused on B, one on A.
    let before = kept_count(&redis, &client.session);
    client.announce(&b.url, "watched").await;
    until_kept_more(&redis, &client.session, before).await;
    client.announce(&a.url, "tools").await;

    let resumed = client.resume(&b.url, &first_id).await;
    assert_eq!(resumed.status(), 200, "the GET stream resumes on B");
    assert_eq!(resumed.headers()["content-type"], "text/event-stream");
    let mut resumed = Stream {
        response: resumed,
        buffer: String::new(),
    };
    let second = soon(resumed.next()).await.expect("the notice caused on B");
    assert_eq!(
        method(&second),
        "notifications/resources/updated",
        "{second:?}"
    );
    let third = soon(resumed.next()).await.expect("the notice caused on A");
    assert_eq!(
        method(&third),
        "notifications/tools/list_changed",
        "{third:?}"
    );
    // A live one, caused on B after the resume.
    client.announce(&b.url, "watched").await;
    let fourth = soon(resumed.next()).await.expect("the live notice");
    assert_eq!(
        method(&fourth),
        "notifications/resources/updated",
        "{fourth:?}"
    );
    let ids: Vec<_> = [&second, &third, &fourth]
        .iter()
        .map(|e| e.id.clone().expect("an id"))
        .collect();
    assert!(ids.iter().all(|id| id.starts_with(&key)), "{ids:?}");
    assert_eq!(
        ids.iter().map(|id| number(id)).collect::<Vec<_>>(),
        [2, 3, 4]
    );
    // Nothing twice.
    let more = tokio::time::timeout(Duration::from_millis(300), resumed.next()).await;
    assert!(more.is_err(), "nothing more: {more:?}");
}

/// A GET stream id whose later events the budget dropped gets, on another
/// node, the 400 the in-memory log answers with.
#[tokio::test]
async fn a_get_stream_id_no_longer_kept_gets_the_same_answer_on_another_node() {
    let _one = serial().await;
    let redis = Redis::start(false);
    let options = HttpOptions::new().max_replay_events(2);
    let a = node(&redis, options.clone()).await;
    let b = node(&redis, options).await;
    let client = Client::open(&a.url).await;

    let mut stream = client.get_stream(&a.url).await;
    let _priming = stream.next().await.expect("a priming event");
    client.announce(&a.url, "tools").await;
    let first = stream.next().await.expect("the first notice");
    let first_id = first.id.clone().unwrap();
    drop(stream);
    for node in [&b.url, &a.url, &b.url] {
        client.announce(node, "tools").await;
    }
    // Wait until the newest (4) is kept: then 2 is dropped.
    let newest = format!("{}-4", first_id.rsplit_once('-').unwrap().0);
    let kept_newest = tokio::time::timeout(LIMIT, async {
        loop {
            if client.resume(&b.url, &newest).await.status() == 200 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        kept_newest.is_ok(),
        "the notices were kept for the GET stream"
    );

    let lost = client.resume(&b.url, &first_id).await;
    assert_eq!(lost.status(), 400);
    let body: Value = serde_json::from_slice(&lost.bytes().await.unwrap()).unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no longer kept; open a new GET stream without Last-Event-ID"),
        "{body}"
    );
}
