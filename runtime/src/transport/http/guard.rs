//! DNS rebinding protection: `Host` and `Origin` checks.
//!
//! A browser page on `evil.example` whose name resolves to 127.0.0.1 can reach
//! a server on the developer's machine; its requests then carry
//! `Host: evil.example` (and an `Origin` of that page). So by default:
//!
//! * `Host` must name a loopback address (`localhost`, `127.0.0.1`, `[::1]`,
//!   any port) or one of [`HttpOptions::allowed_hosts`]. When the server knows
//!   the peer is not on this machine (axum's `ConnectInfo<SocketAddr>`, which
//!   [`serve`](super::serve) provides) the check is skipped: the server was
//!   bound to a public interface on purpose, and rebinding is a local attack.
//! * `Origin`, when present, must be the request's own origin, a loopback page
//!   calling a loopback endpoint, or one of [`HttpOptions::allowed_origins`].
//!
//! Failures are 403 with a JSON-RPC error that says what to configure.

use super::options::HttpOptions;
use axum::extract::ConnectInfo;
use http::request::Parts;
use std::net::{IpAddr, SocketAddr};

/// Why a request was refused.
pub(crate) struct Forbidden(pub(crate) String);

/// Checks `Host` and `Origin` of a request.
pub(crate) fn check(options: &HttpOptions, parts: &Parts) -> Result<(), Forbidden> {
    let host = request_host(parts);
    if !options.any_host && !peer_is_remote(parts) {
        match &host {
            None => {
                return Err(Forbidden(
                    "Forbidden: the request has no Host header".into(),
                ))
            }
            Some(h) if host_allowed(options, h) => {}
            Some(h) => {
                return Err(Forbidden(format!(
                    "Forbidden: Host {h:?} is not allowed (DNS rebinding protection); list it with HttpOptions::allowed_hosts, or use HttpOptions::allow_any_host"
                )))
            }
        }
    }
    if options.any_origin {
        return Ok(());
    }
    let Some(origin) = parts.headers.get(http::header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin
        .to_str()
        .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
        .unwrap_or_default();
    if options.allowed_origins.contains(&origin) {
        return Ok(());
    }
    let authority = origin
        .split_once("://")
        .map(|(_, a)| a)
        .filter(|a| !a.is_empty() && !a.contains('/'));
    if let (Some(authority), Some(host)) = (authority, &host) {
        if authority == host || (is_loopback(authority) && is_loopback(host)) {
            return Ok(());
        }
    }
    Err(Forbidden(format!(
        "Forbidden: Origin {origin:?} may not call this endpoint; list it with HttpOptions::allowed_origins"
    )))
}

/// The `Host` header (or the URI's authority), lower-cased.
fn request_host(parts: &Parts) -> Option<std::borrow::Cow<'_, str>> {
    parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .map(str::trim_ascii)
        .map(|h| {
            if h.bytes().any(|b| b.is_ascii_uppercase()) {
                std::borrow::Cow::Owned(h.to_ascii_lowercase())
            } else {
                std::borrow::Cow::Borrowed(h)
            }
        })
}

fn peer_is_remote(parts: &Parts) -> bool {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| !canonical(peer.ip()).is_loopback())
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn host_allowed(options: &HttpOptions, host: &str) -> bool {
    is_loopback(host)
        || options
            .allowed_hosts
            .iter()
            .any(|h| h == host || h == host_name(host))
}

/// The name part of `name[:port]` or `[v6]:port`.
fn host_name(authority: &str) -> &str {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => &authority[..=end],
            None => authority,
        };
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => authority,
    }
}

/// Whether `name[:port]` names this machine.
fn is_loopback(authority: &str) -> bool {
    let name = host_name(authority);
    if name == "localhost" || name == "127.0.0.1" || name == "[::1]" {
        return true;
    }
    let ip = name.trim_start_matches('[').trim_end_matches(']');
    ip.parse::<IpAddr>()
        .is_ok_and(|ip| canonical(ip).is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(host: &str, origin: Option<&str>) -> Parts {
        let mut b = http::Request::builder().uri("/mcp").header("host", host);
        if let Some(o) = origin {
            b = b.header("origin", o);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn loopback_hosts_pass_and_others_fail() {
        let o = HttpOptions::default();
        assert!(check(&o, &parts("127.0.0.1:8000", None)).is_ok());
        assert!(check(&o, &parts("localhost", None)).is_ok());
        assert!(check(&o, &parts("[::1]:9", None)).is_ok());
        assert!(check(&o, &parts("evil.example.com", None)).is_err());
        assert!(check(&o, &parts("127.0.0.1.evil.com:80", None)).is_err());
        let o = HttpOptions::default().allowed_hosts(["mcp.example.com"]);
        assert!(check(&o, &parts("mcp.example.com:443", None)).is_ok());
        assert!(check(
            &HttpOptions::default().allow_any_host(),
            &parts("x.y", None)
        )
        .is_ok());
    }

    #[test]
    fn origins_must_be_same_loopback_or_listed() {
        let o = HttpOptions::default();
        assert!(check(&o, &parts("127.0.0.1:8000", Some("http://127.0.0.1:8000"))).is_ok());
        assert!(check(&o, &parts("127.0.0.1:8000", Some("http://localhost:6274"))).is_ok());
        assert!(check(
            &o,
            &parts("127.0.0.1:8000", Some("http://evil.example.com"))
        )
        .is_err());
        assert!(check(&o, &parts("127.0.0.1:8000", Some("null"))).is_err());
        let o = HttpOptions::default().allowed_origins(["https://app.example.com/"]);
        assert!(check(&o, &parts("localhost", Some("https://app.example.com"))).is_ok());
    }
}
