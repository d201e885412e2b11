//! `ServeOptions`: the timeouts and caps [`serve_with`](super::serve_with)
//! applies to connections, and `IpRange` for trusted proxies.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

/// How [`serve_with`](super::serve_with) treats connections: timeouts
/// against clients that are slow or gone, and caps on how many connections
/// are open. [`serve`](super::serve) uses the defaults, which are meant for a
/// server on the open internet:
///
/// | setting | default |
/// |---|---|
/// | [`header_read_timeout`](Self::header_read_timeout) | 10 s |
/// | [`body_read_timeout`](Self::body_read_timeout) | 10 s |
/// | [`min_body_rate`](Self::min_body_rate) | 1024 bytes/s, after [`body_rate_grace`](Self::body_rate_grace) 5 s |
/// | [`idle_timeout`](Self::idle_timeout) | 75 s |
/// | [`write_timeout`](Self::write_timeout) | 30 s |
/// | [`max_connections`](Self::max_connections) | 10,000 (fewer when the file-descriptor limit is lower) |
/// | [`max_connections_per_peer`](Self::max_connections_per_peer) | 256 |
/// | [`max_header_bytes`](Self::max_header_bytes) | 64 KiB |
///
/// A timed-out connection is closed (a request whose body timed out gets
/// 408 first). A connection over a cap is answered `503 Service Unavailable`
/// with `Retry-After: 1` and closed at once; nothing waits in a queue. An
/// HTTP/1.1 connection runs one request at a time: pipelined requests wait
/// in its read buffer, which `max_header_bytes` and hyper's buffer limit
/// bound.
///
/// ```
/// use ferrymcp::transport::http::{IpRange, ServeOptions};
/// use std::time::Duration;
///
/// # fn main() -> Result<(), ferrymcp::transport::http::InvalidIpRange> {
/// // Behind a load balancer at 10.0.0.0/8: per-client caps use the
/// // address it puts in `X-Forwarded-For`.
/// let options = ServeOptions::new()
///     .header_read_timeout(Duration::from_secs(5))
///     .max_connections(50_000)
///     .trusted_proxies(["10.0.0.0/8".parse::<IpRange>()?]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub(crate) header_read_timeout: Duration,
    pub(crate) body_read_timeout: Duration,
    pub(crate) min_body_rate: u64,
    pub(crate) body_rate_grace: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) max_connections_per_peer: Option<usize>,
    pub(crate) trusted_proxies: Vec<IpRange>,
    pub(crate) max_header_bytes: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            min_body_rate: 1024,
            body_rate_grace: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(75),
            write_timeout: Duration::from_secs(30),
            max_connections: 10_000,
            max_connections_per_peer: Some(256),
            trusted_proxies: Vec::new(),
            max_header_bytes: 64 * 1024,
        }
    }
}

/// The shortest timeout: a zero one would close every connection at once.
const SHORTEST: Duration = Duration::from_millis(1);

/// The longest timeout (a year): longer ones are as good as none, and
/// deadlines stay representable.
const LONGEST: Duration = Duration::from_secs(365 * 24 * 3600);

fn timeout_between(timeout: Duration) -> Duration {
    timeout.clamp(SHORTEST, LONGEST)
}

impl ServeOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a request's line and headers may take to arrive, counted
    /// from the connection's opening for its first request and from the
    /// first byte for later ones; then the connection is closed (default
    /// 10 s, at least 1 ms). This is what ends "slowloris" connections.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout_between(timeout);
        self
    }

    /// The longest wait for more bytes of a request body; then the request
    /// gets 408 and the connection is closed (default 10 s, at least 1 ms).
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout_between(timeout);
        self
    }

    /// The slowest a request body may arrive on average, in bytes per second
    /// from the moment the app first waits for it, once
    /// [`body_rate_grace`](Self::body_rate_grace) has passed: slower bodies
    /// get 408 and the connection is closed (default 1024; 0 turns the check
    /// off). With the defaults a 4 MiB body may take at most about 68
    /// minutes, and one sent at a byte per second is cut after 5 s.
    pub fn min_body_rate(mut self, bytes_per_second: u64) -> Self {
        self.min_body_rate = bytes_per_second;
        self
    }

    /// How long a body may arrive at any rate before
    /// [`min_body_rate`](Self::min_body_rate) applies (default 5 s).
    pub fn body_rate_grace(mut self, grace: Duration) -> Self {
        self.body_rate_grace = grace.min(LONGEST);
        self
    }

    /// How long a keep-alive connection may wait for its next request; then
    /// it is closed (default 75 s, longer than the 60 s most load balancers
    /// keep an idle connection to a backend; at least 1 ms).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout_between(timeout);
        self
    }

    /// How long a response (an SSE stream too) may wait on a client that
    /// does not read it: when no byte can be written for this long, the
    /// connection is closed and the response dropped (default 30 s, at least
    /// 1 ms). Responses are otherwise not limited in time.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout_between(timeout);
        self
    }

    /// How many connections may be open at once; more are answered 503 and
    /// closed (default 10,000, at least 1). When the process may not open
    /// that many files (`ulimit -n`), the cap is lowered to leave room for
    /// the process's other files, and a warning is logged.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// How many connections one client address may hold open at once; more
    /// are answered 503 and closed (default `Some(256)`; `None` for no
    /// per-address cap, at least 1). IPv6 addresses count per /64 network,
    /// the block one host usually has. Requests relayed by a
    /// [trusted proxy](Self::trusted_proxies) count against the client the
    /// proxy names, one per request in progress.
    pub fn max_connections_per_peer(mut self, max: Option<usize>) -> Self {
        self.max_connections_per_peer = max.map(|m| m.max(1));
        self
    }

    /// Reverse proxies whose `X-Forwarded-For` header is believed. Their own
    /// connections escape the per-address cap; each request they relay
    /// counts against the client address in that header (the rightmost
    /// address that is not itself a trusted proxy) while it runs. The header
    /// is ignored on connections from any other address. Without trusted
    /// proxies, every connection behind a proxy shares the proxy's address:
    /// list the proxy here, or turn the per-address cap off.
    pub fn trusted_proxies<I>(mut self, proxies: I) -> Self
    where
        I: IntoIterator<Item = IpRange>,
    {
        self.trusted_proxies.extend(proxies);
        self
    }

    /// The largest request line plus headers accepted; larger ones get 431
    /// and the connection is closed (default 64 KiB).
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes.max(1);
        self
    }
}

/// One address or a block of them (`192.0.2.7`, `10.0.0.0/8`, `::1`,
/// `2001:db8::/32`): a [trusted proxy](ServeOptions::trusted_proxies).
///
/// ```
/// use ferrymcp::transport::http::IpRange;
///
/// let range: IpRange = "10.0.0.0/8".parse().unwrap();
/// assert!(range.contains("10.1.2.3".parse().unwrap()));
/// assert!("10.0.0.0/33".parse::<IpRange>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// The block of addresses whose first `prefix` bits are those of
    /// `network`, or an error when `prefix` is longer than the address.
    pub fn new(network: IpAddr, prefix: u8) -> Result<IpRange, InvalidIpRange> {
        let bits = match network {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        if prefix > bits {
            return Err(InvalidIpRange(format!(
                "the prefix /{prefix} is longer than the {bits} bits of {network}"
            )));
        }
        Ok(IpRange { network, prefix })
    }

    /// Whether `ip` is in the block (an IPv4 address matches its IPv6-mapped
    /// form and back).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_matches(u32::from(net).into(), u32::from(ip).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_matches(u128::from(net), u128::from(ip), 128, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V4(ip)) => prefix_matches(
                u128::from(net),
                u128::from(ip.to_ipv6_mapped()),
                128,
                self.prefix,
            ),
            (IpAddr::V4(_), IpAddr::V6(_)) => false,
        }
    }
}

impl From<IpAddr> for IpRange {
    /// The single address.
    fn from(ip: IpAddr) -> IpRange {
        let prefix = if ip.is_ipv4() { 32 } else { 128 };
        IpRange {
            network: ip,
            prefix,
        }
    }
}

impl FromStr for IpRange {
    type Err = InvalidIpRange;

    fn from_str(text: &str) -> Result<IpRange, InvalidIpRange> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.trim().parse().map_err(|_| {
            InvalidIpRange(format!(
                "{text:?} is not an IP address or a CIDR block such as 10.0.0.0/8"
            ))
        })?;
        match prefix {
            None => Ok(IpRange::from(network)),
            Some(prefix) => {
                let prefix: u8 = prefix.trim().parse().map_err(|_| {
                    InvalidIpRange(format!(
                        "{text:?}: the prefix length after '/' must be a number"
                    ))
                })?;
                IpRange::new(network, prefix)
            }
        }
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Why a text is not an [`IpRange`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidIpRange(String);

impl fmt::Display for InvalidIpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidIpRange {}

/// Whether the first `prefix` of `width` bits of `a` and `b` agree.
fn prefix_matches(a: u128, b: u128, width: u32, prefix: u8) -> bool {
    let prefix = u32::from(prefix);
    if prefix == 0 {
        return true;
    }
    let shift = width - prefix;
    (a >> shift) == (b >> shift)
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_parse_and_match() {
        let r: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(r.contains(ip("10.255.0.1")));
        assert!(r.contains(ip("::ffff:10.0.0.1")));
        assert!(!r.contains(ip("11.0.0.1")));
        let one: IpRange = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")));
        assert!(!one.contains(ip("192.0.2.8")));
        let v6: IpRange = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::5")));
        let all: IpRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        assert!(!all.contains(ip("2001:db8::1")));
    }

    #[test]
    fn bad_ranges_say_why() {
        let e = "10.0.0.0/33".parse::<IpRange>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "the prefix /33 is longer than the 32 bits of 10.0.0.0"
        );
        let e = "proxy.local".parse::<IpRange>().unwrap_err();
        assert!(e.to_string().contains("is not an IP address"), "{e}");
        let e = "10.0.0.0/x".parse::<IpRange>().unwrap_err();
        assert!(e.to_string().contains("must be a number"), "{e}");
    }
}
