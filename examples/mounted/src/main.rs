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

/// `--bind HOST:PORT` (default 127.0.0.1:8000).
fn bind_arg() -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    let mut bind = "127.0.0.1:8000".to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bind" => bind = args.next().ok_or("--bind needs HOST:PORT")?,
            other if other.starts_with("--bind=") => bind = other["--bind=".len()..].into(),
            "-h" | "--help" => {
                println!("usage: mounted [--bind HOST:PORT]");
                std::process::exit(0);
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: [--bind HOST:PORT]"
                ))
            }
        }
    }
    Ok(bind)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let bind = bind_arg()?;
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
