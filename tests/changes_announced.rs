//! Announced changes reach clients: a session hears list changes and the
//! updates of resources it subscribed to; a 2026-07-28 `subscriptions/listen`
//! stream is acknowledged first and then hears exactly what its filter asked
//! for, every message tagged with the subscription id.

mod http_support;

use ferrymcp::call::Change;
use ferrymcp::prelude::*;
use ferrymcp::{resource, resources, Client};
use http_support::{spawn, sse_messages};
use serde_json::{json, Value};
use std::time::Duration;

/// Something to watch.
#[resource(uri = "test://watched", mime_type = "text/plain")]
async fn watched() -> String {
    "now".into()
}

/// Something else.
#[resource(uri = "test://other", mime_type = "text/plain")]
async fn other() -> String {
    "other".into()
}

/// Announces that the tool list changed.
#[tool]
async fn announce(ctx: Ctx) -> String {
    ctx.notifier().announce(Change::ToolsListChanged);
    "announced".into()
}

async fn server() -> Server {
    Server::builder("changes")
        .tools(tools![announce])
        .resources(resources![watched, other])
        .build()
        .await
        .unwrap()
}

/// POSTs a `subscriptions/listen` request and returns the streaming response.
async fn open_listen(url: &str, body: Value) -> reqwest::Response {
    http_support::client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "subscriptions/listen")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn next(client: &Client) -> Value {
    tokio::time::timeout(Duration::from_secs(5), client.next_notification())
        .await
        .expect("a notification in time")
        .expect("the channel is open")
}

#[tokio::test]
async fn a_session_hears_list_changes_and_its_subscriptions_only() {
    let server = server().await;
    let client = Client::connect(&server).await.unwrap();
    let caps = &client.initialize_result()["capabilities"];
    assert_eq!(caps["tools"]["listChanged"], true);
    assert_eq!(
        caps["resources"],
        json!({"subscribe": true, "listChanged": true})
    );
    client
        .request("resources/subscribe", json!({"uri": "test://watched"}))
        .await
        .unwrap();
    let notifier = server.notifier();
    notifier.announce(Change::ResourceUpdated("test://other".into()));
    notifier.announce(Change::ResourceUpdated("test://watched".into()));
    assert_eq!(
        next(&client).await,
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated",
            "params": {"uri": "test://watched"}}),
        "the unsubscribed resource was not announced to this session"
    );
    client.call_tool("announce", json!({})).await.unwrap();
    assert_eq!(
        next(&client).await["method"],
        "notifications/tools/list_changed"
    );
    client
        .request("resources/unsubscribe", json!({"uri": "test://watched"}))
        .await
        .unwrap();
    notifier.announce(Change::ResourceUpdated("test://watched".into()));
    notifier.announce(Change::ResourcesListChanged);
    assert_eq!(
        next(&client).await["method"],
        "notifications/resources/list_changed"
    );
}

#[tokio::test]
async fn a_listen_stream_is_acknowledged_then_filtered_and_tagged() {
    let server = server().await;
    let base = spawn(ferrymcp::transport::http::Router::new().nest("/mcp", server.router())).await;
    let url = format!("{base}/mcp");
    let body = json!({"jsonrpc": "2.0", "id": "sub-1", "method": "subscriptions/listen", "params": {
        "_meta": http_support::meta(),
        "notifications": {"toolsListChanged": true, "promptsListChanged": true,
            "resourceSubscriptions": ["test://watched"]}}});
    let mut res = open_listen(&url, body).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut seen: Vec<Value> = Vec::new();
    let mut buffer = String::new();
    let mut announced = false;
    tokio::time::timeout(Duration::from_secs(10), async {
        while seen.len() < 3 {
            let chunk = res.chunk().await.unwrap().expect("the stream stays open");
            buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            if let Some(end) = buffer.rfind("\n\n") {
                let events: String = buffer.drain(..end + 2).collect();
                seen.extend(sse_messages(&events));
            }
            if !seen.is_empty() && !announced {
                // The acknowledgement came: announce (after it, as a client would).
                announced = true;
                let n = server.notifier();
                n.announce(Change::PromptsListChanged);
                n.announce(Change::ResourceUpdated("test://other".into()));
                n.announce(Change::ResourcesListChanged);
                n.announce(Change::ResourceUpdated("test://watched".into()));
                n.announce(Change::ToolsListChanged);
            }
        }
    })
    .await
    .expect("three messages in time");
    assert_eq!(
        seen[0]["method"],
        "notifications/subscriptions/acknowledged"
    );
    assert_eq!(
        seen[0]["params"]["notifications"],
        json!({"toolsListChanged": true, "resourceSubscriptions": ["test://watched"]}),
        "no prompts here: promptsListChanged is not honoured"
    );
    assert_eq!(seen[1]["method"], "notifications/resources/updated");
    assert_eq!(seen[1]["params"]["uri"], "test://watched");
    assert_eq!(seen[2]["method"], "notifications/tools/list_changed");
    for message in &seen {
        assert_eq!(
            message["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"], "sub-1",
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_listen_request_with_a_bad_filter_is_refused() {
    let server = server().await;
    let base = spawn(ferrymcp::transport::http::Router::new().nest("/mcp", server.router())).await;
    let reply = http_support::stateless(
        &format!("{base}/mcp"),
        9,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": "yes"}}),
    )
    .await;
    assert_eq!(reply.status, 400);
    let error = &reply.json()["error"];
    assert_eq!(error["code"], -32602);
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("toolsListChanged"));
}

#[tokio::test]
async fn shutdown_ends_a_listen_stream_with_its_result() {
    let server = server().await;
    let base = spawn(ferrymcp::transport::http::Router::new().nest("/mcp", server.router())).await;
    let body = json!({"jsonrpc": "2.0", "id": 42, "method": "subscriptions/listen", "params": {
        "_meta": http_support::meta(), "notifications": {"toolsListChanged": true}}});
    let mut res = open_listen(&format!("{base}/mcp"), body).await;
    let mut body = String::new();
    let mut shut = false;
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = res.chunk().await.unwrap() {
            body.push_str(std::str::from_utf8(&chunk).unwrap());
            if !shut && body.contains("acknowledged") {
                shut = true;
                server.shutdown().await;
            }
        }
    })
    .await
    .expect("the stream ends after shutdown");
    let messages = sse_messages(&body);
    let last = messages.last().unwrap();
    assert_eq!(last["id"], 42);
    assert_eq!(last["result"]["resultType"], "complete");
    assert_eq!(
        last["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        42
    );
    server.notifier().announce(Change::ToolsListChanged); // a no-op now, not a panic
}
