//! MCP-level middleware (`ServerBuilder::layer`): tower layers around the
//! dispatch table see the parsed request (method, tool, caller, revision) on
//! every transport and around task runs in workers, and may answer
//! themselves. Over a real socket: a per-subject rate limit, tower's own
//! timeout and concurrency limit, an audit layer that sees the worker's run
//! with the caller's token.

mod http_support;
#[path = "redis_support/mod.rs"]
mod redis_support;

#[path = "../examples/composed/src/rate_limit.rs"]
mod rate_limit;

use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
use ferrymcp::prelude::*;
use ferrymcp::server::{McpRequest, McpService};
use ferrymcp::tower::{layer::layer_fn, service_fn, ServiceExt};
use ferrymcp::Client;
use http_support::{post, spawn, stateless_as, LegacySession, Reply};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Sleeps `ms` milliseconds, counting how many of its calls run at once.
#[tool]
async fn nap(ms: u64, running: Lifespan<Running>) -> String {
    let now = running.now.fetch_add(1, Ordering::SeqCst) + 1;
    running.most.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    running.now.fetch_sub(1, Ordering::SeqCst);
    "rested".into()
}

/// Reports who called it, as a background task.
#[tool(task = true)]
async fn report(token: Option<AccessToken>) -> String {
    format!(
        "report for {}",
        token
            .and_then(|t| t.subject().map(String::from))
            .unwrap_or_default()
    )
}

/// How many `nap` calls run now, and the most that ever ran at once.
#[derive(Default, Clone)]
struct Running {
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

/// What the audit layer saw of one request.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    method: String,
    target: Option<String>,
    subject: Option<String>,
    version: String,
    in_worker: bool,
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// A layer that writes down every request it sees, then passes it on.
fn audit(log: Log) -> impl ferrymcp::tower::Layer<McpService, Service = McpService> + Clone {
    layer_fn(move |inner: McpService| {
        let log = Arc::clone(&log);
        McpService::new(service_fn(move |request: McpRequest| {
            log.lock().unwrap().push(Seen {
                method: request.method().to_string(),
                target: request.target().map(|t| t.into_owned()),
                subject: request
                    .access_token()
                    .and_then(|t| t.subject().map(String::from)),
                version: request.protocol_version().to_string(),
                in_worker: request.in_task_worker(),
            });
            inner.clone().oneshot(request)
        }))
    })
}

fn auth() -> AuthConfig {
    AuthConfig::builder(
        StaticTokenVerifier::new()
            .token("alice-token", AccessToken::builder().subject("alice"))
            .token("bob-token", AccessToken::builder().subject("bob")),
    )
    .resource("http://127.0.0.1:8000/mcp")
    .authorization_server("http://127.0.0.1:9000")
    .build()
    .unwrap()
}

/// Serves `server` at `/mcp` on a fresh loopback port.
async fn serve(server: &Server) -> String {
    let base = spawn(server.router_at("/mcp")).await;
    format!("{base}/mcp")
}

/// A 2026-07-28 `tools/call` with `token`.
async fn call(url: &str, token: &str, id: i64, name: &str, arguments: Value) -> Reply {
    let params = json!({"name": name, "arguments": arguments});
    stateless_as(url, token, id, "tools/call", params).await
}

#[tokio::test]
async fn the_eleventh_call_in_a_window_is_refused_and_another_subject_still_gets_through() {
    let limit = rate_limit::PerSubjectLimit::new(10, Duration::from_secs(3600));
    let server = Server::builder("limited")
        .auth(auth())
        .layer(limit)
        .tools(tools![add])
        .build()
        .await
        .unwrap();
    let url = serve(&server).await;
    for i in 0..10 {
        let reply = call(&url, "alice-token", i, "add", json!({"a": i, "b": 1})).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(
            reply.json()["result"]["structuredContent"]["result"],
            i + 1,
            "{reply:?}"
        );
    }
    let refused = call(&url, "alice-token", 10, "add", json!({"a": 1, "b": 1})).await;
    let error = &refused.json()["error"];
    assert_eq!(error["code"], rate_limit::RATE_LIMITED, "{refused:?}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message
            .starts_with("Rate limit: `alice` made 10 tool calls in the last 3600s; try again in "),
        "{message}"
    );
    // Bob has his own window.
    let bob = call(&url, "bob-token", 11, "add", json!({"a": 2, "b": 2})).await;
    assert_eq!(
        bob.json()["result"]["structuredContent"]["result"],
        4,
        "{bob:?}"
    );
}

#[tokio::test]
async fn towers_timeout_stops_a_slow_call_with_a_precise_error() {
    let server = Server::builder("timed")
        .lifespan(|| async { Ok::<_, std::io::Error>(Running::default()) })
        .auth(auth())
        .layer(ferrymcp::tower::timeout::TimeoutLayer::new(
            Duration::from_millis(200),
        ))
        .tools(tools![add, nap])
        .build()
        .await
        .unwrap();
    let url = serve(&server).await;
    let slow = call(&url, "alice-token", 1, "nap", json!({"ms": 10_000})).await;
    let error = &slow.json()["error"];
    assert_eq!(error["code"], ferrymcp::server::REQUEST_TIMEOUT, "{slow:?}");
    assert_eq!(
        error["message"],
        "Request timed out: the server's time limit for this request passed"
    );
    let fast = call(&url, "alice-token", 2, "add", json!({"a": 1, "b": 2})).await;
    assert_eq!(fast.json()["result"]["structuredContent"]["result"], 3);
}

#[tokio::test]
async fn towers_concurrency_limit_runs_one_call_at_a_time() {
    let running = Running::default();
    let most = Arc::clone(&running.most);
    let server = Server::builder("one-at-a-time")
        .lifespan(move || async move { Ok::<_, std::io::Error>(running) })
        .auth(auth())
        .layer(tower::limit::ConcurrencyLimitLayer::new(1))
        .tools(tools![nap])
        .build()
        .await
        .unwrap();
    let url = serve(&server).await;
    let calls = (0..4).map(|i| {
        let url = url.clone();
        tokio::spawn(async move { call(&url, "alice-token", i, "nap", json!({"ms": 50})).await })
    });
    for reply in futures::future::join_all(calls).await {
        let reply = reply.unwrap();
        assert_eq!(
            reply.json()["result"]["content"][0]["text"],
            "rested",
            "{reply:?}"
        );
    }
    assert_eq!(most.load(Ordering::SeqCst), 1, "calls overlapped");
}

/// A request on a session: the response.
async fn in_session(session: &LegacySession, id: i64, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let reply = session.send(body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.json()
}

/// Alice calls `report` as a 2025-11-25 task (request `first_id`), then
/// `tasks/result` (the next id), which must say it ran for her: the task id.
async fn alices_report_as_a_task(session: &LegacySession, first_id: i64) -> String {
    let created = in_session(
        session,
        first_id,
        "tools/call",
        json!({"name": "report", "task": {"ttl": 60000}}),
    )
    .await;
    let task_id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let result = in_session(
        session,
        first_id + 1,
        "tasks/result",
        json!({"taskId": task_id}),
    )
    .await;
    assert_eq!(
        result["result"]["content"][0]["text"], "report for alice",
        "{result}"
    );
    task_id
}

#[tokio::test]
async fn layers_see_every_request_and_the_task_run_in_the_worker_with_the_callers_token() {
    let log = Log::default();
    let server = Server::builder("audited")
        .auth(auth())
        .layer(audit(Arc::clone(&log)))
        .tools(tools![add, report])
        .build()
        .await
        .unwrap();
    let url = serve(&server).await;
    let (session, _) = LegacySession::open_as(&url, "2025-11-25", "alice-token").await;
    let listed = in_session(&session, 1, "tools/list", json!({})).await;
    assert_eq!(listed["result"]["tools"].as_array().unwrap().len(), 2);
    let task_id = alices_report_as_a_task(&session, 2).await;
    let seen = log.lock().unwrap().clone();
    let alice = Some("alice".to_string());
    let at = |method: &str, target: Option<&str>, in_worker: bool| Seen {
        method: method.into(),
        target: target.map(String::from),
        subject: alice.clone(),
        version: "2025-11-25".into(),
        in_worker,
    };
    // The handshake is the session's own; everything after it passes the
    // layer (the worker's run and `tasks/result` in either order).
    for expected in [
        at("tools/list", None, false),
        at("tools/call", Some("report"), false),
        at("tools/call", Some("report"), true),
        at("tasks/result", Some(&task_id), false),
    ] {
        assert!(seen.contains(&expected), "{expected:?} not in {seen:#?}");
    }
    assert_eq!(seen.len(), 4, "{seen:#?}");
}

#[tokio::test]
async fn layers_run_for_the_in_process_client_and_stateless_requests() {
    let log = Log::default();
    let server = Server::builder("audited")
        .layer(audit(Arc::clone(&log)))
        .tools(tools![add])
        .build()
        .await
        .unwrap();
    let client = Client::connect_with(&server, "2025-06-18").await.unwrap();
    let sum = client
        .call_tool("add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    let sum = serde_json::to_value(sum).unwrap();
    assert_eq!(sum["structuredContent"]["result"], 5);
    let url = serve(&server).await;
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "add", "arguments": {"a": 1, "b": 1}, "_meta": http_support::meta()}});
    let reply = post(
        &url,
        &[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "add"),
        ],
        body.to_string(),
    )
    .await;
    assert_eq!(reply.json()["result"]["structuredContent"]["result"], 2);
    let seen = log.lock().unwrap().clone();
    let versions: Vec<_> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.version.as_str()))
        .collect();
    assert_eq!(
        versions,
        [("tools/call", "2025-06-18"), ("tools/call", "2026-07-28")]
    );
}

#[tokio::test]
async fn a_layer_may_answer_itself_and_the_tool_never_runs() {
    let server = Server::builder("closed")
        .layer(layer_fn(|_inner: McpService| {
            McpService::new(service_fn(|request: McpRequest| async move {
                Ok(match request.method() {
                    ferrymcp::protocol::Method::ToolsCall => {
                        ferrymcp::server::McpResponse::tool_error("closed for maintenance")
                    }
                    _ => ferrymcp::server::McpResponse::error(
                        ferrymcp::protocol::ErrorObject::new(-32000, "closed"),
                    ),
                })
            }))
        }))
        .tools(tools![add])
        .build()
        .await
        .unwrap();
    let client = Client::connect(&server).await.unwrap();
    let result = client
        .call_tool("add", json!({"a": 2, "b": 3}))
        .await
        .unwrap();
    let result = serde_json::to_value(result).unwrap();
    assert_eq!(result["isError"], true);
    assert_eq!(result["content"][0]["text"], "closed for maintenance");
    let error = client.list_tools().await.unwrap_err();
    assert_eq!(error.code, -32000);
    assert_eq!(error.message, "closed");
}

/// Wipes everything (it never runs: the gate refuses it).
#[tool]
async fn wipe() -> String {
    WIPED.store(true, Ordering::SeqCst);
    "wiped".into()
}

static WIPED: AtomicBool = AtomicBool::new(false);

/// The method and target of each request a layer saw.
type Calls = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A layer that writes down the method and target of every request, and
/// refuses `tools/call` of `wipe` itself.
fn gate(log: Calls) -> impl ferrymcp::tower::Layer<McpService, Service = McpService> + Clone {
    layer_fn(move |inner: McpService| {
        let log = Arc::clone(&log);
        McpService::new(service_fn(move |request: McpRequest| {
            let target = request.target().map(|t| t.into_owned());
            let refuse = target.as_deref() == Some("wipe");
            log.lock()
                .unwrap()
                .push((request.method().to_string(), target));
            let inner = inner.clone();
            async move {
                if refuse {
                    return Ok(ferrymcp::server::McpResponse::error(
                        ferrymcp::protocol::ErrorObject::new(-32003, "wipe is not allowed"),
                    ));
                }
                inner.oneshot(request).await
            }
        }))
    })
}

#[tokio::test]
async fn over_stdio_a_layer_sees_each_call_and_may_refuse_one() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let log = Calls::default();
    let server = Server::builder("gated")
        .layer(gate(Arc::clone(&log)))
        .tools(tools![add, wipe])
        .build()
        .await
        .unwrap();
    // The stdio transport (`serve_stdio` is `serve_io` on stdin and stdout),
    // on the two ends of a pipe.
    let (client, server_end) = tokio::io::duplex(64 * 1024);
    let (read, write) = tokio::io::split(server_end);
    let serving =
        tokio::spawn(async move { ferrymcp::transport::serve_io(&server, read, write).await });
    let (from_server, mut to_server) = tokio::io::split(client);
    let mut lines = BufReader::new(from_server).lines();
    let mut exchange = async |message: Value| -> Value {
        let mut line = message.to_string();
        line.push('\n');
        to_server.write_all(line.as_bytes()).await.unwrap();
        let Some(id) = message.get("id") else {
            return Value::Null;
        };
        loop {
            let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
                .await
                .expect("an answer in time")
                .unwrap()
                .expect("an answer");
            let answer: Value = serde_json::from_str(&line).unwrap();
            if &answer["id"] == id {
                return answer;
            }
        }
    };
    let init = exchange(
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "middleware-test", "version": "0.0.1"}}}),
    )
    .await;
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
    exchange(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
    let sum = exchange(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 3}}}))
    .await;
    assert_eq!(sum["result"]["structuredContent"]["result"], 5, "{sum}");
    let refused = exchange(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "wipe", "arguments": {}}}))
    .await;
    assert_eq!(refused["error"]["code"], -32003, "{refused}");
    assert_eq!(
        refused["error"]["message"], "wipe is not allowed",
        "{refused}"
    );
    assert!(!WIPED.load(Ordering::SeqCst), "the refused tool never ran");
    // The client hangs up: the server's reader sees the end of its input.
    to_server.shutdown().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("the server stops when its input closes")
        .unwrap()
        .unwrap();
    let calls: Vec<_> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(method, _)| method == "tools/call")
        .cloned()
        .collect();
    assert_eq!(
        calls,
        [
            ("tools/call".to_owned(), Some("add".to_owned())),
            ("tools/call".to_owned(), Some("wipe".to_owned())),
        ]
    );
}

/// A node (no workers) or a worker-only server on one Redis, each with its
/// own audit layer.
async fn on_redis(redis: &redis_support::Redis, log: Log) -> Server {
    use ferrymcp::task::redis::{RedisBackend, RedisConfig};
    let backend = RedisBackend::new(RedisConfig::new(redis.url()).prefix("middleware-test"))
        .expect("a Redis URL");
    Server::builder("audited")
        .auth(auth())
        .layer(audit(log))
        .tools(tools![report])
        .tasks(backend)
        .task_options(ferrymcp::TaskOptions::default().run_workers(false))
        .build()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_redis_the_worker_processes_layers_see_its_task_run_with_the_callers_token() {
    let _serial = redis_support::serial().await;
    let redis = redis_support::Redis::start(false);
    let (node_log, worker_log) = (Log::default(), Log::default());
    let node = on_redis(&redis, Arc::clone(&node_log)).await;
    let worker = on_redis(&redis, Arc::clone(&worker_log)).await;
    let running = {
        let worker = worker.clone();
        tokio::spawn(async move { worker.run_task_workers().await })
    };
    let url = serve(&node).await;
    let (session, _) = LegacySession::open_as(&url, "2025-11-25", "alice-token").await;
    alices_report_as_a_task(&session, 1).await;
    let run = Seen {
        method: "tools/call".into(),
        target: Some("report".into()),
        subject: Some("alice".into()),
        version: "2025-11-25".into(),
        in_worker: true,
    };
    // The run happened in the worker server, under its layers, not the node's.
    assert_eq!(*worker_log.lock().unwrap(), std::slice::from_ref(&run));
    let node_seen = node_log.lock().unwrap().clone();
    assert!(!node_seen.contains(&run), "{node_seen:#?}");
    assert!(
        node_seen.contains(&Seen {
            in_worker: false,
            ..run
        }),
        "{node_seen:#?}"
    );
    worker.shutdown().await;
    running.await.unwrap();
    node.shutdown().await;
}
