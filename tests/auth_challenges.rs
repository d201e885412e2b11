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
use serde_json::{json, Value};

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
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
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

fn required_scope_config() -> AuthConfig {
    AuthConfig::builder(JwtVerifier::hs256(SECRET).audience(AUDIENCE).issuer(ISSUER))
        .resource(AUDIENCE)
        .authorization_server(ISSUER)
        .scopes_supported(["mcp", "repo:read", "repo:write"])
        .required_scopes(["mcp"])
        .build()
        .expect("the configuration is valid")
}

#[tokio::test]
async fn challenges_name_the_scopes_every_request_needs() {
    let url = start(required_scope_config()).await;
    let metadata =
        "resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\"";

    let none = call(&url, None, "whoami").await;
    assert_eq!(none.status, 401, "{none:?}");
    assert_eq!(
        none.header("www-authenticate"),
        Some(format!("Bearer scope=\"mcp\", {metadata}").as_str())
    );

    let expired = {
        let mut c = claims();
        c["exp"] = json!(now() - 3600);
        hs256(&c)
    };
    let stale = call(&url, Some(&expired), "whoami").await;
    assert_eq!(stale.status, 401, "{stale:?}");
    let challenge = stale.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\"")
            && challenge.contains("scope=\"mcp\""),
        "{challenge}"
    );

    // A valid token without the required scope: 403, naming it.
    let without = {
        let mut c = claims();
        c["scope"] = json!("repo:read repo:write");
        hs256(&c)
    };
    let refused = call(&url, Some(&without), "whoami").await;
    assert_eq!(refused.status, 403, "{refused:?}");
    assert_eq!(
        refused.header("www-authenticate"),
        Some(format!("Bearer error=\"insufficient_scope\", scope=\"mcp\", {metadata}").as_str())
    );

    // A tool's own scopes come with the required ones, so that a client
    // asking for them keeps access to everything else.
    let reader = {
        let mut c = claims();
        c["scope"] = json!("mcp repo:read");
        hs256(&c)
    };
    let push = call(&url, Some(&reader), "push").await;
    assert_eq!(push.status, 403, "{push:?}");
    assert_eq!(
        push.header("www-authenticate"),
        Some(
            format!("Bearer error=\"insufficient_scope\", scope=\"mcp repo:write\", {metadata}")
                .as_str()
        )
    );
    let ok = call(&url, Some(&reader), "whoami").await;
    assert_eq!(ok.status, 200, "{ok:?}");
}

#[tokio::test]
async fn without_required_scopes_the_challenge_names_none() {
    let config = AuthConfig::builder(JwtVerifier::hs256(SECRET).audience(AUDIENCE))
        .resource(AUDIENCE)
        .authorization_server(ISSUER)
        .scopes_supported(["repo:read"])
        .build()
        .expect("the configuration is valid");
    let url = start(config).await;
    let none = call(&url, None, "whoami").await;
    assert_eq!(none.status, 401);
    assert_eq!(
        none.header("www-authenticate"),
        Some("Bearer resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\"")
    );
}

#[tokio::test]
async fn the_audience_check_is_off_only_by_its_loud_name() {
    // A token minted for another service.
    let mut other = claims();
    other["aud"] = json!("https://another-service.example.com");
    let token = hs256(&other);

    let checked = start(
        AuthConfig::builder(JwtVerifier::hs256(SECRET).audience(AUDIENCE))
            .resource(AUDIENCE)
            .authorization_server(ISSUER)
            .build()
            .unwrap(),
    )
    .await;
    let refused = call(&checked, Some(&token), "whoami").await;
    assert_eq!(refused.status, 401, "{refused:?}");

    let unchecked = start(
        AuthConfig::builder(JwtVerifier::hs256(SECRET).dangerously_disable_audience_validation())
            .resource(AUDIENCE)
            .authorization_server(ISSUER)
            .build()
            .unwrap(),
    )
    .await;
    let accepted = call(&unchecked, Some(&token), "whoami").await;
    assert_eq!(accepted.status, 200, "{accepted:?}");

    // Without an audience and without the option, the server does not build.
    let error = AuthConfig::builder(JwtVerifier::hs256(SECRET))
        .resource(AUDIENCE)
        .authorization_server(ISSUER)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(".audience(") && error.contains("dangerously_disable_audience_validation"),
        "{error}"
    );
}
