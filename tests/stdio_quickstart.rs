//! The quickstart example as a client meets it: a child process spoken to over
//! its real stdin and stdout.

use ferrymcp_tests::spec::Spec;
use ferrymcp_tests::stdio::{example_binary, StdioPeer};
use serde_json::{json, Value};

async fn quickstart() -> StdioPeer {
    StdioPeer::spawn(&example_binary("quickstart"))
}

#[tokio::test]
async fn lists_and_calls_tools_over_stdio() {
    let mut peer = quickstart().await;
    let init = peer.initialize("2025-11-25").await;
    assert_eq!(init["result"]["serverInfo"]["name"], "quickstart");
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");

    peer.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await;
    let (list, _) = peer.response_to(1).await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["add", "greet", "stats", "divide", "countdown", "uptime"]
    );

    peer.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 20, "b": 22}}})).await;
    let (sum, _) = peer.response_to(2).await;
    assert_eq!(sum["result"]["structuredContent"], json!({"result": 42}));

    peer.send(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "divide", "arguments": {"a": 1, "b": 0}}})).await;
    let (div, _) = peer.response_to(3).await;
    assert_eq!(div["result"]["isError"], true);
    assert_eq!(div["result"]["content"][0]["text"], "cannot divide by zero");

    peer.send(json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "stats", "arguments": {"values": [1, 2, 6]}}})).await;
    let (stats, _) = peer.response_to(4).await;
    assert_eq!(
        stats["result"]["structuredContent"],
        json!({"count": 3, "mean": 3.0, "min": 1.0, "max": 6.0})
    );
    assert!(
        peer.close().await,
        "the server exits cleanly when stdin closes"
    );
}

#[tokio::test]
async fn progress_and_logs_arrive_before_the_result() {
    let mut peer = quickstart().await;
    peer.initialize("2025-06-18").await;
    peer.send(json!({
        "jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "countdown", "arguments": {"steps": 3, "interval_ms": 1}, "_meta": {"progressToken": "cd"}}
    }))
    .await;
    let (result, notes) = peer.response_to(7).await;
    assert_eq!(result["result"]["content"][0]["text"], "counted 3 steps");
    let methods: Vec<&str> = notes
        .iter()
        .map(|n| n["method"].as_str().unwrap())
        .collect();
    assert_eq!(
        methods,
        [
            "notifications/message",
            "notifications/progress",
            "notifications/progress",
            "notifications/progress"
        ]
    );
    assert_eq!(
        notes[3]["params"],
        json!({"progressToken": "cd", "progress": 3.0, "total": 3.0, "message": "step 3"})
    );
}

#[tokio::test]
async fn a_cancelled_call_stops_and_later_requests_are_answered() {
    let mut peer = quickstart().await;
    peer.initialize("2025-11-25").await;
    peer.send(json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "countdown", "arguments": {"steps": 100, "interval_ms": 1000}, "_meta": {"progressToken": 1}}
    }))
    .await;
    // The first log line shows the call is running.
    let first = peer.recv().await;
    assert_eq!(first["method"], "notifications/message");
    peer.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}}),
    )
    .await;
    peer.send(json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}))
        .await;
    let (pong, notes) = peer.response_to(2).await;
    assert_eq!(pong["result"], json!({}));
    assert!(
        notes.iter().all(|n| n.get("id").is_none()),
        "no response to the cancelled call: {notes:?}"
    );
    // Closing stdin must not wait for the cancelled call's 100 seconds.
    assert!(peer.close().await);
}

#[tokio::test]
async fn bad_lines_get_precise_errors_and_the_session_goes_on() {
    let mut peer = quickstart().await;
    peer.send_line("this is not json").await;
    let e = peer.recv().await;
    assert_eq!(e["error"]["code"], -32700);
    assert_eq!(e["id"], Value::Null);
    peer.send_line(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .await;
    let e = peer.recv().await;
    assert_eq!(
        (e["error"]["code"].as_i64(), &e["id"]),
        (Some(-32600), &json!(1))
    );
    peer.send_line("").await;
    peer.send_line(
        r#"{"jsonrpc":"2.0","id":"z","method":"initialize","params":{"protocolVersion":42}}"#,
    )
    .await;
    let e = peer.recv().await;
    assert_eq!(e["error"]["code"], -32602);
    let init = peer.initialize("2025-11-25").await;
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    peer.send(json!({"jsonrpc": "2.0", "id": 3, "method": "nope/nope"}))
        .await;
    let (e, _) = peer.response_to(3).await;
    assert_eq!(e["error"]["code"], -32601);
    assert!(peer.close().await);
}

#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official MCP schemas); .ci/run sets it"]
async fn stdio_messages_match_the_official_schemas() {
    for revision in ["2025-06-18", "2025-11-25"] {
        let spec = Spec::load(revision);
        let mut peer = quickstart().await;
        let init = peer.initialize(revision).await;
        spec.check("JSONRPCResponse", &init);
        spec.check("InitializeResult", &init["result"]);
        peer.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
            .await;
        let (list, _) = peer.response_to(1).await;
        spec.check("ListToolsResult", &list["result"]);
        peer.send(json!({
            "jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "countdown", "arguments": {"steps": 2, "interval_ms": 1}, "_meta": {"progressToken": "x"}}
        }))
        .await;
        let (result, notes) = peer.response_to(2).await;
        spec.check("CallToolResult", &result["result"]);
        for note in &notes {
            spec.check("JSONRPCNotification", note);
        }
        assert!(peer.close().await);
    }
}
