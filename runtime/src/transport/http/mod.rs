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
//! moment it is routed to. The parent app's layers (tracing, auth) apply
//! as to any route (the endpoint answers CORS itself: [Browser
//! clients](#browser-clients)), and whatever its middleware puts in the request's
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
//!   Sessions live in the endpoint's memory, or with
//!   [`ServerBuilder::sessions`](crate::ServerBuilder::sessions) in a store
//!   every node shares, so any node behind a load balancer answers any
//!   request of any session ([`session_store`](crate::session_store)).
//!
//! Responses are one JSON object, or an SSE stream when the call sends
//! notifications ([`ResponseMode`]).
//!
//! # Resumable streams
//!
//! On the session revisions every SSE event has an id, `<stream>-<n>`
//! (a random 16-hex-digit stream key and the event's number in it, 0 being
//! the 2025-11-25 priming event), and each session keeps its recent events
//! ([`HttpOptions::max_replay_events`], [`HttpOptions::max_replay_bytes`]).
//! A client whose connection dropped sends `GET` with `Last-Event-ID` and
//! gets what that stream (a call's, `tasks/result`'s, or the GET stream)
//! sent after that id, in order, then the rest live; a call keeps running
//! while its client is away. An id that cannot be honoured is answered,
//! never skipped over: 400 for a malformed id, another session's, or a
//! stream the session no longer has; for a call's stream whose later events
//! were dropped, a stream carrying one JSON-RPC error (-32603) for the call;
//! for the GET stream in that case, 400 (open a new one). Events are kept
//! in the memory of the node that sent them. 2026-07-28 streams have no
//! ids: that revision does not resume (closing its stream cancels the call). Every request is checked for DNS
//! rebinding (`Host`, `Origin`: 403) and body size (413); see [`HttpOptions`].
//!
//! # DNS rebinding protection
//!
//! A page on `evil.example` whose name is re-pointed at this server is, for
//! the browser, same-origin with it. A rebinding attack always goes through
//! a DNS name, so the defaults accept IP literals of this server and
//! loopback names, and any other name only when listed, wherever the server
//! listens and wherever the client is (loopback, LAN, a container's
//! forwarded port):
//!
//! | `Host` of the request | accepted |
//! |---|---|
//! | a loopback name: `localhost`, a 127.0.0.0/8 address, `[::1]` (any port) | always |
//! | the IP literal of the local address the connection reached ([`Connection::local`], any port) | always |
//! | a name listed in [`HttpOptions::allowed_hosts`] | always |
//! | any other name or IP literal, or no `Host` | 403, unless [`HttpOptions::allow_any_host`] |
//!
//! | `Origin` of the request | accepted |
//! |---|---|
//! | none (not a browser, or a browser's same-origin GET) | always |
//! | a loopback origin while `Host` is a loopback name | always |
//! | listed in [`HttpOptions::allowed_origins`] | always |
//! | any other, the endpoint's own non-loopback origin and `null` included | 403, unless [`HttpOptions::allow_any_origin`] |
//!
//! The local address is known when the router is served by [`serve()`] (or an
//! app inserts a [`Connection`] itself); without it, loopback and listed
//! names only.
//!
//! # Browser clients
//!
//! CORS follows the `Origin` rules above, with no list of its own: a page
//! whose origin may call the endpoint gets CORS headers, any other gets 403
//! and none. With the defaults, a page on any loopback origin
//! (`http://localhost:5173`) may call an endpoint reached by a loopback name;
//! list other origins with [`HttpOptions::allowed_origins`].
//!
//! * A preflight (`OPTIONS`) is answered 204 after the `Host`/`Origin` check
//!   and before authentication or any body: `Access-Control-Allow-Origin`
//!   (the page's origin, never `*`), `Access-Control-Allow-Methods: POST, GET,
//!   DELETE`, `Access-Control-Allow-Headers` (`Content-Type`,
//!   `Authorization`, `Accept`, `MCP-Protocol-Version`, `Mcp-Session-Id`,
//!   `Last-Event-ID`, `Mcp-Method`, `Mcp-Name` and every `Mcp-Param-*`
//!   header the tools declare), `Access-Control-Max-Age: 7200`,
//!   `Vary: Origin`, and `Access-Control-Allow-Private-Network: true` when
//!   the browser asks for it.
//! * Every response, JSON or SSE, 401 and 429 included, echoes the origin and
//!   exposes `Mcp-Session-Id`, `MCP-Protocol-Version`, `WWW-Authenticate` and
//!   `Retry-After` to the page's script.
//! * `Access-Control-Allow-Credentials` is never sent: a page authenticates
//!   with `Authorization: Bearer`, which it sets itself.
//!
//! The protected-resource metadata ([`Server::well_known_router`]) is a
//! public document: it answers any origin with `Access-Control-Allow-Origin: *`.
//!
//! # Limits per caller
//!
//! One caller may have at most 100 legacy sessions, 32 GET streams and 16
//! `subscriptions/listen` streams open at once
//! ([`HttpOptions::max_sessions_per_caller`] and its siblings); beyond, the
//! request gets 429 with `Retry-After` and a JSON-RPC error naming the limit.
//! A caller is its token's identity; without a token, its client address:
//! the peer's, or the one a listed reverse proxy forwards
//! ([`HttpOptions::trusted_proxies`]; forwarded headers of other peers are
//! ignored). Loopback clients, and a trusted proxy's requests that name no
//! client, are not limited by address, so a proxy is never throttled for all
//! its clients; [`HttpOptions::limit_by_peer_address`] turns address limits
//! off. The endpoint-wide [`HttpOptions::max_sessions`] (503) still applies.
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
//! | a token without the [`required_scopes`](crate::auth::AuthConfigBuilder::required_scopes) | 403, `Bearer error="insufficient_scope", scope="…", resource_metadata="…"` |
//! | `tools/call` of a tool whose `scopes` the token lacks | 403, `Bearer error="insufficient_scope", scope="a b", resource_metadata="…"` (the required scopes and the tool's) |
//! | the verifier cannot check now (JWKS down) | 503, a generic `error_description`; the details (URL, error) go to the log only |
//!
//! When the configuration has
//! [`required_scopes`](crate::auth::AuthConfigBuilder::required_scopes), every
//! 401 and 400 challenge also names them (`scope="…"`), so that clients ask for
//! those rather than for every scope the metadata lists.
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
mod cors;
mod forwarded;
mod guard;
pub(crate) mod headers;
mod legacy;
mod limits;
mod modern;
mod options;
pub(crate) mod response;
mod resume;
mod router;
mod serve;
mod sessions;
pub(crate) mod sse;
mod well_known;

/// The router type [`Server::router`] returns (axum's).
pub use axum::Router;
pub use connection::Connection;
pub use options::{HttpOptions, ResponseMode};
pub use serve::{serve, serve_with, InvalidIpRange, IpRange, ServeOptions};
pub use well_known::MetadataPaths;

use crate::server::Server;

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
    /// request (rewriting the URI, a boxed route service per call: about 5%
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
    /// process ends, with the default [`HttpOptions`] and [`ServeOptions`]
    /// (connection timeouts and caps) and the protected-resource metadata at
    /// the root when the server has authorization
    /// ([`well_known_router`](Self::well_known_router); its resource URL
    /// should then end in `/mcp`).
    ///
    /// Bound to every interface (`0.0.0.0:8000`), the endpoint answers
    /// requests that name it by a loopback name or by the IP address they
    /// reached; a DNS name needs [`serve_with`](Self::serve_with) and
    /// [`HttpOptions::allowed_hosts`] ([DNS rebinding
    /// protection](self#dns-rebinding-protection)).
    pub async fn serve(&self, addr: impl tokio::net::ToSocketAddrs) -> std::io::Result<()> {
        self.serve_with(addr, HttpOptions::default(), ServeOptions::default())
            .await
    }

    /// [`serve`](Self::serve) with these endpoint options and connection
    /// timeouts and caps:
    ///
    /// ```no_run
    /// # use ferrymcp::prelude::*;
    /// use ferrymcp::transport::http::{HttpOptions, IpRange, ServeOptions};
    /// # async fn run(server: Server) -> Result<(), Box<dyn std::error::Error>> {
    /// // Behind a load balancer on 10.0.0.0/8, reached as mcp.example.com.
    /// let options = HttpOptions::new().allowed_hosts(["mcp.example.com"]);
    /// let connections = ServeOptions::new().trusted_proxies(["10.0.0.0/8".parse::<IpRange>()?]);
    /// server.serve_with("0.0.0.0:8000", options, connections).await?;
    /// # Ok(()) }
    /// ```
    pub async fn serve_with(
        &self,
        addr: impl tokio::net::ToSocketAddrs,
        options: HttpOptions,
        connections: ServeOptions,
    ) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
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
        serve_with(listener, app, connections).await
    }
}
