//! The connection a request arrived on: who is at the other end, and which of
//! this machine's addresses it reached.

use std::net::SocketAddr;

/// The two ends of the TCP connection a request came on.
///
/// [`serve`](super::serve) and [`serve_with`](super::serve_with) put it in
/// every request's extensions (beside axum's `ConnectInfo<SocketAddr>` of the
/// peer). Checks that depend on addresses read it: the `Host` check allows
/// the address the client connected to. (The connection caps of
/// [`ServeOptions`](super::ServeOptions) are kept by `serve` itself, by the
/// peer's address.) An app that serves the router some other way may insert
/// it itself; without it those checks fall back to their address-free rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Connection {
    /// The client's address (for a reverse proxy: the proxy's).
    pub peer: SocketAddr,
    /// The local address the client connected to.
    pub local: SocketAddr,
}
