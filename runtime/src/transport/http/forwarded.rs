//! The client address a reverse proxy forwards: `Forwarded` (RFC 7239) or
//! `X-Forwarded-For`, read only when the peer is a trusted proxy.
//!
//! Each proxy appends the address it received the request from, so the list
//! is read from the right: trusted proxies are skipped, and the first other
//! entry is the client (what a client wrote itself is further left, and is
//! never reached while the proxies are honest).

use http::header::{HeaderMap, HeaderName};
use std::net::IpAddr;

/// `X-Forwarded-For`.
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// At most this many entries are read, from the right.
const MAX_ENTRIES: usize = 32;

/// The longest opaque client identifier kept (RFC 7239 `_obfuscated`).
const MAX_OPAQUE: usize = 64;

/// One entry of the forwarded chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    /// An IP address (its port, if any, dropped).
    Ip(IpAddr),
    /// An obfuscated identifier (`_hidden`), which a proxy keeps stable per client.
    Opaque(Box<str>),
}

/// Whether the request carries a forwarded header at all.
pub(crate) fn present(headers: &HeaderMap) -> bool {
    headers.contains_key(http::header::FORWARDED) || headers.contains_key(X_FORWARDED_FOR)
}

/// The client the trusted proxies forwarded the request for: `None` when
/// there is no forwarded header, or the client is `unknown` or unreadable.
/// `Forwarded` wins over `X-Forwarded-For` when both are there.
pub(crate) fn client(headers: &HeaderMap, trusted: impl Fn(IpAddr) -> bool) -> Option<Node> {
    let chain = if headers.contains_key(http::header::FORWARDED) {
        entries(headers, &http::header::FORWARDED, forwarded_for)
    } else {
        entries(headers, &X_FORWARDED_FOR, |e| Some(e.trim()))
    };
    let mut leftmost = None;
    for entry in chain.into_iter().rev().take(MAX_ENTRIES) {
        let node = node(entry)?;
        match node {
            Node::Ip(ip) if trusted(ip) => leftmost = Some(node),
            other => return Some(other),
        }
    }
    // Every entry was a trusted proxy: the request started at the leftmost.
    leftmost
}

/// The address of the client the trusted proxies forwarded the request for,
/// IPv4-mapped IPv6 read as IPv4: `None` when there is no forwarded header,
/// the client is `unknown`, unreadable or opaque, or every entry is a trusted
/// proxy (then the peer itself is the client to count).
pub(crate) fn client_ip(headers: &HeaderMap, trusted: impl Fn(IpAddr) -> bool) -> Option<IpAddr> {
    let canonical = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let trusted = |ip: IpAddr| trusted(canonical(ip));
    match client(headers, trusted)? {
        Node::Ip(ip) if !trusted(ip) => Some(canonical(ip)),
        _ => None,
    }
}

/// The entries of every value of `name`, left to right (a comma outside
/// quotes separates them), each mapped by `pick`.
fn entries<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
    pick: impl Fn(&'a str) -> Option<&'a str>,
) -> Vec<&'a str> {
    let mut out = Vec::new();
    for value in headers.get_all(name) {
        let Ok(value) = value.to_str() else {
            // An unreadable value: no entry is trusted to be the client.
            out.push("");
            continue;
        };
        let mut quoted = false;
        let mut start = 0;
        for (i, b) in value.bytes().enumerate() {
            match b {
                b'"' => quoted = !quoted,
                b',' if !quoted => {
                    out.push(pick(&value[start..i]).unwrap_or(""));
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.push(pick(&value[start..]).unwrap_or(""));
    }
    out
}

/// The `for=` parameter of one `Forwarded` element.
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// One node: `ip`, `ip:port`, `[v6]`, `[v6]:port`, `_opaque`; `None` for
/// `unknown` and anything else.
fn node(text: &str) -> Option<Node> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(Node::Ip(ip));
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (ip, _) = rest.split_once(']')?;
        return ip.parse().ok().map(Node::Ip);
    }
    if let Some((ip, port)) = text.rsplit_once(':') {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(ip) = ip.parse::<std::net::Ipv4Addr>() {
                return Some(Node::Ip(IpAddr::V4(ip)));
            }
        }
    }
    let opaque = text.starts_with('_')
        && text.len() <= MAX_OPAQUE
        && text[1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    opaque.then(|| Node::Opaque(text.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> Option<Node> {
        Some(Node::Ip(s.parse().unwrap()))
    }

    fn proxies(ip: IpAddr) -> bool {
        ip == IpAddr::from([10, 0, 0, 1]) || ip == IpAddr::from([10, 0, 0, 2])
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client() {
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.0.0.2")]);
        assert_eq!(client(&h, proxies), ip("203.0.113.7"));
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "203.0.113.7:5555"),
        ]);
        assert_eq!(client(&h, proxies), ip("203.0.113.7"));
        let h = headers(&[("x-forwarded-for", "10.0.0.2, 10.0.0.1")]);
        assert_eq!(client(&h, proxies), ip("10.0.0.2"));
        assert_eq!(client(&HeaderMap::new(), proxies), None);
    }

    #[test]
    fn forwarded_is_read_and_wins() {
        let h = headers(&[
            (
                "forwarded",
                "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https, For=10.0.0.1",
            ),
            ("x-forwarded-for", "198.51.100.9"),
        ]);
        assert_eq!(client(&h, proxies), ip("2001:db8::7"));
        let h = headers(&[("forwarded", "proto=https;for=_hidden-1")]);
        assert_eq!(client(&h, proxies), Some(Node::Opaque("_hidden-1".into())));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client(&h, proxies), None);
        let h = headers(&[("forwarded", "by=10.0.0.1")]);
        assert_eq!(client(&h, proxies), None);
    }

    #[test]
    fn garbage_names_no_client() {
        for v in ["", "not an ip", "1.2.3.4.5", "[::1", "_a b", "evil.example"] {
            let h = headers(&[("x-forwarded-for", v)]);
            assert_eq!(client(&h, proxies), None, "{v:?}");
        }
        let h = headers(&[("x-forwarded-for", "203.0.113.7, garbage")]);
        assert_eq!(client(&h, proxies), None);
    }

    fn client_of(values: &[&str], trusted: &[&str]) -> Option<IpAddr> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(X_FORWARDED_FOR, v.parse().unwrap());
        }
        let trusted: Vec<crate::transport::http::IpRange> =
            trusted.iter().map(|t| t.parse().unwrap()).collect();
        client_ip(&headers, |ip| {
            trusted.iter().any(|range| range.contains(ip))
        })
    }

    fn addr(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_rightmost_untrusted_address_is_the_client() {
        let client = client_of;
        assert_eq!(
            client(&["203.0.113.5"], &["10.0.0.0/8"]),
            addr("203.0.113.5")
        );
        assert_eq!(
            client(&["6.6.6.6, 203.0.113.5, 10.0.0.2"], &["10.0.0.0/8"]),
            addr("203.0.113.5")
        );
        assert_eq!(
            client(
                &["6.6.6.6", "203.0.113.5:4711", "10.1.1.1"],
                &["10.0.0.0/8"]
            ),
            addr("203.0.113.5")
        );
        assert_eq!(client(&["[2001:db8::7]:443"], &[]), addr("2001:db8::7"));
        assert_eq!(client(&["[2001:db8::8]"], &[]), addr("2001:db8::8"));
        assert_eq!(client(&["::ffff:192.0.2.9"], &[]), addr("192.0.2.9"));
    }

    #[test]
    fn no_client_address_when_nothing_believable_names_one() {
        let client = client_of;
        assert_eq!(client(&[], &["10.0.0.0/8"]), None);
        assert_eq!(client(&["10.0.0.1, 10.0.0.2"], &["10.0.0.0/8"]), None);
        assert_eq!(client(&["203.0.113.5, unknown"], &["10.0.0.0/8"]), None);
        assert_eq!(client(&[" , "], &[]), None);
        assert_eq!(client(&["_hidden"], &[]), None);
    }
}
