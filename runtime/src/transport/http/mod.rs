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
//! [`Server::router_at`] routes the endpoint at a path of its own, to
//! [`merge`](axum::Router::merge) into an app: the same endpoint, without the
//! per-request work of `nest`.
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
//!   and the version header are checked against the body (400, -32020), as
//!   are the `Mcp-Param-*` headers of a `tools/call` whose tool declares
//!   `x-mcp-header` arguments; an
//!   unknown version gets 400 and -32022 with the supported list; an unknown
//!   method 404 and -32601. Closing the response stream cancels the call.
//! * 2025-03-26 to 2025-11-25 (sessions): `initialize` returns an
//!   `Mcp-Session-Id`; later requests must carry it (400 without, 404 when
//!   unknown, ended by DELETE or idle). GET opens the session's SSE stream.
//!
//! Responses are one JSON object, or an SSE stream when the call sends
//! notifications ([`ResponseMode`]). Every request is checked for DNS
//! rebinding (`Host`, `Origin`: 403) and body size (413); see [`HttpOptions`].
//!
//! # Authorization
//!
//! When the server was built with [`ServerBuilder::auth`](crate::ServerBuilder::auth),
//! every request of every revision must carry `Authorization: Bearer <token>`
//! that the configured verifier accepts:
//!
//! | request | answer |
//! |---|---|
//! | no token | 401, `WWW-Authenticate: Bearer resource_metadata="…"` |
//! | malformed `Authorization` header | 401, `Bearer error="invalid_request", error_description="…", resource_metadata="…"` |
//! | expired, wrongly signed, wrong audience or issuer, unknown key | 401, `Bearer error="invalid_token", error_description="…", resource_metadata="…"` |
//! | `access_token` in the query string | 400, `Bearer error="invalid_request", …` |
//! | `tools/call` of a tool whose `scopes` the token lacks | 403, `Bearer error="insufficient_scope", scope="a b", resource_metadata="…"` |
//! | the verifier cannot check now (JWKS down) | 503 |
//!
//! The verified [`AccessToken`](crate::AccessToken) reaches tools that ask for
//! it. A legacy session belongs to the identity that opened it: anyone else
//! presenting its id gets 404, as for an unknown session. The metadata the
//! challenges point at is served by [`Server::well_known_router`], which goes
//! at the root of the app (it is outside the path the endpoint is nested at):
//!
//! ```no_run
//! use ferrymcp::auth::{AuthConfig, JwtVerifier};
//! use ferrymcp::prelude::*;
//!
//! /// Says who is calling.
//! #[tool]
//! async fn whoami(token: AccessToken) -> String {
//!     token.subject().unwrap_or("?").to_owned()
//! }
//!
//! # async fn run(secret: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! let resource = "http://127.0.0.1:8000/mcp";
//! let auth = AuthConfig::builder(JwtVerifier::hs256(secret).audience(resource))
//!     .resource(resource)
//!     .authorization_server("http://127.0.0.1:9000")
//!     .build()?;
//! let server = Server::builder("me").auth(auth).tools(tools![whoami]).build().await?;
//! let app = axum::Router::new()
//!     .nest("/mcp", server.router())
//!     .merge(server.well_known_router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! ferrymcp::transport::http::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! [`Server::serve`] does both by itself.

mod auth;
mod connection;
mod guard;
pub(crate) mod headers;
mod legacy;
mod modern;
mod options;
pub(crate) mod response;
mod router;
mod serve;
mod sessions;
pub(crate) mod sse;
mod well_known;

/// The router type [`Server::router`] returns (axum's).
pub use axum::Router;
pub use connection::Connection;
pub use options::{HttpOptions, ResponseMode};
pub use serve::serve;
pub use well_known::MetadataPaths;

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

    /// The streamable HTTP endpoint routed at `path` itself, to
    /// [`merge`](axum::Router::merge) into an app: the same endpoint as
    /// `nest(path, server.router())`, without the work `nest` does for every
    /// request (rewriting the URI, a boxed route service per call: about 11%
    /// of a small call's instructions). [`serve`](Self::serve) mounts it this way.
    ///
    /// ```
    /// # use ferrymcp::prelude::*;
    /// # #[tool] async fn add(a: i64, b: i64) -> i64 { a + b }
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = Server::builder("calc").tools(tools![add]).build().await?;
    /// let app = axum::Router::new()
    ///     .route("/health", axum::routing::get(|| async { "ok" }))
    ///     .merge(server.router_at("/api/mcp"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// As [`axum::Router::route`] does, when `path` is not a valid route
    /// path (it must start with `/`).
    pub fn router_at(&self, path: &str) -> axum::Router {
        self.router_at_with(path, HttpOptions::default())
    }

    /// [`router_at`](Self::router_at) with these options.
    pub fn router_at_with(&self, path: &str, options: HttpOptions) -> axum::Router {
        router::router_at(self, path, options)
    }

    /// Serves the endpoint at `/mcp` on `addr` (`TCP_NODELAY` set) until the
    /// process ends, with the protected-resource metadata at the root when the
    /// server has authorization ([`well_known_router`](Self::well_known_router);
    /// its resource URL should then end in `/mcp`). When `addr` is not a
    /// loopback address the `Host` check is off (the server is public on
    /// purpose; authenticate its clients).
    pub async fn serve(&self, addr: impl tokio::net::ToSocketAddrs) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local: SocketAddr = listener.local_addr()?;
        let mut options = HttpOptions::default();
        if !local.ip().is_loopback() {
            options = options.allow_any_host();
        }
        if let Some(auth) = self.auth() {
            let ends_in_mcp = http::Uri::try_from(auth.resource())
                .is_ok_and(|u| u.path().trim_end_matches('/') == "/mcp");
            if !ends_in_mcp {
                tracing::warn!(
                    resource = auth.resource(),
                    "the resource URL does not end in /mcp, where Server::serve serves the endpoint; tokens for it will not name this endpoint"
                );
            }
        }
        let app = self
            .router_at_with("/mcp", options)
            .merge(self.well_known_router());
        serve(listener, app).await
    }
}
