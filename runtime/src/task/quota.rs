//! Per-caller limits, so that one caller cannot lock the others out: how
//! many tasks a caller has queued or running
//! ([`TaskOptions::max_active_tasks_per_caller`]), and how many bytes of
//! results it has stored ([`TaskOptions::max_result_bytes_per_caller`]).
//!
//! A caller is the key a task is bound to ([`Owner::key`]): the identity of
//! its verified token; without a token, its 2025-11-25 session; without
//! either, all anonymous callers share one count.
//!
//! The counts are this engine's (this process's): the tasks it created, and
//! the results its workers stored. A task that ends where this engine does
//! not see it (on another worker process, or purged by its TTL before it
//! ran) is found out by looking it up in the backend: when a caller is at
//! its limit, its tasks oldest first until one has ended (those still
//! active go to the back; after a full round that freed nothing, the caller
//! is refused for a second without looking again), and each task once its
//! TTL has run out (then every 10 s while it still runs), in the engine's
//! housekeeping round (once a second).
//!
//! [`TaskOptions::max_active_tasks_per_caller`]: super::TaskOptions::max_active_tasks_per_caller
//! [`TaskOptions::max_result_bytes_per_caller`]: super::TaskOptions::max_result_bytes_per_caller
//! [`Owner::key`]: super::Owner::key

use super::model::TaskId;
use crate::protocol::messages::{to_value, ResultOverBudgetData, TaskLimitRetryData};
use crate::protocol::ErrorObject;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

/// How long a caller whose active tasks were all looked up and found still
/// active is refused without looking them up again.
const RECOUNT_EVERY_MS: u64 = 1000;

/// The key under which a result is counted before its retention is known.
const PENDING: u64 = u64::MAX;

/// The limit a caller is over, with when to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Over {
    /// `max` tasks queued or running.
    ActiveTasks { max: usize },
    /// `used` of `max` bytes of stored results; the oldest expires in
    /// `retry_after_ms`.
    ResultBytes {
        used: u64,
        max: u64,
        retry_after_ms: u64,
    },
}

impl Over {
    /// The error a caller over a limit gets: the task was not created.
    pub(crate) fn error(&self, poll_interval_ms: u64) -> ErrorObject {
        let (limit, message, retry_after_ms) = match self {
            Over::ActiveTasks { max } => {
                let retry = poll_interval_ms.max(RECOUNT_EVERY_MS);
                (
                    ACTIVE_TASKS,
                    format!(
                        "Too many tasks: this caller already has {max} tasks queued or running, the most it may (TaskOptions::{ACTIVE_TASKS}); the task was not created; retry once one of them has ended (in {} s or later)",
                        seconds(retry)
                    ),
                    retry,
                )
            }
            Over::ResultBytes {
                used,
                max,
                retry_after_ms,
            } => (
                RESULT_BYTES,
                format!(
                    "Too many stored results: this caller's task results take {used} of the {max} bytes it may keep (TaskOptions::{RESULT_BYTES}); the task was not created; retry in {} s, when the oldest result expires",
                    seconds(*retry_after_ms)
                ),
                *retry_after_ms,
            ),
        };
        ErrorObject::internal(message).with_data(to_value(&TaskLimitRetryData {
            limit,
            retry_after_seconds: seconds(retry_after_ms),
        }))
    }
}

/// The name of the active-task limit (its `TaskOptions` setting).
const ACTIVE_TASKS: &str = "max_active_tasks_per_caller";
/// The name of the result-bytes limit (its `TaskOptions` setting).
const RESULT_BYTES: &str = "max_result_bytes_per_caller";

/// Whole seconds, rounded up, at least one.
fn seconds(ms: u64) -> u64 {
    ms.div_ceil(1000).max(1)
}

/// The error that fails a task whose result would take its caller over
/// its budget of stored results (the result is not stored).
pub(crate) fn result_over_budget(bytes: u64, used: u64, max: u64) -> ErrorObject {
    ErrorObject::internal(format!(
        "The task's result ({bytes} bytes) was not stored: with this caller's stored results ({used} bytes) it would exceed the {max} bytes it may keep (TaskOptions::{RESULT_BYTES}); run it again once older results have expired"
    ))
    .with_data(to_value(&ResultOverBudgetData {
        limit: RESULT_BYTES,
        result_bytes: bytes,
        stored_bytes: used,
        max_bytes: max,
    }))
}

/// The size of a value's compact JSON, without building it.
pub(crate) fn json_size(value: &Value) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => u64::MAX,
    }
}

/// How long after a look-up a task that was still active is looked up again.
const RECHECK_MS: u64 = 10_000;

/// At most this many tasks are looked up per round of housekeeping.
const CHECKS_PER_ROUND: usize = 256;

/// What one caller uses.
#[derive(Default)]
struct Usage {
    /// Its tasks this engine created that have not ended, as far as it
    /// knows, with when to look each up again and their place in `order`.
    active: HashMap<TaskId, (u64, u64)>,
    /// Its active tasks, the next to look up at a limit first.
    order: BTreeMap<u64, TaskId>,
    next_place: u64,
    /// Its stored results, by end of retention.
    stored: BTreeSet<(u64, TaskId)>,
    stored_bytes: u64,
    last_recount_ms: u64,
}

impl Usage {
    fn is_empty(&self) -> bool {
        self.active.is_empty() && self.stored.is_empty()
    }
}

#[derive(Default)]
struct State {
    callers: HashMap<Option<String>, Usage>,
    /// Active tasks by when to look them up again (first: when their TTL
    /// runs out), for the ends this engine did not see.
    checks: BTreeMap<(u64, TaskId), Option<String>>,
    /// Stored results by end of retention, with their caller and size.
    stored: BTreeMap<(u64, TaskId), (Option<String>, u64)>,
}

impl State {
    /// Frees the bytes of the results whose retention ended by `now`.
    fn expire(&mut self, now: u64) {
        while let Some(entry) = self.stored.first_entry() {
            if entry.key().0 > now {
                return;
            }
            let ((until, id), (owner, bytes)) = entry.remove_entry();
            self.forget_result(&owner, &(until, id), bytes);
        }
    }

    fn forget_result(&mut self, owner: &Option<String>, key: &(u64, TaskId), bytes: u64) {
        if let Some(usage) = self.callers.get_mut(owner) {
            if usage.stored.remove(key) {
                usage.stored_bytes = usage.stored_bytes.saturating_sub(bytes);
            }
            if usage.is_empty() {
                self.callers.remove(owner);
            }
        }
    }
}

/// The per-caller counts of one engine.
pub(crate) struct Quotas {
    max_active: usize,
    max_result_bytes: u64,
    state: Mutex<State>,
}

impl Quotas {
    pub(crate) fn new(max_active: usize, max_result_bytes: u64) -> Quotas {
        Quotas {
            max_active,
            max_result_bytes,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a new task of `owner` whose TTL runs out at `ttl_end`, or
    /// says which limit it is over.
    pub(crate) fn admit(
        &self,
        owner: Option<&str>,
        id: &TaskId,
        ttl_end: u64,
        now: u64,
    ) -> Result<(), Over> {
        let mut state = self.lock();
        state.expire(now);
        let key = owner.map(str::to_owned);
        let usage = state.callers.entry(key.clone()).or_default();
        if usage.stored_bytes >= self.max_result_bytes {
            let oldest = usage.stored.first().map_or(PENDING, |k| k.0);
            let retry_after_ms = if oldest == PENDING {
                RECOUNT_EVERY_MS
            } else {
                oldest.saturating_sub(now)
            };
            return Err(Over::ResultBytes {
                used: usage.stored_bytes,
                max: self.max_result_bytes,
                retry_after_ms,
            });
        }
        if usage.active.len() >= self.max_active {
            return Err(Over::ActiveTasks {
                max: self.max_active,
            });
        }
        let place = usage.next_place;
        usage.next_place += 1;
        usage.active.insert(id.clone(), (ttl_end, place));
        usage.order.insert(place, id.clone());
        state.checks.insert((ttl_end, id.clone()), key);
        Ok(())
    }

    /// Up to `n` of the active tasks of `owner` to look up before refusing
    /// it (it is at its limit), oldest first; they go to the back, so that
    /// the next round looks at others first. Empty when the last full round
    /// freed nothing less than a second ago.
    pub(crate) fn to_recount(&self, owner: Option<&str>, n: usize, now: u64) -> Vec<TaskId> {
        let mut state = self.lock();
        let Some(usage) = state.callers.get_mut(&owner.map(str::to_owned)) else {
            return Vec::new();
        };
        if now.saturating_sub(usage.last_recount_ms) < RECOUNT_EVERY_MS {
            return Vec::new();
        }
        let mut batch = Vec::with_capacity(n);
        while batch.len() < n.min(usage.active.len()) {
            let Some((_, id)) = usage.order.pop_first() else {
                break;
            };
            let place = usage.next_place;
            usage.next_place += 1;
            if let Some(entry) = usage.active.get_mut(&id) {
                entry.1 = place;
            }
            usage.order.insert(place, id.clone());
            batch.push(id);
        }
        batch
    }

    /// A full round of look-ups of `owner`'s tasks freed nothing: refuse it
    /// without looking for a second.
    pub(crate) fn recounted_in_vain(&self, owner: Option<&str>, now: u64) {
        if let Some(usage) = self.lock().callers.get_mut(&owner.map(str::to_owned)) {
            usage.last_recount_ms = now;
        }
    }

    /// A task of `owner` ended (or is gone): it no longer counts as active.
    pub(crate) fn ended(&self, owner: Option<&str>, id: &TaskId) {
        let mut state = self.lock();
        let key = owner.map(str::to_owned);
        let Some(usage) = state.callers.get_mut(&key) else {
            return;
        };
        let removed = usage.active.remove(id);
        if let Some((_, place)) = removed {
            usage.order.remove(&place);
        }
        if usage.is_empty() {
            state.callers.remove(&key);
        }
        if let Some((at, _)) = removed {
            state.checks.remove(&(at, id.clone()));
        }
    }

    /// Frees the bytes of results whose retention ended, and hands out the
    /// active tasks due to be looked up again (their TTL ran out, or their
    /// last look-up was a while ago): those the backend no longer has, or
    /// has terminal, are then [`ended`](Self::ended).
    pub(crate) fn housekeeping(&self, now: u64) -> Vec<(Option<String>, TaskId)> {
        let mut state = self.lock();
        state.expire(now);
        let mut due = Vec::new();
        while due.len() < CHECKS_PER_ROUND {
            let Some(entry) = state.checks.first_entry() else {
                break;
            };
            if entry.key().0 > now {
                break;
            }
            let ((_, id), owner) = entry.remove_entry();
            due.push((owner, id));
        }
        let later = now.saturating_add(RECHECK_MS);
        for (owner, id) in &due {
            if let Some(at) = state
                .callers
                .get_mut(owner)
                .and_then(|usage| usage.active.get_mut(id))
            {
                at.0 = later;
                state.checks.insert((later, id.clone()), owner.clone());
            }
        }
        due
    }

    /// Counts a result of `bytes` for `owner` before it is stored, or
    /// returns `(used, max)` when it would take the caller over its budget.
    pub(crate) fn reserve_result(
        &self,
        owner: Option<&str>,
        id: &TaskId,
        bytes: u64,
        now: u64,
    ) -> Result<(), (u64, u64)> {
        let mut state = self.lock();
        state.expire(now);
        let key = owner.map(str::to_owned);
        let usage = state.callers.entry(key.clone()).or_default();
        if usage.stored_bytes.saturating_add(bytes) > self.max_result_bytes {
            let used = usage.stored_bytes;
            if usage.is_empty() {
                state.callers.remove(&key);
            }
            return Err((used, self.max_result_bytes));
        }
        usage.stored_bytes += bytes;
        usage.stored.insert((PENDING, id.clone()));
        state.stored.insert((PENDING, id.clone()), (key, bytes));
        Ok(())
    }

    /// The reserved result was stored and is kept until `until` (Unix ms),
    /// or, with `None`, was not stored after all.
    pub(crate) fn settle_result(&self, owner: Option<&str>, id: &TaskId, until: Option<u64>) {
        let mut state = self.lock();
        let pending = (PENDING, id.clone());
        let Some((key, bytes)) = state.stored.remove(&pending) else {
            return;
        };
        debug_assert_eq!(key.as_deref(), owner);
        match until {
            Some(until) => {
                if let Some(usage) = state.callers.get_mut(&key) {
                    usage.stored.remove(&pending);
                    usage.stored.insert((until, id.clone()));
                }
                state.stored.insert((until, id.clone()), (key, bytes));
            }
            None => state.forget_result(&key, &pending, bytes),
        }
    }

    /// How many callers are counted (for tests of leaks).
    #[cfg(test)]
    fn callers(&self) -> usize {
        self.lock().callers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_per_caller_and_results_free_their_bytes_when_they_expire() {
        let q = Quotas::new(2, 100);
        let (a, b) = (Some("alice"), Some("bob"));
        let ids: Vec<TaskId> = (0..4).map(|_| TaskId::random()).collect();
        q.admit(a, &ids[0], 60_000, 0).unwrap();
        q.admit(a, &ids[1], 60_000, 0).unwrap();
        assert_eq!(
            q.admit(a, &ids[2], 60_000, 0),
            Err(Over::ActiveTasks { max: 2 })
        );
        q.admit(b, &ids[3], 60_000, 0).unwrap();
        // Oldest first; those looked at go to the back.
        assert_eq!(q.to_recount(a, 1, 5000), vec![ids[0].clone()]);
        assert_eq!(
            q.to_recount(a, 5, 5000),
            vec![ids[1].clone(), ids[0].clone()]
        );
        q.recounted_in_vain(a, 5000);
        assert!(
            q.to_recount(a, 5, 5500).is_empty(),
            "not again within a second"
        );
        assert_eq!(q.to_recount(a, 5, 6000).len(), 2);
        q.ended(a, &ids[0]);
        q.admit(a, &ids[2], 60_000, 0).unwrap();

        q.reserve_result(b, &ids[3], 60, 0).unwrap();
        q.settle_result(b, &ids[3], Some(1000));
        assert_eq!(q.reserve_result(b, &ids[0], 41, 10), Err((60, 100)));
        q.reserve_result(b, &ids[0], 40, 10).unwrap();
        q.settle_result(b, &ids[0], None);
        q.reserve_result(b, &ids[1], 40, 10).unwrap();
        q.settle_result(b, &ids[1], Some(2000));
        let over = q.admit(b, &TaskId::random(), 60_000, 500).unwrap_err();
        assert_eq!(
            over,
            Over::ResultBytes {
                used: 100,
                max: 100,
                retry_after_ms: 500
            }
        );
        let error = over.error(500);
        assert_eq!(error.data.as_ref().unwrap()["retryAfterSeconds"], 1);
        // The first result expired: room again.
        q.admit(b, &TaskId::random(), 60_000, 1000).unwrap();
    }

    /// Callers that went away (sessions) leave nothing behind once their
    /// tasks' TTLs and their results' retention ran out.
    #[test]
    fn nothing_is_kept_for_callers_that_went_away() {
        let q = Quotas::new(10, 1000);
        for n in 0..50 {
            let owner = format!("session:{n}");
            let id = TaskId::random();
            q.admit(Some(&owner), &id, 1000, 0).unwrap();
            if n % 2 == 0 {
                // Ended where this engine did not see it: found by housekeeping.
                continue;
            }
            q.reserve_result(Some(&owner), &id, 10, 0).unwrap();
            q.settle_result(Some(&owner), &id, Some(2000));
            q.ended(Some(&owner), &id);
        }
        assert_eq!(q.callers(), 50);
        let due = q.housekeeping(1000);
        assert_eq!(due.len(), 25, "the tasks whose TTL ran out are looked up");
        for (owner, id) in due {
            q.ended(owner.as_deref(), &id);
        }
        assert_eq!(q.callers(), 25, "those with stored results remain");
        assert!(q.housekeeping(2000).is_empty());
        assert_eq!(q.callers(), 0);
        assert!(q.lock().checks.is_empty() && q.lock().stored.is_empty());
    }

    #[test]
    fn json_size_is_the_length_of_the_compact_json() {
        let v = serde_json::json!({"content": [{"type": "text", "text": "héllo \"x\""}]});
        assert_eq!(json_size(&v), serde_json::to_vec(&v).unwrap().len() as u64);
    }
}
