//! The raw bearer token reaches a task's worker only when the app asks for
//! it (`TaskOptions::keep_raw_token`): by default a snapshot keeps the
//! token's claims, scopes and expiry but not the token itself, so nothing
//! stored with a task can be replayed. Over HTTP.

mod tasks_support;

use ferrymcp::TaskOptions;
use serde_json::{json, Value};
use tasks_support::{serve_nested, server, server_with, within, App, Caller};

/// What `probe` saw inline and in a task's worker.
async fn inline_and_in_worker(url: &str) -> (Value, Value) {
    let alice = Caller::session(url, "2025-11-25", &[("x-subject", "alice")]).await;
    let inline = alice.call("tools/call", json!({"name": "probe"})).await;
    let created = alice
        .call("tools/call", json!({"name": "probe", "task": {}}))
        .await;
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let in_worker = within(
        "tasks/result",
        alice.call("tasks/result", json!({"taskId": id})),
    )
    .await;
    (
        inline["result"]["structuredContent"].clone(),
        in_worker["result"]["structuredContent"].clone(),
    )
}

#[tokio::test]
async fn by_default_the_worker_gets_no_raw_token() {
    let server = server(App::new()).await;
    let url = serve_nested(&server).await;
    let (inline, in_worker) = inline_and_in_worker(&url).await;
    assert_eq!(inline["raw"], "raw-alice", "inline calls see the raw token");
    assert_eq!(in_worker["background"], true);
    assert_eq!(in_worker["subject"], "alice", "the claims are kept");
    assert_eq!(in_worker["scopes"], json!(["tasks"]));
    assert_eq!(in_worker["raw"], Value::Null, "{in_worker}");
}

#[tokio::test]
async fn keep_raw_token_gives_the_worker_the_raw_token() {
    let server = server_with(App::new(), TaskOptions::default().keep_raw_token()).await;
    let url = serve_nested(&server).await;
    let (inline, in_worker) = inline_and_in_worker(&url).await;
    assert_eq!(in_worker["background"], true);
    assert_eq!(in_worker["raw"], "raw-alice", "{in_worker}");
    assert_eq!(in_worker["raw"], inline["raw"]);
}

#[tokio::test]
async fn drop_raw_token_still_drops_it() {
    let options = TaskOptions::default().keep_raw_token().drop_raw_token();
    let server = server_with(App::new(), options).await;
    let url = serve_nested(&server).await;
    let (_, in_worker) = inline_and_in_worker(&url).await;
    assert_eq!(in_worker["subject"], "alice");
    assert_eq!(in_worker["raw"], Value::Null, "{in_worker}");
}
