//! Where a deployment's Redis is, and the one connection type the backend
//! talks to it through: a single server ([`ConnectionManager`], reconnects
//! by itself), a Redis Cluster (the cluster client, which follows `MOVED`
//! and `ASK` and refreshes its slot map after a failover), or the primary
//! that Redis Sentinel names (asked again whenever the connection breaks or
//! the server says it is a read-only replica). All implement
//! [`ConnectionLike`], so scripts, commands and pipelines are written once.
//!
//! Pub/sub (task events, changes, sessions) uses classic `PUBLISH` and
//! `SUBSCRIBE`, which a Cluster broadcasts to every node: a subscriber may
//! listen on any node, and moves to the next one when its node goes away
//! ([`Target::subscribe`]). Behind Sentinel a subscriber listens on the
//! primary the Sentinels name when it subscribes, and subscribes again on
//! the new one when its connection breaks (the old primary died); what is
//! published in between is not heard.
//!
//! The task backend, the session store and the change relay all get their
//! connections and subscriptions here.

use futures::StreamExt;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig, PubSub};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{SentinelClient, SentinelServerType};
use redis::{Cmd, Pipeline, RedisError, RedisFuture, Value};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Where the Redis of a deployment is.
#[derive(Clone)]
pub(crate) enum Target {
    /// One server (or a primary behind a fixed address).
    Single(redis::Client),
    /// A Redis Cluster, reached through its seed nodes.
    Cluster {
        seeds: Vec<String>,
        /// One client per seed node, for pub/sub.
        nodes: Vec<redis::Client>,
    },
    /// The primary of a service monitored by Redis Sentinel.
    Sentinel(Arc<SentinelTarget>),
}

/// The Sentinels of one service.
pub(crate) struct SentinelTarget {
    client: tokio::sync::Mutex<SentinelClient>,
    service: String,
}

impl SentinelTarget {
    /// A client of the service's current primary, as the Sentinels say.
    async fn primary(&self) -> Result<redis::Client, RedisError> {
        self.client.lock().await.async_get_client().await
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Single(_) => f.write_str("Single"),
            Target::Cluster { nodes, .. } => write!(f, "Cluster({} seed nodes)", nodes.len()),
            Target::Sentinel(t) => write!(f, "Sentinel({})", t.service),
        }
    }
}

impl Target {
    /// The target of `url`, of the Cluster seeds when there are any, or of
    /// the Sentinels of `service` when there is one.
    pub(crate) fn open(
        url: &str,
        cluster: &[String],
        sentinel: Option<&str>,
    ) -> Result<Target, RedisError> {
        if let Some(service) = sentinel {
            let client = SentinelClient::build(
                cluster.to_vec(),
                service.to_owned(),
                None,
                SentinelServerType::Master,
            )?;
            return Ok(Target::Sentinel(Arc::new(SentinelTarget {
                client: tokio::sync::Mutex::new(client),
                service: service.to_owned(),
            })));
        }
        if cluster.is_empty() {
            return Ok(Target::Single(redis::Client::open(url)?));
        }
        let nodes = cluster
            .iter()
            .map(|n| redis::Client::open(n.as_str()))
            .collect::<Result<Vec<_>, _>>()?;
        // Checks the seeds now, not at the first connection.
        ClusterClient::new(cluster.to_vec())?;
        Ok(Target::Cluster {
            seeds: cluster.to_vec(),
            nodes,
        })
    }

    /// A new connection whose commands time out after `response`.
    pub(crate) async fn connect(&self, response: Duration) -> Result<Conn, RedisError> {
        match self {
            Target::Single(client) => Ok(Conn::Single(manager(client, response).await?)),
            Target::Cluster { seeds, .. } => {
                // The response timeout is a setting of the client: one
                // client per connection.
                let client = ClusterClient::builder(seeds.clone())
                    .connection_timeout(Duration::from_secs(1))
                    .response_timeout(response)
                    .retries(3)
                    .min_retry_wait(50)
                    .max_retry_wait(500)
                    .build()?;
                Ok(Conn::Cluster(client.get_async_connection().await?))
            }
            Target::Sentinel(target) => {
                let conn = SentinelConn {
                    target: Arc::clone(target),
                    response,
                    current: Arc::new(Mutex::new(None)),
                };
                conn.manager().await?;
                Ok(Conn::Sentinel(conn))
            }
        }
    }

    /// The client to subscribe with on the `attempt`-th try: the server,
    /// each seed node of a Cluster in turn (pub/sub reaches every node), or
    /// the primary the Sentinels name now.
    async fn pubsub_client(&self, attempt: usize) -> Result<redis::Client, RedisError> {
        match self {
            Target::Single(client) => Ok(client.clone()),
            Target::Cluster { nodes, .. } => Ok(nodes[attempt % nodes.len()].clone()),
            Target::Sentinel(target) => target.primary().await,
        }
    }

    /// A fresh pub/sub connection subscribed to `channel` on the
    /// `attempt`-th try (see [`pubsub_client`](Self::pubsub_client)), given
    /// [`SUBSCRIBE_TIMEOUT`]: `None` when `stop` fires first.
    pub(crate) async fn subscribe(
        &self,
        channel: &str,
        attempt: usize,
        stop: &CancellationToken,
    ) -> Option<Result<PubSub, RedisError>> {
        let subscribed = async {
            let client = self.pubsub_client(attempt).await?;
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(channel).await?;
            Ok::<_, RedisError>(pubsub)
        };
        tokio::select! {
            _ = stop.cancelled() => None,
            s = tokio::time::timeout(SUBSCRIBE_TIMEOUT, subscribed) => Some(s.unwrap_or_else(|_| {
                Err(RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "subscribing timed out",
                )))
            })),
        }
    }
}

/// How long subscribing may take before the subscriber tries again.
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What a subscription kept by [`keep_subscribed`] tells its owner.
pub(crate) enum Heard<'m> {
    /// Subscribed (again): what was published while away was missed.
    Subscribed,
    /// A message on the channel.
    Message(&'m redis::Msg),
    /// The subscription broke; it is made again after a pause.
    Lost,
    /// Subscribing failed; it is tried again after a pause.
    Failed(&'m RedisError),
}

/// Keeps one subscription to `channel` alive until `stop` fires or `on`
/// breaks, subscribing again whenever it breaks (behind Sentinel: on the
/// current primary; on a Cluster: on the next seed node, from the
/// `attempt`-th), after a pause of 50 ms that doubles up to 1 s and starts
/// over once subscribed. `on` hears each step; a lost subscription is
/// logged as `{name}: the Redis subscription was lost; reconnecting`.
pub(crate) async fn keep_subscribed(
    target: &Target,
    channel: &str,
    name: &str,
    mut attempt: usize,
    stop: &CancellationToken,
    mut on: impl FnMut(Heard<'_>) -> ControlFlow<()>,
) {
    let mut delay = Duration::from_millis(50);
    loop {
        let Some(subscribed) = target.subscribe(channel, attempt, stop).await else {
            return;
        };
        attempt = attempt.wrapping_add(1);
        match subscribed {
            Ok(pubsub) => {
                delay = Duration::from_millis(50);
                if on(Heard::Subscribed).is_break() {
                    return;
                }
                let mut messages = pubsub.into_on_message();
                loop {
                    let message = tokio::select! {
                        _ = stop.cancelled() => return,
                        m = messages.next() => m,
                    };
                    let Some(message) = message else { break };
                    if on(Heard::Message(&message)).is_break() {
                        return;
                    }
                }
                if on(Heard::Lost).is_break() {
                    return;
                }
                tracing::warn!("{name}: the Redis subscription was lost; reconnecting");
            }
            Err(e) => {
                if on(Heard::Failed(&e)).is_break() {
                    return;
                }
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

async fn manager(
    client: &redis::Client,
    response: Duration,
) -> Result<ConnectionManager, RedisError> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(response))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500));
    client.get_connection_manager_with_config(config).await
}

/// A connection to the primary the Sentinels name, found again after an
/// error that says the server went away or is no longer the primary.
#[derive(Clone)]
pub(crate) struct SentinelConn {
    target: Arc<SentinelTarget>,
    response: Duration,
    current: Arc<Mutex<Option<ConnectionManager>>>,
}

impl SentinelConn {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ConnectionManager>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn manager(&self) -> Result<ConnectionManager, RedisError> {
        if let Some(m) = self.lock().clone() {
            return Ok(m);
        }
        let client = self.target.primary().await?;
        let m = manager(&client, self.response).await?;
        *self.lock() = Some(m.clone());
        Ok(m)
    }

    /// Forgets the primary after an error that says it is not (or no
    /// longer) reachable as the primary: the next command asks the Sentinels.
    fn check<T>(&self, result: Result<T, RedisError>) -> Result<T, RedisError> {
        if let Err(e) = &result {
            if e.is_io_error()
                || e.is_connection_dropped()
                || e.is_connection_refusal()
                || e.is_timeout()
                || e.is_unrecoverable_error()
                || e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::ReadOnly)
            {
                *self.lock() = None;
            }
        }
        result
    }
}

/// A connection to a single server or to a Cluster; cheap to clone (both
/// are multiplexed handles).
#[derive(Clone)]
pub(crate) enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
    Sentinel(SentinelConn),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
            Conn::Sentinel(c) => Box::pin(async move {
                let mut m = c.check(c.manager().await)?;
                c.check(m.req_packed_command(cmd).await)
            }),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Sentinel(c) => Box::pin(async move {
                let mut m = c.check(c.manager().await)?;
                c.check(m.req_packed_commands(pipeline, offset, count).await)
            }),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
            Conn::Sentinel(c) => c.lock().as_ref().map_or(0, ConnectionLike::get_db),
        }
    }
}
