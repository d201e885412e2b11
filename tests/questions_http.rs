//! Questions to the client over HTTP on a real socket: a 2025-11-25 session
//! receives `elicitation/create` on the call's SSE stream and answers with a
//! POST; a 2026-07-28 request gets an `InputRequiredResult` and retries with
//! `inputResponses` and the sealed `requestState`.

mod http_support;

use ferrymcp::ask::SamplingRequest;
use ferrymcp::prelude::*;
use http_support::{post, spawn, sse_messages, stateless};
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Color {
    color: String,
}

/// Asks for a name, then a color.
#[tool]
async fn two_rounds(ctx: Ctx) -> Result<String, ToolError> {
    let name = ctx.ask("name").elicit::<Name>("Your name?").await?;
    let color = ctx.ask("color").elicit::<Color>("Your color?").await?;
    Ok(format!(
        "{} likes {}",
        name.accepted().map_or("nobody".into(), |n| n.name),
        color.accepted().map_or("nothing".into(), |c| c.color)
    ))
}

/// Asks the model.
#[tool]
async fn ask_model(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx.sample(SamplingRequest::new(10).user("Hi")).await?;
    Ok(answer.text().unwrap_or_default().to_owned())
}

/// Asks for a name.
#[tool]
async fn one_round(ctx: Ctx) -> Result<String, ToolError> {
    let name = ctx.ask("name").elicit::<Name>("Your name?").await?;
    Ok(format!(
        "Hi {}",
        name.accepted().map_or("nobody".into(), |n| n.name)
    ))
}

async fn serve() -> String {
    let server = Server::builder("questions")
        .tools(tools![two_rounds, ask_model, one_round])
        .build()
        .await
        .unwrap();
    let base = spawn(ferrymcp::transport::http::Router::new().nest("/mcp", server.router())).await;
    format!("{base}/mcp")
}

/// Opens a session of `version` declaring `capabilities`; returns its id.
async fn open(url: &str, version: &str, capabilities: Value) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": capabilities,
        "clientInfo": {"name": "questions-test", "version": "0"}}});
    let reply = post(url, &[], init.to_string()).await;
    let session = reply.header("mcp-session-id").unwrap().to_owned();
    let note = post(
        url,
        &[
            ("mcp-session-id", &session),
            ("mcp-protocol-version", version),
        ],
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
    )
    .await;
    assert_eq!(note.status, 202);
    session
}

/// Reads SSE events from a streaming response until `want` of them are JSON-RPC messages.
async fn next_messages(
    res: &mut reqwest::Response,
    buffer: &mut String,
    want: usize,
) -> Vec<Value> {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(end) = nth_event_end(buffer, want) {
                let events: String = buffer.drain(..end).collect();
                let messages = sse_messages(&events);
                if messages.len() >= want {
                    return messages;
                }
            }
            let chunk = res
                .chunk()
                .await
                .expect("the stream reads")
                .expect("the stream is open");
            buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    })
    .await
    .expect("the server sent the messages in time")
}

/// Where the `n`-th event with data ends, if the buffer holds it.
fn nth_event_end(buffer: &str, n: usize) -> Option<usize> {
    let mut seen = 0;
    let mut at = 0;
    while let Some(i) = buffer[at..].find("\n\n") {
        let event = &buffer[at..at + i];
        at += i + 2;
        if event.lines().any(|l| l.starts_with("data:") && l.len() > 6) {
            seen += 1;
            if seen == n {
                return Some(at);
            }
        }
    }
    None
}

#[tokio::test]
async fn a_session_gets_the_request_on_the_calls_stream_and_answers_by_post() {
    let url = serve().await;
    let session = open(&url, "2025-11-25", json!({"elicitation": {}})).await;
    let headers = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "two_rounds", "arguments": {}}});
    let mut res = http_support::client()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header(headers[0].0, headers[0].1)
        .header(headers[1].0, headers[1].1)
        .body(call.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    for (round, answer) in [
        ("Your name?", json!({"name": "Ada"})),
        ("Your color?", json!({"color": "teal"})),
    ] {
        let asked = next_messages(&mut res, &mut buffer, 1).await.remove(0);
        assert_eq!(asked["method"], "elicitation/create");
        assert_eq!(asked["params"]["message"], round);
        assert_eq!(asked["params"]["mode"], "form");
        assert!(asked["id"].is_string(), "{asked}");
        let reply = post(
            &url,
            &headers,
            json!({"jsonrpc": "2.0", "id": asked["id"], "result": {"action": "accept", "content": answer}})
                .to_string(),
        )
        .await;
        assert_eq!(reply.status, 202, "{reply:?}");
        assert!(reply.body.is_empty());
    }
    let done = next_messages(&mut res, &mut buffer, 1).await.remove(0);
    assert_eq!(done["id"], 7);
    assert_eq!(done["result"]["content"][0]["text"], "Ada likes teal");
}

#[tokio::test]
async fn a_2025_06_18_session_gets_no_mode_and_a_stray_response_is_harmless() {
    let url = serve().await;
    let session = open(&url, "2025-06-18", json!({"elicitation": {}})).await;
    let headers = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", "2025-06-18"),
    ];
    let stray = post(
        &url,
        &headers,
        json!({"jsonrpc": "2.0", "id": "ferry-999", "result": {}}).to_string(),
    )
    .await;
    assert_eq!(stray.status, 202);
    let mut res = http_support::client()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header(headers[0].0, headers[0].1)
        .header(headers[1].0, headers[1].1)
        .body(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "one_round", "arguments": {}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let mut buffer = String::new();
    let asked = next_messages(&mut res, &mut buffer, 1).await.remove(0);
    assert!(asked["params"].get("mode").is_none(), "{asked}");
    post(
        &url,
        &headers,
        json!({"jsonrpc": "2.0", "id": asked["id"], "result": {"action": "decline"}}).to_string(),
    )
    .await;
    let done = next_messages(&mut res, &mut buffer, 1).await.remove(0);
    assert_eq!(done["result"]["content"][0]["text"], "Hi nobody");
}

fn with_caps(mut params: Value, caps: Value) -> Value {
    let mut meta = http_support::meta();
    meta["io.modelcontextprotocol/clientCapabilities"] = caps;
    params["_meta"] = meta;
    params
}

/// The result of a 2026-07-28 `tools/call` from a client with `caps`.
async fn call_result(url: &str, id: i64, params: Value, caps: &Value) -> Value {
    let reply = stateless(url, id, "tools/call", with_caps(params, caps.clone())).await;
    reply.json()["result"].clone()
}

#[tokio::test]
async fn stateless_calls_ask_through_their_result_round_by_round() {
    let url = serve().await;
    let caps = json!({"elicitation": {}});
    let first = stateless(
        &url,
        1,
        "tools/call",
        with_caps(json!({"name": "two_rounds", "arguments": {}}), caps.clone()),
    )
    .await;
    assert_eq!(first.status, 200);
    let first = first.json()["result"].clone();
    assert_eq!(first["resultType"], "input_required");
    assert_eq!(
        first["inputRequests"]["name"]["method"],
        "elicitation/create"
    );
    assert_eq!(
        first["inputRequests"]["name"]["params"]["message"],
        "Your name?"
    );
    let state = first["requestState"].as_str().unwrap().to_owned();

    let second = call_result(
        &url,
        2,
        json!({
            "name": "two_rounds", "arguments": {}, "requestState": state,
            "inputResponses": {"name": {"action": "accept", "content": {"name": "Ada"}}}
        }),
        &caps,
    )
    .await;
    assert_eq!(second["resultType"], "input_required");
    let keys: Vec<&String> = second["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["color"], "only the open question is asked again");
    let state2 = second["requestState"].as_str().unwrap().to_owned();
    assert_ne!(state, state2);

    let third = call_result(
        &url,
        3,
        json!({
            "name": "two_rounds", "arguments": {}, "requestState": state2,
            "inputResponses": {"color": {"action": "accept", "content": {"color": "teal"}}}
        }),
        &caps,
    )
    .await;
    assert_eq!(third["resultType"], "complete");
    assert_eq!(third["content"][0]["text"], "Ada likes teal");
}

#[tokio::test]
async fn tampered_foreign_and_malformed_states_are_refused() {
    let url = serve().await;
    let caps = json!({"elicitation": {}});
    let first = stateless(
        &url,
        1,
        "tools/call",
        with_caps(json!({"name": "two_rounds", "arguments": {}}), caps.clone()),
    )
    .await
    .json();
    let state = first["result"]["requestState"].as_str().unwrap().to_owned();
    let answers = json!({"name": {"action": "accept", "content": {"name": "Ada"}}});
    for (label, tool, bad_state, needle) in [
        (
            "tampered",
            "two_rounds",
            format!("{state}-TAMPERED"),
            "requestState",
        ),
        (
            "another tool's",
            "one_round",
            state.clone(),
            "another request",
        ),
        ("not ours", "two_rounds", "abc".to_string(), "malformed"),
    ] {
        let reply = stateless(&url, 2, "tools/call", with_caps(json!({
            "name": tool, "arguments": {}, "requestState": bad_state, "inputResponses": answers
        }), caps.clone())).await;
        assert_eq!(reply.status, 400, "{label}: {reply:?}");
        let error = &reply.json()["error"];
        assert_eq!(error["code"], -32602, "{label}");
        assert!(
            error["message"].as_str().unwrap().contains(needle),
            "{label}: {error}"
        );
    }
    let reply = stateless(
        &url,
        3,
        "tools/call",
        with_caps(
            json!({
                "name": "one_round", "arguments": {}, "inputResponses": {"name": 5}
            }),
            caps,
        ),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("inputResponses.name"));
}

#[tokio::test]
async fn a_stateless_client_without_the_capability_gets_400_and_32021() {
    let url = serve().await;
    let reply = stateless(
        &url,
        1,
        "tools/call",
        with_caps(
            json!({"name": "ask_model", "arguments": {}}),
            json!({"elicitation": {}}),
        ),
    )
    .await;
    assert_eq!(reply.status, 400);
    let error = &reply.json()["error"];
    assert_eq!(error["code"], -32021);
    assert_eq!(
        error["data"],
        json!({"requiredCapabilities": {"sampling": {}}})
    );
    assert_eq!(reply.json()["id"], 1);
}

#[tokio::test]
async fn a_json_only_call_with_no_get_stream_fails_its_question_at_once() {
    let url = serve().await;
    let session = open(&url, "2025-11-25", json!({"elicitation": {}})).await;
    let reply = http_support::client()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .body(
            json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "one_round", "arguments": {}}})
            .to_string(),
        )
        .send();
    let reply = tokio::time::timeout(Duration::from_secs(10), reply)
        .await
        .expect("answered at once, not left waiting")
        .unwrap();
    assert_eq!(reply.headers()["content-type"], "application/json");
    let body: Value = serde_json::from_str(&reply.text().await.unwrap()).unwrap();
    assert_eq!(body["result"]["isError"], true, "{body}");
    let text = body["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("no stream reaches the client"), "{text}");
}
