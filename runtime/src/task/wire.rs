//! Tasks on the wire: the `Task` object of each revision, built from a record.
//!
//! 2025-11-25 (core tasks) names the durations `ttl` and `pollInterval`;
//! the 2026-07-28 extension names them `ttlMs` and `pollIntervalMs` and
//! inlines `result` / `error` in `tasks/get`.

use super::model::{iso8601, TaskOutcome, TaskRecord, TaskStatus};
use crate::protocol::messages::RelatedTask;
use crate::protocol::meta::META_RELATED_TASK;
use crate::protocol::results::{CoreTask, ExtensionTask, TaskHead};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// What both revisions' task objects say first: id, status, times.
fn task_head(record: &TaskRecord) -> TaskHead<'_> {
    TaskHead {
        task_id: record.id().as_str(),
        status: record.status().as_str(),
        status_message: record.status_message(),
        created_at: iso8601(record.created_at_ms()),
        last_updated_at: iso8601(record.updated_at_ms()),
    }
}

/// The `Task` object of 2025-11-25.
pub fn core_task(record: &TaskRecord) -> CoreTask<'_> {
    CoreTask {
        head: task_head(record),
        ttl: record.ttl_ms(),
        poll_interval: record.poll_interval_ms(),
    }
}

/// The `Task` object of 2025-11-25, as a value.
pub fn task_core(record: &TaskRecord) -> Value {
    serde_json::to_value(core_task(record)).unwrap_or(Value::Null)
}

/// The task of the 2026-07-28 extension; with `detailed`, the outcome too
/// (`result` when completed, `error` when failed, `inputRequests` while
/// input is required), as `tasks/get` answers.
pub fn extension_task(record: &TaskRecord, detailed: bool) -> ExtensionTask<'_> {
    let mut task = ExtensionTask {
        head: task_head(record),
        ttl_ms: record.ttl_ms(),
        poll_interval_ms: record.poll_interval_ms(),
        result_type: None,
        result: None,
        error: None,
        input_requests: None,
    };
    if detailed {
        match (record.status(), record.outcome()) {
            (TaskStatus::Completed, Some(TaskOutcome::Result(result))) => {
                task.result = Some(result);
            }
            (TaskStatus::Failed, Some(TaskOutcome::Error(error))) => task.error = Some(error),
            (TaskStatus::InputRequired, _) => task.input_requests = Some(record.input_requests()),
            _ => {}
        }
    }
    task
}

/// Adds `_meta["io.modelcontextprotocol/related-task"] = {taskId}` to a result.
pub fn with_related_task(mut result: Value, task_id: &str) -> Value {
    if let Value::Object(m) = &mut result {
        let related = RelatedTask {
            task_id: Cow::Borrowed(task_id),
        }
        .to_value();
        match m.get_mut("_meta") {
            Some(Value::Object(meta)) => {
                meta.insert(META_RELATED_TASK.into(), related);
            }
            _ => {
                let mut meta = Map::with_capacity(1);
                meta.insert(META_RELATED_TASK.into(), related);
                m.insert("_meta".into(), Value::Object(meta));
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::model::{TaskId, Transition};
    use serde_json::json;

    #[test]
    fn both_revisions_task_bytes_are_pinned() {
        let mut record =
            TaskRecord::new(TaskId::from_wire("t-1"), None, "tool", 60_000, 500, 1_000);
        assert_eq!(
            serde_json::to_string(&core_task(&record)).unwrap(),
            r#"{"taskId":"t-1","status":"working","createdAt":"1970-01-01T00:00:01.000Z","lastUpdatedAt":"1970-01-01T00:00:01.000Z","ttl":60000,"pollInterval":500}"#
        );
        record
            .apply(Transition::Message("half".into()), 2_500)
            .unwrap();
        record
            .apply(Transition::Complete(json!({"content": []})), 3_000)
            .unwrap();
        assert_eq!(
            serde_json::to_string(&core_task(&record)).unwrap(),
            r#"{"taskId":"t-1","status":"completed","statusMessage":"half","createdAt":"1970-01-01T00:00:01.000Z","lastUpdatedAt":"1970-01-01T00:00:03.000Z","ttl":60000,"pollInterval":500}"#
        );
        assert_eq!(
            serde_json::to_string(&extension_task(&record, false)).unwrap(),
            r#"{"taskId":"t-1","status":"completed","statusMessage":"half","createdAt":"1970-01-01T00:00:01.000Z","lastUpdatedAt":"1970-01-01T00:00:03.000Z","ttlMs":60000,"pollIntervalMs":500}"#
        );
        assert_eq!(
            serde_json::to_string(&ExtensionTask {
                result_type: Some("task"),
                ..extension_task(&record, true)
            })
            .unwrap(),
            r#"{"taskId":"t-1","status":"completed","statusMessage":"half","createdAt":"1970-01-01T00:00:01.000Z","lastUpdatedAt":"1970-01-01T00:00:03.000Z","ttlMs":60000,"pollIntervalMs":500,"resultType":"task","result":{"content":[]}}"#
        );
        assert_eq!(
            task_core(&record),
            serde_json::to_value(core_task(&record)).unwrap()
        );
    }
}
