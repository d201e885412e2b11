//! Tasks on the wire: the `Task` object of each revision, built from a record.
//!
//! 2025-11-25 (core tasks) names the durations `ttl` and `pollInterval`;
//! the 2026-07-28 extension names them `ttlMs` and `pollIntervalMs` and
//! inlines `result` / `error` in `tasks/get`.

use super::model::{iso8601, TaskOutcome, TaskRecord, TaskStatus};
use crate::protocol::meta::META_RELATED_TASK;
use serde_json::{Map, Value};

fn common(record: &TaskRecord) -> Map<String, Value> {
    let mut m = Map::with_capacity(8);
    m.insert("taskId".into(), Value::String(record.id().as_str().into()));
    m.insert(
        "status".into(),
        Value::String(record.status().as_str().into()),
    );
    if let Some(message) = record.status_message() {
        m.insert("statusMessage".into(), Value::String(message.into()));
    }
    m.insert(
        "createdAt".into(),
        Value::String(iso8601(record.created_at_ms())),
    );
    m.insert(
        "lastUpdatedAt".into(),
        Value::String(iso8601(record.updated_at_ms())),
    );
    m
}

/// The `Task` object of 2025-11-25.
pub fn task_core(record: &TaskRecord) -> Value {
    let mut m = common(record);
    m.insert("ttl".into(), Value::from(record.ttl_ms()));
    m.insert(
        "pollInterval".into(),
        Value::from(record.poll_interval_ms()),
    );
    Value::Object(m)
}

/// The task fields of the 2026-07-28 extension; with `detailed`, the
/// outcome too (`result` when completed, `error` when failed), as
/// `tasks/get` answers.
pub fn task_extension(record: &TaskRecord, detailed: bool) -> Map<String, Value> {
    let mut m = common(record);
    m.insert("ttlMs".into(), Value::from(record.ttl_ms()));
    m.insert(
        "pollIntervalMs".into(),
        Value::from(record.poll_interval_ms()),
    );
    if detailed {
        match (record.status(), record.outcome()) {
            (TaskStatus::Completed, Some(TaskOutcome::Result(result))) => {
                m.insert("result".into(), result.clone());
            }
            (TaskStatus::Failed, Some(TaskOutcome::Error(error))) => {
                m.insert(
                    "error".into(),
                    serde_json::to_value(error).unwrap_or(Value::Null),
                );
            }
            (TaskStatus::InputRequired, _) => {
                m.insert(
                    "inputRequests".into(),
                    Value::Object(record.input_requests().clone()),
                );
            }
            _ => {}
        }
    }
    m
}

/// Adds `_meta["io.modelcontextprotocol/related-task"] = {taskId}` to a result.
pub fn with_related_task(mut result: Value, task_id: &str) -> Value {
    if let Value::Object(m) = &mut result {
        let mut related = Map::with_capacity(1);
        related.insert("taskId".into(), Value::String(task_id.into()));
        match m.get_mut("_meta") {
            Some(Value::Object(meta)) => {
                meta.insert(META_RELATED_TASK.into(), Value::Object(related));
            }
            _ => {
                let mut meta = Map::with_capacity(1);
                meta.insert(META_RELATED_TASK.into(), Value::Object(related));
                m.insert("_meta".into(), Value::Object(meta));
            }
        }
    }
    result
}
