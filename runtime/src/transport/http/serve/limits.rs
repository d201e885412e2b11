//! The caps on open connections: how many in all, and how many per client
//! address. A place is taken when a connection is accepted (or, behind a
//! trusted proxy, when a relayed request starts) and given back when its
//! slot is dropped.

use super::options::canonical;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The counts behind the caps, shared by every connection of one `serve`.
pub(crate) struct Limits {
    max_total: usize,
    total: AtomicUsize,
    max_per_peer: Option<usize>,
    per_peer: Mutex<HashMap<IpAddr, usize>>,
}

/// Which cap a connection was over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Over {
    /// `max_connections`.
    Total,
    /// `max_connections_per_peer`.
    PerPeer,
}

impl Limits {
    pub(crate) fn new(max_total: usize, max_per_peer: Option<usize>) -> Limits {
        Limits {
            max_total,
            total: AtomicUsize::new(0),
            max_per_peer,
            per_peer: Mutex::new(HashMap::new()),
        }
    }

    /// Whether there is a per-address cap.
    pub(crate) fn caps_peers(&self) -> bool {
        self.max_per_peer.is_some()
    }

    /// Takes a place for a connection from `peer`; `per_peer` says whether it
    /// counts against its address (a trusted proxy's does not).
    pub(crate) fn admit_connection(
        self: &Arc<Self>,
        peer: IpAddr,
        per_peer: bool,
    ) -> Result<ConnectionSlot, Over> {
        if self.total.fetch_add(1, Ordering::Relaxed) >= self.max_total {
            self.total.fetch_sub(1, Ordering::Relaxed);
            return Err(Over::Total);
        }
        // Dropped on refusal, which gives the total place back.
        let mut slot = ConnectionSlot {
            limits: Arc::clone(self),
            peer: None,
        };
        if per_peer && self.max_per_peer.is_some() {
            let key = peer_key(peer);
            if !self.take_peer_place(key) {
                return Err(Over::PerPeer);
            }
            slot.peer = Some(key);
        }
        Ok(slot)
    }

    /// Takes a place for a request relayed for `client` by a trusted proxy;
    /// `None` when the client is at its cap.
    pub(crate) fn admit_request(self: &Arc<Self>, client: IpAddr) -> Option<PeerSlot> {
        let key = peer_key(client);
        self.take_peer_place(key).then(|| PeerSlot {
            limits: Arc::clone(self),
            key,
        })
    }

    fn take_peer_place(&self, key: IpAddr) -> bool {
        let Some(max) = self.max_per_peer else {
            return true;
        };
        let mut counts = self.per_peer.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(key).or_insert(0);
        if *count >= max {
            return false;
        }
        *count += 1;
        true
    }

    fn give_back_peer_place(&self, key: IpAddr) {
        let mut counts = self.per_peer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&key);
            }
        }
    }
}

/// An open connection's place; given back when dropped (with the socket).
pub(crate) struct ConnectionSlot {
    limits: Arc<Limits>,
    peer: Option<IpAddr>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Some(key) = self.peer {
            self.limits.give_back_peer_place(key);
        }
        self.limits.total.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A relayed request's place under its client's cap; given back when
/// dropped (with the response body).
pub(crate) struct PeerSlot {
    limits: Arc<Limits>,
    key: IpAddr,
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        self.limits.give_back_peer_place(self.key);
    }
}

/// The address a peer is counted under: IPv4 as is, IPv6 by its /64
/// network (the block one host or one customer usually gets).
fn peer_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(network))
        }
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
    fn the_total_cap_refuses_and_gives_back() {
        let limits = Arc::new(Limits::new(2, None));
        let a = limits.admit_connection(ip("10.0.0.1"), true).unwrap();
        let _b = limits.admit_connection(ip("10.0.0.2"), true).unwrap();
        assert_eq!(
            limits.admit_connection(ip("10.0.0.3"), true).err(),
            Some(Over::Total)
        );
        drop(a);
        assert!(limits.admit_connection(ip("10.0.0.3"), true).is_ok());
    }

    #[test]
    fn the_per_peer_cap_counts_ipv6_per_64_and_skips_proxies() {
        let limits = Arc::new(Limits::new(100, Some(1)));
        let _a = limits.admit_connection(ip("2001:db8::1"), true).unwrap();
        assert_eq!(
            limits.admit_connection(ip("2001:db8::2"), true).err(),
            Some(Over::PerPeer)
        );
        let _other_network = limits
            .admit_connection(ip("2001:db8:0:1::1"), true)
            .expect("another /64 is another peer");
        let _p = limits.admit_connection(ip("10.0.0.9"), false).unwrap();
        let _q = limits.admit_connection(ip("10.0.0.9"), false).unwrap();
        let r = limits.admit_request(ip("192.0.2.1")).unwrap();
        assert!(limits.admit_request(ip("::ffff:192.0.2.1")).is_none());
        drop(r);
        assert!(limits.admit_request(ip("192.0.2.1")).is_some());
        assert_eq!(limits.total.load(Ordering::Relaxed), 4);
    }
}
