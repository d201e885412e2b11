//! Sampling (`sampling/createMessage`: ask the client's model) and roots
//! (`roots/list`): the requests and the typed answers.

use crate::protocol::Content;
use crate::protocol::Role;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One message of a sampling request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplingMessage {
    /// Who says it.
    pub role: Role,
    /// What is said (text, image or audio).
    pub content: Content,
}

/// A `sampling/createMessage` request, built step by step:
///
/// ```
/// use ferrymcp::ask::SamplingRequest;
///
/// let request = SamplingRequest::new(100)
///     .system_prompt("You are terse.")
///     .user("Summarize MCP in five words.")
///     .temperature(0.2);
/// # let _ = request;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SamplingRequest {
    messages: Vec<SamplingMessage>,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stop_sequences: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_preferences: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Value>,
}

impl SamplingRequest {
    /// A request for at most `max_tokens` tokens, with no messages yet.
    pub fn new(max_tokens: u32) -> Self {
        SamplingRequest {
            messages: Vec::new(),
            max_tokens,
            system_prompt: None,
            temperature: None,
            stop_sequences: Vec::new(),
            model_preferences: None,
            metadata: None,
        }
    }

    /// Adds a text message from the user.
    pub fn user(self, text: impl Into<String>) -> Self {
        self.message(Role::User, Content::text(text))
    }

    /// Adds a text message from the assistant.
    pub fn assistant(self, text: impl Into<String>) -> Self {
        self.message(Role::Assistant, Content::text(text))
    }

    /// Adds a message with any content.
    pub fn message(mut self, role: Role, content: Content) -> Self {
        self.messages.push(SamplingMessage { role, content });
        self
    }

    /// The system prompt (the client may change or drop it).
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// The sampling temperature.
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Adds a stop sequence.
    pub fn stop_sequence(mut self, stop: impl Into<String>) -> Self {
        self.stop_sequences.push(stop.into());
        self
    }

    /// Model preferences (`hints`, `costPriority`, ...), as the spec defines them.
    pub fn model_preferences(mut self, preferences: Value) -> Self {
        self.model_preferences = Some(preferences);
        self
    }

    /// Provider-specific metadata passed through to the model.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// The request's params.
    pub fn to_params(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The client's answer to a sampling request (`CreateMessageResult`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SamplingResponse {
    /// Who wrote it (normally `assistant`).
    pub role: Role,
    /// The content: one block, or an array of blocks.
    pub content: Value,
    /// The model that generated it.
    pub model: String,
    /// Why sampling stopped (`endTurn`, `maxTokens`, ...), when known.
    #[serde(default)]
    pub stop_reason: Option<String>,
}

impl SamplingResponse {
    /// The text of the answer: its text block, or its first one.
    pub fn text(&self) -> Option<&str> {
        fn text_of(block: &Value) -> Option<&str> {
            (block.get("type")?.as_str()? == "text")
                .then(|| block.get("text")?.as_str())
                .flatten()
        }
        match &self.content {
            Value::Array(blocks) => blocks.iter().find_map(text_of),
            block => text_of(block),
        }
    }
}

/// A root the client shares with the server (`roots/list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Root {
    /// The root's URI (`file://...`).
    pub uri: String,
    /// A name for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_serializes_as_the_spec_names_it() {
        let r = SamplingRequest::new(100).user("hi").temperature(0.5);
        assert_eq!(
            r.to_params(),
            json!({
                "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}],
                "maxTokens": 100,
                "temperature": 0.5,
            })
        );
    }

    #[test]
    fn the_text_of_an_answer_is_found_in_either_form() {
        let one: SamplingResponse = serde_json::from_value(json!({
            "role": "assistant", "model": "m", "content": {"type": "text", "text": "a"}
        }))
        .unwrap();
        assert_eq!(one.text(), Some("a"));
        let many: SamplingResponse = serde_json::from_value(json!({
            "role": "assistant", "model": "m", "stopReason": "endTurn",
            "content": [{"type": "image", "data": "", "mimeType": "image/png"}, {"type": "text", "text": "b"}]
        }))
        .unwrap();
        assert_eq!(many.text(), Some("b"));
        assert_eq!(many.stop_reason.as_deref(), Some("endTurn"));
    }
}
