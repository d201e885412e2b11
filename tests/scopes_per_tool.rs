//! `#[tool(scopes = [..])]`: a caller whose token lacks a tool's scopes cannot
//! call it, and with `hide_unauthorized_tools` does not even see it. (Over
//! HTTP the transport answers 403 first; this is what stdio and in-process
//! callers see.)

use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
use ferrymcp::call::NoOutbound;
use ferrymcp::prelude::*;
use ferrymcp::protocol::{Request, RequestId};
use ferrymcp::Session;
use serde_json::{json, Value};
use std::sync::Arc;

/// Reads the repository.
#[tool(scopes = ["repo:read"])]
async fn read_repo(token: Option<AccessToken>) -> String {
    format!(
        "read by {}",
        token
            .and_then(|t| t.subject().map(String::from))
            .unwrap_or_default()
    )
}

/// Rewrites the repository.
#[tool(scopes = ["repo:read", "repo:write"])]
async fn write_repo() -> String {
    "written".into()
}

/// Open to everyone.
#[tool]
async fn public() -> String {
    "public".into()
}

fn auth(hide: bool) -> AuthConfig {
    AuthConfig::builder(StaticTokenVerifier::new().token(
        "dev-token",
        AccessToken::builder().subject("dev").scopes(["repo:read"]),
    ))
    .resource("http://127.0.0.1:8000/mcp")
    .authorization_server("http://127.0.0.1:9000")
    .hide_unauthorized_tools(hide)
    .build()
    .unwrap()
}

async fn session(hide: bool) -> Session {
    let server = Server::builder("scoped")
        .auth(auth(hide))
        .tools(tools![read_repo, write_repo, public])
        .build()
        .await
        .unwrap();
    let session = server.session(Arc::new(NoOutbound));
    session
        .handle_bytes(br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}"#)
        .await
        .unwrap();
    session
}

async fn send(session: &Session, method: &str, params: Value, token: Option<AccessToken>) -> Value {
    let mut extensions = http::Extensions::new();
    if let Some(token) = token {
        extensions.insert(token);
    }
    let request = Request {
        id: RequestId::Number(1),
        method: method.into(),
        params: params.as_object().cloned().map(Into::into),
    };
    session
        .handle_request(request, Arc::new(NoOutbound), extensions)
        .await
        .unwrap()
}

fn reader() -> AccessToken {
    AccessToken::builder()
        .subject("ada")
        .scopes(["repo:read"])
        .build()
}

#[tokio::test]
async fn a_token_with_the_scopes_calls_the_tool() {
    let s = session(false).await;
    let r = send(
        &s,
        "tools/call",
        json!({"name": "read_repo"}),
        Some(reader()),
    )
    .await;
    assert_eq!(r["result"]["content"][0]["text"], "read by ada");
    assert!(r["result"].get("isError").is_none());
}

#[tokio::test]
async fn a_token_without_every_scope_is_refused_with_what_is_missing() {
    let s = session(false).await;
    let r = send(
        &s,
        "tools/call",
        json!({"name": "write_repo"}),
        Some(reader()),
    )
    .await;
    assert_eq!(r["result"]["isError"], true);
    assert_eq!(
        r["result"]["content"][0]["text"],
        "Forbidden: tool `write_repo` needs the scopes `repo:read repo:write`, and the caller's token grants `repo:read`"
    );
}

#[tokio::test]
async fn a_call_without_a_token_is_refused_but_open_tools_work() {
    let s = session(false).await;
    let r = send(&s, "tools/call", json!({"name": "read_repo"}), None).await;
    assert_eq!(
        r["result"]["content"][0]["text"],
        "Forbidden: tool `read_repo` needs the scopes `repo:read`, and the call carries no access token"
    );
    let r = send(&s, "tools/call", json!({"name": "public"}), None).await;
    assert_eq!(r["result"]["content"][0]["text"], "public");
}

fn names(list: &Value) -> Vec<&str> {
    list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn hidden_tools_are_listed_only_to_callers_who_may_call_them() {
    let s = session(true).await;
    let r = send(&s, "tools/list", json!({}), None).await;
    assert_eq!(names(&r), ["public"]);
    let r = send(&s, "tools/list", json!({}), Some(reader())).await;
    assert_eq!(names(&r), ["read_repo", "public"]);
    let writer = AccessToken::builder()
        .subject("root")
        .scopes(["repo:read", "repo:write"])
        .build();
    let r = send(&s, "tools/list", json!({}), Some(writer)).await;
    assert_eq!(names(&r), ["read_repo", "write_repo", "public"]);
}

#[tokio::test]
async fn without_hiding_every_tool_is_listed() {
    let s = session(false).await;
    let r = send(&s, "tools/list", json!({}), None).await;
    assert_eq!(names(&r), ["read_repo", "write_repo", "public"]);
}
