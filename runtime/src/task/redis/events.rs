//! Status changes over pub/sub: every new version of a record is published
//! on one channel; each process keeps one subscription and fans the records
//! out to the local waiters of each task (`tasks/result`, a worker watching
//! for cancellation). When the subscription breaks (Redis restarted), the
//! listener reconnects by itself and every waiter re-reads its record, so a
//! change made while it was away is not missed.
//!
//! A message is the record's JSON, preceded by its tag and a newline when
//! keys are configured ([`message`]); a listener with keys drops a message
//! whose tag does not verify, so a record published by someone with access
//! to Redis but not to the keys reaches no waiter.

use super::connection::{keep_subscribed, Heard, Target};
use crate::task::{TaskId, TaskRecord};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The id of a published record, read before the record is verified.
#[derive(serde::Deserialize)]
struct IdOnly {
    id: TaskId,
}

/// The local waiters of each task.
pub(crate) struct Events {
    watchers: Mutex<HashMap<TaskId, watch::Sender<Option<TaskRecord>>>>,
    /// Bumped whenever the subscription (re)starts: waiters re-read.
    generation: watch::Sender<u64>,
    started: AtomicBool,
}

impl Events {
    pub(crate) fn new() -> Events {
        Events {
            watchers: Mutex::new(HashMap::new()),
            generation: watch::channel(0).0,
            started: AtomicBool::new(false),
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<TaskId, watch::Sender<Option<TaskRecord>>>> {
        self.watchers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the listener still has to be started (true once).
    pub(crate) fn needs_start(&self) -> bool {
        !self.started.swap(true, Ordering::SeqCst)
    }

    /// Registers a waiter of `id`.
    pub(crate) fn watch(&self, id: &TaskId) -> watch::Receiver<Option<TaskRecord>> {
        let mut watchers = self.lock();
        watchers
            .entry(id.clone())
            .or_insert_with(|| watch::channel(None).0)
            .subscribe()
    }

    /// Whether this process waits on `id`.
    pub(crate) fn is_watched(&self, id: &TaskId) -> bool {
        self.lock().contains_key(id)
    }

    /// Forgets the waiters of `id` once none is left.
    pub(crate) fn unwatch(&self, id: &TaskId) {
        let mut watchers = self.lock();
        if watchers.get(id).is_some_and(|s| s.receiver_count() == 0) {
            watchers.remove(id);
        }
    }

    /// Hands a record to the waiters of its task, if it is newer than what
    /// they have.
    pub(crate) fn deliver(&self, record: &TaskRecord) {
        let watchers = self.lock();
        if let Some(sender) = watchers.get(record.id()) {
            sender.send_if_modified(|current| {
                let newer = current
                    .as_ref()
                    .is_none_or(|c| record.version() > c.version());
                if newer {
                    *current = Some(record.clone());
                }
                newer
            });
        }
    }

    /// A receiver of the subscription's generation.
    pub(crate) fn generation(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }

    pub(crate) fn bump(&self) {
        self.generation.send_modify(|g| *g += 1);
    }
}

/// The message published for a new record version: `TAG\nJSON`, or the
/// JSON alone when there is no tag (no keys). Compact JSON holds no
/// newline, so the two cannot be confused.
pub(crate) fn message(tag: &str, record: &str) -> String {
    if tag.is_empty() {
        record.to_owned()
    } else {
        format!("{tag}\n{record}")
    }
}

/// The task id of a published record: read from its start (a record's
/// JSON begins with its id), else parsed.
fn published_id(json: &str) -> Option<TaskId> {
    if let Some(rest) = json.strip_prefix("{\"id\":\"") {
        if let Some(id) = rest.split('"').next().filter(|id| !id.contains('\\')) {
            return Some(TaskId::from_wire(id));
        }
    }
    serde_json::from_str::<IdOnly>(json).ok().map(|r| r.id)
}

/// Splits a published message into its tag and its record JSON.
fn parse(payload: &[u8]) -> Option<(Option<&str>, &str)> {
    let text = std::str::from_utf8(payload).ok()?;
    Some(match text.split_once('\n') {
        Some((tag, record)) => (Some(tag), record),
        None => (None, text),
    })
}

/// Keeps one subscription to `channel` alive until `stop` (see
/// [`keep_subscribed`]), and delivers every record to `events`.
pub(crate) async fn listen(
    target: Target,
    channel: String,
    events: std::sync::Weak<super::backend::Inner>,
    stop: CancellationToken,
) {
    let mut was_down = false;
    // On a Cluster, the first try goes to the first seed node.
    keep_subscribed(&target, &channel, "task events", 0, &stop, |heard| {
        match heard {
            Heard::Subscribed => {
                if was_down {
                    tracing::info!("task events: subscribed to Redis again");
                }
                let Some(inner) = events.upgrade() else {
                    return ControlFlow::Break(());
                };
                // Anything published while we were away: waiters re-read.
                inner.events.bump();
            }
            Heard::Message(msg) => {
                let Some(inner) = events.upgrade() else {
                    return ControlFlow::Break(());
                };
                let Some((tag, json)) = parse(msg.get_payload_bytes()) else {
                    tracing::warn!("task events: a malformed message was published");
                    return ControlFlow::Continue(());
                };
                match published_id(json) {
                    // Verified and parsed only when someone here waits on it.
                    Some(id) if inner.events.is_watched(&id) => {
                        if let Some(record) = inner.trusted(&id, json, tag) {
                            inner.events.deliver(&record);
                        }
                    }
                    Some(_) => {}
                    None => tracing::warn!("task events: a malformed record was published"),
                }
            }
            Heard::Lost => was_down = true,
            Heard::Failed(e) => {
                if !was_down {
                    tracing::warn!("task events: cannot subscribe to Redis ({e}); retrying");
                }
                was_down = true;
            }
        }
        ControlFlow::Continue(())
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_of_a_published_record_is_read_from_its_start() {
        assert_eq!(
            published_id(r#"{"id":"abc","owner":null}"#),
            Some(TaskId::from_wire("abc"))
        );
        assert_eq!(
            published_id(r#"{"owner":null,"id":"a\"b"}"#),
            Some(TaskId::from_wire("a\"b"))
        );
        assert_eq!(published_id("not json"), None);
    }

    #[test]
    fn a_message_carries_its_tag_when_there_is_one() {
        assert_eq!(parse(message("", "{}").as_bytes()), Some((None, "{}")));
        let tagged = message("{\"k1\":\"x\"}", "{\"id\":\"t\"}");
        assert_eq!(
            parse(tagged.as_bytes()),
            Some((Some("{\"k1\":\"x\"}"), "{\"id\":\"t\"}"))
        );
    }
}
