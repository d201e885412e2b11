//! SEP-2243 header parameters and hand-written input schemas, over a real
//! socket: a 2026-07-28 `tools/call` must mirror every `#[arg(header = "..")]`
//! argument it sends into its `Mcp-Param-*` header (strict Base64 for
//! `=?base64?...?=`, literal otherwise), or get 400 with -32020; and a
//! `#[tool(input_schema = ..)]` schema reaches `tools/list` verbatim.
//!
//! The tools are the conformance fixtures of the everything server
//! (`examples/everything/src/headers.rs`), so what is tested here is what the
//! official suite drives. The schema test is `#[ignore]`d without
//! `MCP_SPEC_DIR` (`.ci/run` sets it).

mod http_support;

#[path = "../examples/everything/src/headers.rs"]
mod fixtures;

use ferrymcp::prelude::*;
use ferrymcp_tests::spec::Spec;
use fixtures::*;
use http_support::{meta, post, spawn, stateless, LegacySession, Reply};
use serde_json::{json, Value};

async fn endpoint() -> String {
    let server = Server::builder("param-headers")
        .tools(tools![
            http_support::add,
            test_custom_headers,
            json_schema_2020_12_tool
        ])
        .build()
        .await
        .expect("the server builds");
    format!(
        "{}/mcp",
        spawn(axum::Router::new().nest("/mcp", server.router())).await
    )
}

/// A 2026-07-28 `tools/call` with the routing headers and `extra` headers.
async fn call(url: &str, id: i64, tool: &str, arguments: Value, extra: &[(&str, &str)]) -> Reply {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments, "_meta": meta()}});
    let mut headers = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", tool),
    ];
    headers.extend_from_slice(extra);
    post(url, &headers, body.to_string()).await
}

/// The text of a successful call.
fn accepted(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{reply:?}");
    let message = reply.json();
    assert!(message.get("error").is_none(), "{message}");
    assert_ne!(message["result"]["isError"], true, "{message}");
    message["result"]["content"][0]["text"]
        .as_str()
        .expect("a text result")
        .to_owned()
}

/// A refusal: 400, -32020, the request's id; returns the message.
fn refused(reply: &Reply, id: i64) -> String {
    assert_eq!(reply.status, 400, "{reply:?}");
    let message = reply.json();
    assert_eq!(message["id"], id, "{message}");
    assert_eq!(message["error"]["code"], -32020, "{message}");
    message["error"]["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_base64_header_is_decoded_and_compared() {
    let url = endpoint().await;
    let reply = call(
        &url,
        200,
        "test_custom_headers",
        json!({"region": "Hello"}),
        &[("Mcp-Param-Region", "=?base64?SGVsbG8=?=")],
    )
    .await;
    assert_eq!(
        accepted(&reply),
        "region=Hello priority=(none) verbose=(none)"
    );
    let padded = call(
        &url,
        201,
        "test_custom_headers",
        json!({"region": " padded "}),
        &[("Mcp-Param-Region", "=?base64?IHBhZGRlZCA=?=")],
    )
    .await;
    assert_eq!(
        accepted(&padded),
        "region= padded  priority=(none) verbose=(none)"
    );
}

#[tokio::test]
async fn base64_without_padding_is_refused() {
    let url = endpoint().await;
    let reply = call(
        &url,
        201,
        "test_custom_headers",
        json!({"region": "Hello"}),
        &[("Mcp-Param-Region", "=?base64?SGVsbG8?=")],
    )
    .await;
    let message = refused(&reply, 201);
    assert!(
        message.contains("Mcp-Param-Region") && message.contains("not valid Base64"),
        "{message}"
    );
}

#[tokio::test]
async fn base64_with_foreign_characters_is_refused() {
    let url = endpoint().await;
    let reply = call(
        &url,
        202,
        "test_custom_headers",
        json!({"region": "Hello"}),
        &[("Mcp-Param-Region", "=?base64?SGVs!!!bG8=?=")],
    )
    .await;
    refused(&reply, 202);
}

#[tokio::test]
async fn a_value_without_the_exact_wrapper_is_literal() {
    let url = endpoint().await;
    for (id, value) in [
        (203, "SGVsbG8="),
        (204, "=?base64?SGVsbG8="),
        (205, "us-west1"),
    ] {
        let reply = call(
            &url,
            id,
            "test_custom_headers",
            json!({"region": value}),
            &[("Mcp-Param-Region", value)],
        )
        .await;
        assert_eq!(
            accepted(&reply),
            format!("region={value} priority=(none) verbose=(none)")
        );
    }
    // Spaces and tabs around a literal value are not part of it.
    let padded = call(
        &url,
        206,
        "test_custom_headers",
        json!({"region": "us-west1"}),
        &[("Mcp-Param-Region", "  us-west1\t")],
    )
    .await;
    accepted(&padded);
    let different = call(
        &url,
        207,
        "test_custom_headers",
        json!({"region": "us-west1"}),
        &[("Mcp-Param-Region", "us-east1")],
    )
    .await;
    let message = refused(&different, 207);
    assert_eq!(
        message,
        "Header mismatch: Mcp-Param-Region header value 'us-east1' does not match body value 'us-west1' of argument `region`"
    );
}

#[tokio::test]
async fn a_missing_header_is_refused_and_an_absent_argument_needs_none() {
    let url = endpoint().await;
    let reply = call(
        &url,
        205,
        "test_custom_headers",
        json!({"region": "test-value"}),
        &[],
    )
    .await;
    let message = refused(&reply, 205);
    assert_eq!(
        message,
        "Header mismatch: the Mcp-Param-Region header is required: it mirrors argument `region`, which is in the body"
    );
    // `priority` and `verbose` are left out or null: no header is expected.
    let reply = call(
        &url,
        206,
        "test_custom_headers",
        json!({"region": "eu", "verbose": null}),
        &[("Mcp-Param-Region", "eu")],
    )
    .await;
    accepted(&reply);
    // No header makes up for a missing required argument: the tool says so.
    let reply = call(&url, 207, "test_custom_headers", json!({}), &[]).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["result"]["isError"], true);
}

#[tokio::test]
async fn integers_and_booleans_are_mirrored_as_text() {
    let url = endpoint().await;
    let reply = call(
        &url,
        210,
        "test_custom_headers",
        json!({"region": "eu", "priority": 42, "verbose": true}),
        &[
            ("Mcp-Param-Region", "eu"),
            ("mcp-param-priority", "42"),
            ("MCP-PARAM-VERBOSE", "true"),
        ],
    )
    .await;
    assert_eq!(accepted(&reply), "region=eu priority=42 verbose=true");
    let reply = call(
        &url,
        211,
        "test_custom_headers",
        json!({"region": "eu", "priority": -3, "verbose": false}),
        &[
            ("Mcp-Param-Region", "eu"),
            ("Mcp-Param-Priority", "=?base64?LTM=?="),
            ("Mcp-Param-Verbose", "false"),
        ],
    )
    .await;
    assert_eq!(accepted(&reply), "region=eu priority=-3 verbose=false");
    for (id, priority, verbose) in [(212, "41", "true"), (213, "42", "True"), (214, "42", "1")] {
        let reply = call(
            &url,
            id,
            "test_custom_headers",
            json!({"region": "eu", "priority": 42, "verbose": true}),
            &[
                ("Mcp-Param-Region", "eu"),
                ("Mcp-Param-Priority", priority),
                ("Mcp-Param-Verbose", verbose),
            ],
        )
        .await;
        refused(&reply, id);
    }
    let missing = call(
        &url,
        215,
        "test_custom_headers",
        json!({"region": "eu", "priority": 1}),
        &[("Mcp-Param-Region", "eu")],
    )
    .await;
    assert!(refused(&missing, 215).contains("Mcp-Param-Priority"));
}

#[tokio::test]
async fn a_tool_without_header_parameters_is_not_affected() {
    let url = endpoint().await;
    let reply = call(
        &url,
        220,
        "add",
        json!({"a": 2, "b": 3}),
        &[("Mcp-Param-Region", "=?base64?!!?=")],
    )
    .await;
    assert_eq!(accepted(&reply), "5");
}

#[tokio::test]
async fn session_revisions_do_not_mirror_parameters() {
    let url = endpoint().await;
    let (mut session, _) = LegacySession::open(&url, "2025-11-25").await;
    let reply = session
        .request(
            "tools/call",
            json!({"name": "test_custom_headers", "arguments": {"region": "eu"}}),
        )
        .await;
    assert_eq!(
        reply.json()["result"]["content"][0]["text"],
        "region=eu priority=(none) verbose=(none)"
    );
}

fn listed(list: &Reply, name: &str) -> Value {
    let tools = list.json()["result"]["tools"].clone();
    tools
        .as_array()
        .expect("a tool list")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("{name} is listed: {tools}"))
        .clone()
}

#[tokio::test]
async fn the_schema_announces_each_header() {
    let url = endpoint().await;
    let list = stateless(&url, 1, "tools/list", json!({})).await;
    let schema = listed(&list, "test_custom_headers")["inputSchema"].clone();
    assert_eq!(
        schema["properties"]["region"],
        json!({"type": "string", "x-mcp-header": "Region",
            "description": "The region to route to, mirrored into `Mcp-Param-Region`."})
    );
    assert_eq!(schema["properties"]["priority"]["x-mcp-header"], "Priority");
    assert_eq!(schema["properties"]["verbose"]["x-mcp-header"], "Verbose");
    assert_eq!(schema["required"], json!(["region"]));
    let add = listed(&list, "add")["inputSchema"].clone();
    assert!(!add.to_string().contains("x-mcp-header"), "{add}");
}

#[tokio::test]
async fn a_hand_written_schema_is_listed_verbatim() {
    let url = endpoint().await;
    let list = stateless(&url, 1, "tools/list", json!({})).await;
    let tool = listed(&list, "json_schema_2020_12_tool");
    assert_eq!(
        tool["description"],
        "Tool with JSON Schema 2020-12 features"
    );
    assert_eq!(tool["inputSchema"], json_schema_2020_12_input());
    assert_eq!(
        tool["inputSchema"]["$defs"]["address"]["$anchor"],
        "addressDef"
    );
    // The arguments are still read from the function's parameters.
    let reply = call(
        &url,
        2,
        "json_schema_2020_12_tool",
        json!({"name": "Ada", "address": {"city": "London"},
            "contactMethod": "phone", "phone": "555"}),
        &[],
    )
    .await;
    assert_eq!(
        accepted(&reply),
        "Would contact Ada in London by phone at 555."
    );
    let unknown = call(
        &url,
        3,
        "json_schema_2020_12_tool",
        json!({"fax": "1"}),
        &[],
    )
    .await;
    assert_eq!(unknown.json()["result"]["isError"], true, "{unknown:?}");
}

#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official MCP schemas); .ci/run sets it"]
async fn the_messages_match_the_official_schema() {
    let url = endpoint().await;
    let spec = Spec::load("2026-07-28");
    let list = stateless(&url, 1, "tools/list", json!({})).await.json();
    spec.check("ListToolsResult", &list["result"]);
    spec.check("ListToolsResultResponse", &list);
    let refusal = call(
        &url,
        2,
        "test_custom_headers",
        json!({"region": "Hello"}),
        &[("Mcp-Param-Region", "=?base64?SGVsbG8?=")],
    )
    .await
    .json();
    spec.check("HeaderMismatchError", &refusal);
    let ok = call(
        &url,
        3,
        "test_custom_headers",
        json!({"region": "Hello"}),
        &[("Mcp-Param-Region", "Hello")],
    )
    .await
    .json();
    spec.check("CallToolResultResponse", &ok);
}
