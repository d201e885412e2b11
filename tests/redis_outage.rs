//! Redis going away and coming back, with HTTP nodes and workers as
//! separate OS processes: no task is promised that is not stored, nodes and
//! workers reconnect by themselves, and no acknowledged task is lost.

#[path = "redis_support/mod.rs"]
mod redis_support;

use redis_support::{serial, Mcp, Process, Redis, LIMIT};
use std::time::{Duration, Instant};

/// With Redis down, creating a task is a JSON-RPC error that says the task
/// was not created (never a `CreateTaskResult`); when Redis is back, the
/// node creates tasks again and the worker runs them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_task_creation_is_a_clear_error_and_nodes_recover() {
    let _serial = serial().await;
    let mut redis = Redis::start(true);
    let a = Process::node(&redis.url(), &[]);
    let _worker = Process::worker(&redis.url(), &[]);
    let on_a = Mcp::open(a.url()).await;
    let before = on_a.create(0).await;
    on_a.result_text(&before).await;

    redis.kill();
    let refused = on_a.start_slow(0).await;
    assert!(
        refused.get("result").is_none(),
        "no task may be promised: {refused}"
    );
    assert_eq!(refused["error"]["code"], -32603, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    // Not created; or, when the write went out on a connection that had
    // died (the node cannot tell whether Redis applied it), not
    // acknowledged and perhaps created.
    assert!(
        message.contains("the task was not created") || message.contains("not acknowledged"),
        "{message}"
    );
    let get = on_a
        .request("tasks/get", serde_json::json!({"taskId": before}))
        .await;
    assert_eq!(get["error"]["code"], -32603, "{get}");

    redis.restart();
    let start = Instant::now();
    let id = loop {
        let r = on_a.start_slow(0).await;
        if let Some(id) = r["result"]["task"]["taskId"].as_str() {
            break id.to_owned();
        }
        assert!(start.elapsed() < LIMIT, "the node never reconnected: {r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let text = on_a.result_text(&id).await;
    assert!(text.contains(&format!("task {id}")), "{text}");
    // The task stored before the outage survived it (append-only file).
    assert_eq!(on_a.get(&before).await["status"], "completed");
}

/// Redis killed and restarted (append-only file, fsync always) while tasks
/// run: every task whose `CreateTaskResult` was sent completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_mid_run_loses_no_acknowledged_task() {
    let _serial = serial().await;
    let mut redis = Redis::start(true);
    let (a, b) = (
        Process::node(&redis.url(), &[]),
        Process::node(&redis.url(), &[]),
    );
    let vt = ["--visibility-timeout-ms", "2000", "--concurrency", "8"];
    let _workers = [
        Process::worker(&redis.url(), &vt),
        Process::worker(&redis.url(), &vt),
    ];
    let (on_a, on_b) = (Mcp::open(a.url()).await, Mcp::open(b.url()).await);

    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(on_a.create(400).await);
    }
    on_b.wait_running(&ids[0]).await;
    redis.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.restart();

    for id in &ids {
        let text = on_b.result_text(id).await;
        assert!(text.contains(&format!("task {id}")), "{text}");
    }
}
