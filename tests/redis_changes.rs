//! Change announcements across processes over a real Redis: what one server
//! announces, the clients of another server (sharing the Redis) hear once;
//! the relay survives a Redis restart.

#[path = "redis_support/mod.rs"]
mod redis_support;

use ferrymcp::call::Change;
use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisChangeRelay, RedisConfig};
use ferrymcp::{resource, resources, Client};
use redis_support::{serial, Redis, LIMIT};
use serde_json::{json, Value};
use std::time::Duration;

/// A watched resource.
#[resource(uri = "test://watched", mime_type = "text/plain")]
async fn watched() -> String {
    "now".into()
}

/// Announces that the tool list changed.
#[tool]
async fn announce(ctx: Ctx) -> String {
    ctx.notifier().announce(Change::ToolsListChanged);
    "announced".into()
}

async fn node(redis: &Redis) -> Server {
    let config = RedisConfig::new(redis.url()).prefix("changes-test");
    Server::builder("node")
        .tools(tools![announce])
        .resources(resources![watched])
        .change_relay(RedisChangeRelay::new(&config).unwrap())
        .build()
        .await
        .unwrap()
}

async fn subscribed_client(server: &Server) -> Client {
    let client = Client::connect(server).await.unwrap();
    client
        .request("resources/subscribe", json!({"uri": "test://watched"}))
        .await
        .unwrap();
    client
}

/// The next notification, or `None` after `wait`.
async fn next_within(client: &Client, wait: Duration) -> Option<Value> {
    tokio::time::timeout(wait, client.next_notification())
        .await
        .ok()
        .flatten()
}

/// Announces on `from` until `to` hears it (a subscription being set up, or
/// re-established after a restart, misses what is published meanwhile).
async fn until_heard(from: &Server, to: &Client, change: Change) -> Value {
    let start = std::time::Instant::now();
    loop {
        from.notifier().announce(change.clone());
        if let Some(heard) = next_within(to, Duration::from_millis(200)).await {
            return heard;
        }
        assert!(
            start.elapsed() < LIMIT,
            "the other node never heard {change:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_announced_on_one_node_reaches_the_clients_of_another_once() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let a = node(&redis).await;
    let b = node(&redis).await;
    let on_a = subscribed_client(&a).await;
    let on_b = subscribed_client(&b).await;

    let heard = until_heard(&a, &on_b, Change::ResourceUpdated("test://watched".into())).await;
    assert_eq!(heard["method"], "notifications/resources/updated");
    assert_eq!(heard["params"]["uri"], "test://watched");
    // Node A's own client heard each announcement once (no echo from Redis).
    let mut on_a_count = 0;
    while let Some(n) = next_within(&on_a, Duration::from_millis(300)).await {
        assert_eq!(n["method"], "notifications/resources/updated");
        on_a_count += 1;
    }
    assert!(on_a_count >= 1);
    while next_within(&on_b, Duration::from_millis(300))
        .await
        .is_some()
    {}

    // A tool on node B announces; node A's client hears it exactly once.
    on_b.call_tool("announce", json!({})).await.unwrap();
    let from_b = next_within(&on_a, LIMIT)
        .await
        .expect("node A hears node B");
    assert_eq!(from_b["method"], "notifications/tools/list_changed");
    assert_eq!(
        next_within(&on_a, Duration::from_millis(500)).await,
        None,
        "heard once"
    );
    // And node B's own client once: its relay ignores its own messages.
    let own = next_within(&on_b, LIMIT)
        .await
        .expect("node B's client hears it");
    assert_eq!(own["method"], "notifications/tools/list_changed");
    assert_eq!(
        next_within(&on_b, Duration::from_millis(500)).await,
        None,
        "no echo through Redis"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_hears_again_after_redis_restarts() {
    let _serial = serial().await;
    let mut redis = Redis::start(false);
    let a = node(&redis).await;
    let b = node(&redis).await;
    let on_b = subscribed_client(&b).await;
    until_heard(&a, &on_b, Change::ToolsListChanged).await;

    redis.kill();
    // Announcing while Redis is down reaches only the local clients, and never blocks.
    a.notifier().announce(Change::ToolsListChanged);
    redis.restart();
    let heard = until_heard(&a, &on_b, Change::PromptsListChanged).await;
    assert_eq!(heard["method"], "notifications/prompts/list_changed");
}
