//! The sealed `requestState` of the 2026-07-28 multi round-trip, over HTTP
//! on a real socket: `inputResponses` may only answer the questions the
//! state says were asked, the state is bound to the request's arguments,
//! `#[tool(ask_first)]` hands its task only the answers to its own
//! questions, and a shared key must be long enough.

mod http_support;

use ferrymcp::ask::{RequestStateKey, RequestStateKeyError};
use ferrymcp::prelude::*;
use http_support::{spawn, stateless, Reply};
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Confirm {
    confirm: bool,
}

fn confirmed(answer: Elicitation<Confirm>) -> bool {
    matches!(answer.accepted(), Some(Confirm { confirm: true }))
}

/// Asks for a name, then for a confirmation.
#[tool]
async fn two_rounds(ctx: Ctx) -> Result<String, ToolError> {
    let name = ctx.ask("name").elicit::<Name>("Your name?").await?;
    let name = name.accepted().map_or("nobody".into(), |n| n.name);
    let sure = confirmed(ctx.ask("confirm").elicit::<Confirm>("Sure?").await?);
    Ok(format!("{name} confirmed={sure}"))
}

/// Moves `amount` once the user confirms it.
#[tool]
async fn transfer(amount: u64, to: String, ctx: Ctx) -> Result<String, ToolError> {
    let message = format!("Send {amount} to {to}?");
    if confirmed(ctx.ask("confirm").elicit::<Confirm>(message).await?) {
        Ok(format!("sent {amount} to {to}"))
    } else {
        Ok("nothing sent".into())
    }
}

/// Asks a name in the foreground, then asks for a confirmation as a task.
#[tool(task = "required", ask_first)]
async fn greet_then_confirm(ctx: Ctx) -> Result<String, ToolError> {
    let name = ctx.ask("user_name").elicit::<Name>("Your name?").await?;
    let name = name.accepted().map_or("nobody".into(), |n| n.name);
    // Real work: the rest runs in the task.
    tokio::time::sleep(Duration::from_millis(1)).await;
    let sure = confirmed(ctx.ask("confirm").elicit::<Confirm>("Sure?").await?);
    Ok(format!("{name} confirmed={sure}"))
}

async fn serve() -> String {
    let server = Server::builder("request-state")
        .tools(tools![two_rounds, transfer, greet_then_confirm])
        .build()
        .await
        .unwrap();
    let base = spawn(ferrymcp::transport::http::Router::new().nest("/mcp", server.router())).await;
    format!("{base}/mcp")
}

/// A 2026-07-28 request from a client that answers forms and runs tasks.
async fn call(url: &str, method: &str, mut params: Value) -> Reply {
    let mut meta = http_support::meta();
    meta["io.modelcontextprotocol/clientCapabilities"] =
        json!({"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}});
    params["_meta"] = meta;
    stateless(url, 1, method, params).await
}

/// The result of a request that must succeed.
async fn result(url: &str, method: &str, params: Value) -> Value {
    let body = call(url, method, params).await.json();
    body.get("result")
        .cloned()
        .unwrap_or_else(|| panic!("{method} failed: {body}"))
}

/// The error of a request that must fail with -32602; its message.
async fn invalid_params(url: &str, params: Value) -> String {
    let reply = call(url, "tools/call", params).await;
    let body = reply.json();
    assert_eq!(reply.status, 400, "{body}");
    assert_eq!(body["error"]["code"], -32602, "{body}");
    body["error"]["message"].as_str().unwrap().to_owned()
}

fn accept(content: Value) -> Value {
    json!({"action": "accept", "content": content})
}

#[tokio::test]
async fn answers_to_questions_never_asked_reach_no_tool() {
    // SEP-2322: a server ignores answers it did not ask for (it never
    // hands them to the tool) and asks again for what is missing.
    let url = serve().await;
    let first = result(
        &url,
        "tools/call",
        json!({"name": "two_rounds", "arguments": {}}),
    )
    .await;
    assert_eq!(first["resultType"], "input_required");
    let state = first["requestState"].clone();

    // `confirm` is asked in the next round only: an answer to it now is
    // dropped, so the tool asks it as if nothing had been sent.
    let early = result(
        &url,
        "tools/call",
        json!({"name": "two_rounds", "arguments": {}, "requestState": state,
            "inputResponses": {"name": accept(json!({"name": "Ada"})), "confirm": accept(json!({"confirm": true}))}}),
    )
    .await;
    assert_eq!(early["resultType"], "input_required", "{early}");
    let asked: Vec<&String> = early["inputRequests"].as_object().unwrap().keys().collect();
    assert_eq!(asked, ["confirm"], "{early}");

    // Without a state a client answers by key alone (SEP-2322; the
    // official conformance suite does): the answer is taken as given.
    let stateless = result(
        &url,
        "tools/call",
        json!({"name": "two_rounds", "arguments": {},
            "inputResponses": {"name": accept(json!({"name": "Ada"})), "extra": accept(json!({}))}}),
    )
    .await;
    assert_eq!(stateless["resultType"], "input_required", "{stateless}");
    let asked: Vec<&String> = stateless["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(asked, ["confirm"], "{stateless}");

    // The honest path, round by round.
    let second = result(
        &url,
        "tools/call",
        json!({"name": "two_rounds", "arguments": {}, "requestState": state,
            "inputResponses": {"name": accept(json!({"name": "Ada"}))}}),
    )
    .await;
    assert_eq!(second["resultType"], "input_required");
    assert_eq!(
        second["inputRequests"].as_object().unwrap().len(),
        1,
        "{second}"
    );
    // An answer already given cannot be replaced in a later round: the
    // sealed one stands.
    let done = result(
        &url,
        "tools/call",
        json!({"name": "two_rounds", "arguments": {}, "requestState": second["requestState"],
            "inputResponses": {"name": accept(json!({"name": "Mallory"})), "confirm": accept(json!({"confirm": true}))}}),
    )
    .await;
    assert_eq!(done["content"][0]["text"], "Ada confirmed=true", "{done}");
}

#[tokio::test]
async fn a_state_replayed_with_other_arguments_is_refused() {
    let url = serve().await;
    let first = result(
        &url,
        "tools/call",
        json!({"name": "transfer", "arguments": {"amount": 1, "to": "bob"}}),
    )
    .await;
    assert_eq!(
        first["inputRequests"]["confirm"]["params"]["message"],
        "Send 1 to bob?"
    );
    let state = first["requestState"].clone();
    let yes = json!({"confirm": accept(json!({"confirm": true}))});
    for (label, arguments) in [
        ("another amount", json!({"amount": 1_000_000, "to": "bob"})),
        ("another payee", json!({"amount": 1, "to": "mallory"})),
        (
            "an extra argument",
            json!({"amount": 1, "to": "bob", "memo": "x"}),
        ),
        ("no arguments", json!({})),
    ] {
        let message = invalid_params(
            &url,
            json!({"name": "transfer", "arguments": arguments, "requestState": state, "inputResponses": yes}),
        )
        .await;
        assert!(message.contains("other arguments"), "{label}: {message}");
    }
    // The same arguments, written in another order, are the same request.
    let done = result(
        &url,
        "tools/call",
        json!({"name": "transfer", "arguments": {"to": "bob", "amount": 1}, "requestState": state, "inputResponses": yes}),
    )
    .await;
    assert_eq!(done["content"][0]["text"], "sent 1 to bob");
}

async fn poll_task(url: &str, task: &str, done: impl Fn(&Value) -> bool) -> Value {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let got = result(url, "tasks/get", json!({"taskId": task})).await;
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the task reached the status in time")
}

#[tokio::test]
async fn ask_first_hands_its_task_only_the_answers_to_its_own_questions() {
    let url = serve().await;
    let first = result(
        &url,
        "tools/call",
        json!({"name": "greet_then_confirm", "arguments": {}}),
    )
    .await;
    assert_eq!(first["resultType"], "input_required");
    let keys: Vec<&String> = first["inputRequests"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["user_name"]);

    // An answer to the task's later question sent up front is dropped: the
    // task must ask it itself.
    let created = result(
        &url,
        "tools/call",
        json!({"name": "greet_then_confirm", "arguments": {}, "requestState": first["requestState"],
            "inputResponses": {"user_name": accept(json!({"name": "Ada"})), "confirm": accept(json!({"confirm": true}))}}),
    )
    .await;
    assert_eq!(created["resultType"], "task", "{created}");
    let task = created["taskId"].as_str().unwrap().to_owned();
    let waiting = poll_task(&url, &task, |t| t["status"] != "working").await;
    assert_eq!(waiting["status"], "input_required", "{waiting}");
    let asked: Vec<&String> = waiting["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(asked, ["confirm"], "the task asks its own question");
    result(
        &url,
        "tasks/update",
        json!({"taskId": task, "inputResponses": {"confirm": accept(json!({"confirm": true}))}}),
    )
    .await;
    let done = poll_task(&url, &task, |t| t["status"] == "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "Ada confirmed=true");
}

#[tokio::test]
async fn a_shared_key_shorter_than_32_bytes_is_refused() {
    assert_eq!(
        RequestStateKey::from_secret(b"short").err(),
        Some(RequestStateKeyError::TooShort { len: 5 })
    );
    let error = RequestStateKey::from_secret(&[7; 31]).unwrap_err();
    assert!(error.to_string().contains("32 bytes"), "{error}");
    let key = RequestStateKey::from_secret(&[7; 32]).expect("32 bytes are enough");

    // Two servers sharing the key accept each other's state.
    let build = |key: RequestStateKey| async move {
        let server = Server::builder("shared")
            .request_state_key(key)
            .tools(tools![two_rounds])
            .build()
            .await
            .unwrap();
        let base =
            spawn(ferrymcp::transport::http::Router::new().nest("/mcp", server.router())).await;
        format!("{base}/mcp")
    };
    let (a, b) = (build(key.clone()).await, build(key).await);
    let first = result(
        &a,
        "tools/call",
        json!({"name": "two_rounds", "arguments": {}}),
    )
    .await;
    let second = result(
        &b,
        "tools/call",
        json!({"name": "two_rounds", "arguments": {}, "requestState": first["requestState"],
            "inputResponses": {"name": accept(json!({"name": "Ada"}))}}),
    )
    .await;
    assert_eq!(second["resultType"], "input_required", "{second}");
    assert!(second["inputRequests"].get("confirm").is_some());
}
