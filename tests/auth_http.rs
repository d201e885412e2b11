//! Authorization on the streamable HTTP endpoint, over a real socket with
//! real JWTs: every request of every revision needs a valid token (401 with
//! the `WWW-Authenticate` challenge otherwise), tools with scopes answer 403
//! `insufficient_scope` to tokens without them, sessions belong to the
//! identity that opened them, and the protected-resource metadata is served
//! at the host's root wherever the endpoint is nested.

#[path = "auth_support.rs"]
mod auth_support;
mod http_support;

use auth_support::*;
use ferrymcp::auth::{AuthConfig, JwtVerifier};
use ferrymcp::prelude::*;
use ferrymcp::transport::http::MetadataPaths;
use http_support::{read, spawn, Reply};
use serde_json::{json, Value};
use std::time::Duration;

/// Where the metadata of [`AUDIENCE`] (`https://mcp.example.com/mcp`) lives.
const METADATA_URL: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

/// Says who is calling.
#[tool(read_only)]
async fn whoami(token: AccessToken) -> String {
    format!(
        "{} ({})",
        token.subject().unwrap_or("?"),
        token.scopes().join(" ")
    )
}

/// Deletes the repository: needs `repo:admin`.
#[tool(scopes = ["repo:admin"])]
async fn delete_repo() -> String {
    "deleted".into()
}

/// Writes to the repository: needs `repo:read` and `repo:write`.
#[tool(scopes = ["repo:read", "repo:write"])]
async fn push() -> String {
    "pushed".into()
}

fn auth_config(verifier: JwtVerifier, resource: &str, hide: bool) -> AuthConfig {
    AuthConfig::builder(verifier)
        .resource(resource)
        .authorization_server(ISSUER)
        .scopes_supported(["repo:read", "repo:write", "repo:admin"])
        .hide_unauthorized_tools(hide)
        .build()
        .expect("the configuration is valid")
}

fn hs256_verifier() -> JwtVerifier {
    JwtVerifier::hs256(SECRET).audience(AUDIENCE).issuer(ISSUER)
}

async fn build(auth: AuthConfig) -> Server {
    Server::builder("auth-http")
        .auth(auth)
        .tools(tools![whoami, delete_repo, push])
        .build()
        .await
        .expect("the server builds")
}

/// A server with an HS256 verifier at `/mcp`, its metadata at the root.
async fn start(hide: bool) -> String {
    let server = build(auth_config(hs256_verifier(), AUDIENCE, hide)).await;
    let app = axum::Router::new()
        .nest("/mcp", server.router())
        .merge(server.well_known_router());
    format!("{}/mcp", spawn(app).await)
}

/// A request, optionally with `Authorization: Bearer <token>` and more headers.
async fn send(
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Reply {
    let mut req = reqwest::Client::new()
        .request(method, url)
        .header("accept", "application/json, text/event-stream");
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    read(req.send().await.expect("the request is sent")).await
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "auth-http-test", "version": "1"}}})
}

/// Opens a 2025-11-25 session with `token`; returns its id.
async fn open_session(url: &str, token: &str) -> String {
    let reply = send(
        reqwest::Method::POST,
        url,
        Some(token),
        &[],
        Some(initialize()),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let sid = reply
        .header("mcp-session-id")
        .expect("a session id")
        .to_owned();
    let note = session_post(
        url,
        token,
        &sid,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    assert_eq!(note.status, 202, "{note:?}");
    sid
}

async fn session_post(url: &str, token: &str, sid: &str, body: Value) -> Reply {
    send(
        reqwest::Method::POST,
        url,
        Some(token),
        &[
            ("mcp-session-id", sid),
            ("mcp-protocol-version", "2025-11-25"),
        ],
        Some(body),
    )
    .await
}

fn call(id: i64, tool: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": {}}})
}

/// A 2026-07-28 request with its headers.
async fn stateless(url: &str, token: Option<&str>, method: &str, mut params: Value) -> Reply {
    params["_meta"] = http_support::meta();
    let name = params.get("name").and_then(Value::as_str).map(String::from);
    let mut headers = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", method),
    ];
    if let Some(name) = &name {
        headers.push(("mcp-name", name));
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    send(reqwest::Method::POST, url, token, &headers, Some(body)).await
}

/// The text of a tool result.
fn text(reply: &Reply) -> String {
    let message = reply.json();
    message["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a text result: {message}"))
        .to_owned()
}

fn token_with(mutate: impl FnOnce(&mut Value)) -> String {
    let mut c = claims();
    mutate(&mut c);
    hs256(&c)
}

/// Asserts a 401 `invalid_token` whose description says `why`.
fn assert_invalid_token(reply: &Reply, why: &str) {
    assert_eq!(reply.status, 401, "{reply:?}");
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            format!(
                r#"Bearer error="invalid_token", error_description="{why}", resource_metadata="{METADATA_URL}""#
            )
            .as_str()
        ),
    );
    let body: Value = serde_json::from_str(&reply.body).expect("a JSON body");
    assert_eq!(body["error"], "invalid_token");
}

#[tokio::test]
async fn a_valid_token_reaches_the_tool_in_both_eras() {
    let url = start(false).await;
    let token = hs256(&claims());

    let sid = open_session(&url, &token).await;
    let reply = session_post(&url, &token, &sid, call(1, "whoami")).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(text(&reply), "alice (repo:read repo:write)");

    let reply = stateless(&url, Some(&token), "tools/call", json!({"name": "whoami"})).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(text(&reply), "alice (repo:read repo:write)");

    // The GET stream and DELETE of the session work with the token.
    let get = reqwest::Client::new()
        .get(&url)
        .header("accept", "text/event-stream")
        .header("authorization", format!("Bearer {token}"))
        .header("mcp-session-id", &sid)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 200);
    drop(get);
    let delete = send(
        reqwest::Method::DELETE,
        &url,
        Some(&token),
        &[("mcp-session-id", &sid)],
        None,
    )
    .await;
    assert_eq!(delete.status, 204, "{delete:?}");
}

#[tokio::test]
async fn no_token_gets_401_with_the_metadata_url_on_every_method_and_era() {
    let url = start(false).await;
    let challenge = format!(r#"Bearer resource_metadata="{METADATA_URL}""#);
    let token = hs256(&claims());
    let sid = open_session(&url, &token).await;

    let replies = [
        send(reqwest::Method::POST, &url, None, &[], Some(initialize())).await,
        send(
            reqwest::Method::POST,
            &url,
            None,
            &[
                ("mcp-session-id", &sid),
                ("mcp-protocol-version", "2025-11-25"),
            ],
            Some(call(1, "whoami")),
        )
        .await,
        stateless(&url, None, "tools/list", json!({})).await,
        stateless(&url, None, "server/discover", json!({})).await,
        send(
            reqwest::Method::GET,
            &url,
            None,
            &[("mcp-session-id", &sid)],
            None,
        )
        .await,
        send(
            reqwest::Method::DELETE,
            &url,
            None,
            &[("mcp-session-id", &sid)],
            None,
        )
        .await,
    ];
    for reply in &replies {
        assert_eq!(reply.status, 401, "{reply:?}");
        assert_eq!(
            reply.header("www-authenticate"),
            Some(challenge.as_str()),
            "{reply:?}"
        );
        assert_eq!(reply.header("content-type"), Some("application/json"));
    }
    // The refused DELETE ended nothing.
    let reply = session_post(&url, &token, &sid, call(2, "whoami")).await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn expired_token_is_refused() {
    let url = start(false).await;
    let expired = token_with(|c| {
        c["exp"] = json!(now() - 3600);
        c["iat"] = json!(now() - 7200);
    });
    let reply = send(
        reqwest::Method::POST,
        &url,
        Some(&expired),
        &[],
        Some(initialize()),
    )
    .await;
    assert_invalid_token(&reply, "the token has expired");
    let reply = stateless(&url, Some(&expired), "tools/list", json!({})).await;
    assert_invalid_token(&reply, "the token has expired");
}

#[tokio::test]
async fn token_for_another_audience_is_refused() {
    let url = start(false).await;
    let other = token_with(|c| c["aud"] = json!("https://other.example.com/mcp"));
    let reply = stateless(&url, Some(&other), "tools/list", json!({})).await;
    assert_invalid_token(&reply, "the token's audience (aud) is not this server");
}

#[tokio::test]
async fn token_of_another_issuer_is_refused() {
    let url = start(false).await;
    let other = token_with(|c| c["iss"] = json!("https://evil.example.com"));
    let reply = send(
        reqwest::Method::POST,
        &url,
        Some(&other),
        &[],
        Some(initialize()),
    )
    .await;
    assert_invalid_token(
        &reply,
        "the token's issuer (iss) is not one this server trusts",
    );
}

#[tokio::test]
async fn token_with_a_bad_signature_is_refused() {
    let url = start(false).await;
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(),
        &jsonwebtoken::EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes!!"),
    )
    .unwrap();
    let reply = stateless(&url, Some(&forged), "tools/list", json!({})).await;
    assert_invalid_token(&reply, "the token's signature is invalid");

    // A valid token with its payload swapped for another subject's.
    let valid = hs256(&claims());
    let admin = hs256(&json!({"sub": "root", "scope": "repo:admin"}));
    let parts: Vec<&str> = valid.split('.').collect();
    let spliced = format!(
        "{}.{}.{}",
        parts[0],
        admin.split('.').nth(1).unwrap(),
        parts[2]
    );
    let reply = stateless(&url, Some(&spliced), "tools/list", json!({})).await;
    assert_invalid_token(&reply, "the token's signature is invalid");
}

#[tokio::test]
async fn malformed_authorization_headers_are_refused() {
    let url = start(false).await;
    for (header, why) in [
        (
            "Basic dXNlcjpwYXNz",
            "the Authorization scheme is `Basic`; this server accepts only `Bearer` tokens",
        ),
        (
            "Bearer",
            "the Authorization header says `Bearer` but has no token after it",
        ),
        (
            "Bearer a b",
            "the token contains whitespace at byte 1, which a Bearer token cannot contain",
        ),
    ] {
        let reply = send(
            reqwest::Method::POST,
            &url,
            None,
            &[("authorization", header)],
            Some(initialize()),
        )
        .await;
        assert_eq!(reply.status, 401, "{header}: {reply:?}");
        assert_eq!(
            reply.header("www-authenticate"),
            Some(format!(
                r#"Bearer error="invalid_request", error_description="{why}", resource_metadata="{METADATA_URL}""#
            ).as_str()),
        );
    }
    // Not a JWT at all.
    let reply = stateless(&url, Some("not-a-jwt"), "tools/list", json!({})).await;
    assert_eq!(reply.status, 401, "{reply:?}");
    assert!(reply
        .header("www-authenticate")
        .unwrap()
        .starts_with(r#"Bearer error="invalid_token", error_description="the token is malformed"#));
}

#[tokio::test]
async fn a_token_in_the_query_string_is_refused_even_with_a_valid_header() {
    let url = start(false).await;
    let token = hs256(&claims());
    for query in [
        format!("?access_token={token}"),
        format!("?x=1&access%5Ftoken={token}"),
    ] {
        let with_query = format!("{url}{query}");
        for header in [None, Some(token.as_str())] {
            let reply = send(
                reqwest::Method::POST,
                &with_query,
                header,
                &[],
                Some(initialize()),
            )
            .await;
            assert_eq!(reply.status, 400, "{reply:?}");
            let challenge = reply.header("www-authenticate").unwrap();
            assert!(
                challenge.starts_with(r#"Bearer error="invalid_request", error_description="access tokens are not accepted in the query string"#),
                "{challenge}"
            );
            assert!(reply.header("mcp-session-id").is_none());
        }
    }
}

#[tokio::test]
async fn a_missing_scope_gets_403_insufficient_scope_in_both_eras() {
    let url = start(false).await;
    let token = hs256(&claims()); // repo:read repo:write
    let challenge = format!(
        r#"Bearer error="insufficient_scope", scope="repo:admin", resource_metadata="{METADATA_URL}""#
    );

    let sid = open_session(&url, &token).await;
    let reply = session_post(&url, &token, &sid, call(1, "delete_repo")).await;
    assert_eq!(reply.status, 403, "{reply:?}");
    assert_eq!(reply.header("www-authenticate"), Some(challenge.as_str()));
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["error"], "insufficient_scope");

    let reply = stateless(
        &url,
        Some(&token),
        "tools/call",
        json!({"name": "delete_repo"}),
    )
    .await;
    assert_eq!(reply.status, 403, "{reply:?}");
    assert_eq!(reply.header("www-authenticate"), Some(challenge.as_str()));

    // A token with only one of two scopes: the challenge names both.
    let read_only = token_with(|c| c["scope"] = json!("repo:read"));
    let reply = stateless(
        &url,
        Some(&read_only),
        "tools/call",
        json!({"name": "push"}),
    )
    .await;
    assert_eq!(reply.status, 403, "{reply:?}");
    assert_eq!(
        reply.header("www-authenticate"),
        Some(format!(
            r#"Bearer error="insufficient_scope", scope="repo:read repo:write", resource_metadata="{METADATA_URL}""#
        ).as_str())
    );

    // With the scopes, the same calls run.
    let reply = session_post(&url, &token, &sid, call(2, "push")).await;
    assert_eq!(text(&reply), "pushed");
    let admin = token_with(|c| c["scope"] = json!("repo:admin"));
    let reply = stateless(
        &url,
        Some(&admin),
        "tools/call",
        json!({"name": "delete_repo"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(text(&reply), "deleted");

    // tools/list does not hide them unless asked to.
    let reply = stateless(&url, Some(&token), "tools/list", json!({})).await;
    assert_eq!(reply.json()["result"]["tools"].as_array().unwrap().len(), 3);
}

fn tool_names(reply: &Reply) -> Vec<String> {
    reply.json()["result"]["tools"]
        .as_array()
        .expect("a tools array")
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn hidden_tools_depend_on_the_callers_scopes() {
    let url = start(true).await;
    let reader = token_with(|c| c["scope"] = json!("repo:read"));
    let admin = token_with(|c| c["scope"] = json!("repo:read repo:write repo:admin"));

    let reply = stateless(&url, Some(&reader), "tools/list", json!({})).await;
    assert_eq!(tool_names(&reply), ["whoami"]);
    assert_eq!(
        reply.json()["result"]["cacheScope"],
        "private",
        "a list that differs per caller must not sit in a shared cache"
    );
    let reply = stateless(&url, Some(&admin), "tools/list", json!({})).await;
    assert_eq!(tool_names(&reply), ["whoami", "delete_repo", "push"]);
    let everyone = start(false).await;
    let reply = stateless(&everyone, Some(&reader), "tools/list", json!({})).await;
    assert_eq!(reply.json()["result"]["cacheScope"], "public");

    let sid = open_session(&url, &reader).await;
    let reply = session_post(
        &url,
        &reader,
        &sid,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    )
    .await;
    assert_eq!(tool_names(&reply), ["whoami"]);
    // A hidden tool still answers 403, not "unknown tool".
    let reply = session_post(&url, &reader, &sid, call(2, "delete_repo")).await;
    assert_eq!(reply.status, 403, "{reply:?}");
}

#[tokio::test]
async fn a_session_belongs_to_the_identity_that_opened_it() {
    let url = start(false).await;
    let alice = hs256(&claims());
    let bob = token_with(|c| c["sub"] = json!("bob"));
    let sid = open_session(&url, &alice).await;

    let unknown = session_post(
        &url,
        &bob,
        "0123456789abcdef0123456789abcdef",
        call(1, "whoami"),
    )
    .await;
    assert_eq!(unknown.status, 404);
    let foreign = session_post(&url, &bob, &sid, call(1, "whoami")).await;
    assert_eq!(foreign.status, 404, "{foreign:?}");
    assert_eq!(
        foreign.body, unknown.body,
        "no oracle: same answer as an unknown session"
    );

    let get = send(
        reqwest::Method::GET,
        &url,
        Some(&bob),
        &[("mcp-session-id", &sid)],
        None,
    )
    .await;
    assert_eq!(get.status, 404, "{get:?}");
    let delete = send(
        reqwest::Method::DELETE,
        &url,
        Some(&bob),
        &[("mcp-session-id", &sid)],
        None,
    )
    .await;
    assert_eq!(delete.status, 404, "{delete:?}");

    // Alice's session is untouched, also with a refreshed token of hers.
    let refreshed = token_with(|c| {
        c["scope"] = json!("repo:read");
        c["exp"] = json!(now() + 7200);
    });
    assert_ne!(refreshed, alice);
    let reply = session_post(&url, &refreshed, &sid, call(2, "whoami")).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(text(&reply), "alice (repo:read)");

    let delete = send(
        reqwest::Method::DELETE,
        &url,
        Some(&alice),
        &[("mcp-session-id", &sid)],
        None,
    )
    .await;
    assert_eq!(delete.status, 204, "{delete:?}");
}

#[tokio::test]
async fn jwks_rotation_over_http_reloads_the_key_set() {
    let jwks_server = JwksServer::start(jwks(&[TestKey::RsaA])).await;
    let verifier = JwtVerifier::jwks_url(&jwks_server.url)
        .unwrap()
        .audience(AUDIENCE)
        .issuer(ISSUER)
        .jwks_min_reload_interval(Duration::ZERO);
    let server = build(auth_config(verifier, AUDIENCE, false)).await;
    let url = format!(
        "{}/mcp",
        spawn(axum::Router::new().nest("/mcp", server.router())).await
    );

    let a = TestKey::RsaA.mint(&claims());
    let reply = stateless(&url, Some(&a), "tools/call", json!({"name": "whoami"})).await;
    assert_eq!(text(&reply), "alice (repo:read repo:write)");
    assert_eq!(jwks_server.hits(), 1);

    // A key the set does not have yet: the server reloads, still does not
    // find it, and answers 401.
    let b = TestKey::RsaB.mint(&claims());
    let reply = stateless(&url, Some(&b), "tools/list", json!({})).await;
    assert_invalid_token(
        &reply,
        "the token is signed with key `rsa-b`, which the server does not know",
    );
    assert_eq!(jwks_server.hits(), 2);

    // The authorization server rotates to B: the same token now works.
    jwks_server.serve(jwks(&[TestKey::RsaB]));
    let reply = stateless(&url, Some(&b), "tools/call", json!({"name": "whoami"})).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(text(&reply), "alice (repo:read repo:write)");
    assert_eq!(jwks_server.hits(), 3);
}

#[tokio::test]
async fn metadata_is_served_at_the_root_for_a_nested_endpoint() {
    let resource = "https://tools.example.com/api/v1/mcp";
    let verifier = JwtVerifier::hs256(SECRET).audience(resource).issuer(ISSUER);
    let server = build(auth_config(verifier, resource, false)).await;
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .nest("/api/v1/mcp", server.router())
        .merge(server.well_known_router());
    let base = spawn(app).await;

    let expected = json!({
        "resource": resource,
        "authorization_servers": [ISSUER],
        "scopes_supported": ["repo:read", "repo:write", "repo:admin"],
        "bearer_methods_supported": ["header"],
    });
    for path in [
        "/.well-known/oauth-protected-resource/api/v1/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let reply = read(
            reqwest::Client::new()
                .get(format!("{base}{path}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, 200, "{path}: {reply:?}");
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        let doc: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(doc, expected, "{path}");
    }

    // The challenge points at the path-inserted form.
    let reply = send(
        reqwest::Method::POST,
        &format!("{base}/api/v1/mcp"),
        None,
        &[],
        Some(initialize()),
    )
    .await;
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            r#"Bearer resource_metadata="https://tools.example.com/.well-known/oauth-protected-resource/api/v1/mcp""#
        )
    );
    // The app's own routes need no token.
    let health = reqwest::get(format!("{base}/health")).await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn several_endpoints_on_one_host_publish_the_inserted_form_only() {
    let mut app = axum::Router::new();
    for name in ["a", "b"] {
        let resource = format!("https://tools.example.com/{name}/mcp");
        let verifier = JwtVerifier::hs256(SECRET).audience(&resource);
        let server = build(auth_config(verifier, &resource, false)).await;
        app = app
            .nest(&format!("/{name}/mcp"), server.router())
            .merge(server.well_known_router_with(MetadataPaths::InsertedOnly));
    }
    let base = spawn(app).await;
    for name in ["a", "b"] {
        let body = reqwest::get(format!(
            "{base}/.well-known/oauth-protected-resource/{name}/mcp"
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
        let doc: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            doc["resource"],
            format!("https://tools.example.com/{name}/mcp")
        );
    }
    let root = reqwest::get(format!("{base}/.well-known/oauth-protected-resource"))
        .await
        .unwrap();
    assert_eq!(root.status(), 404);
}

#[tokio::test]
async fn a_server_without_auth_serves_no_metadata_and_needs_no_token() {
    let server = Server::builder("open")
        .tools(tools![whoami, delete_repo])
        .build()
        .await
        .unwrap();
    let base = spawn(
        axum::Router::new()
            .nest("/mcp", server.router())
            .merge(server.well_known_router()),
    )
    .await;
    let url = format!("{base}/mcp");
    let reply = stateless(&url, None, "tools/call", json!({"name": "delete_repo"})).await;
    // No authorization configured: no challenge, the dispatch's clear tool error.
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["result"]["isError"], true);
    assert!(
        text(&reply).contains("needs the scopes `repo:admin`"),
        "{}",
        text(&reply)
    );
    let root = reqwest::get(format!("{base}/.well-known/oauth-protected-resource"))
        .await
        .unwrap();
    assert_eq!(root.status(), 404);
}
