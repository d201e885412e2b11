//! What an unauthenticated client is told, over a real socket: server-side
//! failures (a JWKS that cannot be fetched or read) get a generic answer
//! with no URL, OS error or parse detail in the body or the challenge; 401
//! challenges name the scopes every request needs; turning the audience
//! check off takes an option that says what it does.

#[path = "auth_support.rs"]
mod auth_support;
mod http_support;

use auth_support::*;
use ferrymcp::auth::{AuthConfig, JwtVerifier};
use ferrymcp::prelude::*;
use http_support::{read, spawn, Reply};
use serde_json::Value;

/// Says who is calling.
#[tool(read_only)]
async fn whoami(token: AccessToken) -> String {
    token.subject().unwrap_or("?").to_owned()
}

/// Writes to the repository: needs `repo:write`.
#[tool(scopes = ["repo:write"])]
async fn push() -> String {
    "pushed".into()
}

async fn start(auth: AuthConfig) -> String {
    let server = Server::builder("auth-challenges")
        .auth(auth)
        .tools(tools![whoami, push])
        .build()
        .await
        .expect("the server builds");
    let app = axum::Router::new()
        .nest("/mcp", server.router())
        .merge(server.well_known_router());
    format!("{}/mcp", spawn(app).await)
}

fn stateless_call(tool: &str) -> Value {
    serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
    "name": tool, "arguments": {},
    "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    }}})
}

async fn call(url: &str, token: Option<&str>, tool: &str) -> Reply {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool);
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    read(
        req.body(stateless_call(tool).to_string())
            .send()
            .await
            .expect("the request is sent"),
    )
    .await
}

/// What the client sees of a refusal: the body and the challenge.
fn seen(reply: &Reply) -> String {
    format!(
        "{} {}",
        reply.body,
        reply.header("www-authenticate").unwrap_or_default()
    )
}

/// A port nothing listens on.
fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn jwks_config(url: &str) -> AuthConfig {
    AuthConfig::builder(
        JwtVerifier::jwks_url(url)
            .expect("a loopback JWKS URL")
            .audience(AUDIENCE)
            .issuer(ISSUER),
    )
    .resource(AUDIENCE)
    .authorization_server(ISSUER)
    .build()
    .expect("the configuration is valid")
}

#[tokio::test]
async fn an_unreachable_jwks_is_not_described_to_the_client() {
    let port = dead_port();
    let jwks_url = format!("http://127.0.0.1:{port}/secret-path/jwks.json");
    let url = start(jwks_config(&jwks_url)).await;
    let token = TestKey::RsaA.mint(&claims());

    let reply = call(&url, Some(&token), "whoami").await;
    assert_eq!(reply.status, 503, "{reply:?}");
    let seen = seen(&reply);
    for secret in [
        port.to_string().as_str(),
        "secret-path",
        "jwks",
        "JWKS",
        "os error",
        "refused",
        "connect",
    ] {
        assert!(!seen.contains(secret), "{secret:?} leaked: {seen}");
    }
    let body: Value = serde_json::from_str(&reply.body).expect("a JSON body");
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("try again")),
        "{body}"
    );
}

#[tokio::test]
async fn an_unreadable_key_set_is_not_described_to_the_client() {
    let jwks = JwksServer::start("{\"keys\": [ this is not json".into()).await;
    let url = start(jwks_config(&jwks.url)).await;
    let token = TestKey::RsaA.mint(&claims());

    let reply = call(&url, Some(&token), "whoami").await;
    assert_eq!(reply.status, 503, "{reply:?}");
    let seen = seen(&reply);
    for secret in ["not JSON", "line 1", "expected", "keys", "127.0.0.1"] {
        assert!(!seen.contains(secret), "{secret:?} leaked: {seen}");
    }
    assert_eq!(jwks.hits(), 1, "the key set was fetched");
}
