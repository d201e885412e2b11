//! The depth of the task queue: how many stream entries no worker of the
//! group has been handed yet.
//!
//! Every job is one entry of a queue stream; a worker's `XREADGROUP` moves
//! it into the group's pending entries list, and the step that ends the
//! task acknowledges and deletes it together (`XACK` + `XDEL`, atomically).
//! So the stream holds exactly the queued entries plus the pending ones,
//! and `XLEN - XPENDING` (the summary count) is the number not yet
//! delivered: exact, and O(1) per stream (`XINFO GROUPS`' `lag` would say
//! the same, but is undefined after deletions, which this queue does all
//! the time). A job a worker handed back, or whose worker died, stays
//! pending until another worker takes it over, and is not counted.

use redis::aio::ConnectionLike;
use redis::{RedisError, Script};
use std::sync::LazyLock;

/// `XLEN` minus the group's pending count, read in one step so that no
/// delivery falls between the two. A stream whose group does not exist
/// yet (no worker ever read it) has every entry queued.
///
/// KEYS: queue stream. ARGV: workers' group.
static DEPTH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local len = redis.call('XLEN', KEYS[1])
local ok, pending = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
if ok then len = len - pending[1] end
if len < 0 then len = 0 end
return len
"#,
    )
});

/// The entries of `streams` that no consumer of `group` was handed yet,
/// summed (one step per stream: the streams may live in different slots
/// of a Redis Cluster).
pub(crate) async fn queue_depth<C: ConnectionLike + Send>(
    conn: &mut C,
    streams: &[String],
    group: &str,
) -> Result<u64, RedisError> {
    let mut total = 0u64;
    for stream in streams {
        let depth: i64 = DEPTH.key(stream).arg(group).invoke_async(conn).await?;
        total += depth.max(0) as u64;
    }
    Ok(total)
}
