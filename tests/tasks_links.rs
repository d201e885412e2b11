//! The engine keeps a link (where a task's status notifications go: the
//! 2025-11-25 session that created it) only for tasks this process may run,
//! and lets go of it when the task ends or expires: none is left behind on
//! an HTTP node that runs no workers, nor for tasks purged by their TTL
//! before they ran. Over HTTP; the count is `TaskEngine::link_count`
//! (hidden from the docs).

mod tasks_support;

use ferrymcp::TaskOptions;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tasks_support::{serve_nested, server_with, within, App, Caller};

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

/// Waits until the engine holds no link.
async fn links_drain(server: &ferrymcp::Server) {
    within("the links to be released", async {
        while server.task_engine().link_count() != 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

#[tokio::test]
async fn a_node_that_runs_no_workers_keeps_no_links() {
    let server = server_with(App::new(), TaskOptions::default().run_workers(false)).await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(create(&alice, "probe", 100).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for id in &ids {
        let gone = alice.call("tasks/get", json!({"taskId": id})).await;
        assert_eq!(gone["error"]["code"], -32602, "expired: {gone}");
    }
    links_drain(&server).await;
}

#[tokio::test]
async fn tasks_that_expire_before_they_run_leave_no_links() {
    let app = App::new();
    let server = server_with(Arc::clone(&app), TaskOptions::default().concurrency(1)).await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let started = app.started.notified();
    let blocker = create(&alice, "gated", 60_000).await;
    within("the blocker to start", started).await;
    for _ in 0..20 {
        create(&alice, "probe", 100).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.gate.add_permits(1);
    let done = alice
        .poll(&blocker, |r| r["result"]["status"] == "completed")
        .await;
    assert_eq!(done["result"]["status"], "completed");
    links_drain(&server).await;
    // A later task still reaches its session: it runs and completes.
    let later = create(&alice, "probe", 60_000).await;
    let done = alice
        .poll(&later, |r| r["result"]["status"] == "completed")
        .await;
    assert_eq!(done["result"]["status"], "completed");
    links_drain(&server).await;
}
