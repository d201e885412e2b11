//! A task running past its TTL with the Redis backend, over HTTP and a real
//! `redis-server`: Redis expires task hashes by itself, so the record must
//! follow the task's retention (kept while it runs, then for its TTL from
//! its end) for the task not to vanish mid-run.

#[path = "redis_support/mod.rs"]
mod redis_support;
mod tasks_support;

use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisConfig};
use ferrymcp::TaskOptions;
use redis_support::{serial, Redis};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tasks_support::{serve_nested, within, App, AppHandle, Caller};

async fn server(redis: &Redis, app: Arc<App>) -> Server {
    let backend =
        RedisBackend::new(RedisConfig::new(redis.url()).prefix("ttl-test")).expect("a Redis URL");
    Server::builder("ttl-redis")
        .lifespan(move || async move { Ok::<_, std::io::Error>(AppHandle(app)) })
        .tools(tools![tasks_support::gated])
        .tasks(backend)
        .task_options(TaskOptions::default())
        .build()
        .await
        .expect("the server builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_running_past_its_ttl_keeps_its_record_in_redis_until_it_ends() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let app = App::new();
    let server = server(&redis, Arc::clone(&app)).await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let started = app.started.notified();
    let created = alice
        .call("tools/call", json!({"name": "gated", "task": {"ttl": 300}}))
        .await;
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    within("gated to start", started).await;
    // Until the TTL has certainly passed (a lower bound, not a timing assertion).
    tokio::time::sleep(Duration::from_millis(800)).await;
    let running = alice.call("tasks/get", json!({"taskId": id})).await;
    assert_eq!(
        running["result"]["status"], "working",
        "a running task outlives its TTL: {running}"
    );
    let listed = alice.call("tasks/list", json!({})).await;
    assert_eq!(
        listed["result"]["tasks"][0]["taskId"],
        id.as_str(),
        "{listed}"
    );
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
    let done = alice.call("tasks/get", json!({"taskId": id})).await;
    assert_eq!(done["result"]["status"], "completed", "{done}");
    // Redis lets go of it once its TTL from its end has passed.
    let key = format!("{{ttl-test}}:task:{id}");
    within("Redis to expire the task", async {
        while redis.command(&["EXISTS", &key]).as_deref() != Some(":0\r\n") {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let gone = alice.call("tasks/get", json!({"taskId": id})).await;
    assert_eq!(gone["error"]["code"], -32602, "{gone}");
}
