//! The in-memory backend: the default, with nothing to set up. Tasks live in
//! this process and are lost with it; on shutdown, the tasks it still holds
//! are failed with a message rather than dropped silently.

use super::backend::{
    BackendError, Claimed, NewTask, TaskBackend, TaskJob, TaskPage, TaskUpdates, UpdateError,
};
use super::model::{now_ms, TaskId, TaskRecord, Transition};
use crate::protocol::ErrorObject;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Tasks in memory, with a bounded queue.
///
/// Every operation holds the store's lock briefly: `list` walks the caller's
/// own tasks only (an index by owner), and expired tasks are purged from the
/// front of an index ordered by the end of their retention, so neither ever
/// walks every task.
pub struct MemoryBackend {
    state: Mutex<State>,
    queue: mpsc::Sender<TaskId>,
    receiver: tokio::sync::Mutex<mpsc::Receiver<TaskId>>,
    closed: CancellationToken,
}

#[derive(Default)]
struct State {
    tasks: HashMap<TaskId, Entry>,
    /// Each owner's tasks by creation order (the key of `None`: anonymous).
    by_owner: HashMap<Option<String>, BTreeMap<u64, TaskId>>,
    /// Tasks whose record has an end of retention, by that end (then by
    /// creation order); running tasks are not in it.
    by_expiry: BTreeMap<(u64, u64), TaskId>,
    next_seq: u64,
    /// How many records `list` and the purge looked at (tests of their cost).
    #[cfg(test)]
    examined: u64,
}

struct Entry {
    seq: u64,
    owner: Option<String>,
    /// The key of the task in `by_expiry`, when it is there.
    retained_until: Option<u64>,
    job: Option<TaskJob>,
    updates: watch::Sender<TaskRecord>,
}

impl Entry {
    fn record(&self) -> TaskRecord {
        self.updates.borrow().clone()
    }
}

impl MemoryBackend {
    /// A backend whose queue holds up to 1024 tasks that have not started.
    pub fn new() -> Self {
        Self::with_queue_capacity(1024)
    }

    /// A backend whose queue holds up to `capacity` tasks that have not
    /// started; creating one more fails with [`BackendError::QueueFull`].
    pub fn with_queue_capacity(capacity: usize) -> Self {
        let (queue, receiver) = mpsc::channel(capacity.max(1));
        MemoryBackend {
            state: Mutex::new(State::default()),
            queue,
            receiver: tokio::sync::Mutex::new(receiver),
            closed: CancellationToken::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBackend")
            .field("tasks", &self.lock().tasks.len())
            .finish_non_exhaustive()
    }
}

impl State {
    /// Purges the tasks whose retention ended by `now`: only those are
    /// looked at.
    fn purge(&mut self, now: u64) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if entry.key().0 > now {
                return;
            }
            let id = entry.remove();
            #[cfg(test)]
            {
                self.examined += 1;
            }
            self.remove(&id);
            tracing::debug!(task_id = %id, "task expired and was purged");
        }
    }

    fn insert(&mut self, record: TaskRecord, job: TaskJob) {
        let id = record.id().clone();
        let seq = self.next_seq;
        self.next_seq += 1;
        let owner = record.owner().map(str::to_owned);
        let retained_until = record.retained_until_ms();
        if let Some(until) = retained_until {
            self.by_expiry.insert((until, seq), id.clone());
        }
        self.by_owner
            .entry(owner.clone())
            .or_default()
            .insert(seq, id.clone());
        let (updates, _) = watch::channel(record);
        self.tasks.insert(
            id,
            Entry {
                seq,
                owner,
                retained_until,
                job: Some(job),
                updates,
            },
        );
    }

    /// Drops a task from the store and its indexes; its followers' streams end.
    fn remove(&mut self, id: &TaskId) {
        let Some(entry) = self.tasks.remove(id) else {
            return;
        };
        if let Some(until) = entry.retained_until {
            self.by_expiry.remove(&(until, entry.seq));
        }
        if let Some(tasks) = self.by_owner.get_mut(&entry.owner) {
            tasks.remove(&entry.seq);
            if tasks.is_empty() {
                self.by_owner.remove(&entry.owner);
            }
        }
    }

    /// Files the task under its new end of retention after its record changed.
    fn reindex(&mut self, id: &TaskId) {
        let Some(entry) = self.tasks.get_mut(id) else {
            return;
        };
        let until = entry.updates.borrow().retained_until_ms();
        if until == entry.retained_until {
            return;
        }
        if let Some(old) = entry.retained_until.take() {
            self.by_expiry.remove(&(old, entry.seq));
        }
        if let Some(new) = until {
            self.by_expiry.insert((new, entry.seq), id.clone());
        }
        entry.retained_until = until;
    }
}

const CURSOR_PREFIX: &str = "mem:";

impl TaskBackend for MemoryBackend {
    fn create(&self, task: NewTask) -> BoxFuture<'_, Result<(), BackendError>> {
        let result = (|| {
            if self.closed.is_cancelled() {
                return Err(BackendError::Closed);
            }
            let id = task.record.id().clone();
            let mut state = self.lock();
            state.purge(now_ms());
            let permit = self.queue.try_reserve().map_err(|e| match e {
                mpsc::error::TrySendError::Full(()) => BackendError::QueueFull,
                mpsc::error::TrySendError::Closed(()) => BackendError::Closed,
            })?;
            state.insert(task.record, task.job);
            permit.send(id);
            Ok(())
        })();
        futures::future::ready(result).boxed()
    }

    fn get(&self, id: TaskId) -> BoxFuture<'_, Result<Option<TaskRecord>, BackendError>> {
        let mut state = self.lock();
        state.purge(now_ms());
        let record = state.tasks.get(&id).map(Entry::record);
        futures::future::ready(Ok(record)).boxed()
    }

    fn list(
        &self,
        owner: Option<String>,
        cursor: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<TaskPage, BackendError>> {
        let result = (|| {
            let start = match cursor {
                None => 0,
                Some(c) => c
                    .strip_prefix(CURSOR_PREFIX)
                    .and_then(|n| n.parse::<u64>().ok())
                    .ok_or(BackendError::BadCursor(c))?,
            };
            let mut state = self.lock();
            state.purge(now_ms());
            let state = &mut *state;
            let mut page = TaskPage::default();
            let Some(mine) = state.by_owner.get(&owner) else {
                return Ok(page);
            };
            for (&seq, id) in mine.range(start..) {
                #[cfg(test)]
                {
                    state.examined += 1;
                }
                if page.tasks.len() == limit.max(1) {
                    page.next_cursor = Some(format!("{CURSOR_PREFIX}{seq}"));
                    break;
                }
                if let Some(entry) = state.tasks.get(id) {
                    page.tasks.push(entry.record());
                }
            }
            Ok(page)
        })();
        futures::future::ready(result).boxed()
    }

    fn transition(
        &self,
        id: TaskId,
        transition: Transition,
        now_ms: u64,
    ) -> BoxFuture<'_, Result<TaskRecord, UpdateError>> {
        let mut state = self.lock();
        state.purge(now_ms);
        let result = match state.tasks.get(&id) {
            None => Err(UpdateError::NotFound),
            Some(entry) => {
                let mut outcome = Ok(());
                // Applied under the store's lock: atomic with respect to
                // every other transition of this task.
                entry.updates.send_if_modified(|record| {
                    let before = record.clone();
                    outcome =
                        record
                            .apply(transition, now_ms)
                            .map_err(|error| UpdateError::Refused {
                                error,
                                record: Box::new(before),
                            });
                    outcome.is_ok()
                });
                outcome.map(|()| entry.record())
            }
        };
        if result.is_ok() {
            state.reindex(&id);
        }
        futures::future::ready(result).boxed()
    }

    fn subscribe(&self, id: TaskId) -> BoxFuture<'_, Result<Option<TaskUpdates>, BackendError>> {
        let mut state = self.lock();
        state.purge(now_ms());
        let updates = state.tasks.get(&id).map(|entry| {
            let rx = entry.updates.subscribe();
            futures::stream::unfold((rx, true), |(mut rx, first)| async move {
                if !first && rx.changed().await.is_err() {
                    return None;
                }
                let record = rx.borrow_and_update().clone();
                Some((record, (rx, false)))
            })
            .boxed()
        });
        futures::future::ready(Ok(updates)).boxed()
    }

    fn claim(&self) -> BoxFuture<'_, Result<Option<Claimed>, BackendError>> {
        async move { Ok(self.claim_many(1).await?.into_iter().next()) }.boxed()
    }

    fn claim_many(&self, max: usize) -> BoxFuture<'_, Result<Vec<Claimed>, BackendError>> {
        async move {
            let mut receiver = self.receiver.lock().await;
            loop {
                let first = tokio::select! {
                    biased;
                    _ = self.closed.cancelled() => return Ok(Vec::new()),
                    id = receiver.recv() => match id {
                        Some(id) => id,
                        None => return Ok(Vec::new()),
                    },
                };
                let mut ids = vec![first];
                while ids.len() < max {
                    match receiver.try_recv() {
                        Ok(id) => ids.push(id),
                        Err(_) => break,
                    }
                }
                // The snapshot leaves the store when the task starts.
                let mut state = self.lock();
                let claimed: Vec<Claimed> = ids
                    .into_iter()
                    .filter_map(|id| {
                        let job = state.tasks.get_mut(&id)?.job.take()?;
                        Some(Claimed {
                            id,
                            job,
                            attempt: 1,
                        })
                    })
                    .collect();
                // Those purged while queued have nothing to run.
                if !claimed.is_empty() {
                    return Ok(claimed);
                }
            }
        }
        .boxed()
    }

    /// The ids in the queue's channel: created, not yet claimed (exact,
    /// and without the store's lock). A task that expired while queued
    /// counts until a worker's claim skips it.
    fn queue_depth(&self) -> BoxFuture<'_, Result<Option<u64>, BackendError>> {
        let queued = self.queue.max_capacity() - self.queue.capacity();
        futures::future::ready(Ok(Some(queued as u64))).boxed()
    }

    fn ack(&self, _id: TaskId) -> BoxFuture<'_, Result<(), BackendError>> {
        futures::future::ready(Ok(())).boxed()
    }

    fn close(&self, reason: String) -> BoxFuture<'_, Result<(), BackendError>> {
        self.closed.cancel();
        let now = now_ms();
        let mut state = self.lock();
        let mut failed = Vec::new();
        for (id, entry) in &state.tasks {
            let error = ErrorObject::internal(reason.clone());
            let changed = entry.updates.send_if_modified(|record| {
                record.apply(Transition::Fail(error.clone()), now).is_ok()
            });
            if changed {
                tracing::warn!(task_id = %id, "{reason}");
                failed.push(id.clone());
            }
        }
        for id in failed {
            state.reindex(&id);
        }
        futures::future::ready(Ok(())).boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::ClientInfo;
    use crate::protocol::ProtocolVersion;
    use crate::task::snapshot::{Carried, Owner, Snapshot};
    use serde_json::{Map, Value};

    fn new_task(owner: &str, ttl_ms: u64, now: u64) -> NewTask {
        let client = ClientInfo {
            protocol_version: ProtocolVersion::V2025_11_25,
            implementation: None,
            capabilities: Value::Object(Map::new()),
        };
        let snapshot = Snapshot::take(
            &http::Extensions::new(),
            &Owner::Anonymous,
            None,
            None,
            &client,
            &Carried::default(),
            false,
        );
        NewTask {
            record: TaskRecord::new(TaskId::random(), Some(owner.into()), "t", ttl_ms, 100, now),
            job: TaskJob {
                tool: "t".into(),
                arguments: Map::new(),
                snapshot,
            },
        }
    }

    fn examined(backend: &MemoryBackend) -> u64 {
        std::mem::take(&mut backend.lock().examined)
    }

    /// `tasks/list` looks at the caller's tasks only, and purging expired
    /// tasks looks at the expired ones only: neither walks every task.
    #[tokio::test]
    async fn list_and_purge_do_not_walk_every_task() {
        let backend = MemoryBackend::with_queue_capacity(10_000);
        let now = now_ms();
        for _ in 0..2_000 {
            backend
                .create(new_task("others", 600_000, now))
                .await
                .unwrap();
        }
        for _ in 0..3 {
            backend.create(new_task("me", 600_000, now)).await.unwrap();
        }
        for _ in 0..5 {
            backend.create(new_task("brief", 1, now)).await.unwrap();
        }
        examined(&backend);
        let page = backend.list(Some("me".into()), None, 50).await.unwrap();
        assert_eq!(page.tasks.len(), 3);
        assert!(page.tasks.iter().all(|t| t.owner() == Some("me")));
        let looked_at = examined(&backend);
        assert!(
            looked_at <= 3 + 5,
            "listing 3 tasks looked at {looked_at} records"
        );
        // The brief tasks expired; a later list purged them.
        assert!(backend.lock().tasks.len() <= 2_003);
        for _ in 0..10 {
            backend.list(Some("me".into()), None, 50).await.unwrap();
        }
        let looked_at = examined(&backend);
        assert!(
            looked_at <= 10 * 3,
            "ten lists looked at {looked_at} records"
        );
    }

    /// The queue depth counts the jobs created and not yet claimed.
    #[tokio::test]
    async fn queue_depth_counts_the_jobs_not_yet_claimed() {
        let backend = MemoryBackend::with_queue_capacity(10);
        assert_eq!(backend.queue_depth().await.unwrap(), Some(0));
        let now = now_ms();
        for _ in 0..3 {
            backend
                .create(new_task("alice", 60_000, now))
                .await
                .unwrap();
        }
        assert_eq!(backend.queue_depth().await.unwrap(), Some(3));
        assert_eq!(backend.claim_many(2).await.unwrap().len(), 2);
        assert_eq!(backend.queue_depth().await.unwrap(), Some(1));
    }

    /// `claim_many` hands out up to `max` queued jobs at once, in the order
    /// they were queued, each once; `claim` takes the next one.
    #[tokio::test]
    async fn claim_many_hands_out_a_batch_in_order() {
        let backend = MemoryBackend::new();
        let now = now_ms();
        let mut ids = Vec::new();
        for _ in 0..5 {
            let task = new_task("me", 600_000, now);
            ids.push(task.record.id().clone());
            backend.create(task).await.unwrap();
        }
        let first: Vec<TaskId> = backend
            .claim_many(3)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(first, ids[..3]);
        let rest: Vec<TaskId> = backend
            .claim_many(10)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(rest, ids[3..]);
        backend.create(new_task("me", 600_000, now)).await.unwrap();
        assert!(backend.claim().await.unwrap().is_some());
        backend.close("closed".into()).await.unwrap();
        assert!(backend.claim_many(4).await.unwrap().is_empty());
    }
}
