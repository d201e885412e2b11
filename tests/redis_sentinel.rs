//! The Redis backend behind Redis Sentinel (one primary, one replica and
//! three Sentinels started on loopback): hundreds of tasks created over
//! HTTP on two nodes while the primary is killed with SIGKILL and the
//! Sentinels promote the replica. With `RedisConfig::durable`, every
//! acknowledged task completes with its own result, and the creations
//! during the switch fail with a clear error instead of hanging.

#[path = "redis_support/mod.rs"]
mod redis_support;
mod tasks_support;

use ferrymcp::call::Change;
use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisChangeRelay, RedisConfig, RedisSessionStore};
use ferrymcp::TaskOptions;
use redis_support::sentinel::{Sentinels, SERVICE};
use redis_support::{serial, Redis, LIMIT};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tasks_support::{http_support, serve_nested, Caller};

/// How many times each `n` ran, across the workers of this process.
static RUNS: Mutex<Option<HashMap<u64, u32>>> = Mutex::new(None);

/// Returns its input, as text; runs as a task.
#[tool(task = true)]
async fn echo(n: u64) -> String {
    *RUNS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .entry(n)
        .or_default() += 1;
    format!("echo {n}")
}

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Announces that the tool list changed.
#[tool]
async fn announce(ctx: Ctx) -> String {
    ctx.notifier().announce(Change::ToolsListChanged);
    "announced".into()
}

fn runs(n: u64) -> u32 {
    RUNS.lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|r| r.get(&n).copied())
        .unwrap_or(0)
}

async fn server(config: RedisConfig, worker: bool) -> Server {
    Server::builder("sentinel")
        .tools(tools![echo])
        .tasks(RedisBackend::new(config).expect("sentinel URLs"))
        .task_options(TaskOptions::default().run_workers(worker))
        .build()
        .await
        .expect("the server builds")
}

/// Two HTTP nodes (served on loopback) and two workers on `config`.
struct Deployment {
    urls: Vec<String>,
    _servers: Vec<Server>,
}

async fn deploy(config: &RedisConfig) -> Deployment {
    let mut servers = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..2 {
        let node = server(config.clone(), false).await;
        urls.push(serve_nested(&node).await);
        servers.push(node);
    }
    for _ in 0..2 {
        let worker = server(config.clone(), true).await;
        let w = worker.clone();
        tokio::spawn(async move { w.run_task_workers().await });
        servers.push(worker);
    }
    Deployment {
        urls,
        _servers: servers,
    }
}

/// A 2025-11-25 session on one node (sessions stay in the node's memory).
async fn caller(url: &str) -> Caller {
    Caller::session(url, "2025-11-25", &[("x-subject", "alice")]).await
}

async fn callers(urls: &[String]) -> Vec<Caller> {
    let mut out = Vec::new();
    for url in urls {
        out.push(caller(url).await);
    }
    out
}

/// Creates `echo n` as a task; the task id, or the error response.
async fn create(caller: &Caller, n: u64) -> Result<String, Value> {
    let r = caller
        .call(
            "tools/call",
            json!({"name": "echo", "arguments": {"n": n}, "task": {"ttl": 600000}}),
        )
        .await;
    match r["result"]["task"]["taskId"].as_str() {
        Some(id) => Ok(id.to_owned()),
        None => Err(r),
    }
}

/// The text of a task's result, waiting for it (bounded).
async fn result_text(caller: &Caller, id: &str) -> String {
    let r = tokio::time::timeout(LIMIT, caller.call("tasks/result", json!({"taskId": id})))
        .await
        .unwrap_or_else(|_| panic!("tasks/result of {id} never answered"));
    r["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a result with text expected for {id}: {r}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_tasks_complete_when_sentinel_promotes_the_replica() {
    let _serial = serial().await;
    let begun = Instant::now();
    let set = tokio::task::spawn_blocking(Sentinels::start).await.unwrap();
    let config = RedisConfig::sentinel(set.urls(), SERVICE)
        .prefix("sentinel")
        .visibility_timeout(Duration::from_secs(2))
        .durable(1, Duration::from_millis(500));
    let deployment = deploy(&config).await;
    let callers = Arc::new(callers(&deployment.urls).await);

    const WANTED: usize = 320;
    let acknowledged = Arc::new(Mutex::new(Vec::<(u64, String)>::new()));
    let refused = Arc::new(Mutex::new(Vec::<String>::new()));
    let next = Arc::new(AtomicUsize::new(0));
    let switch_done = Arc::new(AtomicBool::new(false));
    let mut producers = Vec::new();
    for p in 0..4usize {
        let callers = Arc::clone(&callers);
        let acknowledged = Arc::clone(&acknowledged);
        let refused = Arc::clone(&refused);
        let next = Arc::clone(&next);
        let switch_done = Arc::clone(&switch_done);
        producers.push(tokio::spawn(async move {
            loop {
                let enough = acknowledged.lock().unwrap().len() >= WANTED;
                if enough && switch_done.load(Ordering::SeqCst) || begun.elapsed() > 3 * LIMIT {
                    return;
                }
                let n = next.fetch_add(1, Ordering::SeqCst) as u64;
                let made = tokio::time::timeout(LIMIT, create(&callers[p % 2], n))
                    .await
                    .unwrap_or_else(|_| panic!("creating task {n} hung"));
                match made {
                    Ok(id) => acknowledged.lock().unwrap().push((n, id)),
                    Err(e) => {
                        refused.lock().unwrap().push(e.to_string());
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        }));
    }
    let watch = Arc::clone(&acknowledged);
    tokio::time::timeout(LIMIT, async {
        while watch.lock().unwrap().len() < WANTED / 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the first tasks were created");
    let mut set = set;
    let old = set.nodes[0].port;
    let new = set.nodes[1].port;
    set.nodes[0].kill();
    eprintln!(
        "killed the primary (port {old}) after {} tasks",
        acknowledged.lock().unwrap().len()
    );
    let set = tokio::task::spawn_blocking(move || {
        // Promote the replica now (the Sentinels would after
        // down-after-milliseconds and their vote).
        let start = Instant::now();
        while set.primary_port() != Some(new) {
            let _ = set.sentinels[0].command(&["SENTINEL", "FAILOVER", SERVICE]);
            assert!(
                start.elapsed() < LIMIT,
                "the Sentinels never promoted the replica"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        while !set.nodes[1]
            .command(&["ROLE"])
            .is_some_and(|r| r.contains("master"))
        {
            assert!(
                start.elapsed() < LIMIT,
                "the replica never became the primary"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // A new replica replaces the dead node, so durable creations have
        // one to confirm them again.
        let spare = Redis::start(false);
        let port = new.to_string();
        let r = spare.command(&["REPLICAOF", "127.0.0.1", &port]);
        assert!(r.as_deref().is_some_and(|r| r.starts_with("+OK")), "{r:?}");
        while !set.nodes[1]
            .command(&["INFO", "replication"])
            .is_some_and(|i| i.contains("state=online"))
        {
            assert!(start.elapsed() < LIMIT, "the new replica never synced");
            std::thread::sleep(Duration::from_millis(20));
        }
        (set, spare)
    })
    .await
    .unwrap();
    switch_done.store(true, Ordering::SeqCst);
    for p in producers {
        p.await.expect("a producer");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let refused = refused.lock().unwrap().clone();
    eprintln!(
        "{} tasks acknowledged, {} creations refused during the switch",
        acknowledged.len(),
        refused.len()
    );
    if let Some(first) = refused.first() {
        eprintln!("the first refusal: {first}");
    }
    assert!(acknowledged.len() >= WANTED);
    for e in &refused {
        assert!(
            e.contains("not created") || e.contains("not acknowledged"),
            "a creation during the switch failed without saying what became of the task: {e}"
        );
    }
    let mut reruns = 0;
    for (i, (n, id)) in acknowledged.iter().enumerate() {
        let text = result_text(&callers[i % 2], id).await;
        assert_eq!(text, format!("echo {n}"), "task {id}");
        let got = callers[(i + 1) % 2]
            .call("tasks/get", json!({"taskId": id}))
            .await;
        assert_eq!(got["result"]["status"], "completed", "{got}");
        assert!(runs(*n) >= 1, "task {n} completed without running");
        reruns += runs(*n) - 1;
    }
    eprintln!(
        "every acknowledged task completed; {reruns} ran more than once (at-least-once delivery); \
         the test took {:?}",
        begun.elapsed()
    );
    drop(set);
}

/// An HTTP node keeping its sessions in Redis and relaying changes over
/// Redis, both behind the Sentinels of `config`.
async fn session_node(config: &RedisConfig) -> (Server, RedisSessionStore, String) {
    let store = RedisSessionStore::new(config).expect("sentinel URLs");
    let server = Server::builder("sentinel-sessions")
        .tools(tools![add, announce])
        .sessions(store.clone())
        .change_relay(RedisChangeRelay::new(config).expect("sentinel URLs"))
        .build()
        .await
        .expect("the server builds");
    let url = serve_nested(&server).await;
    tokio::time::timeout(LIMIT, store.subscribed())
        .await
        .expect("the node subscribed to the session events");
    (server, store, url)
}

/// One request of `session` (2025-11-25, as alice) on `url`: the JSON-RPC
/// response, or the HTTP status and body when there is none.
async fn on(url: &str, session: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": method, "params": params});
    let reply = tokio::time::timeout(
        LIMIT,
        http_support::post(
            url,
            &[
                ("x-subject", "alice"),
                ("mcp-session-id", session),
                ("mcp-protocol-version", "2025-11-25"),
            ],
            body.to_string(),
        ),
    )
    .await
    .unwrap_or_else(|_| panic!("{method} on {url} hung"));
    reply
        .messages()
        .into_iter()
        .find(|m| m["id"] == 9)
        .unwrap_or_else(|| json!({"status": reply.status, "body": reply.body}))
}

/// A session's GET stream, read message by message.
struct Stream {
    res: reqwest::Response,
    buf: String,
}

impl Stream {
    async fn open(url: &str, session: &str) -> Stream {
        let res = http_support::client()
            .get(url)
            .header("accept", "text/event-stream")
            .header("x-subject", "alice")
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", "2025-11-25")
            .send()
            .await
            .expect("the GET stream is requested");
        assert_eq!(res.status(), 200, "the GET stream opens");
        Stream {
            res,
            buf: String::new(),
        }
    }

    /// The next message within `wait`; `None` on timeout, `Err` once the
    /// stream ended.
    async fn next(&mut self, wait: Duration) -> Result<Option<Value>, ()> {
        let until = Instant::now() + wait;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let event: String = self.buf.drain(..end + 2).collect();
                if let Some(m) = http_support::sse_messages(&event).pop() {
                    return Ok(Some(m));
                }
            }
            let left = until.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.res.chunk()).await {
                Err(_) => return Ok(None),
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(_) => return Err(()),
            }
        }
    }

    /// Whether a `tools/list_changed` arrives within `wait`.
    async fn hears_list_changed(&mut self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.next(left).await {
                Ok(Some(m)) if m["method"] == "notifications/tools/list_changed" => return true,
                Ok(Some(_)) => {}
                Ok(None) => return false,
                Err(()) => panic!("the GET stream ended"),
            }
        }
    }
}

/// Kills the primary (SIGKILL, by the PID the test holds) and waits until
/// the Sentinels name the replica and it answers as the primary.
async fn fail_over(set: Sentinels) -> Sentinels {
    tokio::task::spawn_blocking(move || {
        let mut set = set;
        let new = set.nodes[1].port;
        let pid = set.nodes[0].pid().expect("the primary runs");
        set.nodes[0].kill();
        eprintln!("killed the primary (pid {pid})");
        let start = Instant::now();
        while set.primary_port() != Some(new) {
            let _ = set.sentinels[0].command(&["SENTINEL", "FAILOVER", SERVICE]);
            assert!(
                start.elapsed() < LIMIT,
                "the Sentinels never promoted the replica"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        while !set.nodes[1]
            .command(&["ROLE"])
            .is_some_and(|r| r.contains("master"))
        {
            assert!(
                start.elapsed() < LIMIT,
                "the replica never became the primary"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("the replica is the primary after {:?}", start.elapsed());
        set
    })
    .await
    .expect("the failover")
}

/// Sessions in Redis and the change relay behind Sentinel: a session opened
/// before the primary dies still answers on both nodes after the replica
/// is promoted, and a change announced on one node after the failover
/// reaches the session's GET stream on the other (the subscriptions moved
/// to the new primary).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_and_changes_follow_a_failover() {
    let _serial = serial().await;
    let begun = Instant::now();
    let set = tokio::task::spawn_blocking(Sentinels::start).await.unwrap();
    let config = RedisConfig::sentinel(set.urls(), SERVICE).prefix("sentinel-sessions");
    let (_a, _, a) = session_node(&config).await;
    let (_b, _, b) = session_node(&config).await;

    let caller = caller(&a).await;
    let session = caller.session_id().expect("a session").to_owned();
    let sum = on(
        &b,
        &session,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
    )
    .await;
    assert_eq!(sum["result"]["content"][0]["text"], "5", "{sum}");
    let mut stream = Stream::open(&a, &session).await;
    let announced = on(
        &b,
        &session,
        "tools/call",
        json!({"name": "announce", "arguments": {}}),
    )
    .await;
    assert_eq!(
        announced["result"]["content"][0]["text"], "announced",
        "{announced}"
    );
    assert!(
        stream.hears_list_changed(LIMIT).await,
        "before the failover, a change announced on B reaches the GET stream on A"
    );
    // The session record is on the replica before the primary dies (with
    // `durable` off, the last writes before a failover may be lost).
    let waited = set.nodes[0].command(&["WAIT", "1", "5000"]);
    assert!(
        waited.as_deref().is_some_and(|r| r.starts_with(":1")),
        "{waited:?}"
    );

    let set = fail_over(set).await;
    let switched = Instant::now();

    // The session still answers, on both nodes (bounded: commands in flight
    // during the switch may fail, the next ones go to the new primary).
    for url in [&a, &b] {
        let mut last = Value::Null;
        let answered = tokio::time::timeout(LIMIT, async {
            loop {
                last = on(
                    url,
                    &session,
                    "tools/call",
                    json!({"name": "add", "arguments": {"a": 20, "b": 22}}),
                )
                .await;
                if last["result"]["content"][0]["text"] == "42" {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
        .await;
        assert!(
            answered.is_ok(),
            "the session never answered on {url} after the failover: {last}"
        );
    }
    eprintln!(
        "the session answered on both nodes {:?} after the switch",
        switched.elapsed()
    );

    // A change announced on B after the failover reaches the GET stream on
    // A. Messages published while a subscription moves may be lost, so it is
    // announced again until heard (bounded).
    let mut tries = 0;
    let heard = tokio::time::timeout(LIMIT, async {
        loop {
            tries += 1;
            let announced = on(
                &b,
                &session,
                "tools/call",
                json!({"name": "announce", "arguments": {}}),
            )
            .await;
            assert_eq!(
                announced["result"]["content"][0]["text"], "announced",
                "{announced}"
            );
            if stream.hears_list_changed(Duration::from_secs(1)).await {
                return;
            }
        }
    })
    .await;
    assert!(
        heard.is_ok(),
        "no change announced on B after the failover reached A's GET stream ({tries} tries)"
    );
    eprintln!(
        "a change announced on B reached A's GET stream {:?} after the switch ({tries} announcements); \
         the test took {:?}",
        switched.elapsed(),
        begun.elapsed()
    );
    drop(set);
}
