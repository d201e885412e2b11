//! `TaskBackend`: where tasks are stored and queued.
//!
//! The engine ([`TaskEngine`](super::TaskEngine)) talks to one backend; the
//! in-memory one ([`MemoryBackend`](super::MemoryBackend)) is the default. A
//! distributed backend (Redis) implements the same trait; the contract below
//! is what the engine relies on.
//!
//! # Contract
//!
//! * [`create`](TaskBackend::create) stores the record and its job durably and
//!   queues the job, or fails; the engine answers `CreateTaskResult` only
//!   after it returned `Ok`. A full queue is [`BackendError::QueueFull`].
//! * [`get`](TaskBackend::get) and [`list`](TaskBackend::list) never return a
//!   task past its retention ([`TaskRecord::is_expired_at`]); such tasks may
//!   be purged at any time. A task is kept until
//!   [`TaskRecord::retained_until_ms`], which a transition may move: a task
//!   a worker runs ([`Transition::Start`]) has no end of retention until it
//!   ends, and must not be purged before. A store that expires entries by
//!   itself must follow the record's retention after every transition.
//! * [`list`](TaskBackend::list) looks at the owner's tasks, not at every
//!   task.
//! * [`transition`](TaskBackend::transition) applies
//!   [`TaskRecord::apply`] atomically: read, apply, write as one step
//!   (a lock, or compare-and-set on [`TaskRecord::version`] with retry, or a
//!   script). It must never write a status itself, so a terminal status never
//!   changes, whichever node or worker races.
//! * [`subscribe`](TaskBackend::subscribe) yields the record as it is now,
//!   then every later version (intermediate versions may be skipped, the
//!   last one never is); the stream ends when the task is purged.
//! * [`claim`](TaskBackend::claim) hands one queued job to this process (at
//!   least once: a job whose worker died before [`ack`](TaskBackend::ack) may
//!   be handed out again with a higher `attempt`); `None` once the backend is
//!   closed.
//! * [`claim_many`](TaskBackend::claim_many) is `claim` for up to `max`
//!   jobs at once; the engine asks for as many as it has free slots.
//! * [`release`](TaskBackend::release) gives a claimed job back unfinished.
//! * [`is_durable`](TaskBackend::is_durable): whether the queue outlives
//!   this process. At shutdown the engine releases the tasks still running
//!   past the grace period to a durable backend (another worker runs them)
//!   and fails them on one that is not.
//! * [`queue_depth`](TaskBackend::queue_depth): how many jobs are queued
//!   and not yet handed to a worker, cheaply (it is sampled for a metric);
//!   `None` (the default) when the backend cannot tell.
//! * [`close`](TaskBackend::close) stops handing out jobs. A backend that
//!   loses its queue with the process (the in-memory one) fails every task
//!   that is not terminal with `reason`, so no task is lost silently.

use super::model::{TaskId, TaskRecord, Transition, TransitionError};
use super::snapshot::Snapshot;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What a worker needs to run a task: the tool, its arguments and the snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskJob {
    /// The tool to call.
    pub tool: String,
    /// Its arguments, as the client sent them.
    pub arguments: Map<String, Value>,
    /// The request's snapshot.
    pub snapshot: Snapshot,
}

/// A task to store: its record and its job.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// The record (status `working`).
    pub record: TaskRecord,
    /// The job to queue.
    pub job: TaskJob,
}

/// A job handed to this process by [`TaskBackend::claim`].
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The task.
    pub id: TaskId,
    /// What to run.
    pub job: TaskJob,
    /// 1 for the first delivery, more when a job is delivered again.
    pub attempt: u32,
}

/// One page of [`TaskBackend::list`].
#[derive(Debug, Clone, Default)]
pub struct TaskPage {
    /// The tasks, oldest first.
    pub tasks: Vec<TaskRecord>,
    /// Where the next page starts, when there is one.
    pub next_cursor: Option<String>,
}

/// Every version of one task's record, from now on.
pub type TaskUpdates = BoxStream<'static, TaskRecord>;

/// A backend failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The queue is full; the task was not created.
    #[error("the task queue is full; try again later")]
    QueueFull,
    /// The backend no longer accepts tasks (the server is shutting down).
    #[error("the server is shutting down and accepts no new tasks")]
    Closed,
    /// A cursor that this backend did not hand out.
    #[error("unknown cursor {0:?}")]
    BadCursor(String),
    /// Storage failed (connection lost, malformed data, ...).
    #[error("task storage failed: {0}")]
    Storage(String),
}

/// Why [`TaskBackend::transition`] changed nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// No such task (never created, expired or purged).
    #[error("no such task")]
    NotFound,
    /// The state machine refused; the record as it is.
    #[error("{error}")]
    Refused {
        /// Why.
        error: TransitionError,
        /// The unchanged record.
        record: Box<TaskRecord>,
    },
    /// The backend failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// Task storage and queue; see the module docs for the contract.
pub trait TaskBackend: Send + Sync + 'static {
    /// Stores a new task with its job, durably, and queues the job.
    fn create(&self, task: NewTask) -> BoxFuture<'_, Result<(), BackendError>>;

    /// The task's record, unless it does not exist or has expired.
    fn get(&self, id: TaskId) -> BoxFuture<'_, Result<Option<TaskRecord>, BackendError>>;

    /// A page of at most `limit` tasks of `owner` (the key of
    /// [`Owner`](super::Owner); `None`: anonymous tasks), oldest first,
    /// starting at `cursor`.
    fn list(
        &self,
        owner: Option<String>,
        cursor: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<TaskPage, BackendError>>;

    /// Applies `transition` at `now_ms` atomically; returns the new record.
    fn transition(
        &self,
        id: TaskId,
        transition: Transition,
        now_ms: u64,
    ) -> BoxFuture<'_, Result<TaskRecord, UpdateError>>;

    /// The record now and every later version; `None` for an unknown task.
    fn subscribe(&self, id: TaskId) -> BoxFuture<'_, Result<Option<TaskUpdates>, BackendError>>;

    /// Waits for the next queued job; `None` once the backend is closed.
    fn claim(&self) -> BoxFuture<'_, Result<Option<Claimed>, BackendError>>;

    /// Waits for queued jobs and hands up to `max` of them to this process
    /// at once (at least one; none once the backend is closed), each as
    /// [`claim`](TaskBackend::claim) would. A backend that reads its queue
    /// over the network claims a batch in one round trip; the default
    /// claims one.
    fn claim_many(&self, max: usize) -> BoxFuture<'_, Result<Vec<Claimed>, BackendError>> {
        let _ = max;
        self.claim()
            .map(|claimed| claimed.map(|c| c.into_iter().collect()))
            .boxed()
    }

    /// Marks a claimed job done (it will not be delivered again).
    fn ack(&self, id: TaskId) -> BoxFuture<'_, Result<(), BackendError>>;

    /// Gives up a claimed job without running it to its end (this process
    /// cannot follow it); a durable backend delivers it again later. The
    /// default does nothing.
    fn release(&self, id: TaskId) -> BoxFuture<'_, Result<(), BackendError>> {
        let _ = id;
        futures::future::ready(Ok(())).boxed()
    }

    /// Whether jobs outlive this process: a released job is delivered to
    /// another process (default `false`). The engine then releases the
    /// tasks still running when the shutdown grace period ends, instead of
    /// failing them.
    fn is_durable(&self) -> bool {
        false
    }

    /// How many jobs are queued and not yet handed to a worker (by
    /// [`claim`](TaskBackend::claim)); `None` when this backend cannot
    /// tell (the default). Cheap: the `mcp.server.task.queue.depth` gauge
    /// samples it (with the `otel` feature and a meter provider installed).
    fn queue_depth(&self) -> BoxFuture<'_, Result<Option<u64>, BackendError>> {
        futures::future::ready(Ok(None)).boxed()
    }

    /// Stops handing out jobs; a non-durable backend fails its unfinished
    /// tasks with `reason`.
    fn close(&self, reason: String) -> BoxFuture<'_, Result<(), BackendError>>;
}
