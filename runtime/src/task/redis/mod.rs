//! The distributed task engine on Redis (feature `redis`).
//!
//! Any number of HTTP nodes create tasks and answer `tasks/get`,
//! `tasks/result`, `tasks/list` and `tasks/cancel` for any of them; any
//! number of worker processes ([`Server::run_task_workers`]) run them with the
//! same tool code, lifespan and injected parameters. They share one Redis:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use ferrymcp::prelude::*;
//! use ferrymcp::task::redis::{RedisBackend, RedisConfig};
//! use std::time::Duration;
//!
//! let backend = RedisBackend::new(
//!     RedisConfig::new("redis://127.0.0.1:6379")
//!         .prefix("myapp")
//!         .visibility_timeout(Duration::from_secs(30))
//!         .snapshot_key("2025-01", &[7u8; 32])?,
//! )?;
//! let server = Server::builder("myapp").tasks(backend).build().await?;
//! server.run_task_workers().await; // a worker; an HTTP node serves `server.router()`
//! # Ok(()) }
//! ```
//!
//! # Layout (one hash tag per prefix, `{prefix}`, so it runs on a Cluster)
//!
//! * `{p}:task:<id>`: a hash with the record (JSON), its `version`, the job
//!   (tool, arguments and snapshot; encrypted when a key is set; deleted
//!   once the task is terminal), the delivery count and the creation
//!   sequence. It expires with the task (`PEXPIREAT`).
//! * `{p}:queue`: a Stream of task ids, consumed by the group `workers`.
//! * `{p}:owner:…`: a sorted set of each caller's tasks, for `tasks/list`.
//! * `{p}:events`: the pub/sub channel every new record version is published on.
//! * `{p}:changes`: the pub/sub channel of change announcements, when the
//!   servers use [`RedisChangeRelay`] (a worker's `ResourceUpdated` reaches
//!   the clients of every HTTP node).
//!
//! Creating a task is one Lua script (store the hash, index it, `XADD`), so a
//! task is either stored and queued or not at all; the client gets
//! `CreateTaskResult` only after it returned. With Redis down, `tools/call`
//! answers a JSON-RPC error (-32603) saying the task was not created.
//! Status changes are compare-and-set on the record's version in a Lua
//! script that also publishes the new version: two nodes never both move a
//! task, and a terminal status never changes. A cancel on one node reaches
//! the worker running the task over pub/sub, which drops the run, and wakes
//! every `tasks/result` waiting on any node.
//!
//! # Delivery is at least once
//!
//! A worker renews its claim on the jobs it runs every third of the
//! visibility timeout. A worker that dies (or loses Redis) stops renewing;
//! after the visibility timeout another worker takes the job over
//! (`XAUTOCLAIM`) and runs it again, with [`Ctx::attempt`](crate::Ctx::attempt)
//! one higher. A run whose final status could not be stored is not
//! acknowledged, so it runs again too. Tools that run as tasks should
//! therefore be idempotent, or use the attempt and the task id
//! ([`Ctx::task_id`](crate::Ctx::task_id)) to detect a repeat. A task
//! delivered more than [`RedisConfig::max_deliveries`] times is failed.
//!
//! # Snapshots at rest
//!
//! The snapshot holds the caller's verified token, without its raw form
//! unless the app keeps it
//! ([`TaskOptions::keep_raw_token`](crate::task::TaskOptions::keep_raw_token)).
//! Without a key ([`RedisConfig::snapshot_key`]) it is stored in Redis as
//! plain JSON: with the raw token kept, anyone who can read Redis can
//! replay it. Set a key (AES-256-GCM) whenever the raw token is kept.
//!
//! # Durability
//!
//! The backend never acknowledges a task Redis did not accept; whether an
//! accepted task survives a Redis crash is Redis's persistence setting
//! (`appendonly yes`; `appendfsync always` to lose nothing).
//!
//! [`Server::run_task_workers`]: crate::Server::run_task_workers

mod backend;
mod changes;
mod crypto;
mod events;
mod keys;
mod scripts;

pub use backend::RedisBackend;
pub use changes::RedisChangeRelay;
pub use crypto::KeyError;

use std::time::Duration;

/// How a [`RedisBackend`] connects and behaves. Every setting but the URL
/// has a default.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    url: String,
    prefix: String,
    visibility_timeout: Duration,
    queue_capacity: u64,
    max_deliveries: u32,
    refresh_interval: Duration,
    keyring: crypto::Keyring,
}

impl RedisConfig {
    /// Connects to `url` (`redis://[:password@]host:port[/db]`, `rediss://`
    /// for TLS when the `redis` crate has TLS enabled).
    pub fn new(url: impl Into<String>) -> RedisConfig {
        RedisConfig {
            url: url.into(),
            prefix: "ferrymcp".into(),
            visibility_timeout: Duration::from_secs(30),
            queue_capacity: 100_000,
            max_deliveries: 5,
            refresh_interval: Duration::from_secs(5),
            keyring: crypto::Keyring::default(),
        }
    }

    /// The prefix of every key (default `ferrymcp`); it is also the hash
    /// tag, so one prefix lives in one Cluster slot. Processes that share a
    /// prefix share tasks.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a job may go without its worker renewing the claim before
    /// another worker takes it over (default 30 s). Workers renew every
    /// third of it.
    pub fn visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility_timeout = timeout.max(Duration::from_millis(100));
        self
    }

    /// How many jobs may be queued or running at once (default 100,000);
    /// creating one more fails with "the task queue is full".
    pub fn queue_capacity(mut self, n: u64) -> Self {
        self.queue_capacity = n.max(1);
        self
    }

    /// After how many deliveries a task is failed instead of run again
    /// (default 5).
    pub fn max_deliveries(mut self, n: u32) -> Self {
        self.max_deliveries = n.max(1);
        self
    }

    /// How often a waiter re-reads its task besides the pub/sub events (a
    /// safety net; default 5 s).
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval.max(Duration::from_millis(50));
        self
    }

    /// Encrypts snapshots with this 32-byte AES-256-GCM key, named `id`
    /// (stored with each snapshot). New snapshots use the key set last.
    pub fn snapshot_key(mut self, id: &str, key: &[u8]) -> Result<Self, KeyError> {
        self.keyring.add(id, key, true)?;
        Ok(self)
    }

    /// A retired key that still decrypts snapshots sealed with it (key
    /// rotation: keep it until the tasks it sealed have expired).
    pub fn old_snapshot_key(mut self, id: &str, key: &[u8]) -> Result<Self, KeyError> {
        self.keyring.add(id, key, false)?;
        Ok(self)
    }

    /// Adds a key written `KEY_ID:BASE64_OF_32_BYTES` (as in an environment
    /// variable); `current` as in [`snapshot_key`](Self::snapshot_key).
    pub fn snapshot_key_text(self, text: &str, current: bool) -> Result<Self, KeyError> {
        let (id, key) = crypto::parse_key(text)?;
        if current {
            self.snapshot_key(&id, &key)
        } else {
            self.old_snapshot_key(&id, &key)
        }
    }
}
