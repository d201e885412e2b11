//! The Lua scripts: each is one atomic step on the server, so no two nodes
//! ever interleave inside it. Keys are passed in `KEYS` (all in one hash
//! slot, see [`keys`](super::keys)).

use redis::Script;
use std::sync::LazyLock;

/// Stores a task and queues its job, or stores nothing.
///
/// KEYS: task hash, queue stream, owner set, sequence.
/// ARGV: record JSON, job, expiry (Unix ms), task id, queue capacity (0: none).
/// Returns the sequence, `-1` when the task exists, `-2` when the queue is full.
pub(crate) static CREATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local cap = tonumber(ARGV[5])
if cap > 0 and redis.call('XLEN', KEYS[2]) >= cap then return -2 end
local seq = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'version', 0, 'job', ARGV[2], 'attempts', 0, 'seq', seq)
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
local fresh = redis.call('EXISTS', KEYS[3]) == 0
redis.call('ZADD', KEYS[3], seq, ARGV[4])
local left = tonumber(ARGV[3]) - tonumber(redis.call('TIME')[1]) * 1000
local pttl = redis.call('PTTL', KEYS[3])
if pttl >= 0 and pttl < left then redis.call('PEXPIRE', KEYS[3], left) end
-- Without expiry: new, or held open by a task that runs past its TTL.
if pttl == -1 and fresh then redis.call('PEXPIRE', KEYS[3], math.max(left, 1)) end
redis.call('XADD', KEYS[2], '*', 'id', ARGV[4])
return seq
"#,
    )
});

/// Writes a new version of a record if the stored version is still the one
/// it was computed from (compare-and-set), publishes it, and makes Redis
/// keep it as long as the record's retention says: while a worker runs the
/// task, without expiry (the owner index too); else until the end of its
/// retention (the owner index at least as long, once no longer held open
/// by this task).
///
/// KEYS: task hash, owner set. ARGV: expected version, new version, record
/// JSON, events channel, whether the new status is terminal (`1`: the job,
/// which holds the snapshot, is deleted), end of retention in Unix ms (empty:
/// kept until the task ends).
/// Returns `1` written, `0` version changed meanwhile, `-1` no such task.
pub(crate) static TRANSITION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local v = redis.call('HGET', KEYS[1], 'version')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[3], 'version', ARGV[2])
if ARGV[5] == '1' then redis.call('HDEL', KEYS[1], 'job') end
if ARGV[6] == '' then
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
else
  local held = redis.call('PTTL', KEYS[1]) == -1
  redis.call('PEXPIREAT', KEYS[1], ARGV[6])
  local t = redis.call('TIME')
  local left = math.max(tonumber(ARGV[6]) - (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)), 1)
  local pttl = redis.call('PTTL', KEYS[2])
  if (pttl == -1 and held) or (pttl >= 0 and pttl < left) then redis.call('PEXPIRE', KEYS[2], left) end
end
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1
"#,
    )
});

/// Counts a delivery and hands out the job.
///
/// KEYS: task hash. Returns `{job, attempts}`, or nil when the task is gone
/// or has no job any more (it is terminal).
pub(crate) static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local job = redis.call('HGET', KEYS[1], 'job')
if not job then return nil end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return {job, attempts}
"#,
    )
});

/// Resets the idle time of the stream entries this consumer still owns (a
/// running worker renews its claim), leaving alone those another worker
/// took over.
///
/// KEYS: queue stream. ARGV: group, consumer, entry ids...
/// Returns how many were renewed.
pub(crate) static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local n = 0
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #p == 1 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    n = n + 1
  end
end
return n
"#,
    )
});
