//! HTTP sessions on Redis: every node of a deployment finds every session.
//!
//! A session is one string key, `{p}:session:<id>`, holding its
//! [`SessionRecord`] as JSON with a TTL: `SET … PX` when it opens, `GETEX …
//! PX` (one round trip, that also pushes the expiry back) when a node loads
//! it, `SET … XX KEEPTTL` when it changes, `DEL` when it ends. Every change
//! and end is published on `{p}:sessions`, with the messages the nodes pass
//! each other (for a GET stream, from a client) and, unless the server has
//! another relay, the change announcements: one channel, one subscription
//! per store, so a node hears a subscription before a change it is for.
//!
//! The events of a session's streams are kept in `{p}:replay:<id>` (a hash:
//! each frame, and per stream its next number, highest dropped number,
//! request and end) and `{p}:replay-order:<id>` (a sorted set, oldest
//! first), bounded as the in-memory log is, expiring one session TTL after
//! the session's latest stream event (so never later than the session,
//! though earlier when it runs long without one: then an old id gets the
//! 400 of an unknown one) and deleted when the session ends. One script
//! keeps an event, drops the oldest beyond the budget and publishes the
//! event ([`SessionEvent::Streamed`]), so a node reading the kept events
//! after it started listening misses none.

use super::connection::{keep_subscribed, Conn, Heard, Target};
use super::keys::Keys;
use super::scripts;
use super::RedisConfig;
use crate::call::{Change, ChangeRelay};
use crate::session_store::{
    EventHandler, ReplayLimits, SessionEvent, SessionRecord, SessionStore, StoreError,
    StoredEvents, StreamEvent, StreamEventKind,
};
use futures::future::BoxFuture;
use futures::FutureExt;
use redis::RedisError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch, OnceCell};
use tokio_util::sync::CancellationToken;

/// How long one Redis command may take before the request gets 503.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(3);

/// A [`SessionStore`] on Redis. Give the same configuration to every HTTP
/// node with [`ServerBuilder::sessions`](crate::ServerBuilder::sessions):
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use ferrymcp::task::redis::{RedisBackend, RedisConfig, RedisSessionStore};
/// let config = RedisConfig::new("redis://127.0.0.1:6379").prefix("myapp");
/// let server = ferrymcp::Server::builder("myapp")
///     .tasks(RedisBackend::new(config.clone())?)
///     .sessions(RedisSessionStore::new(&config)?)
///     .build()
///     .await?;
/// # let _ = server; Ok(()) }
/// ```
///
/// It relays change announcements too (on its own channel), unless the
/// server is given a [`RedisChangeRelay`](super::RedisChangeRelay). Cloning
/// shares the connection and the subscription.
///
/// Behind [Sentinel](RedisConfig::sentinel) it connects as the task
/// backend does: commands go to the current primary and the subscription
/// moves to the new one after a failover. Session events published during
/// the switch may be lost (a node's copy of a session is then checked
/// again after [`recheck_after`](Self::recheck_after)), and a session
/// written just before the primary died may be missing on the promoted
/// replica (its client then gets 404 and initializes again).
#[derive(Clone)]
pub struct RedisSessionStore {
    inner: Arc<Inner>,
}

struct Inner {
    target: Target,
    keys: Keys,
    channel: String,
    /// Tells this process's own change announcements apart.
    origin: u64,
    recheck: Duration,
    conn: OnceCell<Conn>,
    handlers: Mutex<Vec<EventHandler>>,
    /// Where the changes of other processes go (one per server given this store).
    changes: Mutex<Vec<Deliver>>,
    listening: OnceLock<()>,
    /// Publishes in the order of the calls (progress, changes, questions).
    outbox: OnceLock<mpsc::UnboundedSender<Outgoing>>,
    subscribed: watch::Sender<bool>,
    stop: CancellationToken,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Hands a change of another process to one server's notifier.
type Deliver = Arc<dyn Fn(Change) + Send + Sync>;

/// A message waiting to be published, and who waits for the outcome.
type Outgoing = (String, oneshot::Sender<Result<(), StoreError>>);

/// One message on the channel.
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session: Option<SessionEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    change: Option<Change>,
}

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

impl RedisSessionStore {
    /// A store on the Redis and prefix of `config`; connects on first use.
    pub fn new(config: &RedisConfig) -> Result<RedisSessionStore, RedisError> {
        let keys = Keys::new(&config.prefix);
        Ok(RedisSessionStore {
            inner: Arc::new(Inner {
                target: Target::open(&config.url, &config.cluster, config.sentinel.as_deref())?,
                channel: keys.sessions(),
                keys,
                origin: rand::random(),
                recheck: Duration::from_secs(1),
                conn: OnceCell::new(),
                handlers: Mutex::new(Vec::new()),
                changes: Mutex::new(Vec::new()),
                listening: OnceLock::new(),
                outbox: OnceLock::new(),
                subscribed: watch::channel(false).0,
                stop: CancellationToken::new(),
            }),
        })
    }

    /// How long a node answers from its copy of a session before loading it
    /// again (default 1 s; zero loads it on every request). An end is heard
    /// at once over pub/sub; this bounds how long a missed one (the
    /// subscription broken) goes unnoticed.
    pub fn recheck_after(mut self, recheck: Duration) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.recheck = recheck;
        }
        self
    }

    /// Resolves once this store listens on its channel (events published
    /// before are not heard). For tests and readiness checks.
    pub async fn subscribed(&self) {
        self.start();
        let mut rx = self.inner.subscribed.subscribe();
        let _ = rx.wait_for(|s| *s).await;
    }

    /// Runs one command on the shared connection, within [`COMMAND_TIMEOUT`].
    fn run<T, F, Fut>(&self, f: F) -> impl Future<Output = Result<T, StoreError>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(Conn) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, RedisError>> + Send + 'static,
    {
        run(Arc::clone(&self.inner), f)
    }

    /// Publishes `payload` after every payload queued before it; resolves
    /// once Redis took it.
    fn publish_in_order(&self, payload: String) -> BoxFuture<'static, Result<(), StoreError>> {
        let (done, outcome) = oneshot::channel();
        let outbox = self.inner.outbox.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(drain(Arc::downgrade(&self.inner), rx));
                }
                Err(_) => tracing::warn!("no tokio runtime: session events are not published"),
            }
            tx
        });
        let queued = outbox.send((payload, done)).is_ok();
        async move {
            if !queued {
                return Err(StoreError("the publisher stopped".into()));
            }
            outcome
                .await
                .unwrap_or_else(|_| Err(StoreError("the publisher stopped".into())))
        }
        .boxed()
    }
}

/// Publishes what was queued, one message after the other.
async fn drain(inner: std::sync::Weak<Inner>, mut queue: mpsc::UnboundedReceiver<Outgoing>) {
    while let Some((payload, done)) = queue.recv().await {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let channel = strong.channel.clone();
        let published = run(strong, move |mut conn| async move {
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(payload)
                .query_async::<i64>(&mut conn)
                .await
                .map(|_| ())
        });
        let _ = done.send(published.await);
    }
}

/// Runs one command on the shared connection, within [`COMMAND_TIMEOUT`].
async fn run<T, F, Fut>(inner: Arc<Inner>, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(Conn) -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, RedisError>> + Send + 'static,
{
    let work = async {
        let conn = inner
            .conn
            .get_or_try_init(|| inner.target.connect(COMMAND_TIMEOUT))
            .await?
            .clone();
        f(conn).await
    };
    match tokio::time::timeout(COMMAND_TIMEOUT, work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(failed(e)),
        Err(_) => Err(StoreError("Redis timed out".into())),
    }
}

impl RedisSessionStore {
    fn envelope(&self, session: Option<SessionEvent>, change: Option<Change>) -> String {
        serde_json::to_string(&Envelope {
            origin: self.inner.origin,
            session,
            change,
        })
        .unwrap_or_default()
    }

    /// Starts the listener (once).
    fn start(&self) {
        if self.inner.listening.set(()).is_err() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no tokio runtime: session events of other nodes are not heard");
            return;
        };
        runtime.spawn(listen(Arc::downgrade(&self.inner), self.inner.stop.clone()));
    }
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("channel", &self.inner.channel)
            .field("recheck", &self.inner.recheck)
            .finish_non_exhaustive()
    }
}

fn millis(ttl: Duration) -> u64 {
    (ttl.as_millis() as u64).max(1)
}

impl SessionStore for RedisSessionStore {
    fn create<'a>(
        &'a self,
        id: &'a str,
        record: &'a SessionRecord,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.inner.keys.session(id);
        let json = serde_json::to_string(record).map_err(failed);
        async move {
            let json = json?;
            self.run(move |mut conn| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(json)
                    .arg("PX")
                    .arg(millis(ttl))
                    .query_async::<()>(&mut conn)
                    .await
            })
            .await
        }
        .boxed()
    }

    fn load<'a>(
        &'a self,
        id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<SessionRecord>, StoreError>> {
        let key = self.inner.keys.session(id);
        async move {
            let json = self
                .run(move |mut conn| async move {
                    redis::cmd("GETEX")
                        .arg(key)
                        .arg("PX")
                        .arg(millis(ttl))
                        .query_async::<Option<String>>(&mut conn)
                        .await
                })
                .await?;
            match json {
                None => Ok(None),
                Some(json) => serde_json::from_str(&json)
                    .map(Some)
                    .map_err(|e| StoreError(format!("a malformed session record: {e}"))),
            }
        }
        .boxed()
    }

    fn save<'a>(
        &'a self,
        id: &'a str,
        record: &'a SessionRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = self.inner.keys.session(id);
        let channel = self.inner.channel.clone();
        let json = serde_json::to_string(record).map_err(failed);
        let event = self.envelope(
            Some(SessionEvent::Updated {
                session: id.to_owned(),
                record: Box::new(record.clone()),
            }),
            None,
        );
        async move {
            let json = json?;
            self.run(move |mut conn| async move {
                redis::pipe()
                    .atomic()
                    .cmd("SET")
                    .arg(key)
                    .arg(json)
                    .arg("XX")
                    .arg("KEEPTTL")
                    .ignore()
                    .cmd("PUBLISH")
                    .arg(channel)
                    .arg(event)
                    .ignore()
                    .query_async::<()>(&mut conn)
                    .await
            })
            .await
        }
        .boxed()
    }

    fn touch<'a>(&'a self, id: &'a str, ttl: Duration) -> BoxFuture<'a, Result<bool, StoreError>> {
        let key = self.inner.keys.session(id);
        self.run(move |mut conn| async move {
            redis::cmd("PEXPIRE")
                .arg(key)
                .arg(millis(ttl))
                .query_async::<i64>(&mut conn)
                .await
                .map(|n| n == 1)
        })
        .boxed()
    }

    fn end<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let key = self.inner.keys.session(id);
        let channel = self.inner.channel.clone();
        let event = self.envelope(
            Some(SessionEvent::Ended {
                session: id.to_owned(),
            }),
            None,
        );
        let (replay, order) = (self.inner.keys.replay(id), self.inner.keys.replay_order(id));
        self.run(move |mut conn| async move {
            redis::pipe()
                .atomic()
                .cmd("DEL")
                .arg(key)
                .cmd("DEL")
                .arg(replay)
                .arg(order)
                .ignore()
                .cmd("PUBLISH")
                .arg(channel)
                .arg(event)
                .ignore()
                .query_async::<(i64,)>(&mut conn)
                .await
                .map(|(n,)| n == 1)
        })
        .boxed()
    }

    fn publish(&self, event: SessionEvent) -> BoxFuture<'static, Result<(), StoreError>> {
        self.publish_in_order(self.envelope(Some(event), None))
    }

    fn subscribe(&self, handler: EventHandler) {
        self.inner
            .handlers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(handler);
        self.start();
    }

    fn recheck_after(&self) -> Duration {
        self.inner.recheck
    }

    fn change_relay(&self) -> Option<Arc<dyn ChangeRelay>> {
        Some(Arc::new(StoreRelay(self.clone())))
    }

    fn keeps_events(&self) -> bool {
        true
    }

    fn keep_event<'a>(
        &'a self,
        session: &'a str,
        event: &'a StreamEvent,
        limits: ReplayLimits,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let keys = [
            self.inner.keys.replay(session),
            self.inner.keys.replay_order(session),
        ];
        let (kind, frame, request) = match &event.kind {
            StreamEventKind::Opened { request } => (
                "o",
                String::new(),
                request.as_ref().map(Value::to_string).unwrap_or_default(),
            ),
            StreamEventKind::Sent { frame } => ("s", frame.clone(), String::new()),
            StreamEventKind::Finished => ("f", String::new(), String::new()),
        };
        // Who resumed elsewhere needs the events as they come, not a call's
        // opening; a GET stream's opening tells the nodes which one is newest.
        let envelope = match &event.kind {
            StreamEventKind::Opened { request: Some(_) } => String::new(),
            _ => self.envelope(
                Some(SessionEvent::Streamed {
                    session: session.to_owned(),
                    step: event.clone(),
                }),
                None,
            ),
        };
        let channel = self.inner.channel.clone();
        let stream = event.stream.clone();
        let number = event.number;
        self.run(move |mut conn| async move {
            scripts::KEEP_EVENT
                .key(&keys[0])
                .key(&keys[1])
                .arg(stream)
                .arg(number)
                .arg(kind)
                .arg(frame)
                .arg(request)
                .arg(limits.max_events.max(1))
                .arg(limits.max_bytes.max(1))
                .arg(millis(ttl))
                .arg(channel)
                .arg(envelope)
                .invoke_async::<i64>(&mut conn)
                .await
                .map(|_| ())
        })
        .boxed()
    }

    fn events_after<'a>(
        &'a self,
        session: &'a str,
        stream: &'a str,
        after: u64,
    ) -> BoxFuture<'a, Result<StoredEvents, StoreError>> {
        let key = self.inner.keys.replay(session);
        let stream = stream.to_owned();
        async move {
            let reply = self
                .run(move |mut conn| async move {
                    scripts::EVENTS_AFTER
                        .key(key)
                        .arg(stream)
                        .arg(after)
                        .invoke_async::<Vec<redis::Value>>(&mut conn)
                        .await
                })
                .await?;
            stored_events(reply)
        }
        .boxed()
    }
}

/// Reads what [`scripts::EVENTS_AFTER`] returned.
fn stored_events(reply: Vec<redis::Value>) -> Result<StoredEvents, StoreError> {
    fn text(value: &redis::Value) -> Result<String, StoreError> {
        redis::from_redis_value::<String>(value.clone()).map_err(failed)
    }
    let malformed = || StoreError("a malformed answer about kept events".into());
    let status = reply
        .first()
        .map(|v| redis::from_redis_value::<i64>(v.clone()))
        .ok_or_else(malformed)?
        .map_err(failed)?;
    let request = match reply.get(1).map(text).transpose()? {
        Some(json) if !json.is_empty() => Some(serde_json::from_str(&json).map_err(failed)?),
        _ => None,
    };
    match status {
        0 => Ok(StoredEvents::Unknown),
        1 => Ok(StoredEvents::Lost { request }),
        2 => {
            let finished = reply
                .get(2)
                .map(|v| redis::from_redis_value::<i64>(v.clone()))
                .ok_or_else(malformed)?
                .map_err(failed)?
                == 1;
            let frames = reply
                .get(3..)
                .unwrap_or(&[])
                .iter()
                .map(text)
                .collect::<Result<_, _>>()?;
            Ok(StoredEvents::Kept { frames, finished })
        }
        _ => Err(malformed()),
    }
}

/// The store's relay of change announcements, on the sessions channel.
struct StoreRelay(RedisSessionStore);

impl ChangeRelay for StoreRelay {
    fn publish(&self, change: &Change) {
        let store = &self.0;
        let published = store.publish_in_order(store.envelope(None, Some(change.clone())));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            if let Err(e) = published.await {
                tracing::warn!("a change was not relayed to other processes: {e}");
            }
        });
    }

    fn start(&self, deliver: Arc<dyn Fn(Change) + Send + Sync>) {
        self.0
            .inner
            .changes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(deliver);
        self.0.start();
    }
}

/// Keeps one subscription alive while the store exists (see
/// [`keep_subscribed`]), and hands every message to the handlers in order.
async fn listen(inner: std::sync::Weak<Inner>, stop: CancellationToken) {
    let Some((target, channel)) = inner
        .upgrade()
        .map(|i| (i.target.clone(), i.channel.clone()))
    else {
        return;
    };
    // The first try goes to the second seed node of a Cluster.
    keep_subscribed(&target, &channel, "sessions", 1, &stop, |heard| {
        let Some(inner) = inner.upgrade() else {
            return match heard {
                Heard::Message(_) => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            };
        };
        match heard {
            Heard::Subscribed => {
                inner.subscribed.send_replace(true);
            }
            Heard::Message(message) => {
                match serde_json::from_slice::<Envelope>(message.get_payload_bytes()) {
                    Ok(envelope) => dispatch(&inner, envelope),
                    Err(e) => tracing::warn!("a malformed session event was published: {e}"),
                }
            }
            Heard::Lost => {
                inner.subscribed.send_replace(false);
            }
            Heard::Failed(_) => {}
        }
        ControlFlow::Continue(())
    })
    .await;
}

fn dispatch(inner: &Inner, envelope: Envelope) {
    if let Some(event) = &envelope.session {
        let mut handlers = inner.handlers.lock().unwrap_or_else(|e| e.into_inner());
        handlers.retain(|handler| handler(event));
    }
    if let (Some(change), false) = (envelope.change, envelope.origin == inner.origin) {
        let deliverers = inner.changes.lock().unwrap_or_else(|e| e.into_inner());
        for deliver in deliverers.iter() {
            deliver(change.clone());
        }
    }
}
