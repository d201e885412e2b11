//! MCP wire types shared by every revision.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Name and version of a client or server (`Implementation` in the schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Implementation {
    // Fields in key order: written straight or through a `Value`, the
    // bytes are the same.
    /// Programmatic name.
    pub name: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Version string.
    pub version: String,
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
///
/// Serialized through one borrowed view, its members in key order (`type`
/// last), so that the bytes written are those of its `Value`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
        let resource = EmbeddedText {
            mime_type: &mime_type.into(),
            text: &text.into(),
            uri: &uri.into(),
        };
        Content::Resource {
            resource: serde_json::to_value(resource).unwrap_or(Value::Null),
        }
    }

    /// The content as JSON (what `serde_json::to_value` gives).
    pub fn into_value(self) -> Value {
        serde_json::to_value(&self).unwrap_or(Value::Null)
    }
}

/// The contents of an embedded text resource.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EmbeddedText<'a> {
    mime_type: &'a str,
    text: &'a str,
    uri: &'a str,
}

/// A content item as the wire carries it, borrowed; members in key order.
#[derive(Serialize)]
#[serde(untagged)]
enum ContentItem<'a> {
    Text {
        text: &'a str,
        #[serde(rename = "type")]
        kind: &'static str,
    },
    Media {
        data: &'a str,
        #[serde(rename = "mimeType")]
        mime_type: &'a str,
        #[serde(rename = "type")]
        kind: &'static str,
    },
    Resource {
        resource: &'a Value,
        #[serde(rename = "type")]
        kind: &'static str,
    },
    /// A value's compact JSON as the text (a structured result's text form),
    /// made only as it is written.
    JsonText {
        text: JsonText<'a>,
        #[serde(rename = "type")]
        kind: &'static str,
    },
}

impl<'a> From<&'a Content> for ContentItem<'a> {
    fn from(content: &'a Content) -> Self {
        match content {
            Content::Text { text } => ContentItem::Text { text, kind: "text" },
            Content::Image { data, mime_type } => ContentItem::Media {
                data,
                mime_type,
                kind: "image",
            },
            Content::Audio { data, mime_type } => ContentItem::Media {
                data,
                mime_type,
                kind: "audio",
            },
            Content::Resource { resource } => ContentItem::Resource {
                resource,
                kind: "resource",
            },
        }
    }
}

impl Serialize for Content {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ContentItem::from(self).serialize(serializer)
    }
}

/// A value's compact JSON, serialized as a string (what `serde_json::to_string`
/// of the value gives), without making that string first.
struct JsonText<'a>(&'a Value);

impl Serialize for JsonText<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The usual value (a number, a short string) is written into a
        // buffer on the stack and serialized as one string; a longer one
        // streams through `Value`'s `Display` (its compact JSON).
        let mut buf = [0u8; SHORT_JSON];
        let mut cursor = std::io::Cursor::new(&mut buf[..]);
        if serde_json::to_writer(&mut cursor, self.0).is_ok() {
            let len = usize::try_from(cursor.position()).unwrap_or(SHORT_JSON);
            if let Ok(text) = std::str::from_utf8(&buf[..len]) {
                return serializer.serialize_str(text);
            }
        }
        serializer.collect_str(self.0)
    }
}

/// The longest JSON text [`JsonText`] makes on the stack.
const SHORT_JSON: usize = 128;

/// The result of `tools/call` (`CallToolResult`).
///
/// Serialized through the one view of a tool result (see `ToolReply`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
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

    /// The result as JSON (what `serde_json::to_value` gives).
    pub fn into_value(self) -> Value {
        serde_json::to_value(&self).unwrap_or(Value::Null)
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

impl Serialize for CallToolResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ToolResultView::of(self, None).serialize(serializer)
    }
}

/// What `tools/call` answers for a tool's output, kept typed so that it is
/// written once, straight into the response body: no `Value` tree is built
/// for the result, and structured content gets its text form and its
/// `{"result": ...}` wrapper only as it is written.
///
/// It has one serializer, [`ToolResultView`]: [`write`](Self::write) writes
/// it to bytes, [`into_value`](Self::into_value) makes it a `Value`.
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

impl ToolReply {
    /// The one view of the reply; `complete` adds what the stateless
    /// revision adds to every result.
    pub(crate) fn view<'a>(&'a self, complete: Option<Completion<'a>>) -> ToolResultView<'a> {
        match self {
            ToolReply::Result(result) => ToolResultView::of(result, complete),
            ToolReply::Structured { value, wrapped } => ToolResultView {
                meta: complete.map(|c| ResultMeta {
                    own: None,
                    info: Some(c),
                }),
                content: ContentList::JsonText(value),
                is_error: false,
                result_type: complete.map(|_| RESULT_COMPLETE),
                structured_content: Some(if *wrapped {
                    Structured::Wrapped { result: value }
                } else {
                    Structured::Plain(value)
                }),
            },
        }
    }

    /// The reply as JSON.
    pub(crate) fn into_value(self) -> Value {
        serde_json::to_value(self.view(None)).unwrap_or(Value::Null)
    }

    /// Writes the reply's JSON into `out` (what `serde_json::to_vec` of its
    /// [`into_value`](Self::into_value) gives), its field names copied
    /// rather than escaped. With `complete` (the
    /// stateless revision), it also says `resultType: "complete"` and names
    /// the server in `_meta`, as that revision does to every result.
    pub(crate) fn write(
        &self,
        out: &mut Vec<u8>,
        complete: Option<Completion<'_>>,
    ) -> serde_json::Result<()> {
        super::write::to_writer(out, &self.view(complete))
    }
}

/// `resultType` of a finished result (2026-07-28).
const RESULT_COMPLETE: &str = "complete";

/// A tool result as the wire carries it, borrowed: the one serializer of
/// [`CallToolResult`] and [`ToolReply`]. Members in key order, so that the
/// bytes written are those of its `Value`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ToolResultView<'a> {
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    meta: Option<ResultMeta<'a>>,
    content: ContentList<'a>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    is_error: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    structured_content: Option<Structured<'a>>,
}

impl<'a> ToolResultView<'a> {
    fn of(result: &'a CallToolResult, complete: Option<Completion<'a>>) -> Self {
        let meta = match (&result.meta, complete) {
            (None, None) => None,
            (own, info) => Some(ResultMeta {
                own: own.as_ref(),
                info,
            }),
        };
        ToolResultView {
            meta,
            content: ContentList::Items(&result.content),
            is_error: result.is_error,
            result_type: complete.map(|_| RESULT_COMPLETE),
            structured_content: result.structured_content.as_ref().map(Structured::Plain),
        }
    }
}

/// The `content` of a tool result.
enum ContentList<'a> {
    /// The items.
    Items(&'a [Content]),
    /// One text item: a structured value's JSON.
    JsonText(&'a Value),
}

impl Serialize for ContentList<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ContentList::Items(items) => serializer.collect_seq(items.iter()),
            ContentList::JsonText(value) => serializer.collect_seq([ContentItem::JsonText {
                text: JsonText(value),
                kind: "text",
            }]),
        }
    }
}

/// `structuredContent`: the value, or `{"result": value}`.
#[derive(Serialize)]
#[serde(untagged)]
enum Structured<'a> {
    Plain(&'a Value),
    Wrapped { result: &'a Value },
}

/// What the stateless revision adds to every result: `resultType` and the
/// server's name and version in `_meta`.
#[derive(Clone, Copy)]
pub(crate) struct Completion<'a> {
    /// The `_meta` key of the server info.
    pub(crate) info_key: &'static str,
    /// The server's name and version, as JSON.
    pub(crate) info: &'a serde_json::value::RawValue,
}

/// A result's `_meta`: its own members (a tool's), with the server info put
/// in when the result is complete (replacing any entry of that key), in key
/// order.
pub(crate) struct ResultMeta<'a> {
    /// The result's own `_meta`.
    pub(crate) own: Option<&'a Map<String, Value>>,
    /// The server info of a complete stateless result.
    pub(crate) info: Option<Completion<'a>>,
}

impl Serialize for ResultMeta<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Some(c) = self.info else {
            return self.own.serialize(serializer);
        };
        let key = c.info_key;
        let Some(own) = self.own else {
            // Its one key is a constant: a struct's field.
            use serde::ser::SerializeStruct;
            let mut meta = serializer.serialize_struct("ResultMeta", 1)?;
            meta.serialize_field(key, c.info)?;
            return meta.end();
        };
        let mut map = serializer.serialize_map(None)?;
        let mut info_written = false;
        for (k, v) in own {
            if !info_written && k.as_str() >= key {
                map.serialize_entry(key, c.info)?;
                info_written = true;
            }
            if k != key {
                map.serialize_entry(k, v)?;
            }
        }
        if !info_written {
            map.serialize_entry(key, c.info)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn results_are_written_in_key_order_and_read_back() {
        let mut meta = Map::new();
        meta.insert("k".into(), json!(1));
        let result = CallToolResult {
            content: vec![
                Content::text("5"),
                Content::audio("AA==", "audio/wav"),
                Content::embedded_text("file:///a", "text/plain", "t"),
            ],
            structured_content: Some(json!({"result": 5})),
            is_error: true,
            meta: Some(meta),
        };
        let written = serde_json::to_string(&result).unwrap();
        assert_eq!(
            written,
            r#"{"_meta":{"k":1},"content":[{"text":"5","type":"text"},{"data":"AA==","mimeType":"audio/wav","type":"audio"},{"resource":{"mimeType":"text/plain","text":"t","uri":"file:///a"},"type":"resource"}],"isError":true,"structuredContent":{"result":5}}"#
        );
        // A `Value` sorts its keys: the same bytes.
        let value = result.clone().into_value();
        assert_eq!(serde_json::to_string(&value).unwrap(), written);
        let back: CallToolResult = serde_json::from_str(&written).unwrap();
        assert_eq!(back, result);
        let info = Implementation {
            name: "n".into(),
            version: "1".into(),
            title: Some("T".into()),
        };
        assert_eq!(
            serde_json::to_string(&info).unwrap(),
            r#"{"name":"n","title":"T","version":"1"}"#
        );
    }
}
