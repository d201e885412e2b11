//! Change announcements across processes over Redis pub/sub: what one HTTP
//! node or worker announces ([`Notifier`](crate::call::Notifier)), every
//! other process of the same prefix announces to its own clients.

use super::connection::{keep_subscribed, Conn, Heard, Target};
use super::keys::Keys;
use super::RedisConfig;
use crate::call::{Change, ChangeRelay};
use redis::RedisError;
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

/// A [`ChangeRelay`] on Redis pub/sub, one channel per prefix. Give it to
/// every server of a deployment with
/// [`ServerBuilder::change_relay`](crate::ServerBuilder::change_relay):
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use ferrymcp::task::redis::{RedisChangeRelay, RedisConfig};
/// let config = RedisConfig::new("redis://127.0.0.1:6379");
/// let server = ferrymcp::Server::builder("app")
///     .change_relay(RedisChangeRelay::new(&config)?)
///     .build()
///     .await?;
/// # let _ = server; Ok(()) }
/// ```
///
/// Delivery is best effort, like the notifications it carries: a change
/// announced while Redis is unreachable reaches only this process's clients.
/// With [`RedisConfig::cluster`] or [`RedisConfig::sentinel`] it connects
/// as the task backend does, so behind Sentinel it publishes to, and
/// listens on, the current primary and moves to the new one after a
/// failover; changes announced during the switch may be lost.
pub struct RedisChangeRelay {
    target: Target,
    channel: String,
    /// Tells this process's own messages apart.
    origin: u64,
    conn: Arc<OnceCell<Conn>>,
    stop: CancellationToken,
}

/// One announcement on the channel.
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: u64,
    change: Change,
}

impl RedisChangeRelay {
    /// A relay on the Redis and prefix of `config`; connects on first use.
    pub fn new(config: &RedisConfig) -> Result<RedisChangeRelay, RedisError> {
        Ok(RedisChangeRelay {
            target: Target::open(&config.url, &config.cluster, config.sentinel.as_deref())?,
            channel: Keys::new(&config.prefix).changes(),
            origin: rand::random(),
            conn: Arc::new(OnceCell::new()),
            stop: CancellationToken::new(),
        })
    }
}

impl Drop for RedisChangeRelay {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl std::fmt::Debug for RedisChangeRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisChangeRelay")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl ChangeRelay for RedisChangeRelay {
    fn publish(&self, change: &Change) {
        let payload = match serde_json::to_string(&Envelope {
            origin: self.origin,
            change: change.clone(),
        }) {
            Ok(p) => p,
            Err(e) => return tracing::warn!("a change could not be serialized: {e}"),
        };
        let (target, conn, channel) = (
            self.target.clone(),
            Arc::clone(&self.conn),
            self.channel.clone(),
        );
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let published = async {
                let conn = conn
                    .get_or_try_init(|| target.connect(PUBLISH_TIMEOUT))
                    .await?;
                let mut conn = conn.clone();
                redis::cmd("PUBLISH")
                    .arg(&channel)
                    .arg(payload)
                    .query_async::<i64>(&mut conn)
                    .await
            };
            match tokio::time::timeout(PUBLISH_TIMEOUT, published).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!("a change was not relayed to other processes: {e}"),
                Err(_) => {
                    tracing::warn!("a change was not relayed to other processes: Redis timed out")
                }
            }
        });
    }

    fn start(&self, deliver: Arc<dyn Fn(Change) + Send + Sync>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no tokio runtime: changes of other processes are not heard");
            return;
        };
        runtime.spawn(listen(
            self.target.clone(),
            self.channel.clone(),
            self.origin,
            deliver,
            self.stop.clone(),
        ));
    }
}

/// How long publishing a change may take.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(3);

/// Keeps one subscription alive until `stop` (see [`keep_subscribed`]),
/// and delivers the other processes' changes.
async fn listen(
    target: Target,
    channel: String,
    origin: u64,
    deliver: Arc<dyn Fn(Change) + Send + Sync>,
    stop: CancellationToken,
) {
    // The first try goes to the second seed node of a Cluster.
    keep_subscribed(&target, &channel, "changes", 1, &stop, |heard| {
        if let Heard::Message(message) = heard {
            match serde_json::from_slice::<Envelope>(message.get_payload_bytes()) {
                Ok(envelope) if envelope.origin != origin => deliver(envelope.change),
                Ok(_) => {}
                Err(e) => tracing::warn!("a malformed change was relayed: {e}"),
            }
        }
        ControlFlow::Continue(())
    })
    .await;
}
