//! Results the server sends, typed: each has one serializer, its field
//! names written once, next to the schema's names.

use super::types::Implementation;
use serde::Serialize;
use serde_json::Value;

/// The result of `initialize` (session revisions).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult<'a> {
    /// The revision the server will speak.
    pub protocol_version: &'static str,
    /// What the server offers.
    pub capabilities: Value,
    /// The server's name and version.
    pub server_info: &'a Implementation,
    /// How to use the server, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<&'a str>,
}

/// The result of `server/discover` (2026-07-28).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoverResult<'a> {
    /// The revisions served statelessly, newest first.
    pub supported_versions: Vec<&'static str>,
    /// What the server offers.
    pub capabilities: Value,
    /// How to use the server, for the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<&'a str>,
    /// How long and by whom the result may be cached.
    #[serde(flatten)]
    pub cache: super::messages::CacheHints,
}

/// What the task objects of both revisions say first, with the same names:
/// the task's id, its status and when it was created and last changed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskHead<'a> {
    /// The task's id.
    pub task_id: &'a str,
    /// Its status (`working`, `input_required`, `completed`, ...).
    pub status: &'static str,
    /// Why it is in that status, when said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<&'a str>,
    /// When it was created (ISO 8601).
    pub created_at: String,
    /// When it last changed (ISO 8601).
    pub last_updated_at: String,
}

/// The `Task` object of 2025-11-25 (core tasks): durations `ttl` and
/// `pollInterval`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CoreTask<'a> {
    /// Its id, status and times.
    #[serde(flatten)]
    pub head: TaskHead<'a>,
    /// How long it is kept after creation, in milliseconds.
    pub ttl: u64,
    /// How often to poll it, in milliseconds.
    pub poll_interval: u64,
}

/// The task of the 2026-07-28 tasks extension: durations `ttlMs` and
/// `pollIntervalMs`; `tasks/get` inlines the outcome, and a `tools/call`
/// that started the task says `resultType: "task"`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionTask<'a> {
    /// Its id, status and times.
    #[serde(flatten)]
    pub head: TaskHead<'a>,
    /// How long it is kept after creation, in milliseconds.
    pub ttl_ms: u64,
    /// How often to poll it, in milliseconds.
    pub poll_interval_ms: u64,
    /// `"task"` in the result of the `tools/call` that created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_type: Option<&'static str>,
    /// The tool's result, once completed (`tasks/get`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<&'a Value>,
    /// The error, once failed (`tasks/get`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a super::ErrorObject>,
    /// The questions waiting for answers (`tasks/get` of an `input_required` task).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_requests: Option<&'a serde_json::Map<String, Value>>,
}

/// The result of a 2025-11-25 `tools/call` that created a task.
#[derive(Debug, Serialize)]
pub struct CreateTaskResult<'a> {
    /// The task.
    pub task: CoreTask<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn results_serialize_with_the_schemas_names() {
        let info = Implementation {
            name: "s".into(),
            version: "1".into(),
            title: None,
        };
        let init = InitializeResult {
            protocol_version: "2025-11-25",
            capabilities: json!({}),
            server_info: &info,
            instructions: None,
        };
        assert_eq!(
            serde_json::to_value(&init).unwrap(),
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "serverInfo": {"name": "s", "version": "1"}})
        );
        let discover = DiscoverResult {
            supported_versions: vec!["2026-07-28"],
            capabilities: json!({"tools": {}}),
            instructions: Some("be kind"),
            cache: crate::protocol::messages::CacheHints {
                cache_scope: crate::protocol::messages::CacheScope::Public,
                ttl_ms: 60_000,
            },
        };
        assert_eq!(
            serde_json::to_value(&discover).unwrap(),
            json!({"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}},
                   "instructions": "be kind", "cacheScope": "public", "ttlMs": 60000})
        );
    }
}
