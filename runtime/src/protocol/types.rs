//! MCP wire types shared by every revision.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Name and version of a client or server (`Implementation` in the schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Implementation {
    /// Programmatic name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Whether a tool may run as a background task (`execution.taskSupport`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskSupport {
    /// The tool never runs as a task (the default).
    #[default]
    Forbidden,
    /// The client may ask for a task or call it plainly.
    Optional,
    /// The tool only runs as a task.
    Required,
}

impl TaskSupport {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskSupport::Forbidden => "forbidden",
            TaskSupport::Optional => "optional",
            TaskSupport::Required => "required",
        }
    }
}

/// Hints about a tool's behaviour (`ToolAnnotations`). `None` leaves a hint out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ToolAnnotations {
    /// The tool does not modify its environment.
    pub read_only: Option<bool>,
    /// The tool may perform destructive updates.
    pub destructive: Option<bool>,
    /// Calling it again with the same arguments has no further effect.
    pub idempotent: Option<bool>,
    /// The tool interacts with an open world of external entities.
    pub open_world: Option<bool>,
}

impl ToolAnnotations {
    /// Whether no hint is set.
    pub fn is_empty(&self) -> bool {
        *self == ToolAnnotations::default()
    }
}

/// The severity of a log message (`LoggingLevel`), lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Debug-level messages.
    Debug,
    /// Informational messages.
    Info,
    /// Normal but significant events.
    Notice,
    /// Warnings.
    Warning,
    /// Errors.
    Error,
    /// Critical conditions.
    Critical,
    /// Action must be taken immediately.
    Alert,
    /// The system is unusable.
    Emergency,
}

impl LogLevel {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
            LogLevel::Alert => "alert",
            LogLevel::Emergency => "emergency",
        }
    }
}

/// One item of tool or prompt content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// An image, base64-encoded.
    Image {
        /// Base64 data.
        data: String,
        /// MIME type, e.g. `image/png`.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// Audio, base64-encoded.
    Audio {
        /// Base64 data.
        data: String,
        /// MIME type, e.g. `audio/wav`.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// A resource embedded in the content.
    Resource {
        /// The resource contents (`uri`, `mimeType`, and `text` or `blob`).
        resource: Value,
    },
}

impl Content {
    /// Text content.
    pub fn text(text: impl Into<String>) -> Self {
        Content::Text { text: text.into() }
    }

    /// Image content from base64 data.
    pub fn image(data_base64: impl Into<String>, mime_type: impl Into<String>) -> Self {
        Content::Image {
            data: data_base64.into(),
            mime_type: mime_type.into(),
        }
    }

    /// Audio content from base64 data.
    pub fn audio(data_base64: impl Into<String>, mime_type: impl Into<String>) -> Self {
        Content::Audio {
            data: data_base64.into(),
            mime_type: mime_type.into(),
        }
    }

    /// An embedded text resource.
    pub fn embedded_text(
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Content::Resource {
            resource: serde_json::json!({
                "uri": uri.into(), "mimeType": mime_type.into(), "text": text.into()
            }),
        }
    }
}

impl Content {
    /// The content as JSON, moving its strings rather than copying them
    /// (the same value `serde_json::to_value` gives).
    pub fn into_value(self) -> Value {
        match self {
            Content::Text { text } => {
                let mut m = Map::new();
                m.insert("type".into(), Value::String("text".into()));
                m.insert("text".into(), Value::String(text));
                Value::Object(m)
            }
            other => serde_json::to_value(&other).unwrap_or(Value::Null),
        }
    }
}

/// The result of `tools/call` (`CallToolResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// Unstructured content.
    pub content: Vec<Content>,
    /// Structured content matching the tool's output schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// Whether the tool failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
    /// Extra metadata (`_meta`).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

impl CallToolResult {
    /// A successful result with the given content.
    pub fn content(content: Vec<Content>) -> Self {
        CallToolResult {
            content,
            ..Default::default()
        }
    }

    /// A successful result with one text item.
    pub fn text(text: impl Into<String>) -> Self {
        Self::content(vec![Content::text(text)])
    }

    /// The result as JSON, moving its parts rather than copying them (the same
    /// value `serde_json::to_value` gives, without serializing it first).
    pub fn into_value(self) -> Value {
        let mut m = Map::new();
        m.insert(
            "content".into(),
            Value::Array(self.content.into_iter().map(Content::into_value).collect()),
        );
        if let Some(structured) = self.structured_content {
            m.insert("structuredContent".into(), structured);
        }
        if self.is_error {
            m.insert("isError".into(), Value::Bool(true));
        }
        if let Some(meta) = self.meta {
            m.insert("_meta".into(), Value::Object(meta));
        }
        Value::Object(m)
    }

    /// A tool error: `isError: true` with one text item.
    pub fn error(message: impl Into<String>) -> Self {
        CallToolResult {
            content: vec![Content::text(message)],
            is_error: true,
            ..Default::default()
        }
    }
}

/// A tool as `tools/list` shows it, built once when the server is built.
#[derive(Debug, Clone)]
pub struct ToolDefinition {
    /// The tool name.
    pub name: String,
    /// The serialized `Tool` object, cached.
    pub json: Arc<Value>,
    /// How the tool may run as a task.
    pub task_support: TaskSupport,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn into_value_is_what_serde_gives() {
        let mut meta = Map::new();
        meta.insert("k".into(), json!(1));
        let results = [
            CallToolResult::text("hi"),
            CallToolResult::error("bad"),
            CallToolResult::content(Vec::new()),
            CallToolResult {
                content: vec![
                    Content::text("5"),
                    Content::image("AA==", "image/png"),
                    Content::audio("AA==", "audio/wav"),
                    Content::embedded_text("file:///a", "text/plain", "t"),
                ],
                structured_content: Some(json!({"result": 5})),
                is_error: false,
                meta: Some(meta),
            },
        ];
        for result in results {
            let expected = serde_json::to_value(&result).unwrap();
            assert_eq!(result.into_value(), expected);
        }
    }
}
