//! What a resource holds ([`ResourceContents`], [`Blob`]) and the content
//! helpers for images, audio and embedded resources.

use crate::protocol::Content;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Encodes bytes as standard base64 (the encoding MCP uses for `blob` and `data`).
pub fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The contents of a resource: a URI, a MIME type, and text or binary data
/// (`TextResourceContents` / `BlobResourceContents`).
///
/// Return it from a `#[resource]` function to choose the URI and MIME type of
/// what is read, or several of them (`Vec<ResourceContents>`) for a resource
/// made of parts; embed it in a prompt or a tool result with
/// [`Content::embedded`].
///
/// ```
/// use ferrymcp::catalog::ResourceContents;
///
/// let readme = ResourceContents::text("file:///README.md", "# Hello").with_mime_type("text/markdown");
/// let logo = ResourceContents::blob("file:///logo.png", [0x89, b'P', b'N', b'G']).with_mime_type("image/png");
/// assert_eq!(readme.uri(), "file:///README.md");
/// assert_eq!(logo.as_text(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceContents {
    uri: String,
    #[serde(rename = "mimeType", default, skip_serializing_if = "Option::is_none")]
    mime_type: Option<String>,
    #[serde(flatten)]
    body: Body,
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    meta: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Body {
    Text { text: String },
    Blob { blob: String },
}

impl ResourceContents {
    /// Text contents.
    pub fn text(uri: impl Into<String>, text: impl Into<String>) -> Self {
        ResourceContents {
            uri: uri.into(),
            mime_type: None,
            body: Body::Text { text: text.into() },
            meta: None,
        }
    }

    /// Binary contents; the bytes are sent base64-encoded.
    pub fn blob(uri: impl Into<String>, bytes: impl AsRef<[u8]>) -> Self {
        Self::from_blob(uri, Blob::new(bytes.as_ref()))
    }

    /// Binary contents from a [`Blob`].
    pub fn from_blob(uri: impl Into<String>, blob: Blob) -> Self {
        ResourceContents {
            uri: uri.into(),
            mime_type: None,
            body: Body::Blob { blob: blob.base64 },
            meta: None,
        }
    }

    /// Sets the MIME type. Without one, a resource read fills in the MIME type
    /// of the `#[resource]`.
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Sets `_meta`.
    pub fn with_meta(mut self, meta: Map<String, Value>) -> Self {
        self.meta = Some(meta);
        self
    }

    /// The URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The MIME type, when set.
    pub fn mime_type(&self) -> Option<&str> {
        self.mime_type.as_deref()
    }

    /// The text, for text contents.
    pub fn as_text(&self) -> Option<&str> {
        match &self.body {
            Body::Text { text } => Some(text),
            Body::Blob { .. } => None,
        }
    }

    /// The base64 data, for binary contents.
    pub fn as_base64(&self) -> Option<&str> {
        match &self.body {
            Body::Blob { blob } => Some(blob),
            Body::Text { .. } => None,
        }
    }

    /// The MIME type, or `default` when none is set.
    pub(crate) fn or_mime_type(mut self, default: Option<&str>) -> Self {
        if self.mime_type.is_none() {
            self.mime_type = default.map(str::to_owned);
        }
        self
    }

    /// The `TextResourceContents` / `BlobResourceContents` object (its
    /// serialization).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Binary data, sent base64-encoded: return it from a `#[resource]` to serve
/// a `blob` with the resource's URI and MIME type.
///
/// ```
/// use ferrymcp::catalog::Blob;
///
/// let blob = Blob::new(b"GIF89a");
/// assert_eq!(blob.as_base64(), "R0lGODlh");
/// assert_eq!(Blob::from_base64("R0lGODlh").unwrap(), blob);
/// assert!(Blob::from_base64("not base64!").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Blob {
    base64: String,
}

impl Blob {
    /// Encodes bytes.
    pub fn new(bytes: impl AsRef<[u8]>) -> Self {
        Blob {
            base64: encode_base64(bytes.as_ref()),
        }
    }

    /// Takes data that is already base64-encoded, after checking that it is.
    pub fn from_base64(data: impl Into<String>) -> Result<Self, InvalidBase64> {
        let data = data.into();
        match base64::engine::general_purpose::STANDARD.decode(data.as_bytes()) {
            Ok(_) => Ok(Blob { base64: data }),
            Err(e) => Err(InvalidBase64(e.to_string())),
        }
    }

    /// The base64 text.
    pub fn as_base64(&self) -> &str {
        &self.base64
    }

    /// The base64 text, owned.
    pub fn into_base64(self) -> String {
        self.base64
    }
}

/// Data given as base64 that is not valid standard base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid base64: {0}")]
pub struct InvalidBase64(String);

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Self {
        Blob::new(bytes)
    }
}

impl From<&[u8]> for Blob {
    fn from(bytes: &[u8]) -> Self {
        Blob::new(bytes)
    }
}

/// Content made of resources, images and audio, for prompts and tools.
///
/// These constructors live with the resources they embed; they build the
/// [`Content`] items of `protocol`.
///
/// ```
/// use ferrymcp::catalog::ResourceContents;
/// use ferrymcp::Content;
///
/// let mixed = vec![
///     Content::text("Look at these:"),
///     Content::image_bytes(&[0x89, b'P', b'N', b'G'], "image/png"),
///     Content::audio_bytes(b"RIFF", "audio/wav"),
///     Content::embedded(ResourceContents::text("test://doc", "the doc").with_mime_type("text/plain")),
/// ];
/// assert_eq!(mixed.len(), 4);
/// ```
impl Content {
    /// An image from raw bytes (base64-encoded for the wire).
    pub fn image_bytes(bytes: impl AsRef<[u8]>, mime_type: impl Into<String>) -> Self {
        Content::image(encode_base64(bytes.as_ref()), mime_type)
    }

    /// Audio from raw bytes (base64-encoded for the wire).
    pub fn audio_bytes(bytes: impl AsRef<[u8]>, mime_type: impl Into<String>) -> Self {
        Content::audio(encode_base64(bytes.as_ref()), mime_type)
    }

    /// An embedded resource (`type: "resource"`), text or binary.
    pub fn embedded(contents: ResourceContents) -> Self {
        Content::Resource {
            resource: contents.to_json(),
        }
    }
}

impl From<ResourceContents> for Content {
    fn from(contents: ResourceContents) -> Self {
        Content::embedded(contents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contents_serialize_as_the_schema_says() {
        let text = ResourceContents::text("test://a", "hi").with_mime_type("text/plain");
        assert_eq!(
            text.to_json(),
            json!({"uri": "test://a", "mimeType": "text/plain", "text": "hi"})
        );
        assert_eq!(serde_json::to_value(&text).unwrap(), text.to_json());
        let blob = ResourceContents::blob("test://b", [1u8, 2, 3]);
        assert_eq!(blob.to_json(), json!({"uri": "test://b", "blob": "AQID"}));
        let back: ResourceContents = serde_json::from_value(blob.to_json()).unwrap();
        assert_eq!(back, blob);
        assert_eq!(
            serde_json::to_value(Content::embedded(text)).unwrap(),
            json!({"type": "resource", "resource": {"uri": "test://a", "mimeType": "text/plain", "text": "hi"}})
        );
    }
}
