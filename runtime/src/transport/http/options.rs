//! `HttpOptions`: how the streamable HTTP endpoint behaves.

use std::time::Duration;

/// How a request's response is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
/// are limited to 4 MiB, a session ends after 30 idle minutes and at most
/// 10,000 sessions are open at once.
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
    pub(crate) allowed_hosts: Vec<String>,
    pub(crate) any_host: bool,
    pub(crate) allowed_origins: Vec<String>,
    pub(crate) any_origin: bool,
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
            allowed_hosts: Vec::new(),
            any_host: false,
            allowed_origins: Vec::new(),
            any_origin: false,
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
}
