//! Per-caller limits: how many sessions, GET streams and
//! `subscriptions/listen` streams one caller may have open at once.
//!
//! A caller is the identity of its verified token (issuer and subject or
//! client id; a token without one counts by itself). Without a token it is
//! the client's address: the peer's, or, when the peer is one of
//! [`HttpOptions::trusted_proxies`], the client the proxy forwards
//! (`Forwarded`, `X-Forwarded-For`). Some requests are limited by no
//! address, so that a proxy is never throttled for its clients:
//!
//! * a loopback client (this machine: the developer, or a reverse proxy on
//!   it that was not listed);
//! * a trusted proxy's request that names no client (no forwarded header,
//!   `for=unknown`), or whose client is loopback;
//! * every request, with [`HttpOptions::limit_by_peer_address`]`(false)`.
//!
//! A peer that sends forwarded headers without being trusted is counted by
//! its own address (a client could write any address there), and its 429
//! says how to trust it.
//!
//! Over a limit the request gets 429 with `Retry-After` and a JSON-RPC error
//! naming the limit; nothing is opened.

use super::connection::Connection;
use super::forwarded::{self, Node};
use super::options::HttpOptions;
use super::response;
use crate::auth::{AccessToken, CallerIdentity};
use crate::protocol::RequestId;
use axum::extract::ConnectInfo;
use axum::response::Response;
use http::header::{HeaderValue, RETRY_AFTER};
use http::request::Parts;
use http::StatusCode;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

/// Seconds a refused caller is told to wait (`Retry-After`).
const RETRY_AFTER_SECONDS: u64 = 5;

/// Who is counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Identity(CallerIdentity),
    /// A token without an identity, by a hash of its raw form.
    Token(u64),
    /// A client address (the peer's or the forwarded one).
    Address(IpAddr),
    /// A forwarded client's obfuscated identifier.
    Forwarded(Box<str>),
}

/// One caller, as the limits see it.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    key: Key,
    /// The peer sent forwarded headers without being a trusted proxy.
    untrusted_forwarding: bool,
}

impl Caller {
    fn describe(&self) -> String {
        match &self.key {
            Key::Identity(_) | Key::Token(_) => "this identity".into(),
            Key::Address(ip) => format!("client address {ip}"),
            Key::Forwarded(id) => format!("forwarded client {id}"),
        }
    }
}

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    Sessions,
    GetStreams,
    ListenStreams,
}

impl Limit {
    fn what(self) -> &'static str {
        match self {
            Limit::Sessions => "open sessions",
            Limit::GetStreams => "open GET streams",
            Limit::ListenStreams => "open subscriptions/listen streams",
        }
    }

    fn option(self) -> &'static str {
        match self {
            Limit::Sessions => "max_sessions_per_caller",
            Limit::GetStreams => "max_get_streams_per_caller",
            Limit::ListenStreams => "max_listen_streams_per_caller",
        }
    }

    fn advice(self) -> &'static str {
        match self {
            Limit::Sessions => "end one (DELETE) or let one idle out",
            Limit::GetStreams | Limit::ListenStreams => "close one",
        }
    }
}

/// The counters of one endpoint.
pub(crate) struct CallerLimits {
    sessions: Arc<Counter>,
    get_streams: Arc<Counter>,
    listen_streams: Arc<Counter>,
    /// Hashes raw tokens, so that no credential is kept as a key.
    hasher: RandomState,
}

impl CallerLimits {
    pub(crate) fn new(options: &HttpOptions) -> Self {
        CallerLimits {
            sessions: Counter::new(options.max_sessions_per_caller),
            get_streams: Counter::new(options.max_get_streams_per_caller),
            listen_streams: Counter::new(options.max_listen_streams_per_caller),
            hasher: RandomState::new(),
        }
    }

    /// The caller of a request; `None` when no limit applies to it.
    pub(crate) fn caller(&self, options: &HttpOptions, parts: &Parts) -> Option<Caller> {
        if let Some(token) = parts.extensions.get::<AccessToken>() {
            if let Some(identity) = token.identity() {
                return Some(Caller {
                    key: Key::Identity(identity),
                    untrusted_forwarding: false,
                });
            }
            if let Some(raw) = token.raw() {
                return Some(Caller {
                    key: Key::Token(self.hasher.hash_one(raw)),
                    untrusted_forwarding: false,
                });
            }
        }
        if !options.limit_by_peer_address {
            return None;
        }
        let peer = parts
            .extensions
            .get::<Connection>()
            .map(|c| c.peer)
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(peer)| *peer)
            })
            .map(|peer| canonical(peer.ip()))?;
        let trusted = |ip: IpAddr| options.trusted_proxies.contains(&canonical(ip));
        if trusted(peer) {
            let key = match forwarded::client(&parts.headers, trusted)? {
                Node::Ip(ip) if canonical(ip).is_loopback() => return None,
                Node::Ip(ip) => Key::Address(canonical(ip)),
                Node::Opaque(id) => Key::Forwarded(id),
            };
            return Some(Caller {
                key,
                untrusted_forwarding: false,
            });
        }
        if peer.is_loopback() {
            return None;
        }
        Some(Caller {
            key: Key::Address(peer),
            untrusted_forwarding: forwarded::present(&parts.headers),
        })
    }

    /// Counts one more `limit` for `caller` (nothing for `None`), or says
    /// that the caller has reached it.
    pub(crate) fn acquire(&self, limit: Limit, caller: Option<&Caller>) -> Result<Permit, TooMany> {
        let counter = match limit {
            Limit::Sessions => &self.sessions,
            Limit::GetStreams => &self.get_streams,
            Limit::ListenStreams => &self.listen_streams,
        };
        let Some(caller) = caller else {
            return Ok(Permit(None));
        };
        if counter.try_add(&caller.key) {
            return Ok(Permit(Some((Arc::clone(counter), caller.key.clone()))));
        }
        Err(TooMany {
            limit,
            max: counter.max,
            caller: caller.clone(),
        })
    }
}

/// A caller reached a limit.
#[derive(Debug)]
pub(crate) struct TooMany {
    limit: Limit,
    max: usize,
    caller: Caller,
}

impl TooMany {
    /// The 429 answering request `id`: `Retry-After`, and a JSON-RPC error
    /// naming the limit.
    pub(crate) fn response(&self, id: Option<&RequestId>) -> Response {
        let TooMany { limit, max, caller } = self;
        let mut message = format!(
            "Too Many Requests: {} already has {max} {} (HttpOptions::{}); {}",
            caller.describe(),
            limit.what(),
            limit.option(),
            limit.advice(),
        );
        if caller.untrusted_forwarding {
            message.push_str(
                "; this peer sends forwarded headers: if it is your reverse proxy, list it in HttpOptions::trusted_proxies (or use HttpOptions::limit_by_peer_address(false))",
            );
            tracing::warn!("{message}");
        } else {
            tracing::debug!("{message}");
        }
        let mut refusal = response::refuse(StatusCode::TOO_MANY_REQUESTS, id, message);
        refusal
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        refusal
    }
}

/// How many of one thing each caller has open.
struct Counter {
    max: usize,
    open: Mutex<HashMap<Key, usize>>,
}

impl Counter {
    fn new(max: usize) -> Arc<Counter> {
        Arc::new(Counter {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    fn try_add(&self, key: &Key) -> bool {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key.clone()).or_insert(0);
        if *count >= self.max {
            return false;
        }
        *count += 1;
        true
    }

    fn remove(&self, key: &Key) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(key);
            }
        }
    }
}

/// One open thing counted for its caller, until dropped.
pub(crate) struct Permit(Option<(Arc<Counter>, Key)>);

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some((counter, key)) = self.0.take() {
            counter.remove(&key);
        }
    }
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Permit")
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::builder().uri("/mcp");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let mut parts = b.body(()).unwrap().into_parts().0;
        let peer: SocketAddr = peer.parse().unwrap();
        parts.extensions.insert(Connection {
            peer,
            local: "10.0.0.9:8000".parse().unwrap(),
        });
        parts
    }

    fn key(options: &HttpOptions, peer: &str, headers: &[(&str, &str)]) -> Option<Key> {
        CallerLimits::new(options)
            .caller(options, &request(peer, headers))
            .map(|c| c.key)
    }

    fn address(ip: &str) -> Option<Key> {
        Some(Key::Address(ip.parse().unwrap()))
    }

    #[test]
    fn callers_are_their_address_unless_a_trusted_proxy_forwards_one() {
        let o = HttpOptions::default();
        let xff = [("x-forwarded-for", "203.0.113.7")];
        assert_eq!(key(&o, "192.0.2.5:1", &[]), address("192.0.2.5"));
        assert_eq!(key(&o, "[::ffff:192.0.2.5]:1", &[]), address("192.0.2.5"));
        assert_eq!(key(&o, "192.0.2.5:1", &xff), address("192.0.2.5"));
        assert_eq!(key(&o, "127.0.0.1:1", &[]), None);
        assert_eq!(key(&o, "[::1]:1", &xff), None);

        let o = HttpOptions::default().trusted_proxies(["10.0.0.1".parse().unwrap()]);
        assert_eq!(key(&o, "10.0.0.1:1", &xff), address("203.0.113.7"));
        assert_eq!(key(&o, "10.0.0.1:1", &[]), None);
        assert_eq!(key(&o, "10.0.0.1:1", &[("x-forwarded-for", "::1")]), None);
        assert_eq!(
            key(&o, "10.0.0.1:1", &[("forwarded", "for=_client9")]),
            Some(Key::Forwarded("_client9".into()))
        );

        let o = HttpOptions::default().limit_by_peer_address(false);
        assert_eq!(key(&o, "192.0.2.5:1", &[]), None);
    }

    #[test]
    fn permits_count_until_dropped() {
        let o = HttpOptions::default().max_sessions_per_caller(2);
        let limits = CallerLimits::new(&o);
        let caller = limits.caller(&o, &request("192.0.2.5:1", &[]));
        let other = limits.caller(&o, &request("192.0.2.6:1", &[]));
        let a = limits.acquire(Limit::Sessions, caller.as_ref()).unwrap();
        let _b = limits.acquire(Limit::Sessions, caller.as_ref()).unwrap();
        let refused = limits
            .acquire(Limit::Sessions, caller.as_ref())
            .unwrap_err()
            .response(None);
        assert_eq!(refused.status(), 429);
        assert_eq!(refused.headers()[RETRY_AFTER], "5");
        assert!(limits.acquire(Limit::Sessions, other.as_ref()).is_ok());
        assert!(limits.acquire(Limit::GetStreams, caller.as_ref()).is_ok());
        drop(a);
        assert!(limits.acquire(Limit::Sessions, caller.as_ref()).is_ok());
        for _ in 0..10 {
            assert!(limits.acquire(Limit::Sessions, None).is_ok());
        }
    }
}
