//! The client a trusted reverse proxy relayed a request for, read from
//! `X-Forwarded-For`.
//!
//! Each proxy appends the address it received the request from, so the
//! entries on the right were written by proxies we trust and the first
//! entry from the right that is not a trusted proxy is the client. Entries
//! further left were written by the client or by proxies we do not know,
//! and are never believed.

use super::options::{canonical, IpRange};
use http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// The header trusted proxies name the client in.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client address `X-Forwarded-For` names, or `None` when the header is
/// missing, names only trusted proxies, or has an entry that is not an
/// address before a client is found.
pub(crate) fn forwarded_client(headers: &HeaderMap, trusted: &[IpRange]) -> Option<IpAddr> {
    for value in headers.get_all(X_FORWARDED_FOR).iter().rev() {
        let text = value.to_str().ok()?;
        for entry in text.rsplit(',').map(str::trim).filter(|e| !e.is_empty()) {
            let ip = canonical(parse_entry(entry)?);
            if !trusted.iter().any(|range| range.contains(ip)) {
                return Some(ip);
            }
        }
    }
    None
}

/// An entry: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`) or in brackets.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .and_then(|e| e.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(values: &[&str], trusted: &[&str]) -> Option<IpAddr> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(X_FORWARDED_FOR, v.parse().unwrap());
        }
        let trusted: Vec<IpRange> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        forwarded_client(&headers, &trusted)
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client() {
        assert_eq!(client(&["203.0.113.5"], &["10.0.0.0/8"]), ip("203.0.113.5"));
        assert_eq!(
            client(&["6.6.6.6, 203.0.113.5, 10.0.0.2"], &["10.0.0.0/8"]),
            ip("203.0.113.5")
        );
        assert_eq!(
            client(
                &["6.6.6.6", "203.0.113.5:4711", "10.1.1.1"],
                &["10.0.0.0/8"]
            ),
            ip("203.0.113.5")
        );
        assert_eq!(client(&["[2001:db8::7]:443"], &[]), ip("2001:db8::7"));
        assert_eq!(client(&["[2001:db8::8]"], &[]), ip("2001:db8::8"));
        assert_eq!(client(&["::ffff:192.0.2.9"], &[]), ip("192.0.2.9"));
    }

    #[test]
    fn no_client_when_nothing_believable_names_one() {
        assert_eq!(client(&[], &["10.0.0.0/8"]), None);
        assert_eq!(client(&["10.0.0.1, 10.0.0.2"], &["10.0.0.0/8"]), None);
        assert_eq!(client(&["203.0.113.5, unknown"], &["10.0.0.0/8"]), None);
        assert_eq!(client(&[" , "], &[]), None);
    }
}
