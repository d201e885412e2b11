//! A task and its TTL, over HTTP: a task still running when its TTL passes
//! keeps its record until it ends (then its TTL counts from its end), or,
//! with a run-time limit, is stopped and ends `failed`.

mod tasks_support;

use ferrymcp::TaskOptions;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tasks_support::{serve_nested, server, server_with, within, App, Caller};

/// Creates a `tool` task with `ttl_ms`; returns its id.
async fn create(caller: &Caller, tool: &str, ttl_ms: u64) -> String {
    let created = caller
        .call("tools/call", json!({"name": tool, "task": {"ttl": ttl_ms}}))
        .await;
    created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("CreateTaskResult: {created}"))
        .to_owned()
}

fn listed(list: &Value, id: &str) -> bool {
    list["result"]["tasks"]
        .as_array()
        .is_some_and(|tasks| tasks.iter().any(|t| t["taskId"] == id))
}

#[tokio::test]
async fn a_task_running_past_its_ttl_keeps_its_record_until_it_ends() {
    let app = App::new();
    let server = server(Arc::clone(&app)).await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let started = app.started.notified();
    let id = create(&alice, "gated", 300).await;
    within("gated to start", started).await;
    // Until the TTL has certainly passed (a lower bound, not a timing assertion).
    tokio::time::sleep(Duration::from_millis(600)).await;
    let running = alice.call("tasks/get", json!({"taskId": id})).await;
    assert_eq!(
        running["result"]["status"], "working",
        "a running task outlives its TTL: {running}"
    );
    assert!(listed(&alice.call("tasks/list", json!({})).await, &id));
    app.gate.add_permits(1);
    let result = within(
        "tasks/result",
        alice.call("tasks/result", json!({"taskId": id})),
    )
    .await;
    assert_eq!(
        result["result"]["content"][0]["text"], "released",
        "{result}"
    );
    // Kept for its TTL from its end: still there right after it ended ...
    let done = alice.call("tasks/get", json!({"taskId": id})).await;
    assert_eq!(done["result"]["status"], "completed", "{done}");
    // ... and gone once that has passed.
    let gone = alice.poll(&id, |r| r["error"]["code"] == -32602).await;
    assert!(gone["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unknown, expired"));
    assert_eq!(app.runs.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_task_over_the_run_time_limit_ends_failed_and_says_why() {
    let app = App::new();
    let server = server_with(
        Arc::clone(&app),
        TaskOptions::default().max_run_time(Duration::from_millis(200)),
    )
    .await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let started = app.started.notified();
    let dropped = app.dropped.notified();
    let id = create(&alice, "gated", 60_000).await;
    within("gated to start", started).await;
    let ended = alice
        .poll(&id, |r| r["result"]["status"] != "working")
        .await;
    assert_eq!(ended["result"]["status"], "failed", "{ended}");
    let message = ended["result"]["statusMessage"].as_str().unwrap();
    assert!(
        message.contains("run-time limit") && message.contains("max_run_time"),
        "the message says the limit was reached: {message}"
    );
    within("the running future to be dropped", dropped).await;
    let result = alice.call("tasks/result", json!({"taskId": id})).await;
    assert_eq!(result["error"]["code"], -32603, "{result}");
    assert!(result["error"]["message"]
        .as_str()
        .unwrap()
        .contains("run-time limit"));
    // A task that ends within the limit is not affected.
    let probe = create(&alice, "probe", 60_000).await;
    let done = alice
        .poll(&probe, |r| r["result"]["status"] != "working")
        .await;
    assert_eq!(done["result"]["status"], "completed", "{done}");
}
