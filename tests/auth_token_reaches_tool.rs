//! The verified token reaches the tool: the transport puts the `AccessToken`
//! in the request's extensions, and a tool that asks for `AccessToken` or
//! `Option<AccessToken>` gets it (or a clear error when there is none).

#[path = "auth_support.rs"]
mod auth_support;

use auth_support::*;
use ferrymcp::auth::{require_scopes, AccessToken, AuthError, JwtVerifier, TokenVerifier};
use ferrymcp::call::NoOutbound;
use ferrymcp::prelude::*;
use ferrymcp::protocol::jsonrpc::{Request, RequestId};
use ferrymcp::{CallScope, Client, Inject, InjectError};
use serde_json::{json, Value};
use std::sync::Arc;

/// Says who is calling and for which tenant.
#[tool]
async fn whoami(#[inject] token: AccessToken) -> String {
    let tenant: String = token.claim("tenant").unwrap_or_default();
    format!("{} of {tenant}", token.subject().unwrap_or("?"))
}

/// Greets the caller, or a stranger.
#[tool]
async fn greet(#[inject] token: Option<AccessToken>) -> String {
    match token {
        Some(t) => format!("hello {}", t.subject().unwrap_or("?")),
        None => "hello stranger".into(),
    }
}

/// Needs the `admin` scope, checked by the tool itself.
#[tool]
async fn purge(#[inject] token: AccessToken) -> Result<String, ToolError> {
    token.require_scopes(&["admin"])?;
    Ok("purged".into())
}

/// What a `#[tool(scopes = [...])]` will check, written as an injected guard.
struct RepoWriter;

impl<L> Inject<L> for RepoWriter {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        require_scopes(scope, &["repo:write"])
            .map(|()| RepoWriter)
            .map_err(|e| InjectError::new(e.to_string()))
    }
}

/// Writes to the repository.
#[tool]
async fn push(#[inject] _writer: RepoWriter) -> String {
    "pushed".into()
}

async fn server() -> Server {
    Server::builder("auth-tools")
        .tools(tools![whoami, greet, purge, push])
        .build()
        .await
        .unwrap()
}

/// Calls `tool` as the HTTP transport will: with the verified token (if any)
/// in the request's extensions.
async fn call_as(client: &Client, token: Option<AccessToken>, tool: &str) -> Value {
    let mut extensions = http::Extensions::new();
    if let Some(token) = token {
        extensions.insert(token);
    }
    let request = Request {
        id: RequestId::Number(7),
        method: "tools/call".into(),
        params: json!({"name": tool, "arguments": {}})
            .as_object()
            .cloned()
            .map(Into::into),
    };
    let response = client
        .session()
        .handle_request(request, Arc::new(NoOutbound), extensions)
        .await
        .expect("a response");
    response["result"].clone()
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or("")
}

async fn verified(scope: &str) -> AccessToken {
    let mut c = claims();
    c["scope"] = json!(scope);
    JwtVerifier::hs256(SECRET)
        .audience(AUDIENCE)
        .verify(&hs256(&c))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_verified_token_reaches_the_tool() {
    let server = server().await;
    let client = Client::connect(&server).await.unwrap();
    let token = verified("repo:read").await;

    let result = call_as(&client, Some(token.clone()), "whoami").await;
    assert_ne!(result["isError"], json!(true), "{result}");
    assert_eq!(text(&result), "alice of acme");

    let result = call_as(&client, Some(token), "greet").await;
    assert_eq!(text(&result), "hello alice");
}

#[tokio::test]
async fn without_a_token_the_tool_says_why() {
    let server = server().await;
    let client = Client::connect(&server).await.unwrap();

    let result = call_as(&client, None, "whoami").await;
    assert_eq!(result["isError"], json!(true), "{result}");
    assert_eq!(
        text(&result),
        "this tool needs an access token, and the call has none: the server has no authorization configured, or the transport does not carry tokens"
    );

    // The in-process client carries no token at all: same error.
    let result = client.call_tool("whoami", json!({})).await.unwrap();
    assert!(result.is_error);

    // `Option<AccessToken>` accepts its absence.
    let result = call_as(&client, None, "greet").await;
    assert_eq!(text(&result), "hello stranger");
}

#[tokio::test]
async fn scopes_are_checked_against_the_callers_token() {
    let server = server().await;
    let client = Client::connect(&server).await.unwrap();

    let reader = verified("repo:read").await;
    let result = call_as(&client, Some(reader.clone()), "purge").await;
    assert_eq!(result["isError"], json!(true));
    assert_eq!(
        text(&result),
        "the access token lacks required scopes; this needs: admin"
    );
    let result = call_as(&client, Some(reader), "push").await;
    assert_eq!(
        text(&result),
        "the access token lacks required scopes; this needs: repo:write"
    );
    let result = call_as(&client, None, "push").await;
    assert_eq!(
        text(&result),
        AuthError::MissingToken.to_string(),
        "{result}"
    );

    let writer = verified("repo:read repo:write admin").await;
    assert_eq!(
        text(&call_as(&client, Some(writer.clone()), "push").await),
        "pushed"
    );
    assert_eq!(
        text(&call_as(&client, Some(writer), "purge").await),
        "purged"
    );
}
