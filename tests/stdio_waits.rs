//! Requests that wait never stop a stdio server's reader: a child process
//! spoken to over its real stdin and stdout, whose prompt, resource and
//! completion ask the client (the answer must be read while they wait), whose
//! `tasks/result` waits for a task (a `ping` must be answered meanwhile), and
//! whose waiting calls can be cancelled.

use ferrymcp_tests::stdio::StdioPeer;
use serde_json::{json, Value};
use std::path::PathBuf;

fn asking_server() -> StdioPeer {
    StdioPeer::spawn(&PathBuf::from(env!("CARGO_BIN_EXE_stdio_asking")))
}

/// A 2025-11-25 session of a client that answers forms.
async fn session() -> StdioPeer {
    let mut peer = asking_server();
    peer.send(json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "stdio-waits", "version": "1"}}
    }))
    .await;
    let (init, _) = peer.response_to(0).await;
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
    peer.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    peer
}

/// Reads the server's next message, which must be a question to the client.
async fn question(peer: &mut StdioPeer, message: &str) -> Value {
    let asked = peer.recv().await;
    assert_eq!(asked["method"], "elicitation/create", "{asked}");
    assert_eq!(asked["params"]["message"], message, "{asked}");
    asked
}

/// Answers `asked` with the topic `topic`.
async fn answer(peer: &mut StdioPeer, asked: &Value, topic: &str) {
    peer.send(json!({"jsonrpc": "2.0", "id": asked["id"],
        "result": {"action": "accept", "content": {"topic": topic}}}))
        .await;
}

#[tokio::test]
async fn a_prompt_that_asks_gets_the_answer() {
    let mut peer = session().await;
    peer.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": "essay"}}),
    )
    .await;
    let asked = question(&mut peer, "Which topic?").await;
    answer(&mut peer, &asked, "tides").await;
    let (got, _) = peer.response_to(1).await;
    assert_eq!(
        got["result"]["messages"][0]["content"]["text"], "Write an essay on tides",
        "{got}"
    );
    assert!(peer.close().await, "the server exits when stdin closes");
}

#[tokio::test]
async fn a_resource_that_asks_gets_the_answer() {
    let mut peer = session().await;
    peer.send(json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "notes://chosen"}}))
        .await;
    let asked = question(&mut peer, "Which note?").await;
    answer(&mut peer, &asked, "moths").await;
    let (got, _) = peer.response_to(1).await;
    assert_eq!(
        got["result"]["contents"][0]["text"], "the note on moths",
        "{got}"
    );
}

#[tokio::test]
async fn a_completion_that_asks_gets_the_answer() {
    let mut peer = session().await;
    peer.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "completion/complete", "params": {
        "ref": {"type": "ref/prompt", "name": "about"},
        "argument": {"name": "subject", "value": "ga"}}}),
    )
    .await;
    let asked = question(&mut peer, "Suggest a subject").await;
    answer(&mut peer, &asked, "gannets").await;
    let (got, _) = peer.response_to(1).await;
    assert_eq!(
        got["result"]["completion"]["values"],
        json!(["gannets"]),
        "{got}"
    );
}

#[tokio::test]
async fn questions_of_several_waiting_requests_are_answered_in_any_order() {
    let mut peer = session().await;
    peer.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": "essay"}}),
    )
    .await;
    let first = question(&mut peer, "Which topic?").await;
    peer.send(json!({"jsonrpc": "2.0", "id": 2, "method": "resources/read", "params": {"uri": "notes://chosen"}}))
        .await;
    let second = question(&mut peer, "Which note?").await;
    answer(&mut peer, &second, "moths").await;
    let (read, before) = peer.response_to(2).await;
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(read["result"]["contents"][0]["text"], "the note on moths");
    answer(&mut peer, &first, "tides").await;
    let (prompt, _) = peer.response_to(1).await;
    assert_eq!(
        prompt["result"]["messages"][0]["content"]["text"],
        "Write an essay on tides"
    );
}

#[tokio::test]
async fn ping_is_answered_while_tasks_result_waits() {
    let mut peer = session().await;
    peer.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "until_cancelled", "arguments": {}, "task": {"ttl": 60000}}}))
        .await;
    let (created, _) = peer.response_to(1).await;
    let task = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("a task: {created}"))
        .to_owned();
    peer.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tasks/result", "params": {"taskId": task}}),
    )
    .await;
    peer.send(json!({"jsonrpc": "2.0", "id": 3, "method": "ping"}))
        .await;
    let (pong, before) = peer.response_to(3).await;
    assert_eq!(pong["result"], json!({}), "{pong}");
    assert!(
        before.iter().all(|m| m["id"] != 2),
        "tasks/result still waits: {before:?}"
    );
    // Cancelling the task ends the wait.
    peer.send(
        json!({"jsonrpc": "2.0", "id": 4, "method": "tasks/cancel", "params": {"taskId": task}}),
    )
    .await;
    // The two responses come in either order: the cancel wakes the wait.
    let (cancelled, before) = peer.response_to(4).await;
    assert_eq!(cancelled["result"]["status"], "cancelled", "{cancelled}");
    let result = match before.into_iter().find(|m| m["id"] == 2) {
        Some(result) => result,
        None => peer.response_to(2).await.0,
    };
    assert!(
        result.get("result").is_some() || result.get("error").is_some(),
        "{result}"
    );
}

#[tokio::test]
async fn a_cancellation_reaches_a_call_waiting_for_the_client() {
    let mut peer = session().await;
    peer.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": "held"}}),
    )
    .await;
    let asked = question(&mut peer, "Hold on").await;
    peer.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 1, "reason": "the user gave up"}}),
    )
    .await;
    // Returns once the waiting prompt was dropped.
    peer.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "dropped_waits", "arguments": {"count": 1}}}))
        .await;
    let (dropped, before) = peer.response_to(2).await;
    assert_eq!(
        dropped["result"]["content"][0]["text"], "1 dropped",
        "{dropped}"
    );
    // A late answer is harmless, and the cancelled request gets no response.
    answer(&mut peer, &asked, "too late").await;
    peer.send(json!({"jsonrpc": "2.0", "id": 3, "method": "ping"}))
        .await;
    let (pong, after) = peer.response_to(3).await;
    assert_eq!(pong["result"], json!({}));
    let stray: Vec<&Value> = before.iter().chain(&after).collect();
    assert!(stray.iter().all(|m| m["id"] != 1), "{stray:?}");
}

#[tokio::test]
async fn a_request_id_in_use_is_refused() {
    let mut peer = session().await;
    peer.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": "essay"}}),
    )
    .await;
    let asked = question(&mut peer, "Which topic?").await;
    peer.send(json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "notes://chosen"}}))
        .await;
    let refused = peer.recv().await;
    assert_eq!(refused["id"], 1, "{refused}");
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already in use"),
        "{refused}"
    );
    answer(&mut peer, &asked, "tides").await;
    let (got, _) = peer.response_to(1).await;
    assert_eq!(
        got["result"]["messages"][0]["content"]["text"],
        "Write an essay on tides"
    );
    // Once answered, the id is free again.
    peer.send(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .await;
    let (pong, _) = peer.response_to(1).await;
    assert_eq!(pong["result"], json!({}));
}

#[tokio::test]
async fn requests_beyond_the_limit_are_refused_and_the_reader_goes_on() {
    let limit = ferrymcp::transport::MAX_CONCURRENT_REQUESTS as i64;
    let mut peer = session().await;
    for id in 1..=limit {
        peer.send(json!({"jsonrpc": "2.0", "id": id, "method": "prompts/get", "params": {"name": "essay"}}))
            .await;
    }
    let mut asked = Vec::new();
    for _ in 1..=limit {
        asked.push(question(&mut peer, "Which topic?").await);
    }
    peer.send(json!({"jsonrpc": "2.0", "id": limit + 1, "method": "resources/read", "params": {"uri": "notes://chosen"}}))
        .await;
    let (refused, _) = peer.response_to(limit + 1).await;
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already running"),
        "{refused}"
    );
    // Answers are still read; each answered request makes room.
    // The questions came in the order the requests ran, not their ids'.
    answer(&mut peer, &asked[0], "tides").await;
    let first = peer.recv().await;
    assert!(first.get("method").is_none(), "a response: {first}");
    assert_eq!(
        first["result"]["messages"][0]["content"]["text"], "Write an essay on tides",
        "{first}"
    );
    peer.send(json!({"jsonrpc": "2.0", "id": limit + 2, "method": "resources/read", "params": {"uri": "notes://chosen"}}))
        .await;
    question(&mut peer, "Which note?").await;
}

#[tokio::test]
async fn end_of_input_ends_a_question_nobody_will_answer_and_the_server_exits() {
    let mut peer = session().await;
    peer.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": "essay"}}),
    )
    .await;
    question(&mut peer, "Which topic?").await;
    // The client goes away without answering.
    peer.close_stdin();
    let (got, _) = peer.response_to(1).await;
    let error = got["error"]["message"].as_str().unwrap_or_default();
    assert!(
        error.contains("the session ended before the client answered"),
        "the waiting call ends and says why: {got}"
    );
    assert!(peer.close().await, "the server exits when stdin closes");
}
