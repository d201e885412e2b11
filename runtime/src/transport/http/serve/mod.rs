//! Serving a router on a socket, safely on the open internet.
//!
//! [`serve`] and [`serve_with`] accept connections and run each on hyper's
//! HTTP/1.1 server, with `TCP_NODELAY` set, the connection's ends in every
//! request ([`Connection`], axum's `ConnectInfo<SocketAddr>`), and the
//! timeouts and caps of [`ServeOptions`]:
//!
//! * [`limits`]: the caps on open connections, total and per client address,
//!   checked when a connection is accepted (over a cap: 503, closed at once);
//! * [`first_head`]: a new connection waits for its first request head in
//!   the kernel's buffer, before hyper gives it buffers of its own;
//! * [`timed_io`]: the socket, which times request heads, idle keep-alive
//!   connections and writes the client does not read;
//! * [`request_body`]: request bodies, held to a read timeout and a minimum
//!   rate;
//! * [`service`]: the app as one connection sees it, and the per-client cap
//!   of requests relayed by a trusted proxy ([`forwarded`] reads the client
//!   address);
//! * [`fd_limit`]: the cap the process's limit on open files allows.

mod fd_limit;
mod first_head;
mod limits;
mod options;
mod request_body;
mod service;
mod timed_io;

pub use options::{InvalidIpRange, IpRange, ServeOptions};

use super::connection::Connection;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use limits::{ConnectionSlot, Limits, Over};
use request_body::BodyLimits;
use service::{ConnectionService, ConnectionState, ProxyCaps};
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use timed_io::{SocketTimeouts, TimedIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// Serves `app` on `listener` until the process ends, with the default
/// [`ServeOptions`]: request heads must arrive within 10 s, bodies must keep
/// coming, idle connections close after 75 s, responses nobody reads are
/// dropped after 30 s, and at most 10,000 connections (256 per client
/// address) are open at once; see [`serve_with`].
///
/// Bind the listener yourself to learn the port before serving:
///
/// ```no_run
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
/// println!("http://{}/mcp", listener.local_addr()?);
/// ferrymcp::transport::http::serve(listener, app).await
/// # }
/// ```
pub async fn serve(listener: TcpListener, app: Router) -> io::Result<()> {
    serve_with(listener, app, ServeOptions::default()).await
}

/// Serves `app` on `listener` until the process ends, with `options`.
///
/// Every connection gets `TCP_NODELAY` (small responses are not held back
/// waiting for delayed ACKs) and runs on hyper's HTTP/1.1 server (with
/// upgrades), one request at a time. Every request carries its
/// connection's [`Connection`] and axum's `ConnectInfo<SocketAddr>` of the
/// peer in its extensions. A connection over a cap is answered 503 with
/// `Retry-After` and closed without being read; the timeouts close
/// connections that are slow or gone (see [`ServeOptions`]).
///
/// ```no_run
/// use ferrymcp::transport::http::{serve_with, ServeOptions};
/// use std::time::Duration;
///
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8000").await?;
/// let options = ServeOptions::new()
///     .header_read_timeout(Duration::from_secs(5))
///     .max_connections_per_peer(Some(64));
/// serve_with(listener, app, options).await
/// # }
/// ```
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
) -> io::Result<()> {
    let server = Arc::new(Serving::new(app, options));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of files or memory: wait for connections to close
                // rather than spin.
                tracing::error!("accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let peer_ip = options::canonical(peer.ip());
        let from_proxy = server.is_trusted_proxy(peer_ip);
        match server.limits.admit_connection(peer_ip, !from_proxy) {
            Ok(slot) => {
                let server = Arc::clone(&server);
                tokio::spawn(serve_connection(server, stream, peer, from_proxy, slot));
            }
            Err(over) => {
                tracing::debug!(%peer, ?over, "connection refused: over a cap");
                refuse(stream, over);
            }
        }
    }
}

/// What every connection of one `serve_with` shares.
struct Serving {
    app: Router,
    http: http1::Builder,
    limits: Arc<Limits>,
    trusted_proxies: Arc<[IpRange]>,
    socket: SocketTimeouts,
    body: BodyLimits,
}

impl Serving {
    fn new(app: Router, options: ServeOptions) -> Serving {
        let mut max_connections = options.max_connections;
        if let Some(budget) = fd_limit::connection_budget() {
            if budget < max_connections {
                tracing::warn!(
                    "serving at most {budget} connections, not {max_connections}: the process may open only so many files; raise the limit (ulimit -n) to hold more"
                );
                max_connections = budget;
            }
        }
        let mut http = http1::Builder::new();
        // Heads are timed by `TimedIo`, without hyper's timer (which would
        // allocate a new one for every request).
        http.header_read_timeout(None)
            .max_header_size(options.max_header_bytes);
        Serving {
            app,
            http,
            limits: Arc::new(Limits::new(
                max_connections,
                options.max_connections_per_peer,
            )),
            trusted_proxies: options.trusted_proxies.clone().into(),
            socket: SocketTimeouts {
                header_read: options.header_read_timeout,
                idle: options.idle_timeout,
                write: options.write_timeout,
            },
            body: BodyLimits {
                read_timeout: options.body_read_timeout,
                min_rate: options.min_body_rate,
                rate_grace: options.body_rate_grace,
            },
        }
    }

    fn is_trusted_proxy(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|range| range.contains(ip))
    }
}

/// Runs one accepted connection until it ends.
async fn serve_connection(
    server: Arc<Serving>,
    stream: TcpStream,
    peer: SocketAddr,
    from_proxy: bool,
    slot: ConnectionSlot,
) {
    let head_due = Instant::now() + server.socket.header_read;
    match tokio::time::timeout_at(head_due, first_head::first_head_arrived(&stream)).await {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => return,
        Ok(Err(e)) => {
            tracing::debug!(%peer, "connection failed before its first request: {e}");
            return;
        }
        Err(_) => {
            tracing::debug!(
                %peer,
                "closing the connection: its first request head did not arrive within the header read timeout"
            );
            return;
        }
    }
    // hyper's state goes on the heap only now, so that a task waiting for
    // its first head stays small.
    let http = Box::pin(serve_http(server, stream, peer, from_proxy, head_due, slot));
    http.await
}

/// Serves the requests of a connection whose first head has arrived.
async fn serve_http(
    server: Arc<Serving>,
    stream: TcpStream,
    peer: SocketAddr,
    from_proxy: bool,
    head_due: Instant,
    slot: ConnectionSlot,
) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!("could not set TCP_NODELAY: {e}");
    }
    let local = stream.local_addr().unwrap_or(peer);
    let state = Arc::new(ConnectionState::default());
    let proxy = (from_proxy && server.limits.caps_peers()).then(|| ProxyCaps {
        limits: Arc::clone(&server.limits),
        trusted: Arc::clone(&server.trusted_proxies),
    });
    let service = ConnectionService::new(
        server.app.clone(),
        Connection { peer, local },
        Arc::clone(&state),
        server.body,
        proxy,
    );
    let io = TokioIo::new(TimedIo::new(stream, state, server.socket, head_due, slot));
    let connection = server.http.serve_connection(io, service).with_upgrades();
    if let Err(e) = connection.await {
        tracing::debug!(%peer, "connection ended: {e}");
    }
}

/// Answers a connection over a cap with 503 and closes it, without waiting
/// for anything: the answer goes into the socket's empty send buffer.
fn refuse(stream: TcpStream, over: Over) {
    // A std socket is written to now; tokio's would first wait for the
    // reactor to report it writable.
    let Ok(mut stream) = stream.into_std() else {
        return;
    };
    // Read what the client already sent: closing a socket with unread data
    // resets the connection, and the client might not see the answer.
    let mut scratch = [0u8; 4096];
    for _ in 0..16 {
        match stream.read(&mut scratch) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
    let answer = match over {
        Over::Total => OVER_TOTAL,
        Over::PerPeer => OVER_PER_PEER,
    };
    let _ = stream.write(answer);
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

/// The answer to a connection over `max_connections`.
const OVER_TOTAL: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\nconnection: close\r\n\
content-type: text/plain; charset=utf-8\r\ncontent-length: 60\r\n\r\n\
Service Unavailable: too many open connections; retry later\n";

/// The answer to a connection over `max_connections_per_peer`.
const OVER_PER_PEER: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\nconnection: close\r\n\
content-type: text/plain; charset=utf-8\r\ncontent-length: 73\r\n\r\n\
Service Unavailable: too many connections from this address; retry later\n";

/// Errors of one incoming connection, not of the listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn refusals_declare_their_length() {
        for answer in [super::OVER_TOTAL, super::OVER_PER_PEER] {
            let text = std::str::from_utf8(answer).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            let declared = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .unwrap();
            assert_eq!(declared, body.len().to_string(), "{text}");
        }
    }
}
