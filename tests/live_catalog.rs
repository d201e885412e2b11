//! A live catalog (`server.catalog()`): tools, prompts and resources
//! disabled, enabled, added, removed and shown per caller while the server
//! runs, on a real socket. A disabled or hidden item answers exactly as an
//! unknown one; every change is announced to a session's GET stream and to
//! a 2026-07-28 `subscriptions/listen` stream; lists that differ per caller
//! are `cacheScope: "private"`; a task created before its tool was disabled
//! still finishes, and a queued task of a removed tool fails saying so.

mod http_support;

use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
use ferrymcp::catalog::PromptMessage;
use ferrymcp::prelude::*;
use ferrymcp::server::{Item, LiveCatalogError};
use ferrymcp::{prompt, prompts, resource, resources, Content, ProtocolVersion, TaskOptions};
use http_support::{spawn, sse_messages, stateless, stateless_as, LegacySession, Reply};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Subtracts `b` from `a`.
#[tool]
async fn sub(a: i64, b: i64) -> i64 {
    a - b
}

/// Multiplies two numbers.
#[tool]
async fn mul(a: i64, b: i64) -> i64 {
    a * b
}

/// Another tool named `add`.
#[tool(name = "add")]
async fn add_again() -> String {
    "again".into()
}

/// The project's README.
#[resource(uri = "docs://readme", mime_type = "text/plain")]
async fn readme() -> String {
    "# Hello".into()
}

/// A user's profile.
#[resource(uri = "users://{id}/profile", mime_type = "text/plain")]
async fn profile(id: u32) -> String {
    format!("user {id}")
}

/// Reviews a piece of code.
#[prompt]
async fn review(
    /// The code to review.
    code: String,
) -> Vec<PromptMessage> {
    vec![PromptMessage::user(Content::text(format!(
        "Review: {code}"
    )))]
}

/// Says hello.
#[prompt]
async fn greet() -> Vec<PromptMessage> {
    vec![PromptMessage::user(Content::text("Hello"))]
}

/// What the slow task tool waits for (the server's lifespan value).
#[derive(Clone, Default)]
struct Gate(Arc<GateState>);

struct GateState {
    started: Notify,
    open: tokio::sync::Semaphore,
}

impl Default for GateState {
    fn default() -> Self {
        GateState {
            started: Notify::new(),
            open: tokio::sync::Semaphore::new(0),
        }
    }
}

impl Gate {
    /// Lets every `slow` call (now and later) finish.
    fn open(&self) {
        self.0.open.add_permits(1000);
    }

    async fn started(&self) {
        tokio::time::timeout(Duration::from_secs(5), self.0.started.notified())
            .await
            .expect("the task started");
    }
}

/// Waits until the test opens the gate.
#[tool(task = true)]
async fn slow(gate: Lifespan<Gate>) -> String {
    let state = &gate.0 .0;
    state.started.notify_one();
    let _permit = state.open.acquire().await;
    "finished".into()
}

async fn serve(server: &Server) -> String {
    let app = axum::Router::new().nest("/mcp", server.router());
    format!("{}/mcp", spawn(app).await)
}

/// A session's GET stream, read message by message.
struct Stream {
    res: reqwest::Response,
    buf: String,
    seen: Vec<Value>,
}

impl Stream {
    async fn open(session: &LegacySession) -> Stream {
        let res = http_support::client()
            .get(&session.url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &session.id)
            .header("mcp-protocol-version", &session.version)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the GET stream opens");
        Stream {
            res,
            buf: String::new(),
            seen: Vec::new(),
        }
    }

    /// A `subscriptions/listen` stream asking for every list change.
    async fn listen(url: &str) -> Stream {
        let body = json!({"jsonrpc": "2.0", "id": "live", "method": "subscriptions/listen",
            "params": {"_meta": http_support::meta(), "notifications": {
                "toolsListChanged": true, "promptsListChanged": true,
                "resourcesListChanged": true}}});
        let res = http_support::client()
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "subscriptions/listen")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let mut stream = Stream {
            res,
            buf: String::new(),
            seen: Vec::new(),
        };
        let ack = stream.next().await;
        assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
        stream
    }

    /// The next message, within 5 s.
    async fn next(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(5), async {
            while self.seen.is_empty() {
                let chunk = self
                    .res
                    .chunk()
                    .await
                    .unwrap()
                    .expect("the stream stays open");
                self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
                if let Some(end) = self.buf.rfind("\n\n") {
                    let events: String = self.buf.drain(..end + 2).collect();
                    self.seen.extend(sse_messages(&events));
                }
            }
            self.seen.remove(0)
        })
        .await
        .expect("a message in time")
    }
}

fn names(result: &Value, key: &str, field: &str) -> Vec<String> {
    result[key]
        .as_array()
        .unwrap_or_else(|| panic!("a list of {key}: {result}"))
        .iter()
        .map(|t| t[field].as_str().unwrap().to_owned())
        .collect()
}

/// The JSON-RPC error of `reply`, with `from` replaced by `to` in its
/// message and data (to compare a hidden item's error with an unknown one's).
fn error_as(reply: &Reply, from: &str, to: &str) -> Value {
    let error = reply.json()["error"].clone();
    assert!(error.is_object(), "an error: {}", reply.body);
    serde_json::from_str(&error.to_string().replace(from, to)).unwrap()
}

#[tokio::test]
async fn a_disabled_tool_is_unlisted_answers_as_unknown_and_is_announced() {
    let server = Server::builder("live")
        .tools(tools![add, sub])
        .build()
        .await
        .unwrap();
    let url = serve(&server).await;
    let (mut session, _) = LegacySession::open(&url, "2025-11-25").await;
    let mut get = Stream::open(&session).await;
    let mut listen = Stream::listen(&url).await;
    let unknown = session
        .request(
            "tools/call",
            json!({"name": "nope", "arguments": {"a": 1, "b": 2}}),
        )
        .await;

    let catalog = server.catalog();
    assert_eq!(catalog.disable(&Item::tool("sub")), Ok(true));
    assert_eq!(
        catalog.disable(&Item::tool("sub")),
        Ok(false),
        "already disabled"
    );
    assert_eq!(
        get.next().await["method"],
        "notifications/tools/list_changed"
    );
    assert_eq!(
        listen.next().await["method"],
        "notifications/tools/list_changed"
    );

    let list = session.request("tools/list", json!({})).await.json();
    assert_eq!(names(&list["result"], "tools", "name"), ["add"]);
    let list = stateless(&url, 2, "tools/list", json!({})).await.json();
    assert_eq!(names(&list["result"], "tools", "name"), ["add"]);
    assert_eq!(list["result"]["cacheScope"], "public");
    let call = session
        .request(
            "tools/call",
            json!({"name": "sub", "arguments": {"a": 1, "b": 2}}),
        )
        .await;
    assert_eq!(error_as(&call, "sub", "nope"), error_as(&unknown, "x", "x"));
    let call = stateless(
        &url,
        3,
        "tools/call",
        json!({"name": "sub", "arguments": {"a": 1, "b": 2}}),
    )
    .await;
    let unknown_now = stateless(
        &url,
        3,
        "tools/call",
        json!({"name": "nope", "arguments": {"a": 1, "b": 2}}),
    )
    .await;
    assert_eq!(call.status, unknown_now.status);
    assert_eq!(
        error_as(&call, "sub", "nope"),
        error_as(&unknown_now, "x", "x")
    );

    assert_eq!(catalog.enable(&Item::tool("sub")), Ok(true));
    assert_eq!(
        get.next().await["method"],
        "notifications/tools/list_changed"
    );
    let list = session.request("tools/list", json!({})).await.json();
    assert_eq!(names(&list["result"], "tools", "name"), ["add", "sub"]);
    let call = session
        .request(
            "tools/call",
            json!({"name": "sub", "arguments": {"a": 5, "b": 2}}),
        )
        .await
        .json();
    assert_eq!(call["result"]["content"][0]["text"], "3", "{call}");
    assert_eq!(
        catalog.disable(&Item::tool("div")),
        Err(LiveCatalogError::Unknown(Item::tool("div")))
    );
}

#[tokio::test]
async fn a_tool_added_at_run_time_is_announced_listed_and_called() {
    let server = Server::builder("live")
        .tools(tools![add])
        .build()
        .await
        .unwrap();
    let url = serve(&server).await;
    let (mut session, _) = LegacySession::open(&url, "2025-06-18").await;
    let mut get = Stream::open(&session).await;
    let catalog = server.catalog();

    catalog.add_tools(tools![mul]).unwrap();
    assert_eq!(
        get.next().await["method"],
        "notifications/tools/list_changed"
    );
    let list = session.request("tools/list", json!({})).await.json();
    assert_eq!(names(&list["result"], "tools", "name"), ["add", "mul"]);
    let call = session
        .request(
            "tools/call",
            json!({"name": "mul", "arguments": {"a": 6, "b": 7}}),
        )
        .await
        .json();
    assert_eq!(call["result"]["content"][0]["text"], "42", "{call}");

    // A clash names both tools and adds nothing (not even `sub`).
    let clash = catalog.add_tools(tools![sub, add_again]).unwrap_err();
    assert_eq!(
        clash.to_string(),
        "cannot add tool `add` (\"Another tool named `add`.\"): tool `add` (\"Adds two numbers.\") \
         has the same name; remove it first"
    );
    assert_eq!(catalog.tool_names(), ["add", "mul"]);
    // A list for another lifespan type is refused, naming both types.
    let wrong = catalog.for_lifespan::<u8>().unwrap_err();
    assert!(
        matches!(
            &wrong,
            LiveCatalogError::WrongLifespan {
                list: "u8",
                server: "()",
                ..
            }
        ),
        "{wrong}"
    );
    catalog.remove(&Item::tool("mul")).unwrap();
    assert_eq!(
        get.next().await["method"],
        "notifications/tools/list_changed"
    );
    let list = session.request("tools/list", json!({})).await.json();
    assert_eq!(names(&list["result"], "tools", "name"), ["add"]);
    assert_eq!(
        catalog.remove(&Item::tool("mul")),
        Err(LiveCatalogError::Unknown(Item::tool("mul")))
    );
}

#[tokio::test]
async fn a_server_with_a_lifespan_adds_through_a_handle_of_its_type() {
    let server = Server::builder("live")
        .lifespan(|| async { Ok::<_, std::io::Error>(Gate::default()) })
        .build()
        .await
        .unwrap();
    // The handle of `server.catalog()` is for `()`: refused, naming both types.
    let wrong = server.catalog().add_tools(tools![add]).unwrap_err();
    assert!(
        wrong.to_string().contains("lifespan is `()`")
            && wrong.to_string().contains("live_catalog::Gate"),
        "{wrong}"
    );
    let catalog = server.catalog().for_lifespan::<Gate>().unwrap();
    catalog.add_tools(tools![add, slow]).unwrap();
    assert_eq!(server.tool_names(), ["add", "slow"]);
}

#[tokio::test]
async fn a_visibility_rule_shows_a_tool_to_one_subject_and_makes_lists_private() {
    let auth = AuthConfig::builder(
        StaticTokenVerifier::new()
            .token("alice-token", AccessToken::builder().subject("alice"))
            .token("bob-token", AccessToken::builder().subject("bob")),
    )
    .resource("http://127.0.0.1/mcp")
    .authorization_server("http://127.0.0.1:9000")
    .build()
    .unwrap();
    let server = Server::builder("live")
        .auth(auth)
        .tools(tools![add, sub])
        .build()
        .await
        .unwrap();
    let url = serve(&server).await;
    let as_ = |who: &'static str, id: i64, method: &'static str, params: Value| {
        let url = url.clone();
        async move { stateless_as(&url, &format!("{who}-token"), id, method, params).await }
    };
    let before = as_("bob", 1, "tools/list", json!({})).await.json();
    assert_eq!(before["result"]["cacheScope"], "public", "{before}");

    server
        .catalog()
        .visible_if(&Item::tool("sub"), |caller| {
            caller.token().and_then(|t| t.subject()) == Some("alice")
        })
        .unwrap();
    let alice = as_("alice", 2, "tools/list", json!({})).await.json();
    assert_eq!(names(&alice["result"], "tools", "name"), ["add", "sub"]);
    assert_eq!(alice["result"]["cacheScope"], "private");
    let bob = as_("bob", 3, "tools/list", json!({})).await.json();
    assert_eq!(names(&bob["result"], "tools", "name"), ["add"]);
    assert_eq!(bob["result"]["cacheScope"], "private");

    let args = json!({"a": 3, "b": 1});
    let by_alice = as_(
        "alice",
        4,
        "tools/call",
        json!({"name": "sub", "arguments": args}),
    )
    .await;
    assert_eq!(
        by_alice.json()["result"]["content"][0]["text"],
        "2",
        "{}",
        by_alice.body
    );
    let by_bob = as_(
        "bob",
        5,
        "tools/call",
        json!({"name": "sub", "arguments": args}),
    )
    .await;
    let unknown = as_(
        "bob",
        5,
        "tools/call",
        json!({"name": "nope", "arguments": args}),
    )
    .await;
    assert_eq!(by_bob.status, unknown.status);
    assert_eq!(
        error_as(&by_bob, "sub", "nope"),
        error_as(&unknown, "x", "x")
    );

    // Dropping the rule shows it to everyone, and the list is public again.
    assert_eq!(server.catalog().show_to_all(&Item::tool("sub")), Ok(true));
    let bob = as_("bob", 6, "tools/list", json!({})).await.json();
    assert_eq!(names(&bob["result"], "tools", "name"), ["add", "sub"]);
    assert_eq!(bob["result"]["cacheScope"], "public");
}

async fn gated_server(options: TaskOptions) -> (Server, String, Gate) {
    let gate = Gate::default();
    let lifespan = gate.clone();
    let server = Server::builder("live")
        .lifespan(move || async move { Ok::<_, std::io::Error>(lifespan) })
        .tools(tools![slow])
        .task_options(options)
        .build()
        .await
        .unwrap();
    let url = serve(&server).await;
    (server, url, gate)
}

async fn start_task(session: &mut LegacySession) -> String {
    let created = session
        .request(
            "tools/call",
            json!({"name": "slow", "arguments": {}, "task": {}}),
        )
        .await
        .json();
    created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("a task: {created}"))
        .to_owned()
}

async fn task_status(session: &mut LegacySession, id: &str) -> Value {
    for _ in 0..200 {
        let task = session
            .request("tasks/get", json!({"taskId": id}))
            .await
            .json();
        let status = &task["result"]["status"];
        if status != "working" && status != "submitted" {
            return task["result"].clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("task {id} did not end");
}

#[tokio::test]
async fn a_task_created_before_its_tool_was_disabled_still_finishes() {
    // One worker: the first task runs (and waits), the second is queued.
    let (server, url, gate) = gated_server(TaskOptions::default().concurrency(1)).await;
    let (mut session, _) = LegacySession::open(&url, "2025-11-25").await;
    let running = start_task(&mut session).await;
    gate.started().await;
    let id = start_task(&mut session).await;
    server.catalog().disable(&Item::tool("slow")).unwrap();
    // New calls are refused as for an unknown tool; the task runs on.
    let refused = session
        .request(
            "tools/call",
            json!({"name": "slow", "arguments": {}, "task": {}}),
        )
        .await
        .json();
    assert_eq!(
        refused["error"]["message"], "Unknown tool: `slow`",
        "{refused}"
    );
    gate.open();
    let task = task_status(&mut session, &running).await;
    assert_eq!(task["status"], "completed", "{task}");
    let task = task_status(&mut session, &id).await;
    assert_eq!(task["status"], "completed", "the queued task ran: {task}");
    let result = session
        .request("tasks/result", json!({"taskId": id}))
        .await
        .json();
    assert_eq!(
        result["result"]["content"][0]["text"], "finished",
        "{result}"
    );
}

#[tokio::test]
async fn a_queued_task_of_a_removed_tool_fails_saying_so() {
    let (server, url, gate) = gated_server(TaskOptions::default().concurrency(1)).await;
    let (mut session, _) = LegacySession::open(&url, "2025-11-25").await;
    let running = start_task(&mut session).await;
    gate.started().await;
    let queued = start_task(&mut session).await;
    server.catalog().remove(&Item::tool("slow")).unwrap();
    gate.open();
    // The running call holds its tool and finishes.
    let task = task_status(&mut session, &running).await;
    assert_eq!(task["status"], "completed", "{task}");
    // The queued one finds no tool to run.
    let task = task_status(&mut session, &queued).await;
    assert_eq!(task["status"], "failed", "{task}");
    let message = task["statusMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("tool `slow` is not registered on this worker (it was removed"),
        "{task}"
    );
}

#[tokio::test]
async fn disabled_prompts_resources_and_templates_answer_as_unknown_ones() {
    let server = Server::builder("live")
        .resources(resources![readme, profile])
        .prompts(prompts![review, greet])
        .build()
        .await
        .unwrap();
    let url = serve(&server).await;
    let (mut session, _) = LegacySession::open(&url, "2025-11-25").await;
    let mut get = Stream::open(&session).await;
    let mut listen = Stream::listen(&url).await;
    let catalog = server.catalog();
    let unknown_prompt = session
        .request(
            "prompts/get",
            json!({"name": "nope", "arguments": {"code": "x"}}),
        )
        .await;
    let unknown_uri = session
        .request("resources/read", json!({"uri": "docs://nope"}))
        .await;
    let read = session
        .request("resources/read", json!({"uri": "users://7/profile"}))
        .await
        .json();
    assert_eq!(read["result"]["contents"][0]["text"], "user 7", "{read}");

    // A prompt.
    catalog.disable(&Item::prompt("review")).unwrap();
    assert_eq!(
        get.next().await["method"],
        "notifications/prompts/list_changed"
    );
    assert_eq!(
        listen.next().await["method"],
        "notifications/prompts/list_changed"
    );
    let list = session.request("prompts/list", json!({})).await.json();
    assert_eq!(names(&list["result"], "prompts", "name"), ["greet"]);
    let got = session
        .request(
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "x"}}),
        )
        .await;
    assert_eq!(
        error_as(&got, "review", "nope"),
        error_as(&unknown_prompt, "x", "x")
    );

    // A resource with a fixed URI.
    catalog.disable(&Item::resource("docs://readme")).unwrap();
    assert_eq!(
        get.next().await["method"],
        "notifications/resources/list_changed"
    );
    assert_eq!(
        listen.next().await["method"],
        "notifications/resources/list_changed"
    );
    let list = session.request("resources/list", json!({})).await.json();
    assert_eq!(list["result"]["resources"], json!([]), "{list}");
    let read = session
        .request("resources/read", json!({"uri": "docs://readme"}))
        .await;
    assert_eq!(
        error_as(&read, "docs://readme", "docs://nope"),
        error_as(&unknown_uri, "x", "x")
    );

    // A resource template.
    catalog
        .disable(&Item::resource("users://{id}/profile"))
        .unwrap();
    assert_eq!(
        get.next().await["method"],
        "notifications/resources/list_changed"
    );
    let list = session
        .request("resources/templates/list", json!({}))
        .await
        .json();
    assert_eq!(list["result"]["resourceTemplates"], json!([]), "{list}");
    let read = session
        .request("resources/read", json!({"uri": "users://7/profile"}))
        .await;
    assert_eq!(
        error_as(&read, "users://7/profile", "docs://nope"),
        error_as(&unknown_uri, "x", "x")
    );

    // Enabled again, each answers.
    catalog.enable(&Item::prompt("review")).unwrap();
    catalog.enable(&Item::resource("docs://readme")).unwrap();
    catalog
        .enable(&Item::resource("users://{id}/profile"))
        .unwrap();
    let got = session
        .request(
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "x"}}),
        )
        .await
        .json();
    assert_eq!(
        got["result"]["messages"][0]["content"]["text"], "Review: x",
        "{got}"
    );
    let read = session
        .request("resources/read", json!({"uri": "docs://readme"}))
        .await
        .json();
    assert_eq!(read["result"]["contents"][0]["text"], "# Hello", "{read}");
    let list = session
        .request("resources/templates/list", json!({}))
        .await
        .json();
    assert_eq!(
        names(&list["result"], "resourceTemplates", "name"),
        ["profile"]
    );
}

#[tokio::test]
async fn a_visibility_rule_on_a_prompt_follows_the_revision_and_makes_its_list_private() {
    let server = Server::builder("live")
        .resources(resources![readme])
        .prompts(prompts![review, greet])
        .build()
        .await
        .unwrap();
    let url = serve(&server).await;
    let list = stateless(&url, 1, "prompts/list", json!({})).await.json();
    assert_eq!(list["result"]["cacheScope"], "public", "{list}");
    server
        .catalog()
        .visible_if(&Item::prompt("greet"), |caller| {
            caller.protocol_version() >= ProtocolVersion::V2026_07_28
        })
        .unwrap();
    let list = stateless(&url, 2, "prompts/list", json!({})).await.json();
    assert_eq!(
        names(&list["result"], "prompts", "name"),
        ["review", "greet"]
    );
    assert_eq!(list["result"]["cacheScope"], "private", "{list}");
    let resources = stateless(&url, 3, "resources/list", json!({})).await.json();
    assert_eq!(resources["result"]["cacheScope"], "private", "{resources}");
    let (mut session, _) = LegacySession::open(&url, "2025-11-25").await;
    let list = session.request("prompts/list", json!({})).await.json();
    assert_eq!(names(&list["result"], "prompts", "name"), ["review"]);
    let got = session
        .request("prompts/get", json!({"name": "greet"}))
        .await
        .json();
    assert_eq!(got["error"]["message"], "Unknown prompt: `greet`", "{got}");

    // Added at run time: listed, and a clash of URIs names both resources.
    server.catalog().add_resources(resources![profile]).unwrap();
    let list = session
        .request("resources/templates/list", json!({}))
        .await
        .json();
    assert_eq!(
        names(&list["result"], "resourceTemplates", "name"),
        ["profile"]
    );
    let clash = server
        .catalog()
        .add_resources(resources![profile])
        .unwrap_err();
    assert_eq!(
        clash.to_string(),
        "cannot add resource `profile` (\"A user's profile.\") at `users://{id}/profile`: \
         resource `profile` (\"A user's profile.\") at `users://{id}/profile` has the same URI; remove it first"
    );
}
