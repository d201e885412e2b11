//! Requests are read from their text as sent (no `serde_json::Value` tree is
//! built): whatever JSON a client writes, escapes, repeats, whitespace or
//! values a JSON library cannot hold, the endpoint reads it as a JSON parser
//! would, or refuses it precisely.

mod http_support;

use http_support::*;
use serde_json::{json, Value};

async fn endpoint() -> String {
    let (server, _) = server().await;
    format!("{}/mcp", spawn(server.router_at("/mcp")).await)
}

/// POSTs `body` as is, in an open 2025-11-25 session.
async fn send_text(session: &LegacySession, body: &[u8]) -> Reply {
    let res = client()
        .post(&session.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &session.id)
        .header("mcp-protocol-version", &session.version)
        .body(body.to_vec())
        .send()
        .await
        .expect("the request is sent");
    read(res).await
}

fn sum(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.json()["result"]["structuredContent"]["result"].clone()
}

#[tokio::test]
async fn escapes_repeats_and_whitespace_read_as_json_says() {
    let url = endpoint().await;
    let (session, _) = LegacySession::open(&url, "2025-11-25").await;
    // Escaped names and values: `n\u0061me` is `name`, `tools\/call` is `tools/call`.
    let escaped = br#"{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"n\u0061me":"\u0061dd","arguments":{"\u0061":2,"b":3}}}"#;
    assert_eq!(sum(&send_text(&session, escaped).await), json!(5));
    // A repeated name counts once, with its last value (as in a JSON object map).
    let repeated = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"a":10,"b":1}}}"#;
    assert_eq!(sum(&send_text(&session, repeated).await), json!(11));
    let pretty = b"{\n\t\"jsonrpc\" : \"2.0\" ,\r\n \"id\" : 3 ,\n \"method\" : \"tools/call\",\n \"params\" : {\n  \"name\" : \"add\" , \"arguments\" : { \"a\" : -4 , \"b\" : 1 } ,\n  \"extra\" : [ { } , [ ] , null , true , 1.5e3 , \"\\u00e9\" ]\n }\n}\n";
    let reply = send_text(&session, pretty).await;
    assert_eq!(sum(&reply), json!(-3));
    assert_eq!(reply.json()["id"], 3);
}

#[tokio::test]
async fn values_no_parser_can_hold_are_parse_errors() {
    let url = endpoint().await;
    let (session, _) = LegacySession::open(&url, "2025-11-25").await;
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{{"name":"add","arguments":{{"a":1,"b":2}},"x":{}1{}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let bodies: Vec<Vec<u8>> = vec![
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1e400,"b":2}}}"#.to_vec(),
        br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add\ud800","arguments":{}}}"#.to_vec(),
        b"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"add\xff\"}}".to_vec(),
        deep.into_bytes(),
        br#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}"#.to_vec(),
    ];
    for body in bodies {
        let reply = send_text(&session, &body).await;
        assert_eq!(reply.status, 400, "{reply:?}");
        let error = &reply.json()["error"];
        assert_eq!(error["code"], -32700, "{reply:?}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .starts_with("Parse error: "),
            "{reply:?}"
        );
    }
    // The session still answers.
    let ok = br#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}"#;
    assert_eq!(sum(&send_text(&session, ok).await), json!(3));
}

#[tokio::test]
async fn bad_arguments_are_named_precisely() {
    let url = endpoint().await;
    let (session, _) = LegacySession::open(&url, "2025-11-25").await;
    let not_an_object = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":[1,2]}}"#;
    let reply = send_text(&session, not_an_object).await;
    assert_eq!(
        reply.json()["error"],
        json!({"code": -32602, "message": "Invalid params: `arguments` of tools/call must be an object, got an array"})
    );
    let wrong_type = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":"x","b":2}}}"#;
    let result = &send_text(&session, wrong_type).await.json()["result"];
    assert_eq!(result["isError"], true);
    assert_eq!(
        result["content"][0]["text"],
        "invalid argument `a` (a string): invalid type: string \"x\", expected i64"
    );
    let unknown = br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2,"c":3}}}"#;
    let result = &send_text(&session, unknown).await.json()["result"];
    assert_eq!(
        result["content"][0]["text"],
        "unknown argument `c`: expected `a`, `b`"
    );
    let name_not_a_string =
        br#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":7}}"#;
    assert_eq!(
        send_text(&session, name_not_a_string).await.json()["error"]["message"],
        "Invalid params: `name` of tools/call must be a string, got a number"
    );
}

#[tokio::test]
async fn stateless_meta_is_read_from_the_text() {
    let url = endpoint().await;
    // `_meta` with escaped names and extra members, pretty-printed.
    let body = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\n\"arguments\":{\"a\":20,\"b\":22},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\" : \"2026-07-28\",\n\"io.modelcontextprotocol/client\\u0043apabilities\":{\"sampling\":{}},\"progressToken\":\"p\"}}}";
    let reply = post(
        &url,
        &[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "add"),
        ],
        body,
    )
    .await;
    assert_eq!(sum(&reply), json!(42));
    assert_eq!(reply.json()["result"]["resultType"], "complete");
    // `_meta` that is not an object is refused before anything runs.
    let bad = r#"{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"add","arguments":{},"_meta":[]}}"#;
    let reply = post(
        &url,
        &[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "add"),
        ],
        bad,
    )
    .await;
    assert_eq!(reply.json()["error"]["code"], -32602, "{reply:?}");
}
