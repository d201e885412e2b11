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

/// How often at most the store is swept for expired tasks.
const SWEEP_EVERY_MS: u64 = 1000;

/// Tasks in memory, with a bounded queue.
pub struct MemoryBackend {
    state: Mutex<State>,
    queue: mpsc::Sender<TaskId>,
    receiver: tokio::sync::Mutex<mpsc::Receiver<TaskId>>,
    closed: CancellationToken,
}

#[derive(Default)]
struct State {
    tasks: HashMap<TaskId, Entry>,
    order: BTreeMap<u64, TaskId>,
    next_seq: u64,
    last_sweep_ms: u64,
}

struct Entry {
    seq: u64,
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
    fn sweep(&mut self, now: u64, force: bool) {
        if !force && now.saturating_sub(self.last_sweep_ms) < SWEEP_EVERY_MS {
            return;
        }
        self.last_sweep_ms = now;
        let expired: Vec<TaskId> = self
            .tasks
            .iter()
            .filter(|(_, e)| e.updates.borrow().is_expired_at(now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.remove(&id);
        }
    }

    fn remove(&mut self, id: &TaskId) {
        if let Some(entry) = self.tasks.remove(id) {
            self.order.remove(&entry.seq);
            tracing::debug!(task_id = %id, "task expired and was purged");
        }
    }

    /// The live entry, purging it when it has expired.
    fn live(&mut self, id: &TaskId, now: u64) -> Option<&Entry> {
        let expired = self.tasks.get(id)?.updates.borrow().is_expired_at(now);
        if expired {
            self.remove(id);
            return None;
        }
        self.tasks.get(id)
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
            state.sweep(now_ms(), false);
            let permit = self.queue.try_reserve().map_err(|e| match e {
                mpsc::error::TrySendError::Full(()) => BackendError::QueueFull,
                mpsc::error::TrySendError::Closed(()) => BackendError::Closed,
            })?;
            let seq = state.next_seq;
            state.next_seq += 1;
            let (updates, _) = watch::channel(task.record);
            state.order.insert(seq, id.clone());
            state.tasks.insert(
                id.clone(),
                Entry {
                    seq,
                    job: Some(task.job),
                    updates,
                },
            );
            permit.send(id);
            Ok(())
        })();
        futures::future::ready(result).boxed()
    }

    fn get(&self, id: TaskId) -> BoxFuture<'_, Result<Option<TaskRecord>, BackendError>> {
        let now = now_ms();
        let mut state = self.lock();
        state.sweep(now, false);
        let record = state.live(&id, now).map(Entry::record);
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
            let now = now_ms();
            let mut state = self.lock();
            state.sweep(now, true);
            let mut page = TaskPage::default();
            for (&seq, id) in state.order.range(start..) {
                let Some(entry) = state.tasks.get(id) else {
                    continue;
                };
                let record = entry.record();
                if record.owner() != owner.as_deref() {
                    continue;
                }
                if page.tasks.len() == limit.max(1) {
                    page.next_cursor = Some(format!("{CURSOR_PREFIX}{seq}"));
                    break;
                }
                page.tasks.push(record);
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
        let result = match state.live(&id, now_ms) {
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
        futures::future::ready(result).boxed()
    }

    fn subscribe(&self, id: TaskId) -> BoxFuture<'_, Result<Option<TaskUpdates>, BackendError>> {
        let now = now_ms();
        let mut state = self.lock();
        let updates = state.live(&id, now).map(|entry| {
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
        async move {
            let mut receiver = self.receiver.lock().await;
            loop {
                let id = tokio::select! {
                    biased;
                    _ = self.closed.cancelled() => return Ok(None),
                    id = receiver.recv() => match id {
                        Some(id) => id,
                        None => return Ok(None),
                    },
                };
                // The snapshot leaves the store when the task starts.
                let job = self
                    .lock()
                    .tasks
                    .get_mut(&id)
                    .and_then(|entry| entry.job.take());
                if let Some(job) = job {
                    return Ok(Some(Claimed {
                        id,
                        job,
                        attempt: 1,
                    }));
                }
                // Purged while queued: nothing to run.
            }
        }
        .boxed()
    }

    fn ack(&self, _id: TaskId) -> BoxFuture<'_, Result<(), BackendError>> {
        futures::future::ready(Ok(())).boxed()
    }

    fn close(&self, reason: String) -> BoxFuture<'_, Result<(), BackendError>> {
        self.closed.cancel();
        let now = now_ms();
        let state = self.lock();
        for (id, entry) in &state.tasks {
            let error = ErrorObject::internal(reason.clone());
            let changed = entry.updates.send_if_modified(|record| {
                record.apply(Transition::Fail(error.clone()), now).is_ok()
            });
            if changed {
                tracing::warn!(task_id = %id, "{reason}");
            }
        }
        futures::future::ready(Ok(())).boxed()
    }
}
