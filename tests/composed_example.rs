//! The `composed` example as its README runs it: two servers mounted into one
//! (each tool with its own server's lifespan, a mounted task tool run in the
//! worker), a tool switched on at run time, and the per-subject rate limit,
//! over a real socket against the example's binary.

mod http_support;

use ferrymcp_tests::stdio::example_binary;
use http_support::{post, stateless};
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// Turns a hang into a failure; not a timing assertion.
const LIMIT: Duration = Duration::from_secs(60);

fn tool_names(list: &Value) -> Vec<String> {
    list["result"]["tools"]
        .as_array()
        .expect("a tools/list result")
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_composed_example_mounts_two_servers_switches_a_tool_on_and_limits_calls() {
    let mut child = Command::new(example_binary("composed"))
        .args(["--bind", "127.0.0.1:0", "--calls-per-minute", "8"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the example starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(LIMIT, lines.next_line())
        .await
        .expect("the example prints its URL")
        .unwrap()
        .expect("a URL line");

    let listed = stateless(&url, 1, "tools/list", json!({})).await.json();
    assert_eq!(
        tool_names(&listed),
        ["unlock_beta", "math_add", "math_divide", "text_word_count"]
    );
    // Call 1: the math server's lifespan rounds to two decimals.
    let sum = stateless(
        &url,
        2,
        "tools/call",
        json!({"name": "math_add", "arguments": {"a": 1.234, "b": 1}}),
    )
    .await
    .json();
    assert_eq!(sum["result"]["structuredContent"]["result"], 2.23, "{sum}");
    // Call 2: beta_search is off, so it is unknown.
    let off = stateless(
        &url,
        3,
        "tools/call",
        json!({"name": "beta_search", "arguments": {"query": "q"}}),
    )
    .await
    .json();
    assert_eq!(
        off["error"]["message"], "Unknown tool: `beta_search`",
        "{off}"
    );
    // Call 3 switches it on; call 4 reaches it.
    let unlock = stateless(
        &url,
        4,
        "tools/call",
        json!({"name": "unlock_beta", "arguments": {}}),
    )
    .await
    .json();
    assert_eq!(
        unlock["result"]["content"][0]["text"], "beta_search is on",
        "{unlock}"
    );
    let listed = stateless(&url, 5, "tools/list", json!({})).await.json();
    assert!(
        tool_names(&listed).contains(&"beta_search".to_string()),
        "{listed}"
    );
    let on = stateless(
        &url,
        6,
        "tools/call",
        json!({"name": "beta_search", "arguments": {"query": "q"}}),
    )
    .await
    .json();
    assert_eq!(
        on["result"]["content"][0]["text"], "beta results for \"q\"",
        "{on}"
    );

    // Call 5: the text server's task tool, as a 2025-11-25 task: the worker
    // sees the text server's lifespan (words of at least 2 characters).
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "composed-test", "version": "0"}}});
    let reply = post(&url, &[], init.to_string()).await;
    let session = reply.header("mcp-session-id").unwrap().to_owned();
    let headers = [
        ("mcp-session-id", session.as_str()),
        ("mcp-protocol-version", "2025-11-25"),
    ];
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "text_word_count", "arguments": {"text": "a bb ccc d"}, "task": {"ttl": 60000}}});
    let created = post(&url, &headers, call.to_string()).await.json();
    let task_id = created["result"]["task"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    let result =
        json!({"jsonrpc": "2.0", "id": 2, "method": "tasks/result", "params": {"taskId": task_id}});
    let result = post(&url, &headers, result.to_string()).await.json();
    assert_eq!(
        result["result"]["structuredContent"]["result"], 2,
        "{result}"
    );

    // Calls 6 to 8 pass; the 9th in the minute is refused.
    for id in 7..10 {
        let reply = stateless(
            &url,
            id,
            "tools/call",
            json!({"name": "math_add", "arguments": {"a": 1, "b": 1}}),
        )
        .await
        .json();
        assert_eq!(
            reply["result"]["structuredContent"]["result"], 2.0,
            "{reply}"
        );
    }
    let refused = stateless(
        &url,
        10,
        "tools/call",
        json!({"name": "math_add", "arguments": {"a": 1, "b": 1}}),
    )
    .await
    .json();
    assert_eq!(refused["error"]["code"], -32029, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Rate limit: `anonymous` made 8 tool calls in the last 60s"),
        "{message}"
    );
    child.kill().await.ok();
}
