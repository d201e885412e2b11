//! ferrymcp mounted inside an existing axum app.
//!
//! ```text
//! cargo run -p mounted -- --bind 127.0.0.1:8000
//! ```
//!
//! The app has its own routes (`/`, `/health`) and a middleware that reads the
//! tenant from the `X-Tenant` header (default `public`) into the request's
//! extensions. MCP is mounted at `/api/mcp` (`router_at`); its `tenant` tool returns what the
//! middleware set, with no extra wiring. Prints the MCP URL
//! (`http://127.0.0.1:8000/api/mcp`) on stdout once it accepts connections.

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use ferrymcp::prelude::*;
use ferrymcp::Headers;

/// The tenant the app's middleware resolved for the request.
#[derive(Debug, Clone)]
struct Tenant(String);

/// Returns the tenant of the calling request, as the app's middleware set it.
#[tool(read_only)]
async fn tenant(tenant: Extension<Tenant>) -> String {
    tenant.0 .0.clone()
}

/// Returns the caller's `User-Agent` header.
#[tool(read_only)]
async fn user_agent(#[inject] headers: Option<Headers>) -> String {
    headers
        .as_ref()
        .and_then(|h| h.get("user-agent"))
        .unwrap_or("unknown")
        .to_string()
}

/// The app's own middleware: resolves the tenant before any route runs.
async fn resolve_tenant(mut request: Request, next: Next) -> Response {
    let tenant = request
        .headers()
        .get("x-tenant")
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty())
        .unwrap_or("public")
        .to_string();
    request.extensions_mut().insert(Tenant(tenant));
    next.run(request).await
}

/// ferrymcp mounted at /api/mcp of an axum app with its own routes and middleware.
///
/// Prints the MCP URL (`http://HOST:PORT/api/mcp`) on stdout once it accepts
/// connections; the tenant comes from the `X-Tenant` header. Logs go to
/// stderr (`RUST_LOG`, default `info`).
#[derive(clap::Parser)]
#[command(name = "mounted", version, about, long_about)]
struct Cli {
    /// The address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8000")]
    bind: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let bind = <Cli as clap::Parser>::parse().bind;
    let server = Server::builder("mounted")
        .version(env!("CARGO_PKG_VERSION"))
        .tools(tools![tenant, user_agent])
        .build()
        .await?;
    let app = Router::new()
        .route("/", get(|| async { "an app with MCP at /api/mcp\n" }))
        .route("/health", get(|| async { "ok\n" }))
        .merge(server.router_at("/api/mcp"))
        .layer(middleware::from_fn(resolve_tenant));
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("http://{}/api/mcp", listener.local_addr()?);
    tracing::info!("serving; set the tenant with the X-Tenant header");
    ferrymcp::transport::http::serve(listener, app).await?;
    Ok(())
}
