//! The endpoint nested in an existing axum app: the app's routes and
//! middleware keep working, and tools see what the middleware put in the
//! request, with nothing else to wire.

mod http_support;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use http_support::*;
use serde_json::json;

async fn tenant_from_header(mut request: Request, next: Next) -> Response {
    let tenant = request
        .headers()
        .get("x-tenant")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("public")
        .to_string();
    request.extensions_mut().insert(Tenant(tenant));
    next.run(request).await
}

async fn app() -> String {
    let (server, _) = server().await;
    let app = axum::Router::new()
        .route("/health", get(|| async { "ok" }))
        .nest("/api", axum::Router::new().nest("/mcp", server.router()))
        .layer(middleware::from_fn(tenant_from_header));
    spawn(app).await
}

/// The same app with the endpoint merged at its path (`router_at`).
async fn merged_app() -> String {
    let (server, _) = server().await;
    let app = axum::Router::new()
        .route("/health", get(|| async { "ok" }))
        .merge(server.router_at("/api/mcp"))
        .layer(middleware::from_fn(tenant_from_header));
    spawn(app).await
}

#[tokio::test]
async fn a_tool_reads_what_the_parent_middleware_set() {
    tool_reads_middleware(&app().await).await;
}

#[tokio::test]
async fn merged_at_its_path_it_serves_the_same() {
    let base = merged_app().await;
    tool_reads_middleware(&base).await;
    let health = read(client().get(format!("{base}/health")).send().await.unwrap()).await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    let elsewhere = post(&format!("{base}/mcp"), &[], "{}").await;
    assert_eq!(elsewhere.status, 404);
}

async fn tool_reads_middleware(base: &str) {
    let url = format!("{base}/api/mcp");
    let stateless_call = post(
        &url,
        &[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "whose"),
            ("x-tenant", "acme"),
        ],
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "whose", "arguments": {}, "_meta": meta()}})
        .to_string(),
    )
    .await;
    assert_eq!(
        stateless_call.json()["result"]["content"][0]["text"],
        "acme"
    );

    let (s, _) = LegacySession::open(&url, "2025-11-25").await;
    let legacy_call = post(
        &url,
        &[("mcp-session-id", &s.id), ("x-tenant", "globex")],
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "whose", "arguments": {}}})
        .to_string(),
    )
    .await;
    assert_eq!(legacy_call.json()["result"]["content"][0]["text"], "globex");
}

#[tokio::test]
async fn tools_see_headers_but_not_credentials() {
    let base = app().await;
    let url = format!("{base}/api/mcp");
    let reply = post(
        &url,
        &[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "headers"),
            ("x-request-tag", "t-1"),
            ("authorization", "Bearer secret"),
            ("cookie", "session=secret"),
        ],
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "headers", "arguments": {}, "_meta": meta()}})
        .to_string(),
    )
    .await;
    let text = reply.json()["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains("x-request-tag: t-1"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}

#[tokio::test]
async fn the_parent_app_keeps_its_routes() {
    let base = app().await;
    let health = read(client().get(format!("{base}/health")).send().await.unwrap()).await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    let elsewhere = post(&format!("{base}/mcp"), &[], "{}").await;
    assert_eq!(elsewhere.status, 404);
}
