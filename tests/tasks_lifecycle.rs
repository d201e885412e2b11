//! A task's life: cancellation while running and while queued, TTL expiry,
//! an access token that expired before the task ran, and shutdown with
//! running and queued tasks. Through the in-process client.

mod tasks_support;

use ferrymcp::call::NoOutbound;
use ferrymcp::protocol::{Request, RequestId};
use ferrymcp::{Client, TaskOptions};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tasks_support::{poll_until, server, server_with, start_task, within, App};

#[tokio::test]
async fn cancelling_a_running_task_is_cancelled_before_the_call_returns() {
    let app = App::new();
    let server = server(Arc::clone(&app)).await;
    let client = Client::connect(&server).await.unwrap();
    let started = app.started.notified();
    let id = start_task(&client, "gated", json!({})).await;
    within("gated to start", started).await;
    let dropped = app.dropped.notified();
    let cancelled = client
        .request("tasks/cancel", json!({"taskId": id}))
        .await
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["taskId"], id.as_str());
    within("the running future to be dropped", dropped).await;
    let got = client
        .request("tasks/get", json!({"taskId": id}))
        .await
        .unwrap();
    assert_eq!(got["status"], "cancelled");
    // A terminal task cannot be cancelled again (2025-11-25: -32602).
    let again = client
        .request("tasks/cancel", json!({"taskId": id}))
        .await
        .unwrap_err();
    assert_eq!(again.code, -32602);
    assert!(
        again.message.contains("already cancelled"),
        "{}",
        again.message
    );
    // tasks/result of a cancelled task is an error, not a hang.
    let result = client
        .request("tasks/result", json!({"taskId": id}))
        .await
        .unwrap_err();
    assert!(result.message.contains("cancelled"), "{}", result.message);
}

#[tokio::test]
async fn cancelling_a_queued_task_means_it_never_runs() {
    let app = App::new();
    let server = server_with(Arc::clone(&app), TaskOptions::default().concurrency(1)).await;
    let client = Client::connect(&server).await.unwrap();
    let started = app.started.notified();
    let blocker = start_task(&client, "gated", json!({})).await;
    within("the blocker to start", started).await;
    let queued = start_task(&client, "gated", json!({})).await;
    let cancelled = client
        .request("tasks/cancel", json!({"taskId": queued}))
        .await
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    app.gate.add_permits(1);
    let done = within(
        "the blocker's result",
        client.request("tasks/result", json!({"taskId": blocker})),
    )
    .await
    .unwrap();
    assert_eq!(done["content"][0]["text"], "released");
    // A later task runs after the queued one was skipped (FIFO).
    let later = start_task(&client, "probe", json!({})).await;
    within(
        "the later task",
        client.request("tasks/result", json!({"taskId": later})),
    )
    .await
    .unwrap();
    assert_eq!(app.runs.load(Ordering::SeqCst), 1, "the cancelled task ran");
    let got = client
        .request("tasks/get", json!({"taskId": queued}))
        .await
        .unwrap();
    assert_eq!(got["status"], "cancelled");
}

#[tokio::test]
async fn ttl_is_capped_reported_and_expired_tasks_are_gone() {
    let server = server_with(
        App::new(),
        TaskOptions::default().max_ttl(Duration::from_secs(60)),
    )
    .await;
    let client = Client::connect(&server).await.unwrap();
    let long = client
        .request(
            "tools/call",
            json!({"name": "probe", "task": {"ttl": 86_400_000u64}}),
        )
        .await
        .unwrap();
    assert_eq!(long["task"]["ttl"], 60_000, "the TTL granted is reported");
    let short = client
        .request("tools/call", json!({"name": "probe", "task": {"ttl": 1}}))
        .await
        .unwrap();
    let id = short["task"]["taskId"].as_str().unwrap().to_owned();
    assert_eq!(short["task"]["ttl"], 1);
    // Wait until the TTL has certainly passed (a lower bound, not a timing assertion).
    tokio::time::sleep(Duration::from_millis(20)).await;
    for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
        let e = client
            .request(method, json!({"taskId": id}))
            .await
            .unwrap_err();
        assert_eq!(e.code, -32602, "{method}");
    }
    let list = client.request("tasks/list", json!({})).await.unwrap();
    assert!(list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["taskId"] != id.as_str()));
    let bad = client
        .request(
            "tools/call",
            json!({"name": "probe", "task": {"ttl": "soon"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, -32602);
}

/// Sends a task-augmented `tools/call` whose scope carries `token`, as the
/// HTTP auth layer would put it in the request's extensions.
async fn task_with_token(client: &Client, tool: &str, token: ferrymcp::AccessToken) -> String {
    let mut extensions = http::Extensions::new();
    extensions.insert(token);
    let request = Request {
        id: RequestId::String(format!("with-token-{tool}")),
        method: "tools/call".into(),
        params: json!({"name": tool, "arguments": {}, "task": {}})
            .as_object()
            .cloned()
            .map(Into::into),
    };
    let response = client
        .session()
        .handle_request(request, Arc::new(NoOutbound), extensions)
        .await
        .expect("a response");
    response["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{response}"))
        .to_owned()
}

#[tokio::test]
async fn a_token_that_expired_before_the_task_ran_is_absent_or_fails_the_task() {
    let server = server(App::new()).await;
    let client = Client::connect(&server).await.unwrap();
    // Owner lookups use the identity, so the same identity reads the tasks.
    let expired = ferrymcp::AccessToken::builder()
        .issuer("https://issuer.test")
        .subject("carol")
        .expires_at(SystemTime::now() - Duration::from_secs(3600))
        .build();
    let optional = task_with_token(&client, "probe", expired.clone()).await;
    let required = task_with_token(&client, "needs_token", expired.clone()).await;
    let read = |id: String| {
        let mut extensions = http::Extensions::new();
        extensions.insert(expired.clone());
        let request = Request {
            id: RequestId::String(format!("result-{id}")),
            method: "tasks/result".into(),
            params: json!({"taskId": id}).as_object().cloned().map(Into::into),
        };
        let session = client.session().clone();
        async move {
            within(
                "tasks/result",
                session.handle_request(request, Arc::new(NoOutbound), extensions),
            )
            .await
            .expect("a response")
        }
    };
    let optional = read(optional).await;
    assert_eq!(
        optional["result"]["structuredContent"]["subject"],
        Value::Null,
        "Option<AccessToken> is None: {optional}"
    );
    let required = read(required).await;
    assert_eq!(required["result"]["isError"], true, "{required}");
    let text = required["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("expired before the task ran"),
        "the message says why: {text}"
    );
}

#[tokio::test]
async fn shutdown_fails_running_and_queued_tasks_with_a_message() {
    let app = App::new();
    let server = server_with(
        Arc::clone(&app),
        TaskOptions::default()
            .concurrency(1)
            .shutdown_grace(Duration::ZERO),
    )
    .await;
    let client = Client::connect(&server).await.unwrap();
    let started = app.started.notified();
    let running = start_task(&client, "gated", json!({})).await;
    within("the task to start", started).await;
    let queued = start_task(&client, "gated", json!({})).await;
    within("shutdown", server.shutdown()).await;
    let running = client
        .request("tasks/get", json!({"taskId": running}))
        .await
        .unwrap();
    assert_eq!(running["status"], "failed");
    assert!(running["statusMessage"]
        .as_str()
        .unwrap()
        .contains("shut down before the task finished"));
    let queued = client
        .request("tasks/get", json!({"taskId": queued}))
        .await
        .unwrap();
    assert_eq!(queued["status"], "failed");
    assert!(queued["statusMessage"]
        .as_str()
        .unwrap()
        .contains("shut down before the task started"));
    let refused = client
        .request("tools/call", json!({"name": "probe", "task": {}}))
        .await
        .unwrap_err();
    assert!(
        refused.message.contains("shutting down"),
        "{}",
        refused.message
    );
}

#[tokio::test]
async fn shutdown_lets_running_tasks_finish_within_the_grace_period() {
    let app = App::new();
    let server = server(Arc::clone(&app)).await;
    let client = Client::connect(&server).await.unwrap();
    let started = app.started.notified();
    let id = start_task(&client, "gated", json!({})).await;
    within("the task to start", started).await;
    let shutdown = tokio::spawn({
        let server = server.clone();
        async move { server.shutdown().await }
    });
    app.gate.add_permits(1);
    within("shutdown", shutdown).await.unwrap();
    let done = poll_until(&client, &id, |t| t["status"] != "working").await;
    assert_eq!(done["status"], "completed");
}
