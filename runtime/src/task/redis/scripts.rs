//! The Lua scripts: each is one atomic step on the server, so no two nodes
//! ever interleave inside it. Keys are passed in `KEYS` (all in one hash
//! slot, see [`keys`](super::keys)).

use redis::Script;
use std::sync::LazyLock;

/// Stores a task and queues its job, or stores nothing; indexes it under
/// its owner and trims the owner's index of tasks that expired.
///
/// KEYS: task hash, queue stream, owner set, sequence, owner expiry index.
/// ARGV: record JSON, job, expiry (Unix ms), task id, queue capacity (0:
/// none), record tag.
/// Returns the sequence, `-1` when the task exists, `-2` when the queue is full.
///
/// The owner set (score: creation sequence) orders `tasks/list`; the
/// expiry index (score: expiry) finds the members whose task expired, up
/// to 100 per call, so the set shrinks as fast as traffic adds to it
/// without anyone listing. Both expire with their latest member.
pub(crate) static CREATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local cap = tonumber(ARGV[5])
if cap > 0 and redis.call('XLEN', KEYS[2]) >= cap then return -2 end
local seq = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'version', 0, 'job', ARGV[2], 'attempts', 0, 'seq', seq, 'tag', ARGV[6])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[3], seq, ARGV[4])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local gone = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now, 'LIMIT', 0, 100)
if #gone > 0 then
  redis.call('ZREM', KEYS[3], unpack(gone))
  redis.call('ZREM', KEYS[5], unpack(gone))
end
-- The owner indexes expire with their latest member; a member held open by
-- a task running past its TTL (score +inf) keeps them.
local last = redis.call('ZRANGE', KEYS[5], -1, -1, 'WITHSCORES')
if #last == 2 then
  local score = tonumber(last[2])
  if last[2] == 'inf' or score == nil or score == math.huge then
    redis.call('PERSIST', KEYS[5])
    redis.call('PERSIST', KEYS[3])
  else
    local left = math.max(score - now, 1)
    redis.call('PEXPIRE', KEYS[5], left)
    local pttl = redis.call('PTTL', KEYS[3])
    if pttl == -1 or (pttl >= 0 and pttl < left) then redis.call('PEXPIRE', KEYS[3], left) end
  end
end
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
/// by this task). A terminal version with a stream entry acknowledges and
/// removes that entry in the same step (the worker that ran the task is
/// done with it).
///
/// KEYS: task hash, owner set, owner expiry index, queue stream. ARGV:
/// expected version, new version, record JSON, events channel, whether the
/// new status is terminal (`1`: the job, which holds the snapshot, is
/// deleted), record tag, the message to publish (empty: the record JSON,
/// as it is without keys), end of retention in Unix
/// ms (empty: kept until the task ends), task id, workers' group, stream
/// entry to acknowledge (empty: none).
/// Returns `1` written, `-1` no such task, and when the version changed
/// meanwhile the stored `{record, version, tag}`, so the caller applies
/// its transition again without reading.
pub(crate) static TRANSITION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local v = redis.call('HGET', KEYS[1], 'version')
if not v then return -1 end
if v ~= ARGV[1] then return redis.call('HMGET', KEYS[1], 'record', 'version', 'tag') end
redis.call('HSET', KEYS[1], 'record', ARGV[3], 'version', ARGV[2], 'tag', ARGV[6])
if ARGV[5] == '1' then redis.call('HDEL', KEYS[1], 'job') end
if ARGV[8] == '' then
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
  redis.call('ZADD', KEYS[3], 'XX', '+inf', ARGV[9])
  redis.call('PERSIST', KEYS[3])
else
  local held = redis.call('PTTL', KEYS[1]) == -1
  redis.call('PEXPIREAT', KEYS[1], ARGV[8])
  redis.call('ZADD', KEYS[3], 'XX', ARGV[8], ARGV[9])
  local t = redis.call('TIME')
  local left = math.max(tonumber(ARGV[8]) - (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)), 1)
  for _, k in ipairs({KEYS[2], KEYS[3]}) do
    local pttl = redis.call('PTTL', k)
    if (pttl == -1 and held) or (pttl >= 0 and pttl < left) then redis.call('PEXPIRE', k, left) end
  end
end
if ARGV[5] == '1' and ARGV[11] ~= '' then
  redis.call('XACK', KEYS[4], ARGV[10], ARGV[11])
  redis.call('XDEL', KEYS[4], ARGV[11])
end
local message = ARGV[7]
if message == '' then message = ARGV[3] end
redis.call('PUBLISH', ARGV[4], message)
return 1
"#,
    )
});

/// Counts a delivery of each task and hands out its job with the record
/// as it is now, so the worker starts without reading it again.
///
/// KEYS: task hashes. Returns, for each, `{job, attempts, record, version,
/// tag}`, or `0` when the task is gone or has no job any more (it is
/// terminal).
pub(crate) static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local out = {}
for i, key in ipairs(KEYS) do
  local job = redis.call('HGET', key, 'job')
  if job then
    local attempts = redis.call('HINCRBY', key, 'attempts', 1)
    local r = redis.call('HMGET', key, 'record', 'version', 'tag')
    out[i] = {job, attempts, r[1], r[2], r[3]}
  else
    out[i] = 0
  end
end
return out
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

/// Hands a claimed entry back: if this consumer still owns it, marks it idle
/// for `idle` ms (the visibility timeout), so the next worker looking for a
/// stale job takes it over at once. The delivery count is not changed.
///
/// KEYS: queue stream. ARGV: group, consumer, entry id, idle (ms).
/// Returns `1` handed back, `0` not this consumer's (any more).
pub(crate) static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #p == 0 then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[4], 'JUSTID')
return 1
"#,
    )
});

/// Keeps one event of a session's stream, drops the session's oldest beyond
/// the budget, and publishes the event, in one step.
///
/// KEYS: the session's replay hash, its order set.
/// ARGV: stream, number, kind (`o`pened, `s`ent, `f`inished), frame,
/// request JSON (`''`: none), max events, max bytes, TTL (ms), channel,
/// envelope (`''`: publish nothing).
///
/// Hash fields: `e:<stream>-<n>` the frame, `next:<s>` the next number,
/// `drop:<s>` the highest dropped, `req:<s>`, `fin:<s>`, `cnt:<s>` the
/// events kept, `bytes`, `seq`. A finished stream none of whose events is
/// kept is forgotten, as in memory.
pub(crate) static KEEP_EVENT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local h, z = KEYS[1], KEYS[2]
local s, n, kind = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local function forget(st)
  redis.call('HDEL', h, 'next:'..st, 'drop:'..st, 'req:'..st, 'fin:'..st, 'cnt:'..st)
end
if kind == 'o' then
  redis.call('HSETNX', h, 'next:'..s, 1)
  if ARGV[5] ~= '' then redis.call('HSET', h, 'req:'..s, ARGV[5]) end
elseif kind == 's' then
  local id = s..'-'..n
  redis.call('HSET', h, 'e:'..id, ARGV[4], 'next:'..s, n + 1)
  redis.call('HINCRBY', h, 'cnt:'..s, 1)
  local seq = redis.call('HINCRBY', h, 'seq', 1)
  redis.call('ZADD', z, seq, id)
  local bytes = redis.call('HINCRBY', h, 'bytes', #ARGV[4])
  local count = redis.call('ZCARD', z)
  local maxe, maxb = tonumber(ARGV[6]), tonumber(ARGV[7])
  while (count > maxe or bytes > maxb) and count > 1 do
    local old = redis.call('ZRANGE', z, 0, 0)[1]
    redis.call('ZREMRANGEBYRANK', z, 0, 0)
    count = count - 1
    local f = redis.call('HGET', h, 'e:'..old)
    if f then
      bytes = redis.call('HINCRBY', h, 'bytes', -#f)
      redis.call('HDEL', h, 'e:'..old)
    end
    local os, on = string.match(old, '^(.*)-(%d+)$')
    redis.call('HSET', h, 'drop:'..os, on)
    local left = redis.call('HINCRBY', h, 'cnt:'..os, -1)
    if left <= 0 and redis.call('HEXISTS', h, 'fin:'..os) == 1 then forget(os) end
  end
else
  redis.call('HSET', h, 'fin:'..s, 1)
  if redis.call('HEXISTS', h, 'next:'..s) == 0 then redis.call('HSET', h, 'next:'..s, n) end
  if tonumber(redis.call('HGET', h, 'cnt:'..s) or '0') <= 0 then forget(s) end
end
redis.call('PEXPIRE', h, ARGV[8])
if redis.call('EXISTS', z) == 1 then redis.call('PEXPIRE', z, ARGV[8]) end
if ARGV[10] ~= '' then redis.call('PUBLISH', ARGV[9], ARGV[10]) end
return 1
"#,
    )
});

/// The kept events of one stream after a number.
///
/// KEYS: the session's replay hash. ARGV: stream, after.
/// Returns `{0}` unknown, `{1, request}` events dropped (or never
/// arrived), `{2, request, finished, frames...}`.
pub(crate) static EVENTS_AFTER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local h, s, after = KEYS[1], ARGV[1], tonumber(ARGV[2])
local nxt = redis.call('HGET', h, 'next:'..s)
if not nxt then return {0} end
nxt = tonumber(nxt)
if after >= nxt then return {0} end
local req = redis.call('HGET', h, 'req:'..s) or ''
local drop = tonumber(redis.call('HGET', h, 'drop:'..s) or '0')
if after < drop then return {1, req} end
local out = {2, req, redis.call('HEXISTS', h, 'fin:'..s)}
for i = after + 1, nxt - 1 do
  local f = redis.call('HGET', h, 'e:'..s..'-'..i)
  if not f then return {1, req} end
  table.insert(out, f)
end
return out
"#,
    )
});
