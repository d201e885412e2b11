//! Every request the endpoint must refuse gets a precise status and JSON-RPC
//! error, changes nothing, and never brings the server down.

mod http_support;

use ferrymcp::transport::http::HttpOptions;
use http_support::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn endpoint_with(options: HttpOptions) -> String {
    let (server, _) = server().await;
    let app = axum::Router::new().nest("/mcp", server.router_with(options));
    format!("{}/mcp", spawn(app).await)
}

async fn endpoint() -> String {
    endpoint_with(HttpOptions::default()).await
}

fn code(reply: &Reply) -> i64 {
    reply.json()["error"]["code"]
        .as_i64()
        .expect("a JSON-RPC error")
}

const LIST: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#;

#[tokio::test]
async fn legacy_requests_need_a_live_session() {
    let url = endpoint().await;
    let missing = post(&url, &[], LIST).await;
    assert_eq!(missing.status, 400, "{missing:?}");
    assert_eq!(missing.json()["id"], 1);
    let unknown = post(&url, &[("mcp-session-id", "not-a-session")], LIST).await;
    assert_eq!(unknown.status, 404);
    let note = post(
        &url,
        &[],
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    )
    .await;
    assert_eq!(note.status, 400);
    let get = read(
        client()
            .get(&url)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(get.status, 400);
    let delete = read(
        client()
            .delete(&url)
            .header("mcp-session-id", "nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(delete.status, 404);
}

#[tokio::test]
async fn delete_ends_the_session() {
    let url = endpoint().await;
    let (mut s, _) = LegacySession::open(&url, "2025-11-25").await;
    assert_eq!(s.request("ping", json!({})).await.status, 200);
    let deleted = read(
        client()
            .delete(&url)
            .header("mcp-session-id", &s.id)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(s.request("ping", json!({})).await.status, 404);
    let get = read(
        client()
            .get(&url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &s.id)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(get.status, 404);
}

#[tokio::test]
async fn get_opens_the_session_stream_once() {
    let url = endpoint().await;
    let (s, _) = LegacySession::open(&url, "2025-11-25").await;
    let mut stream = client()
        .get(&url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &s.id)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let priming = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&priming).starts_with("id: "));
    let second = read(
        client()
            .get(&url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &s.id)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(second.status, 409);
    let not_sse = read(
        client()
            .get(&url)
            .header("accept", "application/json")
            .header("mcp-session-id", &s.id)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(not_sse.status, 406);
}

#[tokio::test]
async fn legacy_protocol_version_header_is_checked() {
    let url = endpoint().await;
    let (s, _) = LegacySession::open(&url, "2025-06-18").await;
    let bad = post(
        &url,
        &[
            ("mcp-session-id", &s.id),
            ("mcp-protocol-version", "1999-01-01"),
        ],
        LIST,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(code(&bad), -32022);
    let absent = post(&url, &[("mcp-session-id", &s.id)], LIST).await;
    assert_eq!(absent.status, 200, "absent means 2025-03-26: {absent:?}");
}

#[tokio::test]
async fn stateless_headers_must_match_the_body() {
    let url = endpoint().await;
    let call = |name: &str| {
        json!({"jsonrpc": "2.0", "id": 42, "method": "tools/call",
            "params": {"name": name, "arguments": {"a": 1, "b": 2}, "_meta": meta()}})
        .to_string()
    };
    let v = ("mcp-protocol-version", "2026-07-28");
    let m = ("mcp-method", "tools/call");
    let n = ("mcp-name", "add");
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no version header", vec![m, n]),
        (
            "other version header",
            vec![("mcp-protocol-version", "2025-11-25"), m, n],
        ),
        ("no method header", vec![v, n]),
        (
            "other method header",
            vec![v, ("mcp-method", "tools/list"), n],
        ),
        (
            "method case differs",
            vec![v, ("mcp-method", "TOOLS/CALL"), n],
        ),
        ("no name header", vec![v, m]),
        ("other name header", vec![v, m, ("mcp-name", "hang")]),
        ("bad base64 name", vec![v, m, ("mcp-name", "=?base64?@@?=")]),
    ];
    for (what, headers) in cases {
        let reply = post(&url, &headers, call("add")).await;
        assert_eq!(reply.status, 400, "{what}: {reply:?}");
        assert_eq!(code(&reply), -32020, "{what}");
        assert_eq!(
            reply.json()["id"],
            42,
            "{what}: the error carries the request id"
        );
    }
    let ok = post(
        &url,
        &[v, m, ("MCP-NAME", " =?base64?YWRk?= ")],
        call("add"),
    )
    .await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.json()["result"]["structuredContent"]["result"], 3);
    let mut bad_bytes = reqwest::header::HeaderMap::new();
    bad_bytes.insert(
        "mcp-name",
        reqwest::header::HeaderValue::from_bytes(b"add\xff").unwrap(),
    );
    let res = client()
        .post(&url)
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .headers(bad_bytes)
        .body(call("add"))
        .send()
        .await
        .unwrap();
    let reply = read(res).await;
    assert_eq!((reply.status, code(&reply)), (400, -32020));
}

#[tokio::test]
async fn stateless_versions_meta_and_methods_are_checked() {
    let url = endpoint().await;
    let unsupported = post(
        &url,
        &[
            ("mcp-protocol-version", "v999"),
            ("mcp-method", "server/discover"),
        ],
        json!({"jsonrpc": "2.0", "id": 7, "method": "server/discover", "params": {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "v999",
            "io.modelcontextprotocol/clientCapabilities": {}}}})
        .to_string(),
    )
    .await;
    assert_eq!(unsupported.status, 400);
    let error = &unsupported.json()["error"];
    assert_eq!(error["code"], -32022);
    assert_eq!(
        error["data"],
        json!({"supported": ["2026-07-28"], "requested": "v999"})
    );
    assert_eq!(unsupported.json()["id"], 7);

    for params in [
        json!({}),
        json!({"_meta": {"io.modelcontextprotocol/clientCapabilities": {}}}),
        json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}),
        json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": []}}),
    ] {
        let body =
            json!({"jsonrpc": "2.0", "id": 8, "method": "server/discover", "params": params});
        let reply = post(
            &url,
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "server/discover"),
            ],
            body.to_string(),
        )
        .await;
        assert_eq!((reply.status, code(&reply)), (400, -32602), "{params}");
    }

    for method in [
        "initialize",
        "ping",
        "logging/setLevel",
        "resources/subscribe",
        "no/such",
    ] {
        let reply = stateless(&url, 9, method, json!({})).await;
        assert_eq!(reply.status, 404, "{method}");
        assert_eq!(code(&reply), -32601, "{method}");
    }

    let unknown_tool = stateless(&url, 10, "tools/call", json!({"name": "nope"})).await;
    assert_eq!(code(&unknown_tool), -32602);

    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let reply = read(
            client()
                .request(method.clone(), &url)
                .header("mcp-protocol-version", "2026-07-28")
                .header("accept", "text/event-stream")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, 405, "{method}");
    }
}

#[tokio::test]
async fn rebinding_hosts_and_foreign_origins_get_403() {
    let url = endpoint().await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}})
    .to_string();
    let evil_host = post(&url, &[("host", "evil.example.com")], init.clone()).await;
    assert_eq!(evil_host.status, 403, "{evil_host:?}");
    let evil_origin = post(&url, &[("origin", "http://evil.example.com")], init.clone()).await;
    assert_eq!(evil_origin.status, 403);
    let same = url.trim_end_matches("/mcp").to_string();
    let ok = post(&url, &[("origin", &same)], init.clone()).await;
    assert_eq!(ok.status, 200, "{ok:?}");

    let open = endpoint_with(
        HttpOptions::new()
            .allowed_hosts(["mcp.example.com"])
            .allowed_origins(["https://app.example.com"]),
    )
    .await;
    let listed = post(
        &open,
        &[
            ("host", "mcp.example.com"),
            ("origin", "https://app.example.com"),
        ],
        init,
    )
    .await;
    assert_eq!(listed.status, 200, "{listed:?}");
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let url = endpoint_with(HttpOptions::new().max_body_bytes(64)).await;
    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"pad": "x".repeat(100)}});
    let reply = post(&url, &[], big.to_string()).await;
    assert_eq!(reply.status, 413);
}

#[tokio::test]
async fn the_session_cap_and_idle_timeout_end_sessions() {
    let url = endpoint_with(HttpOptions::new().max_sessions(1)).await;
    let (_first, _) = LegacySession::open(&url, "2025-11-25").await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}})
    .to_string();
    let second = post(&url, &[], init.clone()).await;
    assert_eq!(second.status, 503);

    let idle = endpoint_with(HttpOptions::new().session_idle_timeout(Duration::ZERO)).await;
    let opened = post(&idle, &[], init).await;
    let sid = opened.header("mcp-session-id").unwrap().to_string();
    let later = post(&idle, &[("mcp-session-id", &sid)], LIST).await;
    assert_eq!(later.status, 404, "an idle session has ended: {later:?}");
}

#[tokio::test]
async fn bad_input_is_refused_and_the_server_keeps_serving() {
    let url = endpoint().await;
    let bodies: Vec<(&str, u16, Option<i64>)> = vec![
        ("", 400, Some(-32700)),
        ("{", 400, Some(-32700)),
        ("\u{0}\u{1}", 400, Some(-32700)),
        ("null", 400, Some(-32600)),
        ("[]", 400, Some(-32600)),
        ("1e999999", 400, Some(-32700)),
        (
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            400,
            Some(-32600),
        ),
        (
            r#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#,
            400,
            Some(-32600),
        ),
        (
            r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
            400,
            Some(-32600),
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]}"#,
            400,
            Some(-32602),
        ),
        (r#"{"jsonrpc":"2.0","id":1,"method":7}"#, 400, Some(-32600)),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":7}}}"#,
            400,
            None,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":5}}"#,
            200,
            Some(-32602),
        ),
    ];
    for (body, status, error) in bodies {
        let reply = post(&url, &[], body).await;
        assert_eq!(reply.status, status, "{body:?}: {reply:?}");
        if let Some(error) = error {
            assert_eq!(code(&reply), error, "{body:?}");
        }
    }
    let wrong_type = read(
        client()
            .post(&url)
            .header("content-type", "text/plain")
            .body(LIST)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(wrong_type.status, 415);
    let wrong_accept = read(
        client()
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", "text/html")
            .body(LIST)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(wrong_accept.status, 406);
    let put = read(client().put(&url).body("x").send().await.unwrap()).await;
    assert_eq!(put.status, 405);
    let discover = stateless(&url, 1, "server/discover", json!({})).await;
    assert_eq!(discover.status, 200);
    let (mut s, _) = LegacySession::open(&url, "2025-11-25").await;
    let result: Value = s.request("tools/list", json!({})).await.json();
    assert!(result["result"]["tools"].is_array());
}
