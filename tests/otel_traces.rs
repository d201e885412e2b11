//! OpenTelemetry (the `otel` feature) with the SDK's in-memory exporters
//! behind a `tracing-opentelemetry` layer: the server span of a request over
//! HTTP per the MCP semantic conventions, its parent from `traceparent` in
//! `_meta` (the HTTP header as a fallback, a malformed one ignored), and a
//! task created on one node and run by a worker on another node, through a
//! real `redis-server`, in the same trace: once with two servers in this
//! process sharing the Redis backend (node A runs no workers, so the worker
//! sees the trace context only through the task's snapshot in Redis), once
//! with the `tasks` and `worker` example processes exporting with
//! `--otlp` to a collector this test runs. A tool's question to the client
//! (elicitation over HTTP) carries the call's `traceparent` in its `_meta`.

#[path = "redis_support/mod.rs"]
mod redis_support;
mod tasks_support;

use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisConfig};
use ferrymcp::TaskOptions;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId, TracerProvider as _};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use redis_support::{eventually, serial, Mcp, Process, Redis};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Duration;
use tasks_support::http_support::{self, post, sse_messages};
use tasks_support::{serve_nested, within, Caller};
use tracing_subscriber::layer::SubscriberExt;

/// The exporters every test of this binary shares (one global subscriber
/// and meter provider per process); each test finds its own spans by
/// their trace id or tool.
struct Telemetry {
    spans: InMemorySpanExporter,
    metrics: InMemoryMetricExporter,
    meters: SdkMeterProvider,
}

fn telemetry() -> &'static Telemetry {
    static TELEMETRY: OnceLock<Telemetry> = OnceLock::new();
    TELEMETRY.get_or_init(|| {
        let spans = InMemorySpanExporter::default();
        let tracer = SdkTracerProvider::builder()
            .with_simple_exporter(spans.clone())
            .build()
            .tracer("otel-traces-test");
        let subscriber =
            tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        let metrics = InMemoryMetricExporter::default();
        let meters = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(metrics.clone()).build())
            .build();
        opentelemetry::global::set_meter_provider(meters.clone());
        Telemetry {
            spans,
            metrics,
            meters,
        }
    })
}

/// A fresh random `traceparent` (sampled) and its trace and span ids.
fn traceparent() -> (String, TraceId, SpanId) {
    let trace = TraceId::from_bytes(rand_bytes());
    let span = SpanId::from_bytes(rand_bytes());
    (format!("00-{trace}-{span}-01"), trace, span)
}

fn rand_bytes<const N: usize>() -> [u8; N] {
    use std::hash::{BuildHasher, Hasher};
    let mut out = [0; N];
    for chunk in out.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        // Each `RandomState` has keys of its own.
        h.write_u8(0);
        let bytes = h.finish().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    out[0] |= 1; // never all zero
    out
}

/// The exported spans `keep` selects, waiting (bounded) until there are
/// at least `n`.
async fn spans_where(n: usize, keep: impl Fn(&SpanData) -> bool) -> Vec<SpanData> {
    within("the spans to be exported", async {
        loop {
            let found: Vec<SpanData> = telemetry()
                .spans
                .get_finished_spans()
                .expect("the exported spans")
                .into_iter()
                .filter(|s| keep(s))
                .collect();
            if found.len() >= n {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

/// A span's attribute, as text.
fn attr(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

/// One line per span: name, kind, ids, status, the attributes.
fn dump(spans: &[SpanData]) -> String {
    let mut spans: Vec<&SpanData> = spans.iter().collect();
    spans.sort_by_key(|s| s.start_time);
    spans
        .iter()
        .map(|s| {
            let mut attributes: Vec<String> = s
                .attributes
                .iter()
                .map(|kv| format!("{}={}", kv.key, kv.value))
                .collect();
            attributes.sort();
            format!(
                "{:?} {:?} trace={} span={} parent={} status={:?}\n    {}",
                s.name,
                s.span_kind,
                s.span_context.trace_id(),
                s.span_context.span_id(),
                s.parent_span_id,
                s.status,
                attributes.join(" ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Always answers a tool error.
#[tool]
async fn refuse() -> Result<String, ToolError> {
    Err(ToolError::new("refused"))
}

/// Says hello (only the malformed-context test calls it).
#[tool]
async fn greet() -> String {
    "hello".into()
}

/// Echoes the header fallback test's call.
#[tool]
async fn echo_header() -> String {
    "echo".into()
}

/// A background job (runs as a task on a worker).
#[tool(task = true)]
async fn report(pages: u32) -> String {
    tokio::time::sleep(Duration::from_millis(50)).await;
    format!("{pages} pages")
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Confirm {
    /// Go ahead?
    ok: bool,
}

/// Asks the user before it answers.
#[tool]
async fn confirm(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx.elicit::<Confirm>("Go ahead?").await?;
    Ok(match answer.accepted() {
        Some(Confirm { ok: true }) => "going".into(),
        _ => "staying".into(),
    })
}

/// Asks the user and the client's roots together (one round on 2026-07-28).
#[tool]
async fn confirm_where(ctx: Ctx) -> Result<String, ToolError> {
    let (answer, roots) = tokio::join!(
        ctx.ask("confirm").elicit::<Confirm>("Go ahead?"),
        ctx.ask("roots").list_roots()
    );
    Ok(format!("{:?} in {}", answer?.action(), roots?.len()))
}

/// A long background job: keeps its worker busy for seconds.
#[tool(task = true)]
async fn long_report(pages: u32) -> String {
    tokio::time::sleep(Duration::from_secs(3)).await;
    format!("{pages} pages, slowly")
}

async fn plain_server() -> Server {
    Server::builder("otel-test")
        .tools(tools![
            add,
            refuse,
            greet,
            echo_header,
            confirm,
            confirm_where
        ])
        .build()
        .await
        .expect("the server builds")
}

/// A tools/call over HTTP is one server span named `tools/call add`, with
/// the conventions' attributes, whose parent is the `traceparent` of its
/// `_meta`; a tool error and a protocol error are told apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tools_call_over_http_is_one_server_span_with_the_conventions_attributes() {
    let _ = telemetry();
    let url = serve_nested(&plain_server().await).await;
    let client = Caller::session(&url, "2025-11-25", &[]).await;

    let (parent, trace, parent_span) = traceparent();
    let reply = client
        .call(
            "tools/call",
            json!({"name": "add", "arguments": {"a": 2, "b": 3},
                   "_meta": {"traceparent": parent, "tracestate": "vendor=x"}}),
        )
        .await;
    assert_eq!(reply["result"]["structuredContent"]["result"], 5, "{reply}");
    let spans = spans_where(1, |s| s.span_context.trace_id() == trace).await;
    let servers: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Server)
        .collect();
    assert_eq!(servers.len(), 1, "{}", dump(&spans));
    let span = servers[0];
    assert_eq!(span.name, "tools/call add");
    assert_eq!(
        span.parent_span_id, parent_span,
        "the caller's span is the parent"
    );
    assert!(span.parent_span_is_remote);
    assert_eq!(span.span_context.trace_state().get("vendor"), Some("x"));
    assert_eq!(attr(span, "mcp.method.name").as_deref(), Some("tools/call"));
    assert_eq!(attr(span, "gen_ai.tool.name").as_deref(), Some("add"));
    assert_eq!(
        attr(span, "gen_ai.operation.name").as_deref(),
        Some("execute_tool")
    );
    assert_eq!(
        attr(span, "mcp.protocol.version").as_deref(),
        Some("2025-11-25")
    );
    assert_eq!(attr(span, "network.transport").as_deref(), Some("tcp"));
    assert!(
        attr(span, "jsonrpc.request.id").is_some(),
        "{}",
        dump(&spans)
    );
    let session = attr(span, "mcp.session.id").expect("a session id");
    assert_eq!(
        session.len(),
        16,
        "a digest, not the session's key: {session}"
    );
    assert_eq!(attr(span, "error.type"), None);
    assert_eq!(span.status, Status::Unset);

    // A tool's error result: `tool_error`, the span's status an error.
    let (parent, trace, _) = traceparent();
    let reply = client
        .call(
            "tools/call",
            json!({"name": "refuse", "arguments": {}, "_meta": {"traceparent": parent}}),
        )
        .await;
    assert_eq!(reply["result"]["isError"], true, "{reply}");
    let spans = spans_where(1, |s| s.span_context.trace_id() == trace).await;
    assert_eq!(spans[0].name, "tools/call refuse");
    assert_eq!(attr(&spans[0], "error.type").as_deref(), Some("tool_error"));
    assert!(matches!(spans[0].status, Status::Error { .. }));

    // A protocol error (an unknown tool): its JSON-RPC code.
    let (parent, trace, _) = traceparent();
    let reply = client
        .call(
            "tools/call",
            json!({"name": "missing", "arguments": {}, "_meta": {"traceparent": parent}}),
        )
        .await;
    let code = reply["error"]["code"].as_i64().expect("an error");
    let spans = spans_where(1, |s| s.span_context.trace_id() == trace).await;
    assert_eq!(spans[0].name, "tools/call missing");
    assert_eq!(attr(&spans[0], "error.type"), Some(code.to_string()));
    assert_eq!(
        attr(&spans[0], "rpc.response.status_code"),
        Some(code.to_string())
    );
    assert!(matches!(spans[0].status, Status::Error { .. }));

    // The operation metric, with the method's attributes.
    telemetry().meters.force_flush().expect("the metrics flush");
    let names: HashSet<String> = telemetry()
        .metrics
        .get_finished_metrics()
        .expect("the exported metrics")
        .iter()
        .flat_map(|r| r.scope_metrics())
        .flat_map(|s| s.metrics())
        .map(|m| m.name().to_owned())
        .collect();
    assert!(names.contains("mcp.server.operation.duration"), "{names:?}");
}

/// The `traceparent` HTTP header is the parent when `_meta` has none;
/// `_meta`'s wins over it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_traceparent_header_is_a_fallback_for_meta() {
    let _ = telemetry();
    let url = serve_nested(&plain_server().await).await;
    let (header, header_trace, header_span) = traceparent();
    let client = Caller::session(&url, "2025-11-25", &[("traceparent", &header)]).await;

    let reply = client
        .call(
            "tools/call",
            json!({"name": "echo_header", "arguments": {}}),
        )
        .await;
    assert_eq!(reply["result"]["content"][0]["text"], "echo", "{reply}");
    let spans = spans_where(1, |s| {
        s.span_context.trace_id() == header_trace && s.name == "tools/call echo_header"
    })
    .await;
    assert_eq!(spans[0].parent_span_id, header_span);

    let (meta, meta_trace, _) = traceparent();
    client
        .call(
            "tools/call",
            json!({"name": "echo_header", "arguments": {}, "_meta": {"traceparent": meta}}),
        )
        .await;
    let spans = spans_where(1, |s| s.span_context.trace_id() == meta_trace).await;
    assert_eq!(spans[0].name, "tools/call echo_header");
}

/// A malformed `traceparent` (in `_meta` or the header) is ignored: the
/// call succeeds and its span starts a trace of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_traceparent_is_ignored_never_an_error() {
    let _ = telemetry();
    let url = serve_nested(&plain_server().await).await;
    let bad_header = "00-ffffffffffffffffffffffffffffffff-zzzzzzzzzzzzzzzz-01";
    let client = Caller::session(&url, "2025-11-25", &[("traceparent", bad_header)]).await;
    let malformed = [
        json!("garbage"),
        json!("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
        json!("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
        json!(42),
        json!({"nested": true}),
    ];
    for traceparent in &malformed {
        let reply = client
            .call(
                "tools/call",
                json!({"name": "greet", "arguments": {},
                       "_meta": {"traceparent": traceparent, "tracestate": "=,=broken"}}),
            )
            .await;
        assert_eq!(
            reply["result"]["content"][0]["text"], "hello",
            "{traceparent}: {reply}"
        );
    }
    let spans = spans_where(malformed.len(), |s| s.name == "tools/call greet").await;
    assert_eq!(spans.len(), malformed.len(), "{}", dump(&spans));
    let traces: HashSet<TraceId> = spans.iter().map(|s| s.span_context.trace_id()).collect();
    assert_eq!(traces.len(), malformed.len(), "each starts its own trace");
    for span in &spans {
        assert_eq!(span.parent_span_id, SpanId::INVALID, "{}", dump(&spans));
        assert_eq!(span.status, Status::Unset);
    }
}

/// Reads a streaming response until it holds a JSON-RPC message more than
/// `seen` (bounded wait); returns every message so far.
async fn stream_until(res: &mut reqwest::Response, body: &mut String, seen: usize) -> Vec<Value> {
    within("the stream's next message", async {
        loop {
            let messages = sse_messages(&complete_events(body));
            if messages.len() > seen {
                return messages;
            }
            let chunk = res
                .chunk()
                .await
                .expect("the stream reads")
                .expect("the stream is open");
            body.push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    })
    .await
}

/// The events of an SSE body that are complete (end with a blank line).
fn complete_events(body: &str) -> String {
    match body.rfind("\n\n") {
        Some(end) => body[..end + 2].to_owned(),
        None => String::new(),
    }
}

/// The trace id of a `traceparent` value.
fn trace_of(traceparent: &Value) -> TraceId {
    let text = traceparent.as_str().expect("a traceparent string");
    assert_eq!(text.len(), 55, "{text}");
    TraceId::from_hex(&text[3..35]).expect("a trace id")
}

/// A question a tool asks during a call carries the call's trace context:
/// on a 2025-11-25 session the `elicitation/create` request the client
/// receives on the call's stream has `params._meta.traceparent` (and the
/// caller's `tracestate`) of the call's server span. On 2026-07-28 only
/// `roots/list`, whose params keep a `_meta` there, is stamped in
/// `inputRequests`; the elicitation's params have no `_meta` in that
/// revision's schema, so it goes out as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_to_the_client_carries_the_calls_trace_context() {
    let _ = telemetry();
    let url = serve_nested(&plain_server().await).await;
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
        "clientInfo": {"name": "otel-test", "version": "0"}}});
    let reply = post(&url, &[], init.to_string()).await;
    let session = reply
        .header("mcp-session-id")
        .expect("a session id")
        .to_owned();
    let headers = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let note = post(
        &url,
        &headers,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
    )
    .await;
    assert_eq!(note.status, 202);

    let (parent, trace, _) = traceparent();
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "confirm", "arguments": {},
        "_meta": {"traceparent": parent, "tracestate": "vendor=x"}}});
    let mut request = http_support::client()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in headers {
        request = request.header(k, v);
    }
    let mut res = request
        .body(call.to_string())
        .send()
        .await
        .expect("the call is sent");
    assert_eq!(res.status(), 200);
    let mut body = String::new();
    let messages = stream_until(&mut res, &mut body, 0).await;
    let question = &messages[0];
    assert_eq!(question["method"], "elicitation/create", "{question}");
    let meta = &question["params"]["_meta"];
    assert_eq!(
        trace_of(&meta["traceparent"]),
        trace,
        "the question is in the call's trace: {question}"
    );
    assert_eq!(meta["tracestate"], "vendor=x", "{question}");

    let answer = json!({"jsonrpc": "2.0", "id": question["id"],
        "result": {"action": "accept", "content": {"ok": true}}});
    let answered = post(&url, &headers, answer.to_string()).await;
    assert_eq!(answered.status, 202, "{answered:?}");
    let messages = stream_until(&mut res, &mut body, 1).await;
    let result = messages.last().expect("the response");
    assert_eq!(result["result"]["content"][0]["text"], "going", "{result}");

    // Its parent span is the call's server span.
    let spans = spans_where(1, |s| {
        s.span_context.trace_id() == trace && s.name == "tools/call confirm"
    })
    .await;
    let span_id = meta["traceparent"].as_str().expect("a traceparent")[36..52].to_owned();
    assert_eq!(span_id, spans[0].span_context.span_id().to_string());

    // 2026-07-28: `inputRequests`; only `roots/list` has a `_meta`.
    let (parent, trace, _) = traceparent();
    let mut meta = http_support::meta();
    meta["io.modelcontextprotocol/clientCapabilities"] = json!({"elicitation": {}, "roots": {}});
    meta["traceparent"] = json!(parent);
    let reply = http_support::stateless(
        &url,
        8,
        "tools/call",
        json!({"name": "confirm_where", "arguments": {}, "_meta": meta}),
    )
    .await
    .json();
    let asked = &reply["result"]["inputRequests"];
    assert_eq!(asked["roots"]["method"], "roots/list", "{reply}");
    assert_eq!(
        trace_of(&asked["roots"]["params"]["_meta"]["traceparent"]),
        trace,
        "{reply}"
    );
    assert_eq!(asked["confirm"]["method"], "elicitation/create", "{reply}");
    assert_eq!(
        asked["confirm"]["params"].get("_meta"),
        None,
        "2026-07-28 elicitation params have no _meta: {reply}"
    );
}

async fn redis_node(redis: &Redis, run_workers: bool) -> Server {
    let backend =
        RedisBackend::new(RedisConfig::new(redis.url()).prefix("otel-test")).expect("a Redis URL");
    Server::builder("otel-redis")
        .tools(tools![report, long_report])
        .tasks(backend)
        .task_options(TaskOptions::default().run_workers(run_workers))
        .build()
        .await
        .expect("the server builds")
}

/// A task created over HTTP on node A (which runs no workers) and run by
/// node B's worker through Redis: the worker's `execute_tool report` span
/// is a child of node A's `tools/call report` server span, in the trace of
/// the caller's `traceparent`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_run_by_a_worker_on_redis_is_in_the_trace_of_its_request() {
    let _ = telemetry();
    let _serial = serial().await;
    let redis = Redis::start(false);
    let node_a = redis_node(&redis, false).await;
    let node_b = redis_node(&redis, true).await;
    let worker = tokio::spawn({
        let node_b = node_b.clone();
        async move { node_b.run_task_workers().await }
    });
    let url = serve_nested(&node_a).await;
    let client = Caller::session(&url, "2025-11-25", &[]).await;

    let (parent, trace, parent_span) = traceparent();
    let created = client
        .call(
            "tools/call",
            json!({"name": "report", "arguments": {"pages": 3}, "task": {"ttl": 60000},
                   "_meta": {"traceparent": parent}}),
        )
        .await;
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let result = within(
        "tasks/result",
        client.call("tasks/result", json!({"taskId": id})),
    )
    .await;
    assert_eq!(
        result["result"]["content"][0]["text"], "3 pages",
        "{result}"
    );

    let spans = spans_where(2, |s| s.span_context.trace_id() == trace).await;
    println!("The exported spans of task {id}:\n{}", dump(&spans));
    let request = spans
        .iter()
        .find(|s| s.name == "tools/call report")
        .unwrap_or_else(|| panic!("{}", dump(&spans)));
    assert_eq!(request.span_kind, SpanKind::Server);
    assert_eq!(request.parent_span_id, parent_span);
    let run = spans
        .iter()
        .find(|s| s.name == "execute_tool report")
        .unwrap_or_else(|| panic!("{}", dump(&spans)));
    assert_eq!(run.span_kind, SpanKind::Internal);
    assert_eq!(
        run.parent_span_id,
        request.span_context.span_id(),
        "the run is a child of the request that created the task"
    );
    assert_eq!(attr(run, "mcp.task.id").as_deref(), Some(id.as_str()));
    assert_eq!(attr(run, "gen_ai.tool.name").as_deref(), Some("report"));
    assert_eq!(attr(run, "mcp.task.status").as_deref(), Some("completed"));

    // The task metrics, per tool.
    telemetry().meters.force_flush().expect("the metrics flush");
    let names: HashSet<String> = telemetry()
        .metrics
        .get_finished_metrics()
        .expect("the exported metrics")
        .iter()
        .flat_map(|r| r.scope_metrics())
        .flat_map(|s| s.metrics())
        .map(|m| m.name().to_owned())
        .collect();
    for name in [
        "mcp.server.task.created",
        "mcp.server.task.ended",
        "mcp.server.task.running",
        "mcp.server.task.run.duration",
    ] {
        assert!(names.contains(name), "{name}: {names:?}");
    }

    node_b.shutdown().await;
    node_a.shutdown().await;
    let _ = within("the worker to stop", worker).await;
}

/// What an OTLP/HTTP collector received: each request's path and body.
type Received = std::sync::Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

/// A collector on a loopback port: keeps every export, answers 200 with an
/// empty (valid) protobuf response.
async fn collector() -> (String, Received) {
    let received = Received::default();
    let sink = std::sync::Arc::clone(&received);
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri, body: axum::body::Bytes| {
        let sink = std::sync::Arc::clone(&sink);
        async move {
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((uri.path().to_owned(), body.to_vec()));
            (
                [("content-type", "application/x-protobuf")],
                Vec::<u8>::new(),
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), received)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether an export of `path` holds every one of `parts` (one export is
/// one process's batch: its resource, its spans).
fn exported(received: &Received, path: &str, parts: &[&[u8]]) -> bool {
    received
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|(p, body)| p == path && parts.iter().all(|part| contains(body, part)))
}

/// The `tasks` node and a `worker` process, each with `--otlp`: the node's
/// `tools/call slow_task` span and the worker's `execute_tool slow_task`
/// span reach the collector with the trace id of the caller's
/// `traceparent`, from two processes (service `tasks`, service `worker`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_run_by_a_worker_process_exports_its_span_in_the_trace_of_its_request() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let (otlp, received) = collector().await;
    let node = Process::node(&redis.url(), &["--otlp", &otlp]);
    let _worker = Process::worker(&redis.url(), &["--otlp", &otlp]);
    let client = Mcp::open(node.url()).await;

    let (parent, trace, _) = traceparent();
    let created = client
        .request(
            "tools/call",
            json!({"name": "slow_task", "arguments": {"duration": 50}, "task": {"ttl": 60000},
                   "_meta": {"traceparent": parent}}),
        )
        .await;
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let text = client.result_text(&id).await;
    assert!(text.contains(&format!("task {id}")), "{text}");

    // The batch exporters send within seconds (bounded wait).
    let trace = trace.to_bytes();
    eventually("the node's server span reaches the collector", || {
        exported(
            &received,
            "/v1/traces",
            &[b"tasks", b"tools/call slow_task", &trace],
        )
    })
    .await;
    eventually("the worker's run span reaches the collector", || {
        exported(
            &received,
            "/v1/traces",
            &[b"worker", b"execute_tool slow_task", id.as_bytes(), &trace],
        )
    })
    .await;
}

/// The last value the `mcp.server.task.queue.depth` gauge exported, after
/// one more collection.
fn exported_queue_depth() -> Option<u64> {
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
    telemetry().meters.force_flush().expect("the metrics flush");
    let exports = telemetry()
        .metrics
        .get_finished_metrics()
        .expect("the exported metrics");
    exports.iter().rev().find_map(|r| {
        r.scope_metrics()
            .flat_map(|s| s.metrics())
            .filter(|m| m.name() == "mcp.server.task.queue.depth")
            .find_map(|m| match m.data() {
                AggregatedMetrics::U64(MetricData::Gauge(g)) => {
                    g.data_points().next().map(|p| p.value())
                }
                _ => None,
            })
    })
}

/// Creates `n` tasks of `tool` over HTTP.
async fn create_tasks(client: &Caller, tool: &str, n: usize) {
    for _ in 0..n {
        let created = client
            .call(
                "tools/call",
                json!({"name": tool, "arguments": {"pages": 1}, "task": {"ttl": 60000}}),
            )
            .await;
        assert!(created["result"]["task"]["taskId"].is_string(), "{created}");
    }
}

/// Tasks queued with no worker running are the queue's depth: in memory
/// (the backend's and the exported `mcp.server.task.queue.depth` gauge),
/// and on Redis, where a job a worker was handed (running) no longer counts
/// although its stream entry stays until it ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_queued_with_no_worker_are_the_queue_depth() {
    let _ = telemetry();
    // The gauge sums this process's engines: no other test's at once.
    let _serial = serial().await;
    let memory = Server::builder("otel-depth")
        .tools(tools![report])
        .task_options(TaskOptions::default().run_workers(false))
        .build()
        .await
        .expect("the server builds");
    let url = serve_nested(&memory).await;
    let client = Caller::session(&url, "2025-11-25", &[]).await;
    create_tasks(&client, "report", 3).await;
    assert_eq!(memory.task_engine().queue_depth().await, Ok(Some(3)));
    eventually("the gauge reads 3", || exported_queue_depth() == Some(3)).await;
    memory.shutdown().await;

    let redis = Redis::start(false);
    let node_a = redis_node(&redis, false).await;
    let url = serve_nested(&node_a).await;
    let client = Caller::session(&url, "2025-11-25", &[]).await;
    create_tasks(&client, "long_report", 2).await;
    assert_eq!(node_a.task_engine().queue_depth().await, Ok(Some(2)));

    // A worker takes both: running, no longer queued.
    let node_b = redis_node(&redis, true).await;
    let worker = tokio::spawn({
        let node_b = node_b.clone();
        async move { node_b.run_task_workers().await }
    });
    within("the worker to take both tasks", async {
        while node_b.task_engine().running() < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(node_a.task_engine().queue_depth().await, Ok(Some(0)));
    node_b.shutdown().await;
    node_a.shutdown().await;
    let _ = within("the worker to stop", worker).await;

    // Three queue shards: the depth is the sum over every shard's stream
    // (six tasks land in more than shard 0 but for a 1-in-729 chance).
    let sharded = redis_node_in_shards(&redis, 3).await;
    let url = serve_nested(&sharded).await;
    let client = Caller::session(&url, "2025-11-25", &[]).await;
    create_tasks(&client, "long_report", 6).await;
    assert_eq!(sharded.task_engine().queue_depth().await, Ok(Some(6)));
    sharded.shutdown().await;
}

/// A node without workers on `shards` queue shards (a prefix of its own).
async fn redis_node_in_shards(redis: &Redis, shards: usize) -> Server {
    let config = RedisConfig::new(redis.url())
        .prefix("otel-shards")
        .shards(shards);
    Server::builder("otel-redis-shards")
        .tools(tools![report, long_report])
        .tasks(RedisBackend::new(config).expect("a Redis URL"))
        .task_options(TaskOptions::default().run_workers(false))
        .build()
        .await
        .expect("the server builds")
}
