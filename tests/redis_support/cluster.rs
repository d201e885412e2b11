//! A real Redis Cluster on loopback: `redis-server --cluster-enabled yes`
//! ×N on free ports (each with its own bus port), joined with
//! `redis-cli --cluster create`.

use super::{Redis, Resp, LIMIT};
use std::process::Command;
use std::time::{Duration, Instant};

/// The nodes of a cluster this test started; stopped when dropped.
pub struct Cluster {
    pub nodes: Vec<Redis>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Cluster {
    /// `primaries` primaries with `replicas` replicas each, every slot
    /// assigned, `cluster_state:ok` on every node. `node_timeout_ms` is
    /// `cluster-node-timeout` (a replica promotes itself after it).
    pub fn start(primaries: usize, replicas: usize, node_timeout_ms: u64) -> Cluster {
        let timeout = node_timeout_ms.to_string();
        let nodes: Vec<Redis> = (0..primaries * (1 + replicas))
            .map(|_| {
                let bus = free_port().to_string();
                Redis::start_with(
                    false,
                    &[
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        &timeout,
                        "--cluster-port",
                        &bus,
                        // A replica may be promoted however long it was cut off.
                        "--cluster-replica-validity-factor",
                        "0",
                    ],
                )
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run `redis-cli --cluster create` ({e})"));
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let cluster = Cluster { nodes };
        cluster.wait_ok(None);
        cluster
    }

    /// `redis://127.0.0.1:PORT` of every node.
    pub fn seeds(&self) -> Vec<String> {
        self.nodes.iter().map(Redis::url).collect()
    }

    /// Waits until every running node (but `except`) says
    /// `cluster_state:ok` and knows every slot's primary.
    pub fn wait_ok(&self, except: Option<usize>) {
        let start = Instant::now();
        loop {
            let ok = self
                .nodes
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != except)
                .all(|(_, n)| {
                    n.command(&["CLUSTER", "INFO"]).is_some_and(|info| {
                        info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384")
                    })
                });
            if ok {
                return;
            }
            assert!(
                start.elapsed() < LIMIT,
                "the cluster never reached cluster_state:ok"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The hash slot of `key`.
    pub fn slot(&self, key: &str) -> u16 {
        let slot = self.nodes[0].query(&["CLUSTER", "KEYSLOT", key]).int();
        u16::try_from(slot).expect("a slot")
    }

    /// The node (index) that `asker` sees as the primary of `slot`.
    pub fn primary_of(&self, slot: u16, asker: usize) -> usize {
        let slots = self.nodes[asker].query(&["CLUSTER", "SLOTS"]);
        for range in slots.items() {
            let parts = range.items();
            let (Resp::Int(from), Resp::Int(to)) = (&parts[0], &parts[1]) else {
                panic!("a malformed CLUSTER SLOTS reply: {parts:?}");
            };
            if (*from..=*to).contains(&i64::from(slot)) {
                let port = parts[2].items()[1].int();
                return self.index_of_port(port);
            }
        }
        panic!("no node serves slot {slot}");
    }

    /// The replicas (indices) of node `primary`.
    pub fn replicas_of(&self, primary: usize) -> Vec<usize> {
        let id = self.nodes[primary]
            .query(&["CLUSTER", "MYID"])
            .text()
            .expect("a node id");
        (0..self.nodes.len())
            .filter(|i| *i != primary)
            .filter(|i| {
                self.nodes[*i]
                    .command(&["CLUSTER", "NODES"])
                    .is_some_and(|nodes| {
                        nodes
                            .lines()
                            .any(|l| l.contains("myself") && l.contains("slave") && l.contains(&id))
                    })
            })
            .collect()
    }

    fn index_of_port(&self, port: i64) -> usize {
        self.nodes
            .iter()
            .position(|n| i64::from(n.port) == port)
            .unwrap_or_else(|| panic!("no node on port {port}"))
    }
}
