//! Background tasks: a tool call that returns a task handle at once and runs
//! on a worker.
//!
//! `#[tool(task = true)]` (or `task = "required"`) lets a client run the tool
//! as a task. The call is checked in the foreground (tool, scopes, arguments'
//! shape), a [`Snapshot`] of its scope is stored with the task, and the
//! client gets `CreateTaskResult`. A worker then restores the snapshot into a
//! [`CallScope`](crate::CallScope) and runs *the same* generated wrapper an
//! inline call runs, so `AccessToken`, `Lifespan<T>`, `Extension<T>` of
//! carried types, and [`Ctx`](crate::Ctx) resolve the same way in both.
//!
//! The pieces, one per file:
//!
//! * `model`: [`TaskRecord`] and the status state machine
//!   ([`TaskRecord::apply`] is the only way a status changes), and how long a
//!   record is kept ([`TaskRecord::retained_until_ms`]: a running task until
//!   it ends, even past its TTL);
//! * `snapshot`: what a task keeps of its request ([`Snapshot`], [`Owner`]);
//! * `backend`: the [`TaskBackend`] trait and its contract;
//! * `memory`: [`MemoryBackend`], the default (indexed by owner and by end
//!   of retention);
//! * `redis` (feature `redis`): `RedisBackend`, the distributed engine:
//!   many HTTP nodes and worker processes share one Redis;
//! * `engine`: [`TaskEngine`] (create, get, wait, list, cancel), the worker
//!   pool (with the run-time limit), the housekeeping round and shutdown,
//!   configured by [`TaskOptions`];
//! * `links`: where a running task's status notifications go (the session
//!   that created it), kept only while the task may run in this process;
//! * `quota`: per-caller limits on active tasks and stored result bytes;
//! * `wire`: the `Task` object of each protocol revision.
//!
//! Tasks are bound to the caller: the identity of its verified token
//! ([`CallerIdentity`](crate::auth::CallerIdentity)); without authorization,
//! the 2025-11-25 session that created it; without either (2026-07-28 with
//! no authorization), nobody, and the unguessable task id (128 random bits)
//! is the only protection. Keep TTLs short on servers without authorization
//! (the default TTL is five minutes). The same caller is what the per-caller
//! limits count (100 active tasks and 64 MiB of stored results by default;
//! anonymous callers share one count).

pub(crate) mod backend;
pub(crate) mod engine;
mod links;
pub(crate) mod memory;
pub(crate) mod model;
mod questions;
mod quota;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
pub(crate) mod snapshot;
mod trace;
pub(crate) mod wire;

pub use backend::{
    BackendError, Claimed, NewTask, TaskBackend, TaskJob, TaskPage, TaskUpdates, UpdateError,
};
pub use engine::{TaskEngine, TaskHandle, TaskOptions};
pub use memory::MemoryBackend;
pub use model::{
    InputAnswer, TaskId, TaskOutcome, TaskRecord, TaskStatus, Transition, TransitionError,
};
pub(crate) use questions::TaskInput;
pub use snapshot::{Carried, Owner, Snapshot};
