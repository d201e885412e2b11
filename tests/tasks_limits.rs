//! Per-caller limits on tasks, over HTTP: how many tasks one caller may have
//! queued or running, and how many bytes of results it may have stored.
//! Over a limit, the task is not created and the caller gets a JSON-RPC
//! error that names the limit and says when to retry; a result over the
//! budget fails its task rather than being stored. Another caller still
//! gets through.

mod tasks_support;

use ferrymcp::prelude::*;
use ferrymcp::TaskOptions;
use serde_json::{json, Value};
use std::sync::Arc;
use tasks_support::{serve_nested, server_with, within, App, Caller};

/// The task id of a `CreateTaskResult` (2025-11-25), or panics with the response.
fn task_id(created: &Value) -> String {
    created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("CreateTaskResult: {created}"))
        .to_owned()
}

/// Asserts that `response` is the refusal of a task over `limit`.
fn assert_refused(response: &Value, limit: &str) {
    let error = &response["error"];
    assert_eq!(error["code"], -32603, "{response}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(limit) && message.contains("retry"),
        "the message names the limit and when to retry: {message}"
    );
    assert_eq!(error["data"]["limit"], limit, "{response}");
    assert!(
        error["data"]["retryAfterSeconds"].as_u64().unwrap_or(0) >= 1,
        "{response}"
    );
    assert!(response.get("result").is_none());
}

#[tokio::test]
async fn a_caller_over_its_active_task_limit_is_refused_and_others_are_not() {
    let app = App::new();
    let server = server_with(
        Arc::clone(&app),
        TaskOptions::default().max_active_tasks_per_caller(3),
    )
    .await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let bob = Caller::session(&url, "2025-11-25", &[("x-subject", "bob")]).await;
    let gated = json!({"name": "gated", "task": {}});
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(task_id(&alice.call("tools/call", gated.clone()).await));
    }
    let refused = alice.call("tools/call", gated.clone()).await;
    assert_refused(&refused, "max_active_tasks_per_caller");
    let listed = alice.call("tasks/list", json!({})).await;
    assert_eq!(
        listed["result"]["tasks"].as_array().map(Vec::len),
        Some(3),
        "the refused task was not created: {listed}"
    );
    // Alice in another session is the same caller.
    let alice_again = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    assert_refused(
        &alice_again.call("tools/call", gated.clone()).await,
        "max_active_tasks_per_caller",
    );
    // Bob is not locked out.
    let bobs = task_id(&bob.call("tools/call", gated.clone()).await);
    // Once one of alice's tasks ends, she may start another.
    alice.call("tasks/cancel", json!({"taskId": mine[0]})).await;
    let again = alice.call("tools/call", gated.clone()).await;
    task_id(&again);
    // A 2026-07-28 request of the same identity counts against the same limit.
    let stateless = Caller::stateless(&url, &[("x-subject", "alice")], true);
    let refused = stateless.call("tools/call", json!({"name": "gated"})).await;
    assert_refused(&refused, "max_active_tasks_per_caller");
    app.gate.add_permits(100);
    let done = bob
        .poll(&bobs, |r| r["result"]["status"] == "completed")
        .await;
    assert_eq!(done["result"]["status"], "completed");
}

#[tokio::test]
async fn without_a_token_each_session_has_its_own_active_task_limit() {
    let app = App::new();
    let server = server_with(
        Arc::clone(&app),
        TaskOptions::default().max_active_tasks_per_caller(1),
    )
    .await;
    let url = serve_nested(&server).await;
    let one = Caller::session(&url, "2025-11-25", &[]).await;
    let other = Caller::session(&url, "2025-11-25", &[]).await;
    let gated = json!({"name": "gated", "task": {}});
    task_id(&one.call("tools/call", gated.clone()).await);
    assert_refused(
        &one.call("tools/call", gated.clone()).await,
        "max_active_tasks_per_caller",
    );
    task_id(&other.call("tools/call", gated.clone()).await);
    app.gate.add_permits(100);
}

/// Returns `size` bytes of text.
#[tool(task = true)]
async fn blob(size: usize) -> String {
    "x".repeat(size)
}

async fn blob_server(options: TaskOptions) -> Server {
    Server::builder("limits-test")
        .tools(tools![blob])
        .task_options(options)
        .build()
        .await
        .expect("the server builds")
}

/// Runs `blob(size)` as a task and waits until it ends; returns `tasks/get`.
async fn run_blob(caller: &Caller, size: usize) -> (String, Value) {
    let created = caller
        .call(
            "tools/call",
            json!({"name": "blob", "arguments": {"size": size}, "task": {"ttl": 60_000}}),
        )
        .await;
    let id = task_id(&created);
    let ended = caller
        .poll(&id, |r| r["result"]["status"] != "working")
        .await;
    (id, ended)
}

/// The size of a stored result: its compact JSON, as `tasks/result` returns
/// it without the related-task `_meta`.
async fn stored_size(caller: &Caller, id: &str) -> u64 {
    let mut result = within(
        "tasks/result",
        caller.call("tasks/result", json!({"taskId": id})),
    )
    .await["result"]
        .clone();
    result.as_object_mut().unwrap().remove("_meta");
    serde_json::to_string(&result).unwrap().len() as u64
}

#[tokio::test]
async fn stored_results_have_a_byte_budget_per_caller() {
    // How many bytes the result of blob(1000) takes.
    let probe = blob_server(TaskOptions::default()).await;
    let probe_url = serve_nested(&probe).await;
    let measure = Caller::session(&probe_url, "2025-11-25", &[("x-subject", "m")]).await;
    let (id, _) = run_blob(&measure, 1000).await;
    let one = stored_size(&measure, &id).await;
    assert!(one > 1000);

    let server = blob_server(TaskOptions::default().max_result_bytes_per_caller(2 * one)).await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let bob = Caller::session(&url, "2025-11-25", &[("x-subject", "bob")]).await;
    // Bob's first result fits; his second would go over: it fails, unstored.
    let (_, fits) = run_blob(&bob, 1000).await;
    assert_eq!(fits["result"]["status"], "completed", "{fits}");
    let (big, over) = run_blob(&bob, 2000).await;
    assert_eq!(over["result"]["status"], "failed", "{over}");
    let message = over["result"]["statusMessage"].as_str().unwrap();
    assert!(
        message.contains("max_result_bytes_per_caller") && message.contains("not stored"),
        "{message}"
    );
    let result = bob.call("tasks/result", json!({"taskId": big})).await;
    assert_eq!(result["error"]["code"], -32603, "{result}");
    assert_eq!(
        result["error"]["data"]["limit"],
        "max_result_bytes_per_caller"
    );
    // Alice fills her budget exactly; then she may not start another task.
    for _ in 0..2 {
        let (_, done) = run_blob(&alice, 1000).await;
        assert_eq!(done["result"]["status"], "completed", "{done}");
    }
    let refused = alice
        .call(
            "tools/call",
            json!({"name": "blob", "arguments": {"size": 1}, "task": {}}),
        )
        .await;
    assert_refused(&refused, "max_result_bytes_per_caller");
    // Bob (who has room left) still gets through.
    let (_, small) = run_blob(&bob, 10).await;
    assert_eq!(small["result"]["status"], "completed", "{small}");
}
