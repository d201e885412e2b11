//! CORS over a real socket, as a browser sends it: preflights are answered
//! from the same `Origin` rules that guard against DNS rebinding (before
//! authentication and before any body), allowed pages can read
//! `Mcp-Session-Id` and `WWW-Authenticate` on JSON and SSE responses alike,
//! and a disallowed origin gets 403 and no CORS header. What Chromium makes
//! of these answers is `browser_chromium.rs`.

mod http_support;

use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
use ferrymcp::prelude::*;
use ferrymcp::transport::http::HttpOptions;
use http_support::{read, spawn, Reply};
use serde_json::json;

/// Routed by region.
#[tool]
async fn route(
    /// Mirrored into `Mcp-Param-Region`.
    #[arg(header = "Region")]
    region: String,
) -> String {
    region
}

const PAGE: &str = "http://localhost:5173";

async fn endpoint(options: HttpOptions, auth: Option<AuthConfig>) -> String {
    let mut builder =
        Server::builder("cors").tools(tools![http_support::add, http_support::chatty, route]);
    if let Some(auth) = auth {
        builder = builder.auth(auth);
    }
    let server = builder.build().await.expect("the server builds");
    let app = axum::Router::new()
        .nest("/mcp", server.router_with(options))
        .merge(server.well_known_router());
    format!("{}/mcp", spawn(app).await)
}

fn auth() -> AuthConfig {
    AuthConfig::builder(
        StaticTokenVerifier::new().token("t", AccessToken::builder().subject("page-user")),
    )
    .resource("http://127.0.0.1:8000/mcp")
    .authorization_server("http://127.0.0.1:9000")
    .build()
    .expect("the auth configuration builds")
}

async fn preflight(url: &str, origin: &str, extra: &[(&str, &str)]) -> Reply {
    let mut req = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, url)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type,mcp-protocol-version,mcp-session-id",
        );
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    read(req.send().await.expect("the preflight is sent")).await
}

fn list(reply: &Reply, header: &str) -> Vec<String> {
    reply
        .header(header)
        .unwrap_or_else(|| panic!("no {header}: {reply:?}"))
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn a_preflight_from_a_loopback_page_is_answered_before_authentication() {
    let url = endpoint(HttpOptions::default(), Some(auth())).await;
    let r = preflight(&url, PAGE, &[]).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.header("access-control-allow-origin"), Some(PAGE));
    assert_eq!(
        list(&r, "access-control-allow-methods"),
        ["post", "get", "delete"]
    );
    let headers = list(&r, "access-control-allow-headers");
    for h in [
        "content-type",
        "authorization",
        "accept",
        "mcp-protocol-version",
        "mcp-session-id",
        "last-event-id",
        "mcp-method",
        "mcp-name",
        "mcp-param-region",
    ] {
        assert!(headers.contains(&h.to_owned()), "{h} in {headers:?}");
    }
    assert_eq!(r.header("access-control-max-age"), Some("7200"));
    assert_eq!(r.header("vary"), Some("Origin"));
    assert_eq!(r.header("access-control-allow-credentials"), None);
    assert_eq!(
        r.header("www-authenticate"),
        None,
        "no challenge on a preflight"
    );
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn a_disallowed_origin_gets_403_and_no_cors_header() {
    let url = endpoint(HttpOptions::default(), None).await;
    for origin in [
        "http://evil.example",
        "null",
        "https://127.0.0.1.evil.example",
    ] {
        let r = preflight(&url, origin, &[]).await;
        assert_eq!(r.status, 403, "{origin}: {r:?}");
        for (name, _) in r.headers.iter() {
            assert!(
                !name.as_str().starts_with("access-control-"),
                "{origin}: {name} on a refusal"
            );
        }
        assert!(r.body.contains("HttpOptions::allowed_origins"), "{r:?}");
        // The actual request fares no better.
        let r = http_support::post(
            &url,
            &[("origin", origin)],
            json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string(),
        )
        .await;
        assert_eq!(r.status, 403, "{origin}: {r:?}");
        assert_eq!(r.header("access-control-allow-origin"), None);
    }
}

#[tokio::test]
async fn listed_origins_get_cors_and_private_network_access() {
    let app = "https://app.example.com";
    let url = endpoint(HttpOptions::new().allowed_origins([app]), None).await;
    let r = preflight(
        &url,
        app,
        &[("access-control-request-private-network", "true")],
    )
    .await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.header("access-control-allow-origin"), Some(app));
    assert_eq!(
        r.header("access-control-allow-private-network"),
        Some("true")
    );
    let r = preflight(&url, "https://other.example.com", &[]).await;
    assert_eq!(r.status, 403, "{r:?}");
    // Any origin, when allowed: still echoed, never `*`.
    let url = endpoint(HttpOptions::new().allow_any_origin(), None).await;
    let r = preflight(&url, "https://anywhere.example", &[]).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://anywhere.example")
    );
    assert_eq!(r.header("access-control-allow-credentials"), None);
}

#[tokio::test]
async fn json_and_sse_responses_expose_the_session_to_the_page() {
    let url = endpoint(HttpOptions::default(), None).await;
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "page", "version": "1"}}});
    let r = http_support::post(&url, &[("origin", PAGE)], init.to_string()).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("access-control-allow-origin"), Some(PAGE));
    let exposed = list(&r, "access-control-expose-headers");
    for h in ["mcp-session-id", "mcp-protocol-version", "www-authenticate"] {
        assert!(exposed.contains(&h.to_owned()), "{h} in {exposed:?}");
    }
    assert_eq!(r.header("vary"), Some("Origin"));
    let session = r.header("mcp-session-id").expect("a session").to_owned();
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "chatty", "arguments": {}}});
    let r = http_support::post(
        &url,
        &[
            ("origin", PAGE),
            ("mcp-session-id", &session),
            ("mcp-protocol-version", "2025-11-25"),
        ],
        call.to_string(),
    )
    .await;
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/event-stream")),
        "{r:?}"
    );
    assert_eq!(r.header("access-control-allow-origin"), Some(PAGE));
    assert!(list(&r, "access-control-expose-headers").contains(&"mcp-session-id".to_owned()));
    assert_eq!(r.json()["result"]["content"][0]["text"], "done");
    // Without Origin (not a browser): no CORS header, but the Vary all the same.
    let r = http_support::post(&url, &[], init.to_string()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("vary"), Some("Origin"));
}

#[tokio::test]
async fn a_401_challenge_is_readable_by_the_page() {
    let url = endpoint(HttpOptions::default(), Some(auth())).await;
    let r = http_support::stateless(&url, 1, "server/discover", json!({})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("access-control-allow-origin"), None);
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let r = http_support::post(&url, &[("origin", PAGE)], ping.clone()).await;
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.header("access-control-allow-origin"), Some(PAGE));
    assert!(list(&r, "access-control-expose-headers").contains(&"www-authenticate".to_owned()));
    assert!(r
        .header("www-authenticate")
        .is_some_and(|c| c.contains("resource_metadata=")));
    let r = http_support::post(
        &url,
        &[("origin", PAGE), ("authorization", "Bearer t")],
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "page", "version": "1"}}})
        .to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("access-control-allow-origin"), Some(PAGE));
}

#[tokio::test]
async fn the_metadata_routes_answer_preflights_for_any_page() {
    let url = endpoint(HttpOptions::default(), Some(auth())).await;
    let base = url.trim_end_matches("/mcp");
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let r = reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, format!("{base}{path}"))
            .header("origin", PAGE)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "mcp-protocol-version")
            .send()
            .await
            .expect("the preflight is sent");
        let r = read(r).await;
        assert_eq!(r.status, 204, "{path}: {r:?}");
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert_eq!(r.header("access-control-allow-credentials"), None);
        let r = read(
            reqwest::Client::new()
                .get(format!("{base}{path}"))
                .header("origin", PAGE)
                .send()
                .await
                .expect("the metadata is fetched"),
        )
        .await;
        assert_eq!(r.status, 200, "{path}: {r:?}");
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    }
}
