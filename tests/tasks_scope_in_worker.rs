//! A task tool sees the same caller's token, lifespan value and carried
//! values in its worker as inline, over a real socket with the server nested
//! two levels deep in a parent axum app (the FastMCP mounting bug), and
//! through the in-process client.

mod tasks_support;

use ferrymcp::{Client, TaskOptions};
use serde_json::{json, Value};
use tasks_support::{serve_nested, server, server_with, within, App, Caller};

/// A server whose tasks keep the caller's raw token, so that the worker
/// sees all of the inline scope (by default `raw` is left out).
async fn keeping_raw_token() -> ferrymcp::Server {
    server_with(App::new(), TaskOptions::default().keep_raw_token()).await
}

fn structured(result: &Value) -> Value {
    result["structuredContent"].clone()
}

/// The part of a probe that must not depend on where the call ran.
fn scope_facts(probe: &Value) -> Value {
    json!({
        "subject": probe["subject"], "raw": probe["raw"], "scopes": probe["scopes"],
        "tenant": probe["tenant"], "region": probe["region"],
    })
}

#[tokio::test]
async fn worker_sees_the_inline_scope_over_http_2025_11_25() {
    let server = keeping_raw_token().await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(
        &url,
        "2025-11-25",
        &[("x-subject", "alice"), ("x-tenant", "acme")],
    )
    .await;
    let inline = alice.call("tools/call", json!({"name": "probe"})).await;
    let inline = structured(&inline["result"]);
    assert_eq!(inline["background"], false);
    assert_eq!(inline["subject"], "alice");
    assert_eq!(inline["raw"], "raw-alice");
    assert_eq!(inline["tenant"], "acme");
    let created = alice
        .call(
            "tools/call",
            json!({"name": "probe", "task": {"ttl": 60000}}),
        )
        .await;
    assert_eq!(created["result"]["task"]["status"], "working");
    assert_eq!(created["result"]["task"]["ttl"], 60000);
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .expect("CreateTaskResult")
        .to_owned();
    let result = within(
        "tasks/result",
        alice.call("tasks/result", json!({"taskId": id})),
    )
    .await;
    let in_worker = structured(&result["result"]);
    assert_eq!(in_worker["background"], true);
    assert_eq!(in_worker["task_id"], id.as_str());
    assert_eq!(scope_facts(&in_worker), scope_facts(&inline));
    assert_eq!(
        result["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        id.as_str()
    );
    let listed = alice.call("tasks/list", json!({})).await;
    assert_eq!(listed["result"]["tasks"][0]["taskId"], id.as_str());
    assert_eq!(listed["result"]["tasks"][0]["status"], "completed");
}

#[tokio::test]
async fn worker_sees_the_inline_scope_over_http_2026_07_28() {
    let server = keeping_raw_token().await;
    let url = serve_nested(&server).await;
    let headers = [("x-subject", "bob"), ("x-tenant", "globex")];
    let plain = Caller::stateless(&url, &headers, false);
    let discover = plain.call("server/discover", json!({})).await;
    assert_eq!(
        discover["result"]["capabilities"]["extensions"],
        json!({"io.modelcontextprotocol/tasks": {}})
    );
    assert!(discover["result"]["capabilities"].get("tasks").is_none());
    // A client that did not opt in gets the tool inline.
    let inline = plain.call("tools/call", json!({"name": "probe"})).await;
    assert_eq!(inline["result"]["resultType"], "complete");
    let inline = structured(&inline["result"]);
    assert_eq!(inline["background"], false);
    // One that opted in gets a task.
    let bob = Caller::stateless(&url, &headers, true);
    let created = bob.call("tools/call", json!({"name": "probe"})).await;
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    assert!(created["result"].get("task").is_none());
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    assert!(created["result"]["ttlMs"].as_u64().unwrap() > 0);
    assert!(created["result"]["pollIntervalMs"].as_u64().unwrap() > 0);
    let done = bob
        .poll(&id, |r| r["result"]["status"] == "completed")
        .await;
    assert_eq!(done["result"]["resultType"], "complete");
    let in_worker = structured(&done["result"]["result"]);
    assert_eq!(in_worker["background"], true);
    assert_eq!(scope_facts(&in_worker), scope_facts(&inline));
    assert_eq!(in_worker["subject"], "bob");
    assert_eq!(in_worker["tenant"], "globex");
    assert!(done["result"]["result"]["_meta"]
        .get("io.modelcontextprotocol/related-task")
        .is_none());
}

#[tokio::test]
async fn worker_sees_the_inline_scope_in_process_with_progress_and_status() {
    let server = server(App::new()).await;
    let client = Client::connect(&server).await.unwrap();
    let inline = client.call_tool("probe", json!({})).await.unwrap();
    let inline = inline.structured_content.unwrap();
    let created = client
        .request(
            "tools/call",
            json!({"name": "probe", "task": {}, "_meta": {"progressToken": "p-1"}}),
        )
        .await
        .unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    // The default TTL is reported when the client asks for none.
    assert_eq!(created["task"]["ttl"], 300_000);
    let result = within(
        "tasks/result",
        client.request("tasks/result", json!({"taskId": id})),
    )
    .await
    .unwrap();
    let in_worker = result["structuredContent"].clone();
    assert_eq!(scope_facts(&in_worker), scope_facts(&inline));
    assert_eq!(in_worker["region"], "eu-west");
    assert_eq!(in_worker["background"], true);
    // Progress kept the original token; the status changes were announced.
    let notes = client.drain_notifications().await;
    let progress: Vec<&Value> = notes
        .iter()
        .filter(|n| n["method"] == "notifications/progress")
        .collect();
    assert!(progress
        .iter()
        .any(|n| n["params"]["progressToken"] == "p-1" && n["params"]["message"] == "probed"));
    let statuses: Vec<&Value> = notes
        .iter()
        .filter(|n| {
            n["method"] == "notifications/tasks/status" && n["params"]["taskId"] == id.as_str()
        })
        .collect();
    assert_eq!(
        statuses.last().map(|n| n["params"]["status"].clone()),
        Some(json!("completed"))
    );
    assert!(statuses
        .iter()
        .any(|n| n["params"]["statusMessage"] == "probed"));
}
