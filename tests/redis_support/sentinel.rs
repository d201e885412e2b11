//! Redis Sentinel on loopback: one primary, its replicas and three
//! Sentinels (`redis-server sentinel.conf --sentinel`), each on a free port.

use super::{command_on, Redis, LIMIT};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The service name the Sentinels monitor.
pub const SERVICE: &str = "ferrymcp";

/// One `redis-server --sentinel` this test started; killed when dropped.
pub struct Sentinel {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Sentinel {
    fn start(primary_port: u16) -> Sentinel {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("ferrymcp-sentinel-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory for the sentinel");
        let conf = dir.join("sentinel.conf");
        let mut f = std::fs::File::create(&conf).expect("sentinel.conf");
        write!(
            f,
            "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {}\nlogfile sentinel.log\n\
             sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 2\n\
             sentinel down-after-milliseconds {SERVICE} 1000\n\
             sentinel failover-timeout {SERVICE} 5000\n\
             sentinel parallel-syncs {SERVICE} 1\n",
            dir.display()
        )
        .expect("sentinel.conf written");
        let child = Command::new("redis-server")
            .arg(&conf)
            .arg("--sentinel")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("redis-server --sentinel starts");
        let s = Sentinel { child, port, dir };
        let start = Instant::now();
        while !s.probe().is_some_and(|r| r.starts_with("+PONG")) {
            assert!(start.elapsed() < LIMIT, "the sentinel never answered PING");
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    fn probe(&self) -> Option<String> {
        self.command(&["PING"])
    }

    /// Sends one command.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        command_on(self.port, args)
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A primary, one replica and three Sentinels.
pub struct Sentinels {
    /// `[primary, replica]` at start.
    pub nodes: Vec<Redis>,
    pub sentinels: Vec<Sentinel>,
}

impl Sentinels {
    /// Starts them and waits until every Sentinel knows the replica and
    /// the other Sentinels.
    pub fn start() -> Sentinels {
        let primary = Redis::start(false);
        let replica = Redis::start(false);
        let port = primary.port.to_string();
        let r = replica.command(&["REPLICAOF", "127.0.0.1", &port]);
        assert!(r.as_deref().is_some_and(|r| r.starts_with("+OK")), "{r:?}");
        let start = Instant::now();
        while !primary
            .command(&["INFO", "replication"])
            .is_some_and(|i| i.contains("state=online"))
        {
            assert!(start.elapsed() < LIMIT, "the replica never synced");
            std::thread::sleep(Duration::from_millis(20));
        }
        let sentinels: Vec<Sentinel> = (0..3).map(|_| Sentinel::start(primary.port)).collect();
        let start = Instant::now();
        while !sentinels.iter().all(|s| {
            s.command(&["SENTINEL", "MASTER", SERVICE])
                .is_some_and(|m| {
                    m.contains("num-slaves\r\n$1\r\n1")
                        && m.contains("num-other-sentinels\r\n$1\r\n2")
                })
        }) {
            assert!(
                start.elapsed() < LIMIT,
                "the sentinels never saw the replica and each other"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Sentinels {
            nodes: vec![primary, replica],
            sentinels,
        }
    }

    /// `redis://` URLs of the Sentinels.
    pub fn urls(&self) -> Vec<String> {
        self.sentinels.iter().map(Sentinel::url).collect()
    }

    /// The port of the primary the first answering Sentinel names.
    pub fn primary_port(&self) -> Option<u16> {
        self.sentinels.iter().find_map(|s| {
            let r = s.command(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE])?;
            // *2 $9 127.0.0.1 $N PORT
            r.lines().nth(4)?.trim().parse().ok()
        })
    }
}
