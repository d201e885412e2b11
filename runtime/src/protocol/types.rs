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

/// Who a prompt message is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user.
    User,
    /// The assistant (the model).
    Assistant,
}

/// One item of tool or prompt content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
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

/// What `tools/call` answers for a tool's output, kept typed so that it is
/// written once, straight into the response body: no `Value` tree is built
/// for the result, and structured content gets its text form and its
/// `{"result": ...}` wrapper only as it is written.
///
/// [`into_result`](Self::into_result) gives the same result as a
/// [`CallToolResult`] (for tasks and the `Value` APIs); the bytes written
/// are those of `serde_json::to_vec` of [`into_value`](Self::into_value).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ToolReply {
    /// A finished result (content, or a tool error).
    Result(CallToolResult),
    /// A structured value: `structuredContent` (wrapped as `{"result": v}`
    /// when the output schema says so), and its JSON as one text item.
    Structured {
        /// The tool's value.
        value: Value,
        /// Whether `structuredContent` is `{"result": value}`.
        wrapped: bool,
    },
}

/// The key of the one member of a wrapped structured value.
const WRAPPED_KEY: &str = "result";

impl ToolReply {
    /// The reply as a `CallToolResult`.
    pub(crate) fn into_result(self) -> CallToolResult {
        match self {
            ToolReply::Result(result) => result,
            ToolReply::Structured { value, wrapped } => {
                let text = serde_json::to_string(&value).unwrap_or_default();
                let structured = if wrapped {
                    let mut m = Map::with_capacity(1);
                    m.insert(WRAPPED_KEY.into(), value);
                    Value::Object(m)
                } else {
                    value
                };
                CallToolResult {
                    content: vec![Content::text(text)],
                    structured_content: Some(structured),
                    ..Default::default()
                }
            }
        }
    }

    /// The reply as JSON (what `serde_json::to_value` of
    /// [`into_result`](Self::into_result) gives).
    pub(crate) fn into_value(self) -> Value {
        self.into_result().into_value()
    }

    /// Writes the reply's JSON into `out`: the bytes of `serde_json::to_vec`
    /// of [`into_value`](Self::into_value), keys in the order a
    /// `serde_json::Map` keeps them (sorted), the fixed parts copied as they
    /// are rather than serialized. With `complete` (the stateless revision),
    /// it also says `resultType: "complete"` and names the server in `_meta`,
    /// as that revision does to every result.
    pub(crate) fn write(
        &self,
        out: &mut Vec<u8>,
        complete: Option<Completion<'_>>,
    ) -> serde_json::Result<()> {
        // Keys in byte order: `_meta`, `content`, `isError`, `resultType`,
        // `structuredContent`.
        let (meta, is_error) = match self {
            ToolReply::Result(r) => (r.meta.as_ref(), r.is_error),
            ToolReply::Structured { .. } => (None, false),
        };
        out.push(b'{');
        let mut first = true;
        let mut key = |out: &mut Vec<u8>, key: &[u8]| {
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(key);
        };
        match (meta, complete) {
            (Some(meta), Some(c)) => {
                key(out, b"\"_meta\":");
                serde_json::to_writer(&mut *out, &MetaWithInfo { meta, c })?;
            }
            (Some(meta), None) => {
                key(out, b"\"_meta\":");
                serde_json::to_writer(&mut *out, meta)?;
            }
            (None, Some(c)) => {
                key(out, b"\"_meta\":{\"");
                out.extend_from_slice(c.info_key.as_bytes());
                out.extend_from_slice(b"\":");
                c.write_info(out)?;
                out.push(b'}');
            }
            (None, None) => {}
        }
        key(out, b"\"content\":[");
        match self {
            ToolReply::Result(r) => {
                for (i, item) in r.content.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    match item {
                        Content::Text { text } => {
                            out.extend_from_slice(b"{\"text\":");
                            serde_json::to_writer(&mut *out, text)?;
                            out.extend_from_slice(b",\"type\":\"text\"}");
                        }
                        // Rare: these keys come out sorted through a `Value`.
                        other => serde_json::to_writer(&mut *out, &serde_json::to_value(other)?)?,
                    }
                }
            }
            ToolReply::Structured { value, .. } => {
                out.extend_from_slice(b"{\"text\":");
                write_json_as_string(out, value)?;
                out.extend_from_slice(b",\"type\":\"text\"}");
            }
        }
        out.push(b']');
        if is_error {
            key(out, b"\"isError\":true");
        }
        if complete.is_some() {
            key(out, b"\"resultType\":\"complete\"");
        }
        match self {
            ToolReply::Result(r) => {
                if let Some(structured) = &r.structured_content {
                    key(out, b"\"structuredContent\":");
                    serde_json::to_writer(&mut *out, structured)?;
                }
            }
            ToolReply::Structured { value, wrapped } => {
                key(out, b"\"structuredContent\":");
                if *wrapped {
                    out.extend_from_slice(b"{\"result\":");
                    serde_json::to_writer(&mut *out, value)?;
                    out.push(b'}');
                } else {
                    serde_json::to_writer(&mut *out, value)?;
                }
            }
        }
        out.push(b'}');
        Ok(())
    }
}

/// Writes `value`'s compact JSON as a JSON string (what `serde_json::to_vec`
/// of `serde_json::to_string(value)` gives), without making that string first.
fn write_json_as_string(out: &mut Vec<u8>, value: &Value) -> serde_json::Result<()> {
    match value {
        // Their JSON has nothing to escape.
        Value::Number(_) | Value::Bool(_) | Value::Null => {
            out.push(b'"');
            serde_json::to_writer(&mut *out, value)?;
            out.push(b'"');
            Ok(())
        }
        // `Value`'s `Display` is its compact JSON; `collect_str` escapes it
        // as it is written.
        _ => serde::Serializer::collect_str(&mut serde_json::Serializer::new(out), value),
    }
}

/// What the stateless revision adds to every result: `resultType` and the
/// server's name and version in `_meta`.
#[derive(Clone, Copy)]
pub(crate) struct Completion<'a> {
    /// The `_meta` key of the server info: a constant with nothing to
    /// escape, written as it is.
    pub(crate) info_key: &'static str,
    /// The server's name and version.
    pub(crate) info: &'a Implementation,
}

impl Completion<'_> {
    /// The server info as its `Value` is written (keys sorted).
    fn write_info(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        debug_assert!(!self
            .info_key
            .bytes()
            .any(|b| b == b'"' || b == b'\\' || b < 0x20));
        let info = self.info;
        out.extend_from_slice(b"{\"name\":");
        serde_json::to_writer(&mut *out, &info.name)?;
        if let Some(title) = &info.title {
            out.extend_from_slice(b",\"title\":");
            serde_json::to_writer(&mut *out, title)?;
        }
        out.extend_from_slice(b",\"version\":");
        serde_json::to_writer(&mut *out, &info.version)?;
        out.push(b'}');
        Ok(())
    }
}

/// A tool's own `_meta` with the server info put in (replacing any entry of
/// that key), in key order.
struct MetaWithInfo<'a> {
    meta: &'a Map<String, Value>,
    c: Completion<'a>,
}

impl Serialize for MetaWithInfo<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let key = self.c.info_key;
        let mut map = serializer.serialize_map(None)?;
        let mut info_written = false;
        for (k, v) in self.meta {
            if !info_written && k.as_str() >= key {
                map.serialize_entry(key, &SortedInfo(self.c.info))?;
                info_written = true;
            }
            if k != key {
                map.serialize_entry(k, v)?;
            }
        }
        if !info_written {
            map.serialize_entry(key, &SortedInfo(self.c.info))?;
        }
        map.end()
    }
}

/// An [`Implementation`] with its keys sorted, as its `Value` is written.
pub(crate) struct SortedInfo<'a>(pub(crate) &'a Implementation);

impl Serialize for SortedInfo<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let info = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("name", &info.name)?;
        if let Some(title) = &info.title {
            map.serialize_entry("title", title)?;
        }
        map.serialize_entry("version", &info.version)?;
        map.end()
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
