//! Streamable HTTP, on axum: one endpoint that serves every MCP revision.
//!
//! [`Server::router`] returns an [`axum::Router`] that answers at its root, so
//! it can be the whole app or be nested anywhere in a bigger one:
//!
//! ```no_run
//! use axum::routing::get;
//! use ferrymcp::prelude::*;
//!
//! /// Adds two numbers.
//! #[tool]
//! async fn add(a: i64, b: i64) -> i64 { a + b }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::builder("calc").tools(tools![add]).build().await?;
//! let app = axum::Router::new()
//!     .route("/health", get(|| async { "ok" }))
//!     .nest("/mcp", server.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! ferrymcp::transport::http::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Nothing has to be started or initialized besides: the server's lifespan
//! value exists once [`build`](crate::ServerBuilder::build) returns, and the
//! router carries its own session store, so a mounted router is ready the
//! moment it is routed to. The parent app's layers (tracing, CORS, auth) apply
//! as to any route, and whatever its middleware puts in the request's
//! extensions reaches tools as [`Extension<T>`](crate::Extension); the headers
//! reach them as [`Headers`](crate::Headers).
//!
//! Which revision a POST speaks is decided per request:
//!
//! * 2026-07-28 (stateless): the `MCP-Protocol-Version` header names it, or
//!   the body declares a version in `params._meta`. `Mcp-Method`, `Mcp-Name`
//!   and the version header are checked against the body (400, -32020); an
//!   unknown version gets 400 and -32022 with the supported list; an unknown
//!   method 404 and -32601. Closing the response stream cancels the call.
//! * 2025-03-26 to 2025-11-25 (sessions): `initialize` returns an
//!   `Mcp-Session-Id`; later requests must carry it (400 without, 404 when
//!   unknown, ended by DELETE or idle). GET opens the session's SSE stream.
//!
//! Responses are one JSON object, or an SSE stream when the call sends
//! notifications ([`ResponseMode`]). Every request is checked for DNS
//! rebinding (`Host`, `Origin`: 403) and body size (413); see [`HttpOptions`].

mod guard;
mod legacy;
mod modern;
mod options;
mod response;
mod router;
mod serve;
mod sessions;
mod sse;

/// The router type [`Server::router`] returns (axum's).
pub use axum::Router;
pub use options::{HttpOptions, ResponseMode};
pub use serve::serve;

use crate::server::Server;
use std::net::SocketAddr;

impl Server {
    /// The streamable HTTP endpoint with the default [`HttpOptions`], as a
    /// router answering at its root: serve it, or `nest` it at any path.
    ///
    /// Each call creates an endpoint with its own sessions; clone the
    /// returned router to serve one endpoint in several places.
    pub fn router(&self) -> axum::Router {
        self.router_with(HttpOptions::default())
    }

    /// The streamable HTTP endpoint with these options.
    pub fn router_with(&self, options: HttpOptions) -> axum::Router {
        router::router(self, options)
    }

    /// Serves the endpoint at `/mcp` on `addr` (`TCP_NODELAY` set) until the
    /// process ends. When `addr` is not a loopback address the `Host` check is
    /// off (the server is public on purpose; authenticate its clients).
    pub async fn serve(&self, addr: impl tokio::net::ToSocketAddrs) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local: SocketAddr = listener.local_addr()?;
        let mut options = HttpOptions::default();
        if !local.ip().is_loopback() {
            options = options.allow_any_host();
        }
        let app = axum::Router::new().nest("/mcp", self.router_with(options));
        serve(listener, app).await
    }
}
