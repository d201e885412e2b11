//! Where a task's status notifications go: the 2025-11-25 session that
//! created it, while the task runs in this process.
//!
//! The engine keeps a link only when this process runs tasks, from the
//! task's creation until the task ends here, or, for a task no worker of
//! this process took, until its TTL from its creation has run out (it then
//! ran elsewhere, or expired while queued). The engine's housekeeping round
//! (once a second) lets go of those, so no link outlives its task.

use super::engine::Link;
use super::model::TaskId;
use std::collections::HashMap;
use std::sync::Mutex;

struct Entry {
    link: Link,
    /// A worker of this process runs the task: it lets go of the link.
    running: bool,
    /// When the task expires if no worker of this process takes it.
    queued_until_ms: u64,
}

/// The links of the tasks of one engine.
#[derive(Default)]
pub(crate) struct Links {
    entries: Mutex<HashMap<TaskId, Entry>>,
}

impl Links {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TaskId, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps `link` for a new task that expires at `queued_until_ms` unless
    /// a worker here takes it.
    pub(crate) fn insert(&self, id: TaskId, link: Link, queued_until_ms: u64) {
        self.lock().insert(
            id,
            Entry {
                link,
                running: false,
                queued_until_ms,
            },
        );
    }

    /// The link of a task a worker here starts to run (it keeps it until
    /// [`remove`](Self::remove)).
    pub(crate) fn take_for_run(&self, id: &TaskId) -> Option<Link> {
        let mut entries = self.lock();
        let entry = entries.get_mut(id)?;
        entry.running = true;
        Some(entry.link.clone())
    }

    /// The link of a task, when there is one.
    pub(crate) fn get(&self, id: &TaskId) -> Option<Link> {
        self.lock().get(id).map(|e| e.link.clone())
    }

    /// Lets go of a task's link (it ended, or its worker here is done).
    pub(crate) fn remove(&self, id: &TaskId) -> Option<Link> {
        self.lock().remove(id).map(|e| e.link)
    }

    /// How many links are kept.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Lets go of the links of tasks no worker here took before they expired.
    pub(crate) fn sweep_at(&self, now: u64) {
        self.lock()
            .retain(|_, entry| entry.running || entry.queued_until_ms > now);
    }
}
