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
//! With [queue shards](RedisConfig::shards), the task keys below (`task`,
//! `queue`, `seq`, `owner`, `owner-expiry`) exist once per shard: `{p}` for
//! shard 0, `{p:k}` for shard `k`, each shard in its own slot; a task lives
//! in the shard its id hashes to. The channels and the session keys stay
//! under `{p}`.
//!
//! * `{p}:task:<id>`: a hash with the record (JSON), its `version`, its
//!   `tag` (authentication, when a key is set), the job (tool, arguments
//!   and snapshot; encrypted when a key is set; deleted once the task is
//!   terminal), the delivery count and the creation sequence. It expires
//!   with the task (`PEXPIREAT`).
//! * `{p}:queue`: a Stream of task ids, consumed by the group `workers`.
//! * `{p}:owner:…`: a sorted set of each caller's tasks by creation
//!   sequence, for `tasks/list`; `{p}:owner-expiry:…`: the same tasks by
//!   expiry. Creating a task removes the caller's expired ones from both
//!   (up to 100 at a time), and both expire with their latest task, so
//!   they hold no more than the caller's live tasks without anyone calling
//!   `tasks/list`.
//! * `{p}:events`: the pub/sub channel every new record version is
//!   published on (with its tag, when a key is set).
//! * `{p}:changes`: the pub/sub channel of change announcements, when the
//!   servers use [`RedisChangeRelay`] (a worker's `ResourceUpdated` reaches
//!   the clients of every HTTP node).
//! * `{p}:session:<id>`: one HTTP session's record (JSON: revision, client
//!   info and capabilities, owner, log level, subscriptions), when the
//!   servers use [`RedisSessionStore`]; it expires after the idle timeout.
//!   `{p}:sessions`: the pub/sub channel of session events (ended, updated,
//!   messages for a GET stream or from a client) and, then, of changes.
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
//! (`XAUTOCLAIM`, following its cursor through the whole pending list, so
//! long-running jobs of live workers never hide a dead one's) and runs it
//! again, with [`Ctx::attempt`](crate::Ctx::attempt) one higher. A run whose
//! final status could not be stored is not acknowledged, so it runs again
//! too. Tools that run as tasks should therefore be idempotent, or use the
//! attempt and the task id ([`Ctx::task_id`](crate::Ctx::task_id)) to
//! detect a repeat.
//!
//! A worker hands a job back, for another worker to take over at once,
//! when it shuts down with the job still running past the grace period
//! ([`TaskOptions::shutdown_grace`](crate::task::TaskOptions::shutdown_grace)),
//! and when the job is sealed with a key id it does not have (a key
//! rotation under way); it then leaves that job to the others for one
//! visibility timeout. Every delivery counts: a task delivered
//! [`RedisConfig::max_deliveries`] times without finishing is failed (when
//! no worker had its key, with a message naming the key id).
//!
//! # Snapshots at rest
//!
//! The snapshot holds the caller's verified token, without its raw form
//! unless the app keeps it
//! ([`TaskOptions::keep_raw_token`](crate::task::TaskOptions::keep_raw_token)).
//! Without a key ([`RedisConfig::snapshot_key`]) it is stored in Redis as
//! plain JSON: anyone who can read Redis can replay the token, and the
//! backend says so with a warning when it is created. Set a key:
//!
//! * jobs are encrypted (AES-256-GCM, bound to their task id), and a job
//!   stored in plain text is refused (the task fails, saying why): nobody
//!   with write access to Redis can slip in a job to run as a caller;
//! * records are authenticated (HMAC-SHA256 of the task id and the record,
//!   under a key derived from each configured key): a record whose owner,
//!   status, result or TTL was rewritten in Redis, or a forged one published
//!   on the events channel, is logged as tampered with (`ERROR`) and reads
//!   as no task at all, so it never serves another caller. What a tag cannot
//!   tell is an older, authentic version of the same task written back.
//!
//! Every process of a deployment needs the keys: HTTP nodes tag the records
//! they write. Records and jobs stored without a key (before keys were set)
//! read as no task once keys are configured. To rotate, first give every
//! process the new key as a decryption key, then make it current
//! everywhere; a worker that lacks the key of a job hands it to one that has
//! it.
//!
//! # Durability
//!
//! The backend never acknowledges a task Redis did not accept; whether an
//! accepted task survives a Redis crash is Redis's persistence setting
//! (`appendonly yes`; `appendfsync always` to lose nothing).
//!
//! With replicas (a Cluster, [Sentinel](RedisConfig::sentinel)), replication
//! is asynchronous: by default a task acknowledged just before its primary
//! dies may be missing on the replica promoted in its place.
//! [`RedisConfig::durable`] waits until replicas confirm each new task
//! (`WAIT`) before acknowledging it, and fails the creation, saying so,
//! when they do not.
//!
//! # Redis Cluster and Sentinel
//!
//! [`RedisConfig::cluster`] takes seed nodes and uses the cluster client
//! (it follows `MOVED` and `ASK`); [`RedisConfig::sentinel`] asks the
//! Sentinels for the primary, and again after a failover. During a
//! failover, commands to the lost primary fail until the new one is known:
//! a creation answers that the task was not created (or not acknowledged),
//! never a hang; workers and waiters resume by themselves.
//!
//! [`Server::run_task_workers`]: crate::Server::run_task_workers

mod backend;
mod changes;
mod connection;
mod crypto;
mod depth;
mod events;
mod keys;
mod scripts;
mod sessions;

pub use backend::RedisBackend;
pub use changes::RedisChangeRelay;
pub use crypto::KeyError;
pub use sessions::RedisSessionStore;

use std::time::Duration;

/// The most shards [`RedisConfig::shards`] takes.
const MAX_SHARDS: usize = 1024;

/// How a [`RedisBackend`] connects and behaves. Every setting but the URL
/// has a default.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    url: String,
    /// Seed nodes of a Redis Cluster, or the Sentinels (empty: one server
    /// at `url`).
    cluster: Vec<String>,
    /// The service the Sentinels in `cluster` monitor.
    sentinel: Option<String>,
    durable: Option<(u32, Duration)>,
    prefix: String,
    shards: usize,
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
            cluster: Vec::new(),
            sentinel: None,
            durable: None,
            prefix: "ferrymcp".into(),
            shards: 1,
            visibility_timeout: Duration::from_secs(30),
            queue_capacity: 100_000,
            max_deliveries: 5,
            refresh_interval: Duration::from_secs(5),
            keyring: crypto::Keyring::default(),
        }
    }

    /// Connects to a Redis Cluster through its seed nodes (`redis://host:port`
    /// each; one reachable node is enough, the others are found from it).
    /// The backend uses the cluster client: it follows `MOVED` and `ASK`,
    /// and finds the new primary of a slot after a failover. Every key of
    /// one prefix lives in one slot (see the [module docs](self)).
    ///
    /// Pub/sub (task events, [`RedisChangeRelay`], [`RedisSessionStore`])
    /// listens on one seed node at a time, moving to the next when it goes
    /// away. The session store's commands go through the cluster client as
    /// well (its keys live in the `{prefix}` slot); no test covers the
    /// session store on a Cluster yet.
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), redis::RedisError> {
    /// use ferrymcp::task::redis::{RedisBackend, RedisConfig};
    /// use std::time::Duration;
    /// let backend = RedisBackend::new(
    ///     RedisConfig::cluster(["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"])
    ///         .durable(1, Duration::from_millis(500)),
    /// )?;
    /// # let _ = backend; Ok(()) }
    /// ```
    pub fn cluster<I, S>(nodes: I) -> RedisConfig
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let nodes: Vec<String> = nodes.into_iter().map(Into::into).collect();
        let mut config = RedisConfig::new(nodes.first().cloned().unwrap_or_default());
        config.cluster = nodes;
        config
    }

    /// Connects to the primary of `service` as Redis Sentinel names it
    /// (`sentinels`: `redis://host:port` of each Sentinel; one that answers
    /// is enough). A connection that breaks, or whose server answers that
    /// it is a read-only replica (a failover happened), asks the Sentinels
    /// again, so the backend follows a failover by itself: commands in
    /// flight during the switch fail (a task creation says it was not
    /// created) and the next ones go to the new primary.
    ///
    /// The session store ([`RedisSessionStore`]) and the change relay
    /// ([`RedisChangeRelay`]) given this configuration connect the same
    /// way: their commands go to the current primary, and their
    /// subscriptions subscribe again on the new primary after a failover.
    /// Messages published during the switch (change announcements, session
    /// events) may be lost, and sessions written just before the primary
    /// died may be missing on the promoted replica (replication is
    /// asynchronous; [`durable`](Self::durable) covers task creations
    /// only).
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), redis::RedisError> {
    /// use ferrymcp::task::redis::{RedisBackend, RedisConfig};
    /// let backend = RedisBackend::new(RedisConfig::sentinel(
    ///     ["redis://10.0.0.1:26379", "redis://10.0.0.2:26379", "redis://10.0.0.3:26379"],
    ///     "mymaster",
    /// ))?;
    /// # let _ = backend; Ok(()) }
    /// ```
    pub fn sentinel<I, S>(sentinels: I, service: impl Into<String>) -> RedisConfig
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut config = RedisConfig::cluster(sentinels);
        config.sentinel = Some(service.into());
        config
    }

    /// Waits, after storing each new task and before acknowledging it,
    /// until `replicas` replicas of the primary that stored it confirm they
    /// have it (`WAIT replicas timeout`). When fewer confirm within
    /// `timeout`, creating the task fails with an error saying so (the task
    /// may still run: it is stored on the primary, but a failover may lose
    /// it).
    ///
    /// Without it (the default) a task is acknowledged once the primary has
    /// it: Redis replicates asynchronously, so a task acknowledged just
    /// before the primary dies may be missing on the replica promoted in
    /// its place. With it, an acknowledged task is on `replicas + 1`
    /// servers; it survives the loss of the primary as long as a replica
    /// that confirmed it is promoted (Redis Cluster and Sentinel promote
    /// the most up-to-date replica). `WAIT` does not make the data durable
    /// on disk (that is `appendonly`/`appendfsync`). `replicas` 0 turns it
    /// off. Status changes by workers are not waited for: a change lost in
    /// a failover makes the task run again (delivery is at least once).
    pub fn durable(mut self, replicas: u32, timeout: Duration) -> Self {
        self.durable = (replicas > 0).then_some((replicas, timeout.max(Duration::from_millis(1))));
        self
    }

    /// The prefix of every key (default `ferrymcp`); it is also the hash
    /// tag, so one prefix lives in one Cluster slot (one per shard with
    /// [`shards`](Self::shards)). Processes that share a prefix share tasks.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Splits the queue into `n` shards (default 1; at most 1024), each
    /// under its own hash tag, so that on a Redis Cluster the shards live
    /// in different slots and the load spreads over the primaries: a task
    /// goes to the shard its id hashes to (FNV-1a, modulo `n`), shard 0
    /// keeps the keys of a deployment without shards (`{prefix}`), shard
    /// `k` uses `{prefix:k}`. Workers read every shard, starting with a
    /// different one each time; `tasks/list` merges the shards.
    ///
    /// Every process of a deployment must use the same `n`. Changing it
    /// on a live deployment orphans the tasks of the shards it removes
    /// (they are neither run nor found) and makes every process look for a
    /// task in a shard other than the one it was created in: drain the
    /// queue first (or start a new prefix). `tasks/list` cursors made with
    /// another `n` are refused. The tag `{prefix:k}` is also the tag of the
    /// prefix `prefix:k`: deployments sharing a Redis must not use prefixes
    /// `p` and `p:<number>` side by side.
    pub fn shards(mut self, n: usize) -> Self {
        self.shards = n.clamp(1, MAX_SHARDS);
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
    /// creating one more fails with "the task queue is full". With
    /// [shards](Self::shards), each shard holds its share (the capacity
    /// divided by the number of shards, rounded up).
    pub fn queue_capacity(mut self, n: u64) -> Self {
        self.queue_capacity = n.max(1);
        self
    }

    /// After how many deliveries a task is failed instead of run again
    /// (default 5). Every delivery counts, also those a worker handed back
    /// (shutdown, missing key).
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
    /// (stored with each snapshot), and authenticates records with a key
    /// derived from it. New snapshots use the key set last. With any key
    /// set, plain-text jobs and untagged records are refused.
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
