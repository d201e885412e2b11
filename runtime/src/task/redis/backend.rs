//! [`RedisBackend`]: the [`TaskBackend`] on Redis.

use super::connection::{Conn, Target};
use super::crypto::{Keyring, OpenError};
use super::events::{self, Events};
use super::keys::{shard_of, Keys};
use super::scripts;
use super::RedisConfig;
use crate::protocol::ErrorObject;
use crate::task::backend::{
    BackendError, Claimed, NewTask, TaskBackend, TaskJob, TaskPage, TaskUpdates, UpdateError,
};
use crate::task::model::now_ms;
use crate::task::{TaskId, TaskRecord, Transition};
use futures::future::BoxFuture;
use futures::FutureExt;
use redis::{RedisError, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OnceCell};
use tokio_util::sync::CancellationToken;

/// Tasks in Redis, shared by every HTTP node and worker process that uses
/// the same URL and prefix. See the [module docs](super) for the layout and
/// the guarantees.
#[derive(Clone)]
pub struct RedisBackend {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    target: Target,
    /// Replicas that must confirm a creation, and for how long to wait.
    durable: Option<(u32, Duration)>,
    /// The keys of shard 0, and of the events channel every shard shares.
    keys: Keys,
    /// The keys of each queue shard (one, shard 0, by default).
    shards: Vec<Keys>,
    keyring: Keyring,
    visibility: Duration,
    block: Duration,
    queue_capacity: u64,
    max_deliveries: u32,
    refresh: Duration,
    consumer: String,
    conn: OnceCell<Conn>,
    /// One connection per shard for blocking reads (a blocked read holds
    /// its connection).
    blocking: Vec<OnceCell<Conn>>,
    /// With several shards: the blocking read of each shard in flight, if
    /// any (what it reads is this consumer's already: taken by a later
    /// claim, never dropped), and the signal that one finished.
    reads: Mutex<Vec<Option<Read>>>,
    read_done: Arc<Notify>,
    /// The shard the next claim starts with (rotates).
    next_shard: AtomicUsize,
    pub(crate) events: Events,
    claimed: Mutex<HashMap<TaskId, Held>>,
    /// Where the next search for stale jobs goes on in each shard
    /// (`XAUTOCLAIM` cursor).
    takeover_cursor: Mutex<Vec<String>>,
    /// Entries (shard, entry id) this process handed back, and until when
    /// it leaves them to the other workers.
    handed_back: Mutex<HashMap<(usize, String), Instant>>,
    /// When this process last looked for stale jobs (it looks at most once
    /// per `block`, not before every read).
    last_scan: Mutex<Option<Instant>>,
    /// Whether the workers' group exists, per shard.
    group_ready: Vec<AtomicBool>,
    renewer: AtomicBool,
    closed: CancellationToken,
    dropped: CancellationToken,
}

/// A blocking read of one shard's stream, in flight or done.
type Read = tokio::task::JoinHandle<Result<Value, RedisError>>;

/// A job this process holds: its stream entry, and whether its final
/// status failed to be stored (then it is not acknowledged: it runs again).
struct Held {
    entry: String,
    unsettled: bool,
    /// The entry was acknowledged with the task's final status (one script).
    acked: bool,
    /// The latest version of the record this process read or wrote: the
    /// base of its next transition (compare-and-set: a stale one costs a
    /// retry, never a lost update).
    last: Option<TaskRecord>,
    /// The waiter registered before the claim read the record, for the
    /// worker's `subscribe` (it then reads nothing).
    first: Option<PreWatch>,
}

/// A waiter registered before the record was read.
struct PreWatch {
    guard: Watching,
    generation: tokio::sync::watch::Receiver<u64>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.dropped.cancel();
    }
}

fn storage(what: &str, e: &RedisError) -> BackendError {
    BackendError::Storage(format!("Redis {what} failed: {e}"))
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// [`text`], taking the bytes instead of copying them.
fn into_text(v: Value) -> Option<String> {
    match v {
        Value::BulkString(b) => String::from_utf8(b).ok(),
        Value::SimpleString(s) => Some(s),
        Value::VerbatimString { text, .. } => Some(text),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        other => text(other)?.parse().ok(),
    }
}

fn items(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) | Value::Set(a) => a,
        Value::Nil => Vec::new(),
        other => vec![other],
    }
}

/// The stream entries in an XREADGROUP or XAUTOCLAIM entry list:
/// `(entry id, task id)`.
fn entries(list: Value) -> Vec<(String, Option<String>)> {
    items(list)
        .into_iter()
        .filter_map(|entry| {
            let mut parts = items(entry).into_iter();
            let entry_id = text(&parts.next()?)?;
            let fields: Vec<Value> = parts.next().map(items).unwrap_or_default();
            let task = fields
                .chunks(2)
                .find(|kv| kv.first().and_then(text).as_deref() == Some("id"))
                .and_then(|kv| kv.get(1).and_then(text));
            Some((entry_id, task))
        })
        .collect()
}

/// `XREADGROUP` of new entries of one shard's stream, up to `max`,
/// blocking for `block` when given.
fn read_group(keys: &Keys, consumer: &str, max: usize, block: Option<Duration>) -> redis::Cmd {
    let mut cmd = redis::cmd("XREADGROUP");
    cmd.arg("GROUP")
        .arg(keys.group())
        .arg(consumer)
        .arg("COUNT")
        .arg(max);
    if let Some(block) = block {
        cmd.arg("BLOCK").arg(block.as_millis() as u64);
    }
    cmd.arg("STREAMS").arg(keys.queue()).arg(">");
    cmd
}

/// The entries of an `XREADGROUP` reply on one stream:
/// `[[stream, [[entry, [field, value]]]]]` (or a map in RESP3).
fn stream_entries(reply: Value) -> Vec<(String, Option<String>)> {
    let stream = match reply {
        Value::Map(m) => m.into_iter().next().map(|(_, v)| v),
        other => items(other)
            .into_iter()
            .next()
            .and_then(|s| items(s).into_iter().nth(1)),
    };
    stream.map(entries).unwrap_or_default()
}

impl RedisBackend {
    /// A backend for `config`. Nothing connects yet: connections open on
    /// first use and reopen by themselves after Redis comes back.
    pub fn new(config: RedisConfig) -> Result<RedisBackend, RedisError> {
        let target = Target::open(&config.url, &config.cluster, config.sentinel.as_deref())?;
        let consumer = format!(
            "{}-{}-{:08x}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into()),
            std::process::id(),
            rand::random::<u32>()
        );
        if !config.keyring.is_enabled() {
            tracing::warn!(
                "task snapshots are stored in Redis unencrypted (no RedisConfig::snapshot_key): \
                 anyone who can read Redis reads the tasks' arguments and, unless the app drops the \
                 raw token (TaskOptions), replays the callers' bearer tokens; and anyone who can write \
                 Redis can rewrite a task's owner or result undetected"
            );
        }
        let n = config.shards.max(1);
        Ok(RedisBackend {
            inner: Arc::new(Inner {
                target,
                durable: config.durable,
                keys: Keys::new(&config.prefix),
                shards: (0..n).map(|k| Keys::shard(&config.prefix, k)).collect(),
                keyring: config.keyring,
                block: (config.visibility_timeout / 2)
                    .clamp(Duration::from_millis(50), Duration::from_secs(1)),
                visibility: config.visibility_timeout,
                // Each shard holds its share of the capacity.
                queue_capacity: config.queue_capacity.div_ceil(n as u64),
                max_deliveries: config.max_deliveries,
                refresh: config.refresh_interval,
                consumer,
                conn: OnceCell::new(),
                blocking: (0..n).map(|_| OnceCell::new()).collect(),
                reads: Mutex::new((0..n).map(|_| None).collect()),
                read_done: Arc::new(Notify::new()),
                next_shard: AtomicUsize::new(0),
                events: Events::new(),
                claimed: Mutex::new(HashMap::new()),
                takeover_cursor: Mutex::new(vec![START.to_owned(); n]),
                handed_back: Mutex::new(HashMap::new()),
                last_scan: Mutex::new(None),
                group_ready: (0..n).map(|_| AtomicBool::new(false)).collect(),
                renewer: AtomicBool::new(false),
                closed: CancellationToken::new(),
                dropped: CancellationToken::new(),
            }),
        })
    }

    /// This process's consumer name in the workers' group.
    pub fn consumer(&self) -> &str {
        &self.inner.consumer
    }

    /// How many queue shards the backend uses
    /// ([`RedisConfig::shards`]).
    pub fn shards(&self) -> usize {
        self.inner.shards.len()
    }

    /// Whether snapshots are encrypted at rest.
    pub fn encrypts_snapshots(&self) -> bool {
        self.inner.keyring.is_enabled()
    }
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend")
            .field("keys", &self.inner.keys)
            .field("shards", &self.inner.shards.len())
            .field("consumer", &self.inner.consumer)
            .field("visibility_timeout", &self.inner.visibility)
            .field("keyring", &self.inner.keyring)
            .finish_non_exhaustive()
    }
}

impl Inner {
    async fn conn(&self) -> Result<Conn, BackendError> {
        self.conn
            .get_or_try_init(|| self.target.connect(Duration::from_secs(5)))
            .await
            .cloned()
            .map_err(|e| storage("connection", &e))
    }

    async fn blocking(&self, shard: usize) -> Result<Conn, BackendError> {
        let response = self.block + Duration::from_secs(5);
        self.blocking[shard]
            .get_or_try_init(|| self.target.connect(response))
            .await
            .cloned()
            .map_err(|e| storage("connection", &e))
    }

    /// The shard task `id` lives in.
    fn shard_of(&self, id: &TaskId) -> usize {
        shard_of(id, self.shards.len())
    }

    /// The keys of the shard task `id` lives in.
    fn keys_of(&self, id: &TaskId) -> &Keys {
        &self.shards[self.shard_of(id)]
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<TaskId, Held>> {
        self.claimed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The record of task `id` as stored, when its tag verifies (always
    /// without keys) and it is the record of that task; otherwise logs the
    /// tampering and reads as no task at all.
    pub(crate) fn trusted(&self, id: &TaskId, json: &str, tag: Option<&str>) -> Option<TaskRecord> {
        if let Err(why) = self.keyring.verify(id.as_str(), json, tag) {
            tracing::error!(task_id = %id, "the task record in Redis was tampered with and is ignored: {why}");
            return None;
        }
        match serde_json::from_str::<TaskRecord>(json) {
            Ok(record) if record.id() == id => Some(record),
            Ok(_) => {
                tracing::error!(task_id = %id, "the task record in Redis was tampered with and is ignored: it names another task");
                None
            }
            Err(e) => {
                tracing::error!(task_id = %id, "the task record in Redis is malformed and is ignored: {e}");
                None
            }
        }
    }

    /// Hands a claimed entry back to the other workers at once; `leave`
    /// keeps this process off it for one visibility timeout.
    async fn hand_back(&self, shard: usize, entry: &str, leave: bool) -> Result<(), BackendError> {
        if leave {
            self.lock_handed_back()
                .insert((shard, entry.to_owned()), Instant::now() + self.visibility);
        }
        let keys = &self.shards[shard];
        let mut conn = self.conn().await?;
        scripts::RELEASE
            .key(keys.queue())
            .arg(keys.group())
            .arg(&self.consumer)
            .arg(entry)
            .arg(self.visibility.as_millis() as u64)
            .invoke_async::<i64>(&mut conn)
            .await
            .map_err(|e| storage("release", &e))?;
        Ok(())
    }

    fn lock_handed_back(&self) -> std::sync::MutexGuard<'_, HashMap<(usize, String), Instant>> {
        self.handed_back.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this process handed `entry` back less than a visibility
    /// timeout ago (it leaves it to the others meanwhile).
    fn recently_handed_back(&self, shard: usize, entry: &str) -> bool {
        let now = Instant::now();
        let mut handed = self.lock_handed_back();
        handed.retain(|_, until| *until > now);
        handed.contains_key(&(shard, entry.to_owned()))
    }

    fn cursor(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.takeover_cursor
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Reads a record and its version, trying once more when the
    /// connection broke (the manager reconnects after an error).
    async fn read(&self, id: &TaskId) -> Result<Option<(TaskRecord, String)>, BackendError> {
        match self.read_once(id).await {
            Err(BackendError::Storage(_)) => {
                tokio::time::sleep(RETRY_AFTER).await;
                self.read_once(id).await
            }
            other => other,
        }
    }

    async fn read_once(&self, id: &TaskId) -> Result<Option<(TaskRecord, String)>, BackendError> {
        let mut conn = self.conn().await?;
        let v: Value = redis::cmd("HMGET")
            .arg(self.keys_of(id).task(id))
            .arg("record")
            .arg("version")
            .arg("tag")
            .query_async(&mut conn)
            .await
            .map_err(|e| storage("read", &e))?;
        Ok(self.stored(id, items(v)))
    }

    /// A record read as `[record, version, tag]`, when it is trusted and
    /// not expired.
    fn stored(&self, id: &TaskId, fields: Vec<Value>) -> Option<(TaskRecord, String)> {
        let mut fields = fields.into_iter();
        let (Some(record), Some(version), tag) = (
            fields.next().and_then(into_text),
            fields.next().and_then(into_text),
            fields.next().and_then(into_text),
        ) else {
            return None;
        };
        let record = self.trusted(id, &record, tag.as_deref())?;
        if record.is_expired_at(now_ms()) {
            return None;
        }
        Some((record, version))
    }

    /// Starts the events listener, once.
    fn listen(self: &Arc<Self>) {
        if self.events.needs_start() {
            tokio::spawn(events::listen(
                self.target.clone(),
                self.keys.events(),
                Arc::downgrade(self),
                self.dropped.clone(),
            ));
        }
    }

    /// Registers a waiter of `id` now, before its record is read.
    fn pre_watch(self: &Arc<Self>, id: &TaskId) -> PreWatch {
        PreWatch {
            generation: self.events.generation(),
            guard: Watching {
                inner: Arc::downgrade(self),
                id: id.clone(),
                rx: Some(self.events.watch(id)),
            },
        }
    }

    async fn ensure_group(&self, shard: usize) -> Result<(), BackendError> {
        if self.group_ready[shard].load(Ordering::SeqCst) {
            return Ok(());
        }
        let keys = &self.shards[shard];
        let mut conn = self.conn().await?;
        let created: Result<Value, RedisError> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(keys.queue())
            .arg(keys.group())
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut conn)
            .await;
        match created {
            Ok(_) => {}
            Err(e) if e.to_string().contains("BUSYGROUP") => {}
            Err(e) => return Err(storage("creating the workers' group", &e)),
        }
        self.group_ready[shard].store(true, Ordering::SeqCst);
        Ok(())
    }

    fn on_queue_error(&self, shard: usize, e: &RedisError) -> BackendError {
        if e.to_string().contains("NOGROUP") {
            // Redis lost the group (restarted without persistence).
            self.group_ready[shard].store(false, Ordering::SeqCst);
        }
        storage("queue", e)
    }

    /// Removes an entry that has nothing (left) to run.
    async fn drop_entry(&self, shard: usize, entry: &str) -> Result<(), BackendError> {
        self.drop_entries(shard, &[entry.to_owned()]).await
    }

    /// Removes entries that have nothing (left) to run, in one round trip.
    async fn drop_entries(&self, shard: usize, entries: &[String]) -> Result<(), BackendError> {
        if entries.is_empty() {
            return Ok(());
        }
        let keys = &self.shards[shard];
        let mut conn = self.conn().await?;
        redis::pipe()
            .atomic()
            .cmd("XACK")
            .arg(keys.queue())
            .arg(keys.group())
            .arg(entries)
            .ignore()
            .cmd("XDEL")
            .arg(keys.queue())
            .arg(entries)
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| storage("acknowledge", &e))
    }

    /// Turns stream entries into jobs for this process, in one script call
    /// (counts each delivery, hands out each job with its record); the
    /// entries with nothing to run are removed.
    async fn take(
        self: &Arc<Self>,
        shard: usize,
        entries: Vec<(String, Option<String>)>,
    ) -> Result<Vec<Claimed>, BackendError> {
        let mut nothing = Vec::new();
        let mut wanted = Vec::new();
        for (entry, task) in entries {
            match task {
                Some(task) => wanted.push((entry, TaskId::from_wire(task))),
                None => nothing.push(entry),
            }
        }
        let mut claimed = Vec::new();
        if !wanted.is_empty() {
            // Watch first, then read (in the script): no version published
            // in between is missed.
            self.listen();
            let watches: Vec<PreWatch> = wanted.iter().map(|(_, id)| self.pre_watch(id)).collect();
            let mut invocation = scripts::CLAIM.prepare_invoke();
            for (_, id) in &wanted {
                // Every task of a shard's stream lives in that shard.
                invocation.key(self.shards[shard].task(id));
            }
            let mut conn = self.conn().await?;
            let v: Value = invocation
                .invoke_async(&mut conn)
                .await
                .map_err(|e| storage("claim", &e))?;
            let mut replies = items(v).into_iter();
            for ((entry, id), watch) in wanted.into_iter().zip(watches) {
                let parts = match replies.next() {
                    Some(Value::Array(parts)) => parts,
                    // Expired, or terminal before it ran (cancelled while queued).
                    _ => {
                        nothing.push(entry);
                        continue;
                    }
                };
                if let Some(c) = self.take_one(shard, entry, id, parts, watch).await {
                    claimed.push(c);
                }
            }
        }
        if let Err(e) = self.drop_entries(shard, &nothing).await {
            if claimed.is_empty() {
                return Err(e);
            }
            // Left pending: taken over (and removed) after the visibility timeout.
            tracing::warn!("removing finished queue entries failed: {e}");
        }
        if !claimed.is_empty() {
            self.start_renewer();
        }
        Ok(claimed)
    }

    /// One claimed entry: `parts` is `[job, attempts, record, version,
    /// tag]` from the claim script. `None` when there is nothing to run
    /// here (handed back, or failed and removed).
    async fn take_one(
        self: &Arc<Self>,
        shard: usize,
        entry: String,
        id: TaskId,
        parts: Vec<Value>,
        watch: PreWatch,
    ) -> Option<Claimed> {
        let mut parts = parts.into_iter();
        let job = parts.next().and_then(into_text);
        let attempt = parts.next().as_ref().and_then(int);
        let (Some(job), Some(attempt)) = (job, attempt) else {
            let _ = self.drop_entry(shard, &entry).await;
            return None;
        };
        let attempt = u32::try_from(attempt).unwrap_or(u32::MAX);
        let record = self.stored(&id, parts.collect()).map(|(r, _)| r);
        let job = match self.keyring.open(&job, id.as_str()) {
            Err(OpenError::MissingKey(key)) if attempt < self.max_deliveries => {
                // A key rotation under way: a worker that has the key runs it.
                tracing::warn!(
                    task_id = %id,
                    attempt,
                    "the task is sealed with key id {key:?}, which this worker does not have; handed back for a worker that has it"
                );
                if let Err(e) = self.hand_back(shard, &entry, true).await {
                    tracing::warn!(task_id = %id, "handing the task back failed ({e}); another worker takes it over after the visibility timeout");
                }
                return None;
            }
            Err(OpenError::MissingKey(key)) => Err(format!(
                "the task snapshot is encrypted with key id {key:?}, which none of the workers it was delivered to ({attempt} times) has; configure that key on the workers (RedisConfig::old_snapshot_key)"
            )),
            Err(other) => Err(other.to_string()),
            Ok(j) => serde_json::from_str::<TaskJob>(&j).map_err(|e| e.to_string()),
        };
        let failure = match &job {
            Err(e) => Some(format!("the task cannot be run: {e}")),
            Ok(_) if attempt > self.max_deliveries => Some(format!(
                "the task was delivered {} times and its worker never finished it (it may crash the worker)",
                attempt - 1
            )),
            Ok(_) => None,
        };
        if let Some(message) = failure {
            tracing::warn!(task_id = %id, "{message}");
            let _ = self
                .transition(
                    id,
                    Transition::Fail(ErrorObject::internal(message)),
                    now_ms(),
                )
                .await;
            if let Err(e) = self.drop_entry(shard, &entry).await {
                tracing::warn!("removing a failed task's queue entry failed: {e}");
            }
            return None;
        }
        let job = job.ok()?;
        if let Some(record) = &record {
            self.events.deliver(record);
        }
        self.held().insert(
            id.clone(),
            Held {
                entry,
                unsettled: false,
                acked: false,
                last: record,
                first: Some(watch),
            },
        );
        Some(Claimed { id, job, attempt })
    }

    fn start_renewer(self: &Arc<Self>) {
        if self.renewer.swap(true, Ordering::SeqCst) {
            return;
        }
        let weak = Arc::downgrade(self);
        let dropped = self.dropped.clone();
        let every = (self.visibility / 3).max(Duration::from_millis(20));
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = dropped.cancelled() => return,
                    _ = tokio::time::sleep(every) => {}
                }
                let Some(inner) = weak.upgrade() else { return };
                if let Err(e) = inner.renew().await {
                    tracing::warn!("renewing claimed tasks failed: {e}");
                }
            }
        });
    }

    /// Resets the idle time of every entry this process still runs.
    async fn renew(&self) -> Result<(), BackendError> {
        let mut by_shard: Vec<Vec<String>> = vec![Vec::new(); self.shards.len()];
        for (id, h) in self.held().iter().filter(|(_, h)| !h.acked) {
            by_shard[self.shard_of(id)].push(h.entry.clone());
        }
        if by_shard.iter().all(Vec::is_empty) {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        let mut failed = None;
        for (shard, entries) in by_shard.iter().enumerate() {
            if entries.is_empty() {
                continue;
            }
            let keys = &self.shards[shard];
            let mut invocation = scripts::RENEW.key(keys.queue());
            invocation.arg(keys.group()).arg(&self.consumer);
            for entry in entries {
                invocation.arg(entry);
            }
            // One shard's primary away does not stop the others' renewals.
            if let Err(e) = invocation.invoke_async::<Value>(&mut conn).await {
                failed = Some(storage("renew", &e));
            }
        }
        failed.map_or(Ok(()), Err)
    }

    /// Pending entries idle for longer than the visibility timeout (their
    /// worker died or handed them back), now claimed by this process (at
    /// most `max`).
    ///
    /// `XAUTOCLAIM` examines at most ten pending entries per claimed one
    /// (`COUNT`), so the search follows its cursor, for at most
    /// [`TAKEOVER_CALLS`] calls per pass, and the next pass goes on where
    /// this one stopped: however many live entries come first, every stale
    /// one is reached.
    async fn stale_entries(
        &self,
        shard: usize,
        max: usize,
    ) -> Result<Vec<(String, Option<String>)>, BackendError> {
        let keys = &self.shards[shard];
        let mut conn = self.conn().await?;
        let mut cursor = self.cursor()[shard].clone();
        for _ in 0..TAKEOVER_CALLS {
            let reply: Value = redis::cmd("XAUTOCLAIM")
                .arg(keys.queue())
                .arg(keys.group())
                .arg(&self.consumer)
                .arg(self.visibility.as_millis() as u64)
                .arg(&cursor)
                .arg("COUNT")
                .arg(max)
                .query_async(&mut conn)
                .await
                .map_err(|e| self.on_queue_error(shard, &e))?;
            let mut parts = items(reply).into_iter();
            let next = parts
                .next()
                .as_ref()
                .and_then(text)
                .unwrap_or_else(|| START.into());
            self.cursor()[shard] = next.clone();
            let mut found = Vec::new();
            for (entry, task) in parts.next().map(entries).unwrap_or_default() {
                if !self.recently_handed_back(shard, &entry) {
                    found.push((entry, task));
                } else {
                    // Ours to leave alone for now: back to the others, as it was.
                    let _ = self.hand_back(shard, &entry, false).await;
                }
            }
            if !found.is_empty() {
                return Ok(found);
            }
            if next == START {
                break; // the whole pending list was seen
            }
            cursor = next;
        }
        Ok(Vec::new())
    }

    /// Whether it is time to look for stale jobs: at most once per `block`
    /// (an idle worker looks between two blocking reads, as before).
    fn scan_due(&self) -> bool {
        let mut last = self.last_scan.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|t| t.elapsed() < self.block) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }

    async fn claim_once(self: &Arc<Self>, max: usize) -> Result<Vec<Claimed>, BackendError> {
        let n = self.shards.len();
        // Each claim starts with the next shard: none waits behind another.
        let first = self.next_shard.fetch_add(1, Ordering::Relaxed) % n;
        let order: Vec<usize> = (0..n).map(|i| (first + i) % n).collect();
        for &shard in &order {
            self.ensure_group(shard).await?;
        }
        // A dead worker's jobs first: idle longer than the visibility timeout.
        if self.scan_due() {
            for &shard in &order {
                let stale = self.stale_entries(shard, max).await?;
                if stale.is_empty() {
                    continue;
                }
                for (entry, _) in &stale {
                    tracing::info!(entry = %entry, shard, "took over a task whose worker stopped renewing its claim");
                }
                // There may be more: look again at the next claim.
                *self.last_scan.lock().unwrap_or_else(|e| e.into_inner()) = None;
                return self.take(shard, stale).await;
            }
        }
        if n > 1 {
            return self.claim_sharded(max, &order).await;
        }
        let mut blocking = self.blocking(0).await?;
        let fresh: Value = read_group(&self.shards[0], &self.consumer, max, Some(self.block))
            .query_async(&mut blocking)
            .await
            .map_err(|e| self.on_queue_error(0, &e))?;
        let fresh = stream_entries(fresh);
        if fresh.is_empty() {
            return Ok(Vec::new());
        }
        self.take(0, fresh).await
    }

    /// New jobs from several shards, in `order`: first what a blocking
    /// read left in flight by an earlier claim brought (it is this
    /// consumer's already), then a read without blocking of each shard; with
    /// nothing anywhere, a blocking read of every shard that has none in
    /// flight, each on its own connection, waiting until one of them
    /// returns (or the block time passes): the next claim takes what it
    /// brought.
    async fn claim_sharded(
        self: &Arc<Self>,
        max: usize,
        order: &[usize],
    ) -> Result<Vec<Claimed>, BackendError> {
        let finished: Vec<(usize, Read)> = {
            let mut reads = self.reads.lock().unwrap_or_else(|e| e.into_inner());
            let mut finished = Vec::new();
            for &k in order {
                if reads[k].as_ref().is_some_and(|h| h.is_finished()) {
                    finished.extend(reads[k].take().map(|h| (k, h)));
                }
            }
            finished
        };
        let mut found = Vec::new();
        let mut failed = None;
        for (shard, handle) in finished {
            match handle.await {
                Ok(Ok(v)) => {
                    let fresh = stream_entries(v);
                    if !fresh.is_empty() {
                        found.push((shard, fresh));
                    }
                }
                Ok(Err(e)) => failed = Some(self.on_queue_error(shard, &e)),
                Err(_) => {} // the read panicked or was aborted: nothing read
            }
        }
        if !found.is_empty() {
            // All of it is this consumer's already: take it all (a surplus
            // over `max` waits for a permit in the engine).
            // A shard whose take fails must not drop what the others took
            // (those are held and renewed already): the error is returned
            // only when nothing was taken; the failed shard's entries stay
            // pending and are taken over after the visibility timeout.
            let mut claimed = Vec::new();
            let mut error = None;
            for (shard, fresh) in found {
                match self.take(shard, fresh).await {
                    Ok(taken) => claimed.extend(taken),
                    Err(e) => {
                        tracing::warn!(shard, error = %e, "claiming from a queue shard failed");
                        error.get_or_insert(e);
                    }
                }
            }
            return match error {
                Some(e) if claimed.is_empty() => Err(e),
                _ => Ok(claimed),
            };
        }
        if let Some(e) = failed {
            return Err(e);
        }
        let mut conn = self.conn().await?;
        for &shard in order {
            let fresh: Value = read_group(&self.shards[shard], &self.consumer, max, None)
                .query_async(&mut conn)
                .await
                .map_err(|e| self.on_queue_error(shard, &e))?;
            let fresh = stream_entries(fresh);
            if !fresh.is_empty() {
                return self.take(shard, fresh).await;
            }
        }
        // Nothing queued anywhere: block on every shard at once.
        for &shard in order {
            if self.reads.lock().unwrap_or_else(|e| e.into_inner())[shard].is_some() {
                continue;
            }
            let mut blocking = self.blocking(shard).await?;
            let cmd = read_group(&self.shards[shard], &self.consumer, max, Some(self.block));
            let done = Arc::clone(&self.read_done);
            let handle = tokio::spawn(async move {
                let reply = cmd.query_async::<Value>(&mut blocking).await;
                done.notify_one();
                reply
            });
            self.reads.lock().unwrap_or_else(|e| e.into_inner())[shard] = Some(handle);
        }
        let _ = tokio::time::timeout(
            self.block + Duration::from_secs(1),
            self.read_done.notified(),
        )
        .await;
        Ok(Vec::new())
    }

    async fn create_once(
        &self,
        id: &TaskId,
        task: &TaskRecord,
        record: &str,
        job: &str,
    ) -> Result<i64, WriteError> {
        let mut conn = self.conn().await?;
        let shard = self.keys_of(id);
        let keys = [
            shard.task(id),
            shard.queue(),
            shard.owner(task.owner()),
            shard.seq(),
            shard.owner_expiry(task.owner()),
        ];
        let tag = self.keyring.tag(id.as_str(), record);
        // The script's arguments, in its `ARGV` order.
        let args = (
            record,
            job,
            task.expires_at_ms(),
            id.as_str(),
            self.queue_capacity,
            &tag,
        );
        let Some((replicas, timeout)) = self.durable else {
            return scripts::CREATE
                .key(&keys[..])
                .arg(args)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| write_failed(&e));
        };
        // The script and `WAIT` in one pipeline: on the same connection (a
        // Cluster routes it by the script's keys), so `WAIT` counts the
        // replicas that have this write.
        let mut pipe = redis::pipe();
        pipe.cmd("EVALSHA")
            .arg(scripts::CREATE.get_hash())
            .arg(keys.len())
            .arg(&keys[..])
            .arg(args)
            .cmd("WAIT")
            .arg(replicas)
            .arg(timeout.as_millis() as u64);
        let mut reply: Result<(i64, i64), RedisError> = pipe.query_async(&mut conn).await;
        if matches!(&reply, Err(e) if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript))
        {
            scripts::CREATE
                .load_async(&mut conn)
                .await
                .map_err(|e| storage("write", &e))?;
            reply = pipe.query_async(&mut conn).await;
        }
        let (seq, confirmed) = reply.map_err(|e| write_failed(&e))?;
        Ok(if seq != -2 && confirmed < i64::from(replicas) {
            UNCONFIRMED - confirmed.max(0)
        } else {
            seq
        })
    }

    /// The error of a creation that `confirmed` replicas of the ones
    /// required confirmed.
    fn unconfirmed(&self, confirmed: i64) -> BackendError {
        let (replicas, timeout) = self.durable.unwrap_or_default();
        BackendError::Storage(format!(
            "the task was stored, but only {confirmed} of the {replicas} Redis replicas it needs \
             (RedisConfig::durable) confirmed it within {} ms: it is not acknowledged, since a \
             failover could lose it (it may still run; look for it with tasks/list)",
            timeout.as_millis()
        ))
    }

    async fn transition(
        &self,
        id: TaskId,
        transition: Transition,
        now: u64,
    ) -> Result<TaskRecord, UpdateError> {
        let terminal = matches!(
            transition,
            Transition::Complete(_) | Transition::Fail(_) | Transition::Cancel(_)
        );
        let mut result = self.transition_inner(&id, transition.clone(), now).await;
        if matches!(result, Err(UpdateError::Backend(BackendError::Storage(_)))) {
            // Compare-and-set re-reads: safe to try once more.
            tokio::time::sleep(RETRY_AFTER).await;
            result = self.transition_inner(&id, transition, now).await;
        }
        if terminal && matches!(result, Err(UpdateError::Backend(_))) {
            if let Some(held) = self.held().get_mut(&id) {
                // Its end was not stored: do not acknowledge it, so it runs again.
                held.unsettled = true;
            }
        }
        result
    }

    async fn transition_inner(
        &self,
        id: &TaskId,
        transition: Transition,
        now: u64,
    ) -> Result<TaskRecord, UpdateError> {
        // The worker running the task holds its latest record: no read.
        let mut base = self.held().get(id).and_then(|h| h.last.clone()).map(|r| {
            let version = r.version().to_string();
            (r, version, true)
        });
        for _ in 0..100 {
            let (mut record, version, cached) = match base.take() {
                Some(known) => known,
                None => match self.read(id).await? {
                    Some((record, version)) => (record, version, false),
                    None => return Err(UpdateError::NotFound),
                },
            };
            let before = record.clone();
            if let Err(error) = record.apply(transition.clone(), now) {
                if cached && !before.status().is_terminal() {
                    continue; // refused by a version that may be stale: read
                }
                return Err(UpdateError::Refused {
                    error,
                    record: Box::new(before),
                });
            }
            let json = serde_json::to_string(&record)
                .map_err(|_| BackendError::Storage("a task record does not serialize".into()))?;
            let tag = self.keyring.tag(id.as_str(), &json);
            // Without a tag the message is the record itself: not sent twice.
            let message = if tag.is_empty() {
                String::new()
            } else {
                events::message(&tag, &json)
            };
            let terminal = record.status().is_terminal();
            // The final status of a job this process runs acknowledges its
            // entry in the same script.
            let entry = if terminal {
                self.held()
                    .get(id)
                    .filter(|h| !h.unsettled && !h.acked)
                    .map(|h| h.entry.clone())
            } else {
                None
            };
            let mut conn = self.conn().await?;
            let keys = self.keys_of(id);
            let written: Value = scripts::TRANSITION
                .key(keys.task(id))
                .key(keys.owner(record.owner()))
                .key(keys.owner_expiry(record.owner()))
                .key(keys.queue())
                .arg(&version)
                .arg(record.version())
                .arg(&json)
                .arg(self.keys.events())
                .arg(if terminal { "1" } else { "0" })
                .arg(&tag)
                .arg(&message)
                .arg(
                    record
                        .retained_until_ms()
                        .map_or_else(String::new, |until| until.to_string()),
                )
                .arg(id.as_str())
                .arg(keys.group())
                .arg(entry.as_deref().unwrap_or(""))
                .invoke_async(&mut conn)
                .await
                .map_err(|e| storage("update", &e))?;
            match written {
                Value::Int(1) => {
                    self.events.deliver(&record);
                    if let Some(held) = self.held().get_mut(id) {
                        held.last = Some(record.clone());
                        held.acked |= entry.is_some();
                    }
                    return Ok(record);
                }
                Value::Int(-1) => return Err(UpdateError::NotFound),
                Value::Array(stored) => {
                    // Raced: apply again to the version now stored.
                    match self.stored(id, stored) {
                        Some((record, version)) => base = Some((record, version, false)),
                        None => return Err(UpdateError::NotFound),
                    }
                    tokio::task::yield_now().await;
                }
                other => {
                    return Err(BackendError::Storage(format!(
                        "Redis update failed: unexpected reply {other:?}"
                    ))
                    .into())
                }
            }
        }
        Err(BackendError::Storage("the task changed too often to update it".into()).into())
    }
}

const CURSOR_PREFIX: &str = "redis:";

/// The start of a stream (and the cursor `XAUTOCLAIM` returns after the
/// last pending entry).
const START: &str = "0-0";

/// How many `XAUTOCLAIM` calls (ten pending entries each) one search for a
/// stale job makes at most; the next search goes on from there.
const TAKEOVER_CALLS: usize = 50;

/// What [`Inner::create_once`] returns when the replicas did not confirm
/// the task: this minus the number that did.
const UNCONFIRMED: i64 = -1_000;

/// The pause before the one retry of an operation whose connection broke.
const RETRY_AFTER: Duration = Duration::from_millis(50);

impl TaskBackend for RedisBackend {
    fn create(&self, task: NewTask) -> BoxFuture<'_, Result<(), BackendError>> {
        async move {
            let inner = &self.inner;
            if inner.closed.is_cancelled() {
                return Err(BackendError::Closed);
            }
            let id = task.record.id().clone();
            let record = serde_json::to_string(&task.record)
                .map_err(|_| BackendError::Storage("a task record does not serialize".into()))?;
            let job = serde_json::to_string(&task.job)
                .map_err(|_| BackendError::Storage("a task snapshot does not serialize".into()))?;
            let job = inner
                .keyring
                .seal(job, id.as_str())
                .map_err(BackendError::Storage)?;
            let create = || inner.create_once(&id, &task.record, &record, &job);
            let seq = match create().await {
                Err(WriteError {
                    error: BackendError::Storage(_),
                    maybe_applied: unknown,
                }) => {
                    // The connection may have broken (Redis restarted): once
                    // more; a task found then is the one the first try stored.
                    // When the first write may have been applied (the
                    // connection dropped after it was sent), try until the
                    // store answers, within a bound, so the client is never
                    // told "not created" of a task that exists and will run.
                    let until = tokio::time::Instant::now() + UNKNOWN_OUTCOME_WINDOW;
                    let mut wait = RETRY_AFTER;
                    loop {
                        tokio::time::sleep(wait).await;
                        match create().await.map_err(|e| e.error) {
                            Ok(-1) => break 0,
                            Ok(seq) => break seq,
                            Err(BackendError::Storage(_))
                                if unknown
                                    && tokio::time::Instant::now() < until
                                    && !inner.closed.is_cancelled() =>
                            {
                                wait = (wait * 2).min(Duration::from_millis(500));
                            }
                            Err(e) if unknown => return Err(maybe_created(e)),
                            Err(e) => return Err(not_created(e)),
                        }
                    }
                }
                other => other.map_err(|e| e.error)?,
            };
            match seq {
                -2 => Err(BackendError::QueueFull),
                -1 => Err(BackendError::Storage("task id collision; try again".into())),
                n if n <= UNCONFIRMED => Err(inner.unconfirmed(UNCONFIRMED - n)),
                _ => Ok(()),
            }
        }
        .boxed()
    }

    fn get(&self, id: TaskId) -> BoxFuture<'_, Result<Option<TaskRecord>, BackendError>> {
        async move { Ok(self.inner.read(&id).await?.map(|(r, _)| r)) }.boxed()
    }

    fn list(
        &self,
        owner: Option<String>,
        cursor: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<TaskPage, BackendError>> {
        async move {
            match self.list_once(owner.clone(), cursor.clone(), limit).await {
                Err(BackendError::Storage(_)) => {
                    tokio::time::sleep(RETRY_AFTER).await;
                    self.list_once(owner, cursor, limit).await
                }
                other => other,
            }
        }
        .boxed()
    }

    fn transition(
        &self,
        id: TaskId,
        transition: Transition,
        now_ms: u64,
    ) -> BoxFuture<'_, Result<TaskRecord, UpdateError>> {
        async move { self.inner.transition(id, transition, now_ms).await }.boxed()
    }

    fn subscribe(&self, id: TaskId) -> BoxFuture<'_, Result<Option<TaskUpdates>, BackendError>> {
        async move {
            let inner = Arc::clone(&self.inner);
            // A job this process claimed: its waiter was registered before
            // the claim read the record.
            let pre = inner.held().get_mut(&id).and_then(|h| h.first.take());
            let (guard, generation, known) = match pre {
                Some(pre) => {
                    let known = pre
                        .guard
                        .rx
                        .as_ref()
                        .is_some_and(|rx| rx.borrow().is_some());
                    (pre.guard, pre.generation, known)
                }
                None => {
                    inner.listen();
                    // Watch first, then read: no version published in between is missed.
                    let pre = inner.pre_watch(&id);
                    (pre.guard, pre.generation, false)
                }
            };
            if !known {
                let Some((record, _)) = inner.read(&id).await? else {
                    return Ok(None);
                };
                inner.events.deliver(&record);
            }
            let state = Follow {
                inner,
                guard,
                generation,
                last: None,
            };
            Ok(Some(futures::StreamExt::boxed(futures::stream::unfold(
                state,
                Follow::next,
            ))))
        }
        .boxed()
    }

    fn claim(&self) -> BoxFuture<'_, Result<Option<Claimed>, BackendError>> {
        async move { Ok(self.claim_many(1).await?.into_iter().next()) }.boxed()
    }

    fn claim_many(&self, max: usize) -> BoxFuture<'_, Result<Vec<Claimed>, BackendError>> {
        async move {
            let inner = &self.inner;
            loop {
                if inner.closed.is_cancelled() {
                    return Ok(Vec::new());
                }
                let claimed = tokio::select! {
                    biased;
                    _ = inner.closed.cancelled() => return Ok(Vec::new()),
                    c = inner.claim_once(max.max(1)) => c?,
                };
                if !claimed.is_empty() {
                    return Ok(claimed);
                }
            }
        }
        .boxed()
    }

    fn ack(&self, id: TaskId) -> BoxFuture<'_, Result<(), BackendError>> {
        async move {
            let held = self.inner.held().remove(&id);
            match held {
                None => Ok(()),
                // Acknowledged with its final status.
                Some(h) if h.acked => Ok(()),
                Some(h) if h.unsettled => {
                    tracing::warn!(task_id = %id, "the task's end was not stored; it will be delivered again");
                    Ok(())
                }
                Some(h) => self.inner.drop_entry(self.inner.shard_of(&id), &h.entry).await,
            }
        }
        .boxed()
    }

    fn release(&self, id: TaskId) -> BoxFuture<'_, Result<(), BackendError>> {
        async move {
            // Stop renewing it, and let the next worker looking for a stale
            // job take it over now (not after the visibility timeout). Should
            // that fail, it is taken over after the visibility timeout.
            let held = self.inner.held().remove(&id);
            match held {
                Some(h) => {
                    self.inner
                        .hand_back(self.inner.shard_of(&id), &h.entry, true)
                        .await
                }
                None => Ok(()),
            }
        }
        .boxed()
    }

    fn queue_depth(&self) -> BoxFuture<'_, Result<Option<u64>, BackendError>> {
        async move {
            let (i, mut conn) = (&self.inner, self.inner.conn().await?);
            let queues: Vec<String> = i.shards.iter().map(Keys::queue).collect();
            super::depth::queue_depth(&mut conn, &queues, i.keys.group())
                .await
                .map(Some)
                .map_err(|e| storage("queue depth", &e))
        }
        .boxed()
    }

    fn is_durable(&self) -> bool {
        true
    }

    fn close(&self, _reason: String) -> BoxFuture<'_, Result<(), BackendError>> {
        // Durable: queued tasks stay queued for the other workers.
        self.inner.closed.cancel();
        futures::future::ready(Ok(())).boxed()
    }
}

/// What one shard holds for one page of `tasks/list`: its valid records
/// from the page's position on, with their sequences (at most the page
/// size and one), and where a read after all of them would start.
struct ShardPage {
    records: Vec<(u64, TaskRecord)>,
    end: u64,
}

/// The position of each shard in a `tasks/list` cursor: `redis:P0.P1…`,
/// one creation sequence per shard (with one shard, `redis:P0`: the cursor
/// of a deployment without shards). `None` when it is not one of ours, or
/// was made for another number of shards.
fn parse_cursor(cursor: &str, shards: usize) -> Option<Vec<u64>> {
    let positions = cursor
        .strip_prefix(CURSOR_PREFIX)?
        .split('.')
        .map(|p| {
            // Digits only (no sign, no spaces).
            (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u64>().ok())
                .flatten()
        })
        .collect::<Option<Vec<u64>>>()?;
    (positions.len() == shards).then_some(positions)
}

fn format_cursor(positions: &[u64]) -> String {
    let parts: Vec<String> = positions.iter().map(u64::to_string).collect();
    format!("{CURSOR_PREFIX}{}", parts.join("."))
}

impl RedisBackend {
    /// One page of `owner`'s tasks. Each shard orders its tasks by its own
    /// creation sequence; the page merges the shards by sequence (then
    /// shard), so it takes a prefix of each shard's list, and the cursor
    /// says where each shard goes on.
    async fn list_once(
        &self,
        owner: Option<String>,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<TaskPage, BackendError> {
        let inner = &self.inner;
        let n = inner.shards.len();
        let starts = match cursor {
            None => vec![0; n],
            Some(c) => parse_cursor(&c, n).ok_or(BackendError::BadCursor(c))?,
        };
        let limit = limit.max(1);
        let conn = inner.conn().await?;
        let now = now_ms();
        let pages = futures::future::try_join_all(starts.iter().enumerate().map(|(k, &start)| {
            self.shard_page(k, conn.clone(), owner.as_deref(), start, limit + 1, now)
        }))
        .await?;
        let mut merged: Vec<(u64, usize, TaskRecord)> = pages
            .iter()
            .enumerate()
            .flat_map(|(k, p)| p.records.iter().map(move |(seq, r)| (*seq, k, r.clone())))
            .collect();
        merged.sort_by_key(|(seq, k, _)| (*seq, *k));
        let mut page = TaskPage::default();
        if merged.len() > limit {
            // Each shard goes on at its first record not on this page, or,
            // when all it read is on it (it had no more), after them.
            let mut positions: Vec<u64> = pages.iter().map(|p| p.end).collect();
            for (seq, k, _) in merged[limit..].iter().rev() {
                positions[*k] = *seq;
            }
            page.next_cursor = Some(format_cursor(&positions));
            merged.truncate(limit);
        }
        page.tasks = merged.into_iter().map(|(_, _, r)| r).collect();
        Ok(page)
    }

    /// Up to `want` valid records of `owner` in shard `k` from sequence
    /// `start` on; index entries whose task is gone are removed on the way.
    async fn shard_page(
        &self,
        k: usize,
        mut conn: Conn,
        owner: Option<&str>,
        mut start: u64,
        want: usize,
        now: u64,
    ) -> Result<ShardPage, BackendError> {
        let inner = &self.inner;
        let keys = &inner.shards[k];
        let key = keys.owner(owner);
        let mut records = Vec::new();
        loop {
            let batch: Vec<(String, u64)> = redis::cmd("ZRANGEBYSCORE")
                .arg(&key)
                .arg(start)
                .arg("+inf")
                .arg("WITHSCORES")
                .arg("LIMIT")
                .arg(0)
                .arg(want - records.len())
                .query_async(&mut conn)
                .await
                .map_err(|e| storage("list", &e))?;
            if batch.is_empty() {
                return Ok(ShardPage {
                    records,
                    end: start,
                });
            }
            let mut pipe = redis::pipe();
            for (id, _) in &batch {
                pipe.cmd("HMGET")
                    .arg(keys.task(&TaskId::from_wire(id.clone())))
                    .arg("record")
                    .arg("tag");
            }
            let stored: Vec<(Option<String>, Option<String>)> = pipe
                .query_async(&mut conn)
                .await
                .map_err(|e| storage("list", &e))?;
            let full = batch.len() == want - records.len();
            let mut gone = Vec::new();
            for ((id, seq), (record, tag)) in batch.iter().zip(stored) {
                let task = TaskId::from_wire(id.clone());
                let record = record
                    .and_then(|r| inner.trusted(&task, &r, tag.as_deref()))
                    .filter(|r| !r.is_expired_at(now))
                    .filter(|r| {
                        let mine = r.owner() == owner;
                        if !mine {
                            tracing::error!(task_id = %id, "a task was indexed in Redis under an owner it does not belong to; ignored");
                        }
                        mine
                    });
                match record {
                    Some(record) => records.push((*seq, record)),
                    None => gone.push(id.clone()),
                }
            }
            if !gone.is_empty() {
                let _: Result<(), _> = redis::pipe()
                    .cmd("ZREM")
                    .arg(&key)
                    .arg(&gone)
                    .ignore()
                    .cmd("ZREM")
                    .arg(keys.owner_expiry(owner))
                    .arg(&gone)
                    .ignore()
                    .query_async(&mut conn)
                    .await;
            }
            start = batch.last().map_or(start, |(_, seq)| seq + 1);
            if records.len() >= want || !full {
                return Ok(ShardPage {
                    records,
                    end: start,
                });
            }
        }
    }
}

/// A storage error of `create`, worded for the client: nothing was stored.
/// How the message of a creation's write starts when its outcome is
/// unknown: the connection dropped after the write was sent, so Redis may
/// have applied it.
const OUTCOME_UNKNOWN: &str = "Redis write outcome unknown";

/// How long a creation whose write's outcome is unknown keeps asking the
/// store (the write is idempotent: a task found is the one it stored).
const UNKNOWN_OUTCOME_WINDOW: Duration = Duration::from_secs(3);

/// How a creation's write failed, and whether Redis may have applied it.
struct WriteError {
    error: BackendError,
    /// The connection broke after the write went out.
    maybe_applied: bool,
}

impl From<BackendError> for WriteError {
    fn from(error: BackendError) -> Self {
        WriteError {
            error,
            maybe_applied: false,
        }
    }
}

/// The error of a creation's write: its outcome is unknown when the
/// connection broke after the write went out (not when it was refused, or
/// when Redis answered with an error).
fn write_failed(e: &RedisError) -> WriteError {
    let maybe_applied = !e.is_connection_refusal()
        && (e.is_connection_dropped() || e.is_io_error() || e.is_timeout());
    if maybe_applied {
        WriteError {
            error: BackendError::Storage(format!("{OUTCOME_UNKNOWN}: {e}")),
            maybe_applied,
        }
    } else {
        storage("write", e).into()
    }
}

/// A creation whose first write may have been applied, and whose store did
/// not answer again within [`UNKNOWN_OUTCOME_WINDOW`].
fn maybe_created(e: BackendError) -> BackendError {
    match e {
        BackendError::Storage(m) => BackendError::Storage(format!(
            "{m}; the task store went away while the task was being stored: it is not \
             acknowledged, but it may have been created and may still run (look for it with \
             tasks/list once the store is back)"
        )),
        other => other,
    }
}

fn not_created(e: BackendError) -> BackendError {
    match e {
        BackendError::Storage(m) => BackendError::Storage(format!(
            "{m}; the task was not created (the task store is unavailable), try again later"
        )),
        other => other,
    }
}

/// Unregisters a waiter when its stream is dropped.
struct Watching {
    inner: Weak<Inner>,
    id: TaskId,
    rx: Option<tokio::sync::watch::Receiver<Option<TaskRecord>>>,
}

impl Drop for Watching {
    fn drop(&mut self) {
        drop(self.rx.take());
        if let Some(inner) = self.inner.upgrade() {
            inner.events.unwatch(&self.id);
        }
    }
}

struct Follow {
    inner: Arc<Inner>,
    guard: Watching,
    generation: tokio::sync::watch::Receiver<u64>,
    last: Option<u64>,
}

impl Follow {
    async fn next(mut self) -> Option<(TaskRecord, Follow)> {
        loop {
            let rx = self.guard.rx.as_mut()?;
            let current = rx.borrow_and_update().clone();
            if let Some(record) = current {
                if self.last.is_none_or(|v| record.version() > v) {
                    self.last = Some(record.version());
                    return Some((record, self));
                }
            }
            let refresh = tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    false
                }
                _ = self.generation.changed() => true,
                _ = tokio::time::sleep(self.inner.refresh) => true,
            };
            if refresh {
                // The subscription restarted, or a safety-net re-read.
                match self.inner.read(&self.guard.id).await {
                    Ok(Some((record, _))) => self.inner.events.deliver(&record),
                    Ok(None) => return None, // expired or purged
                    Err(_) => {}             // Redis away: keep waiting
                }
            }
        }
    }
}
