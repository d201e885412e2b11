//! A server and a client in one process: every behaviour of the foundation, as
//! a user of ferrymcp sees it through the in-process client.

use ferrymcp::prelude::*;
use ferrymcp::{CallScope, Client, Inject, InjectError};
use ferrymcp_tests::spec::Spec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Adds two numbers.
#[tool(read_only, idempotent)]
async fn add(
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
) -> i64 {
    a + b
}

/// Greets someone.
#[tool(name = "say_hello", title = "Greeter")]
async fn greet(
    /// Who to greet.
    name: String,
    #[arg(default = "Hello".to_string())] greeting: String,
    punctuation: Option<String>,
) -> String {
    format!("{greeting}, {name}{}", punctuation.unwrap_or_default())
}

/// A point on a plane.
#[derive(Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
struct Point {
    /// Horizontal.
    x: f64,
    /// Vertical.
    y: f64,
}

/// Mirrors a point across both axes.
#[tool]
async fn mirror(point: Point) -> Point {
    Point {
        x: -point.x,
        y: -point.y,
    }
}

/// Fails when asked to.
#[tool]
async fn maybe_fail(fail: bool) -> Result<String, ToolError> {
    if fail {
        Err(ToolError::new("failed as asked"))
    } else {
        Ok("fine".into())
    }
}

/// Fails with a std error, converted by `?`.
#[tool]
async fn parse_number(text: String) -> Result<i64, ToolError> {
    Ok(text.parse::<i64>()?)
}

/// Rejects its request as a protocol error.
#[tool]
async fn reject() -> Result<(), ToolError> {
    Err(ToolError::invalid_params("this request is not acceptable"))
}

/// Returns mixed content.
#[tool]
async fn pictures() -> Vec<Content> {
    vec![
        Content::text("a picture:"),
        Content::image("iVBORw0KGgo=", "image/png"),
    ]
}

/// The app's start-up state.
struct App {
    greeting: String,
    db: Arc<Db>,
}

/// A part of the app state, handed out on its own.
struct Db {
    rows: usize,
}

impl FromLifespan<App> for Db {
    fn from_lifespan(app: &Arc<App>) -> Arc<Db> {
        Arc::clone(&app.db)
    }
}

/// Reads the whole lifespan value.
#[tool]
async fn lifespan_greeting(app: Lifespan<App>) -> String {
    app.greeting.clone()
}

/// Reads a part of the lifespan value.
#[tool]
async fn row_count(db: Lifespan<Db>) -> usize {
    db.rows
}

/// A value the transport attaches to a call.
#[derive(Clone)]
struct Tenant(String);

/// Reads an extension the transport attached.
#[tool]
async fn tenant(tenant: Extension<Tenant>) -> String {
    tenant.0 .0.clone()
}

/// An app-declared injectable type.
struct CallerTool(String);

impl<L> Inject<L> for CallerTool {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        Ok(CallerTool(scope.tool_name().to_string()))
    }
}

/// Reports its own name through an app-declared injected type.
#[tool]
async fn whoami(#[inject] me: CallerTool) -> String {
    me.0
}

/// Logs at several levels.
#[tool]
async fn chatty(ctx: Ctx) -> String {
    ctx.debug("debug line").await;
    ctx.info("info line").await;
    ctx.warning("warning line").await;
    ctx.error("error line").await;
    "done".into()
}

/// Reports progress 1..=3.
#[tool]
async fn progress(ctx: Ctx) -> String {
    for i in 1..=3 {
        ctx.progress(i as f64, Some(3.0), Some("working")).await;
    }
    "done".into()
}

static SAW_CANCEL: AtomicBool = AtomicBool::new(false);

/// Waits until cancelled.
#[tool]
async fn wait_forever(ctx: Ctx) -> String {
    struct MarkOnDrop;
    impl Drop for MarkOnDrop {
        fn drop(&mut self) {
            SAW_CANCEL.store(true, Ordering::SeqCst);
        }
    }
    let _mark = MarkOnDrop;
    ctx.cancelled().await;
    "cancelled".into()
}

/// Runs only as a task.
#[tool(task = "required")]
async fn only_task() -> String {
    "never inline".into()
}

/// May run as a task.
#[tool(task = true)]
async fn maybe_task() -> String {
    "inline".into()
}

async fn server() -> Server {
    Server::builder("test-server")
        .version("9.9.9")
        .instructions("for tests")
        .lifespan(|| async {
            Ok::<_, std::io::Error>(App {
                greeting: "hi from the lifespan".into(),
                db: Arc::new(Db { rows: 42 }),
            })
        })
        .tools(tools![
            add,
            greet,
            mirror,
            maybe_fail,
            parse_number,
            reject,
            pictures,
            lifespan_greeting,
            row_count,
            tenant,
            whoami,
            chatty,
            progress,
            wait_forever,
            only_task,
            maybe_task
        ])
        .build()
        .await
        .expect("the server builds")
}

fn text(result: &ferrymcp::CallToolResult) -> &str {
    match &result.content[0] {
        Content::Text { text } => text,
        other => panic!("expected text, got {other:?}"),
    }
}

#[tokio::test]
async fn a_tool_stays_a_plain_function() {
    assert_eq!(add(2, 3).await, 5);
    assert_eq!(
        mirror(Point { x: 1.0, y: 2.0 }).await,
        Point { x: -1.0, y: -2.0 }
    );
}

#[tokio::test]
async fn initialize_negotiates_the_revision_and_describes_the_server() {
    let server = server().await;
    let client = Client::connect_with(&server, "2025-06-18").await.unwrap();
    let init = client.initialize_result();
    assert_eq!(init["protocolVersion"], "2025-06-18");
    assert_eq!(
        init["serverInfo"],
        json!({"name": "test-server", "version": "9.9.9"})
    );
    assert_eq!(init["instructions"], "for tests");
    assert_eq!(init["capabilities"]["tools"], json!({"listChanged": true}));
    let client = Client::connect_with(&server, "1999-01-01").await.unwrap();
    assert_eq!(client.initialize_result()["protocolVersion"], "2025-11-25");
}

#[tokio::test]
async fn tools_list_derives_names_descriptions_and_schemas() {
    let client = Client::connect(&server().await).await.unwrap();
    let tools = client.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names[..4], ["add", "say_hello", "mirror", "maybe_fail"]);
    let add = &tools[0];
    assert_eq!(add["description"], "Adds two numbers.");
    assert_eq!(
        add["inputSchema"],
        json!({
            "type": "object",
            "properties": {
                "a": {"type": "integer", "format": "int64", "description": "The first addend."},
                "b": {"type": "integer", "format": "int64", "description": "The second addend."}
            },
            "required": ["a", "b"],
            "additionalProperties": false
        })
    );
    assert_eq!(
        add["outputSchema"]["properties"]["result"]["type"],
        "integer"
    );
    assert_eq!(
        add["annotations"],
        json!({"readOnlyHint": true, "idempotentHint": true})
    );
    assert_eq!(add["execution"], json!({"taskSupport": "forbidden"}));

    let greet = &tools[1];
    assert_eq!(greet["title"], "Greeter");
    assert_eq!(greet["inputSchema"]["required"], json!(["name"]));
    assert_eq!(
        greet["inputSchema"]["properties"]["greeting"]["default"],
        "Hello"
    );
    assert!(
        greet.get("outputSchema").is_none(),
        "text tools have no output schema"
    );

    let mirror = &tools[2];
    assert_eq!(
        mirror["inputSchema"]["properties"]["point"]["$ref"],
        "#/$defs/Point"
    );
    assert_eq!(
        mirror["inputSchema"]["$defs"]["Point"]["properties"]["x"]["description"],
        "Horizontal."
    );
    assert_eq!(mirror["outputSchema"]["type"], "object");
    assert_eq!(mirror["outputSchema"]["required"], json!(["x", "y"]));

    let find = |name: &str| tools.iter().find(|t| t["name"] == name).unwrap().clone();
    assert_eq!(find("maybe_task")["execution"]["taskSupport"], "optional");
    assert_eq!(find("only_task")["execution"]["taskSupport"], "required");
    assert_eq!(
        find("lifespan_greeting")["inputSchema"]["properties"],
        json!({}),
        "injected parameters are not arguments"
    );
}

#[tokio::test]
async fn older_revisions_get_tools_without_the_execution_field() {
    let client = Client::connect_with(&server().await, "2025-06-18")
        .await
        .unwrap();
    let tools = client.list_tools().await.unwrap();
    assert!(tools.iter().all(|t| t.get("execution").is_none()));
}

#[tokio::test]
async fn tools_list_pages_with_an_opaque_cursor() {
    let server = Server::builder("paged")
        .page_size(2)
        .tools(tools![add, greet, mirror, maybe_fail, parse_number])
        .build()
        .await
        .unwrap();
    let client = Client::connect(&server).await.unwrap();
    let first = client.request("tools/list", json!({})).await.unwrap();
    assert_eq!(first["tools"].as_array().unwrap().len(), 2);
    let cursor = first["nextCursor"].as_str().unwrap().to_string();
    let second = client
        .request("tools/list", json!({ "cursor": cursor }))
        .await
        .unwrap();
    assert_eq!(second["tools"][0]["name"], "mirror");
    let all = client.list_tools().await.unwrap();
    assert_eq!(all.len(), 5);
    let last = client
        .request("tools/list", json!({"cursor": "ferry:4"}))
        .await
        .unwrap();
    assert!(last.get("nextCursor").is_none());
    let bad = client
        .request("tools/list", json!({"cursor": "nonsense"}))
        .await
        .unwrap_err();
    assert_eq!(bad.code, -32602);
    assert!(bad.message.contains("unknown cursor"), "{}", bad.message);
}

#[tokio::test]
async fn structured_results_carry_text_and_structured_content() {
    let client = Client::connect(&server().await).await.unwrap();
    let r = client
        .call_tool("add", json!({"a": 2, "b": 40}))
        .await
        .unwrap();
    assert!(!r.is_error);
    assert_eq!(text(&r), "42");
    assert_eq!(r.structured_content, Some(json!({"result": 42})));

    let r = client
        .call_tool("mirror", json!({"point": {"x": 1.5, "y": -2}}))
        .await
        .unwrap();
    assert_eq!(r.structured_content, Some(json!({"x": -1.5, "y": 2.0})));
    assert_eq!(
        serde_json::from_str::<Value>(text(&r)).unwrap(),
        json!({"x": -1.5, "y": 2.0})
    );
}

#[tokio::test]
async fn text_and_content_results_have_no_structured_content() {
    let client = Client::connect(&server().await).await.unwrap();
    let r = client
        .call_tool("say_hello", json!({"name": "Ada"}))
        .await
        .unwrap();
    assert_eq!(text(&r), "Hello, Ada");
    assert!(r.structured_content.is_none());
    let r = client
        .call_tool(
            "say_hello",
            json!({"name": "Ada", "greeting": "Hi", "punctuation": "!"}),
        )
        .await
        .unwrap();
    assert_eq!(text(&r), "Hi, Ada!");
    let r = client.call_tool("pictures", json!({})).await.unwrap();
    assert_eq!(r.content.len(), 2);
    assert!(matches!(&r.content[1], Content::Image { mime_type, .. } if mime_type == "image/png"));
}

#[tokio::test]
async fn tool_errors_are_results_and_protocol_errors_are_errors() {
    let client = Client::connect(&server().await).await.unwrap();
    let r = client
        .call_tool("maybe_fail", json!({"fail": true}))
        .await
        .unwrap();
    assert!(r.is_error);
    assert_eq!(text(&r), "failed as asked");
    let r = client
        .call_tool("maybe_fail", json!({"fail": false}))
        .await
        .unwrap();
    assert!(!r.is_error);
    let r = client
        .call_tool("parse_number", json!({"text": "x1"}))
        .await
        .unwrap();
    assert!(r.is_error);
    assert_eq!(text(&r), "invalid digit found in string");
    let e = client.call_tool("reject", json!({})).await.unwrap_err();
    assert_eq!(e.code, -32602);
    assert_eq!(e.message, "this request is not acceptable");
}

#[tokio::test]
async fn bad_arguments_are_tool_errors_that_name_the_argument() {
    let client = Client::connect(&server().await).await.unwrap();
    let cases = [
        (
            json!({"a": "two", "b": 1}),
            "invalid argument `a` (a string): invalid type: string \"two\", expected i64",
        ),
        (json!({"a": 1}), "missing required argument `b`"),
        (
            json!({"a": 1, "b": 2, "c": 3}),
            "unknown argument `c`: expected `a`, `b`",
        ),
        (
            json!({"a": 1.5, "b": 2}),
            "invalid argument `a` (a number): invalid type: floating point `1.5`, expected i64",
        ),
    ];
    for (args, message) in cases {
        let r = client.call_tool("add", args.clone()).await.unwrap();
        assert!(r.is_error, "{args}");
        assert_eq!(text(&r), message);
    }
    let r = client
        .call_tool("mirror", json!({"point": {"x": 1}}))
        .await
        .unwrap();
    assert_eq!(
        text(&r),
        "invalid argument `point` (an object): missing field `y`"
    );
}

#[tokio::test]
async fn malformed_calls_are_precise_protocol_errors() {
    let client = Client::connect(&server().await).await.unwrap();
    let e = client.call_tool("nope", json!({})).await.unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (-32602, "Unknown tool: `nope`")
    );
    let e = client
        .request("tools/call", json!({"name": "add", "arguments": [1, 2]}))
        .await
        .unwrap_err();
    assert_eq!(e.code, -32602);
    assert!(e
        .message
        .contains("`arguments` of tools/call must be an object, got an array"));
    let e = client.request("tools/call", json!({})).await.unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (-32602, "Invalid params: tools/call needs `name`")
    );
    let e = client
        .request("tools/call", json!({"name": 7}))
        .await
        .unwrap_err();
    assert_eq!(e.code, -32602);
    let e = client
        .request("resources/list", json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (-32601, "Method not found: resources/list")
    );
    let e = client
        .request("logging/setLevel", json!({"level": "loud"}))
        .await
        .unwrap_err();
    assert_eq!(e.code, -32602);
    let e = client
        .request("initialize", json!({"protocolVersion": "2025-11-25"}))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            -32600,
            "Invalid request: the session is already initialized"
        )
    );
}

#[tokio::test]
async fn raw_messages_that_are_not_json_rpc_get_the_right_codes() {
    let client = Client::connect(&server().await).await.unwrap();
    let r = client.send_raw(json!([1, 2])).await.unwrap();
    assert_eq!(r["error"]["code"], -32600);
    assert_eq!(r["id"], Value::Null);
    let r = client
        .send_raw(json!({"jsonrpc": "2.0", "id": 5}))
        .await
        .unwrap();
    assert_eq!(
        (r["error"]["code"].as_i64(), &r["id"]),
        (Some(-32600), &json!(5))
    );
    let r = client
        .send_raw(json!({"jsonrpc": "2.0", "id": "x", "method": "ping"}))
        .await
        .unwrap();
    assert_eq!(r, json!({"jsonrpc": "2.0", "id": "x", "result": {}}));
    assert!(client
        .send_raw(json!({"jsonrpc": "2.0", "method": "notifications/whatever"}))
        .await
        .is_none());
}

#[tokio::test]
async fn requests_before_initialize_are_refused_but_ping_answers() {
    let server = server().await;
    let session = server.session(Arc::new(ferrymcp::call::NoOutbound));
    let r = session
        .handle_bytes(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .await
        .unwrap();
    assert_eq!(r["error"]["code"], -32600);
    let r = session
        .handle_bytes(br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#)
        .await
        .unwrap();
    assert_eq!(r["result"], json!({}));
    let r = session.handle_bytes(b"{oops").await.unwrap();
    assert_eq!(r["error"]["code"], -32700);
}

#[tokio::test]
async fn lifespan_values_and_their_parts_are_injected() {
    let client = Client::connect(&server().await).await.unwrap();
    let r = client
        .call_tool("lifespan_greeting", json!({}))
        .await
        .unwrap();
    assert_eq!(text(&r), "hi from the lifespan");
    let r = client.call_tool("row_count", json!({})).await.unwrap();
    assert_eq!(r.structured_content, Some(json!({"result": 42})));
}

#[tokio::test]
async fn app_declared_injectables_read_the_call_scope() {
    let client = Client::connect(&server().await).await.unwrap();
    let r = client.call_tool("whoami", json!({})).await.unwrap();
    assert_eq!(text(&r), "whoami");
}

#[tokio::test]
async fn a_missing_extension_is_a_clear_tool_error() {
    let client = Client::connect(&server().await).await.unwrap();
    let r = client.call_tool("tenant", json!({})).await.unwrap();
    assert!(r.is_error);
    assert!(text(&r).contains("needs `Extension<"), "{}", text(&r));
    assert!(text(&r).contains("Tenant>`, and the request carries none"));
}

#[tokio::test]
async fn extensions_attached_by_the_transport_reach_the_tool() {
    let server = server().await;
    let session = server.session(Arc::new(ferrymcp::call::NoOutbound));
    session
        .handle_bytes(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}"#)
        .await;
    let mut extensions = http::Extensions::new();
    extensions.insert(Tenant("acme".into()));
    let request = ferrymcp::protocol::Request {
        id: ferrymcp::protocol::RequestId::Number(2),
        method: "tools/call".into(),
        params: json!({"name": "tenant"})
            .as_object()
            .cloned()
            .map(Into::into),
    };
    let r = session
        .handle_request(request, Arc::new(ferrymcp::call::NoOutbound), extensions)
        .await
        .unwrap();
    assert_eq!(r["result"]["content"][0]["text"], "acme");
}

#[tokio::test]
async fn log_messages_follow_the_level_the_client_set() {
    let client = Client::connect(&server().await).await.unwrap();
    client.call_tool("chatty", json!({})).await.unwrap();
    let all = client.drain_notifications().await;
    let levels: Vec<&str> = all
        .iter()
        .map(|n| n["params"]["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["debug", "info", "warning", "error"]);
    assert_eq!(all[1]["method"], "notifications/message");
    assert_eq!(all[1]["params"]["data"], "info line");
    assert_eq!(all[1]["params"]["logger"], "chatty");

    client
        .request("logging/setLevel", json!({"level": "warning"}))
        .await
        .unwrap();
    client.call_tool("chatty", json!({})).await.unwrap();
    let levels: Vec<String> = client
        .drain_notifications()
        .await
        .iter()
        .map(|n| n["params"]["level"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(levels, ["warning", "error"]);
}

#[tokio::test]
async fn progress_is_sent_only_with_a_progress_token() {
    let client = Client::connect(&server().await).await.unwrap();
    client.call_tool("progress", json!({})).await.unwrap();
    assert!(client.drain_notifications().await.is_empty());
    client
        .request(
            "tools/call",
            json!({"name": "progress", "arguments": {}, "_meta": {"progressToken": "tok-1"}}),
        )
        .await
        .unwrap();
    let notes = client.drain_notifications().await;
    assert_eq!(notes.len(), 3);
    for (i, n) in notes.iter().enumerate() {
        assert_eq!(n["method"], "notifications/progress");
        assert_eq!(n["params"]["progressToken"], "tok-1");
        assert_eq!(n["params"]["progress"], json!((i + 1) as f64));
        assert_eq!(n["params"]["total"], json!(3.0));
    }
}

#[tokio::test]
async fn notifications_cancelled_stops_the_running_call_without_a_response() {
    let client = Arc::new(Client::connect(&server().await).await.unwrap());
    let id = client.next_request_id();
    let call = tokio::spawn({
        let client = Arc::clone(&client);
        async move { client.call_tool("wait_forever", json!({})).await }
    });
    // Wait until the call is registered, then cancel it.
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        if client.session().in_flight_count() > 0 {
            break;
        }
    }
    client
        .notify(
            "notifications/cancelled",
            json!({"requestId": id, "reason": "user"}),
        )
        .await;
    let outcome = call.await.unwrap();
    let error = outcome.unwrap_err();
    assert_eq!(error.message, "the request was cancelled");
    assert!(
        SAW_CANCEL.load(Ordering::SeqCst),
        "the tool's future was dropped"
    );
    assert_eq!(client.session().in_flight_count(), 0);
}

#[tokio::test]
async fn required_task_tools_refuse_plain_calls_and_optional_ones_run_inline() {
    let client = Client::connect(&server().await).await.unwrap();
    let e = client.call_tool("only_task", json!({})).await.unwrap_err();
    assert_eq!(e.code, -32601);
    assert!(
        e.message.contains("can only run as a task"),
        "{}",
        e.message
    );
    let r = client.call_tool("maybe_task", json!({})).await.unwrap();
    assert_eq!(text(&r), "inline");
}

#[tokio::test]
async fn building_refuses_duplicate_tool_names() {
    let err = Server::builder("dup")
        .tools(tools![add, add])
        .build()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "two tools are named `add`; tool names must be unique"
    );
}

#[tokio::test]
async fn a_failing_lifespan_fails_the_build_and_shutdown_runs_once() {
    let err = Server::builder("broken")
        .lifespan(|| async { Err::<(), _>(std::io::Error::other("no database")) })
        .build()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the server's lifespan failed to start: no database"
    );

    let stopped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stopped);
    let server = Server::builder("stops")
        .lifespan(|| async { Ok::<_, std::io::Error>(7u32) })
        .on_shutdown(move |value: Arc<u32>| async move {
            assert_eq!(*value, 7);
            flag.store(true, Ordering::SeqCst);
        })
        .build()
        .await
        .unwrap();
    server.shutdown().await;
    server.shutdown().await;
    assert!(stopped.load(Ordering::SeqCst));
}

/// Every message of a session, checked against the official schema of its
/// revision.
#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official MCP schemas); .ci/run sets it"]
async fn messages_match_the_official_schemas() {
    for revision in ["2025-06-18", "2025-11-25"] {
        let spec = Spec::load(revision);
        let server = server().await;
        let client = Client::connect_with(&server, revision).await.unwrap();
        spec.check("InitializeResult", client.initialize_result());
        let list = client.request("tools/list", json!({})).await.unwrap();
        spec.check("ListToolsResult", &list);
        for call in [
            json!({"name": "add", "arguments": {"a": 1, "b": 2}}),
            json!({"name": "mirror", "arguments": {"point": {"x": 1, "y": 2}}}),
            json!({"name": "maybe_fail", "arguments": {"fail": true}}),
            json!({"name": "add", "arguments": {"a": "x"}}),
            json!({"name": "pictures", "arguments": {}}),
            json!({"name": "chatty", "arguments": {}}),
            json!({"name": "progress", "arguments": {}, "_meta": {"progressToken": 1}}),
        ] {
            let response = client
                .send_raw(
                    json!({"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": call}),
                )
                .await
                .unwrap();
            spec.check("JSONRPCResponse", &response);
            spec.check("CallToolResult", &response["result"]);
        }
        for note in client.drain_notifications().await {
            spec.check("JSONRPCNotification", &note);
            let definition = match note["method"].as_str().unwrap() {
                "notifications/message" => "LoggingMessageNotification",
                "notifications/progress" => "ProgressNotification",
                other => panic!("unexpected notification {other}"),
            };
            spec.check(definition, &note);
        }
        let error_response = client
            .send_raw(json!({"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {"name": "nope"}}))
            .await
            .unwrap();
        let error_definition = if revision == "2025-06-18" {
            "JSONRPCError"
        } else {
            "JSONRPCErrorResponse"
        };
        spec.check(error_definition, &error_response);
        let pong = client
            .send_raw(json!({"jsonrpc": "2.0", "id": 12, "method": "ping"}))
            .await
            .unwrap();
        spec.check("JSONRPCResponse", &pong);
    }
}
