//! DNS rebinding protection: `Host` and `Origin` checks.
//!
//! A browser page on `evil.example` whose name an attacker re-points at this
//! machine (or at the LAN address of a server the browser can reach) is
//! same-origin with the MCP endpoint as far as the browser knows: its
//! requests carry `Host: evil.example` and `Origin: http://evil.example`. A
//! rebinding attack always goes through a DNS name (the browser must be made
//! to send its own origin's requests to this server), so IP literals are
//! safe and names are not. The rules, which hold whether the client is on
//! this machine, on the LAN or behind a container's port forwarding:
//!
//! | `Host` of the request | accepted |
//! |---|---|
//! | a loopback name: `localhost`, a 127.0.0.0/8 address, `[::1]` (any port) | always |
//! | the IP literal of the local address the connection reached ([`Connection::local`](super::Connection), any port) | always |
//! | a name (with or without port) listed in [`HttpOptions::allowed_hosts`] | always |
//! | any other name or IP literal, or no `Host` at all | 403, unless [`HttpOptions::allow_any_host`] |
//!
//! | `Origin` of the request | accepted |
//! |---|---|
//! | none (not a browser, or a browser's same-origin GET) | always |
//! | a loopback origin (`http://localhost:6274`) while `Host` is a loopback name | always |
//! | listed in [`HttpOptions::allowed_origins`] | always |
//! | any other, including the endpoint's own non-loopback origin and `null` | 403, unless [`HttpOptions::allow_any_origin`] |
//!
//! The local address is known when the router is served by
//! [`serve`](super::serve()) (or by an app that inserts a
//! [`Connection`] itself); without it only the loopback
//! names and the listed ones are accepted. Failures are 403 with a JSON-RPC
//! error that says what to configure.

use super::connection::Connection;
use super::options::HttpOptions;
use http::request::Parts;
use std::net::IpAddr;

/// Why a request was refused.
pub(crate) struct Forbidden(pub(crate) String);

/// Checks `Host` and `Origin` of a request.
pub(crate) fn check(options: &HttpOptions, parts: &Parts) -> Result<(), Forbidden> {
    let host = request_host(parts);
    if !options.any_host {
        let local = parts.extensions.get::<Connection>().map(|c| c.local.ip());
        match &host {
            None => {
                return Err(Forbidden(
                    "Forbidden: the request has no Host header".into(),
                ))
            }
            Some(h) if host_allowed(options, h, local) => {}
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
        if is_loopback(authority) && is_loopback(host) {
            return Ok(());
        }
    }
    Err(Forbidden(format!(
        "Forbidden: Origin {origin:?} may not call this endpoint (only loopback pages calling a loopback endpoint are implied); list it with HttpOptions::allowed_origins"
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

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn host_allowed(options: &HttpOptions, host: &str, local: Option<IpAddr>) -> bool {
    is_loopback(host)
        || local.is_some_and(|local| is_ip(host, local))
        || options
            .allowed_hosts
            .iter()
            .any(|h| h == host || h == host_name(host))
}

/// Whether `name[:port]` is the IP literal of `ip`.
fn is_ip(authority: &str, ip: IpAddr) -> bool {
    let name = host_name(authority);
    let literal = name.trim_start_matches('[').trim_end_matches(']');
    literal
        .parse::<IpAddr>()
        .is_ok_and(|literal| canonical(literal) == canonical(ip))
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
    fn origins_must_be_loopback_to_loopback_or_listed() {
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
        // The rebound page's Origin equals its Host: never enough.
        let o = HttpOptions::default().allow_any_host();
        assert!(check(&o, &parts("evil.example", Some("http://evil.example"))).is_err());
    }

    fn reached_at(host: &str, local: &str) -> Parts {
        let mut p = parts(host, None);
        let local: std::net::SocketAddr = local.parse().unwrap();
        p.extensions.insert(Connection {
            peer: "192.0.2.77:5000".parse().unwrap(),
            local,
        });
        p
    }

    #[test]
    fn the_address_the_connection_reached_is_allowed_by_its_ip_only() {
        let o = HttpOptions::default();
        assert!(check(&o, &reached_at("192.0.2.2:8000", "192.0.2.2:8000")).is_ok());
        assert!(check(&o, &reached_at("192.0.2.2:80", "192.0.2.2:8000")).is_ok());
        assert!(check(&o, &reached_at("192.0.2.3:8000", "192.0.2.2:8000")).is_err());
        assert!(check(&o, &reached_at("[fd00::2]:8000", "[fd00::2]:8000")).is_ok());
        assert!(check(&o, &reached_at("192.0.2.2", "[::ffff:192.0.2.2]:8000")).is_ok());
        assert!(check(&o, &reached_at("evil.example", "192.0.2.2:8000")).is_err());
        assert!(check(&o, &reached_at("localhost:8080", "172.17.0.2:8000")).is_ok());
    }
}
