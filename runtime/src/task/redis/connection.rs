//! Where a deployment's Redis is, and the one connection type the backend
//! talks to it through: a single server ([`ConnectionManager`], reconnects
//! by itself) or a Redis Cluster (the cluster client, which follows `MOVED`
//! and `ASK` and refreshes its slot map after a failover). Both implement
//! [`ConnectionLike`], so scripts, commands and pipelines are written once.
//!
//! Pub/sub (task events, changes, sessions) uses classic `PUBLISH` and
//! `SUBSCRIBE`, which a Cluster broadcasts to every node: a subscriber may
//! listen on any node, and moves to the next one when its node goes away
//! ([`Target::pubsub_client`]).

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisError, RedisFuture, Value};
use std::time::Duration;

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
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Single(_) => f.write_str("Single"),
            Target::Cluster { nodes, .. } => write!(f, "Cluster({} seed nodes)", nodes.len()),
        }
    }
}

impl Target {
    /// The target of `url`, or of the Cluster seeds when there are any.
    pub(crate) fn open(url: &str, cluster: &[String]) -> Result<Target, RedisError> {
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
            Target::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(Duration::from_secs(1)))
                    .set_response_timeout(Some(response))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(500));
                Ok(Conn::Single(
                    client.get_connection_manager_with_config(config).await?,
                ))
            }
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
        }
    }

    /// The client to subscribe with on the `attempt`-th try: the server,
    /// or each seed node of a Cluster in turn (pub/sub reaches every node).
    pub(crate) fn pubsub_client(&self, attempt: usize) -> &redis::Client {
        match self {
            Target::Single(client) => client,
            Target::Cluster { nodes, .. } => &nodes[attempt % nodes.len()],
        }
    }
}

/// A connection to a single server or to a Cluster; cheap to clone (both
/// are multiplexed handles).
#[derive(Clone)]
pub(crate) enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
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
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}
