//! `HttpOptions`: how the streamable HTTP endpoint behaves.

use std::net::IpAddr;
use std::time::Duration;

/// How a request's response is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResponseMode {
    /// One JSON object, unless the call sends notifications (progress, logs)
    /// before its result: then an SSE stream carrying them and the result.
    /// The fastest choice for plain calls, and nothing is lost.
    #[default]
    Auto,
    /// Always an SSE stream.
    Sse,
    /// Always one JSON object. A legacy session's notifications go to its GET
    /// stream, if one is open; a stateless request's are dropped.
    Json,
}

/// Settings of the streamable HTTP endpoint ([`Server::router_with`](crate::Server::router_with)).
///
/// The defaults are safe wherever the server listens: `Host` must be a
/// loopback name or the IP address the connection reached, and `Origin` a
/// loopback page calling a loopback endpoint (DNS rebinding protection; the
/// rules are tabled in [the module](super#dns-rebinding-protection)), bodies
/// are limited to 4 MiB, a session ends after 30 idle minutes, at most
/// 10,000 sessions are open at once, and one caller (a token identity, or a
/// client address other than loopback) may have at most 100 sessions, 32 GET
/// streams and 16 `subscriptions/listen` streams open (429 beyond).
///
/// ```
/// use ferrymcp::transport::http::{HttpOptions, ResponseMode};
/// use std::time::Duration;
///
/// let options = HttpOptions::new()
///     .response_mode(ResponseMode::Sse)
///     .allowed_hosts(["mcp.example.com"])
///     .allowed_origins(["https://app.example.com"])
///     .session_idle_timeout(Duration::from_secs(600))
///     .max_sessions(1_000);
/// ```
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub(crate) response_mode: ResponseMode,
    pub(crate) max_body_bytes: usize,
    pub(crate) session_idle_timeout: Duration,
    pub(crate) max_sessions: usize,
    pub(crate) sse_buffer: usize,
    pub(crate) sse_keep_alive: Option<Duration>,
    pub(crate) sse_retry: Option<Duration>,
    pub(crate) max_replay_events: usize,
    pub(crate) max_replay_bytes: usize,
    pub(crate) allowed_hosts: Vec<String>,
    pub(crate) any_host: bool,
    pub(crate) allowed_origins: Vec<String>,
    pub(crate) any_origin: bool,
    // Per-caller limits (`limits.rs`).
    pub(crate) max_sessions_per_caller: usize,
    pub(crate) max_get_streams_per_caller: usize,
    pub(crate) max_listen_streams_per_caller: usize,
    pub(crate) trusted_proxies: Vec<IpAddr>,
    pub(crate) limit_by_peer_address: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            response_mode: ResponseMode::Auto,
            max_body_bytes: 4 * 1024 * 1024,
            session_idle_timeout: Duration::from_secs(30 * 60),
            max_sessions: 10_000,
            sse_buffer: 256,
            sse_keep_alive: Some(Duration::from_secs(15)),
            sse_retry: Some(Duration::from_secs(1)),
            max_replay_events: 1_000,
            max_replay_bytes: 1024 * 1024,
            allowed_hosts: Vec::new(),
            any_host: false,
            allowed_origins: Vec::new(),
            any_origin: false,
            // Per-caller limits.
            max_sessions_per_caller: 100,
            max_get_streams_per_caller: 32,
            max_listen_streams_per_caller: 16,
            trusted_proxies: Vec::new(),
            limit_by_peer_address: true,
        }
    }
}

impl HttpOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// How responses are sent (default [`ResponseMode::Auto`]).
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.response_mode = mode;
        self
    }

    /// The largest request body accepted; larger ones get 413 (default 4 MiB).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How long a legacy session may stay unused (no request running, no GET
    /// stream open) before it ends; later requests on it get 404 (default 30 min).
    pub fn session_idle_timeout(mut self, timeout: Duration) -> Self {
        self.session_idle_timeout = timeout;
        self
    }

    /// How many legacy sessions may be open at once; `initialize` beyond that
    /// gets 503 (default 10,000).
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max.max(1);
        self
    }

    /// How many messages of one call (or one GET stream) may wait for a slow
    /// client; beyond that they are dropped, never buffered without bound
    /// (default 256).
    pub fn sse_buffer(mut self, messages: usize) -> Self {
        self.sse_buffer = messages.max(1);
        self
    }

    /// How often an idle SSE stream gets a comment line, so proxies keep it
    /// open (default 15 s; `None` for never).
    pub fn sse_keep_alive(mut self, every: Option<Duration>) -> Self {
        self.sse_keep_alive = every.filter(|d| !d.is_zero());
        self
    }

    /// How long a client waits before it reconnects to a stream the server
    /// closed (the `retry` field of the 2025-11-25 priming event; default
    /// 1 s; `None` leaves it to the client). A call that closes its stream
    /// to be polled ([`Ctx::close_sse_stream`](crate::Ctx::close_sse_stream))
    /// is polled this often.
    pub fn sse_retry(mut self, retry: Option<Duration>) -> Self {
        self.sse_retry = retry;
        self
    }

    /// How many events of its streams a legacy session keeps for clients
    /// that reconnect with `Last-Event-ID` (default 1,000; at least 1). The
    /// oldest go first; a resume that needs a dropped one is told so
    /// ([resumable streams](super#resumable-streams)).
    pub fn max_replay_events(mut self, events: usize) -> Self {
        self.max_replay_events = events.max(1);
        self
    }

    /// How many bytes of events a legacy session keeps for resuming clients
    /// (default 1 MiB; the newest event is kept even when larger).
    pub fn max_replay_bytes(mut self, bytes: usize) -> Self {
        self.max_replay_bytes = bytes.max(1);
        self
    }

    /// Host names (with or without port: `mcp.example.com`,
    /// `mcp.example.com:8443`) accepted in the `Host` header besides the
    /// loopback names and the IP address the connection reached. Needed for
    /// every DNS name clients use: a public name, a LAN name, the name a
    /// reverse proxy forwards.
    pub fn allowed_hosts<I, S>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_hosts
            .extend(hosts.into_iter().map(|h| h.into().to_ascii_lowercase()));
        self
    }

    /// Accepts any `Host` header: no DNS rebinding protection by host name
    /// (the `Origin` check still applies). For a server that authenticates
    /// every request.
    pub fn allow_any_host(mut self) -> Self {
        self.any_host = true;
        self
    }

    /// Origins (`https://app.example.com`) whose browser pages may call the
    /// endpoint, besides loopback pages calling a loopback endpoint. Any
    /// other `Origin` gets 403, the endpoint's own origin included when it is
    /// not loopback: a rebound page's origin is the name it reached the
    /// server by, so no origin is implied by `Host`.
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins.extend(
            origins
                .into_iter()
                .map(|o| o.into().trim_end_matches('/').to_ascii_lowercase()),
        );
        self
    }

    /// Accepts any `Origin` header.
    pub fn allow_any_origin(mut self) -> Self {
        self.any_origin = true;
        self
    }

    // Per-caller limits.

    /// How many legacy sessions one caller may have open at once (default
    /// 100); `initialize` beyond that gets 429 with `Retry-After`. A caller is
    /// the identity of its token, else its client address (see
    /// [`trusted_proxies`](Self::trusted_proxies)); loopback clients are not
    /// limited by address.
    pub fn max_sessions_per_caller(mut self, max: usize) -> Self {
        self.max_sessions_per_caller = max.max(1);
        self
    }

    /// How many GET streams (one per legacy session) one caller may have
    /// open at once (default 32); more get 429.
    pub fn max_get_streams_per_caller(mut self, max: usize) -> Self {
        self.max_get_streams_per_caller = max.max(1);
        self
    }

    /// How many 2026-07-28 `subscriptions/listen` streams one caller may have
    /// open at once (default 16); more get 429.
    pub fn max_listen_streams_per_caller(mut self, max: usize) -> Self {
        self.max_listen_streams_per_caller = max.max(1);
        self
    }

    /// The addresses of your reverse proxies (default none). A request from
    /// one of them is counted for the client it forwards (`Forwarded`, else
    /// `X-Forwarded-For`, read from the right past the listed proxies); one
    /// that names no client is not limited by address. Forwarded headers
    /// from any other peer are ignored: it is counted by its own address.
    ///
    /// ```
    /// use ferrymcp::transport::http::HttpOptions;
    /// use std::net::{IpAddr, Ipv4Addr};
    ///
    /// let options = HttpOptions::new()
    ///     .trusted_proxies([IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))])
    ///     .allowed_hosts(["mcp.example.com"]);
    /// ```
    pub fn trusted_proxies<I>(mut self, proxies: I) -> Self
    where
        I: IntoIterator<Item = IpAddr>,
    {
        self.trusted_proxies
            .extend(proxies.into_iter().map(|ip| match ip {
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
                v4 => v4,
            }));
        self
    }

    /// Whether callers without a token identity are limited by their client
    /// address (default `true`). Turn it off when the server cannot tell
    /// clients apart (behind a proxy whose addresses change, and whose
    /// forwarded headers cannot be trusted); the limits per token identity
    /// and the global [`max_sessions`](Self::max_sessions) still apply.
    pub fn limit_by_peer_address(mut self, on: bool) -> Self {
        self.limit_by_peer_address = on;
        self
    }
}
