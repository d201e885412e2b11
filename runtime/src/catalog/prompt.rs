//! Prompts: what `#[prompt]` generates, and the messages a prompt returns.

use super::completion::{Completion, CompletionContext};
use super::error::CatalogError;
use crate::call::CallScope;
use crate::protocol::{Content, Role};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

/// One message of a prompt (`PromptMessage`): a role and one content item
/// (text, image, audio or an embedded resource).
///
/// ```
/// use ferrymcp::catalog::{PromptMessage, ResourceContents};
/// use ferrymcp::Content;
///
/// let messages = vec![
///     PromptMessage::user(Content::embedded(
///         ResourceContents::text("test://doc", "the text").with_mime_type("text/plain"),
///     )),
///     PromptMessage::user_text("Summarize the document above."),
///     PromptMessage::assistant_text("Here is a summary:"),
/// ];
/// assert_eq!(messages.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptMessage {
    /// Who the message is from.
    pub role: Role,
    /// What it says.
    pub content: Content,
}

impl PromptMessage {
    /// A message from `role`.
    pub fn new(role: Role, content: Content) -> Self {
        PromptMessage { role, content }
    }

    /// A message from the user.
    pub fn user(content: Content) -> Self {
        Self::new(Role::User, content)
    }

    /// A message from the assistant.
    pub fn assistant(content: Content) -> Self {
        Self::new(Role::Assistant, content)
    }

    /// A text message from the user.
    pub fn user_text(text: impl Into<String>) -> Self {
        Self::user(Content::text(text))
    }

    /// A text message from the assistant.
    pub fn assistant_text(text: impl Into<String>) -> Self {
        Self::assistant(Content::text(text))
    }
}

/// The result of `prompts/get` (`GetPromptResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GetPromptResult {
    /// A description of the prompt; the prompt's own when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The messages.
    pub messages: Vec<PromptMessage>,
    /// Extra metadata (`_meta`).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Map<String, Value>>,
}

impl GetPromptResult {
    /// A result with these messages.
    pub fn new(messages: Vec<PromptMessage>) -> Self {
        GetPromptResult {
            messages,
            ..Default::default()
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// What a `#[prompt]` function may return (inside `Result<_, E>` or not).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a prompt",
    label = "not prompt messages",
    note = "return `String` (one user message), `PromptMessage`, `Vec<PromptMessage>` or `GetPromptResult`; wrap any of them in `Result<_, E>` with `E: Display`"
)]
pub trait IntoPromptResult {
    /// Converts the value.
    fn into_prompt_result(self) -> GetPromptResult;
}

impl IntoPromptResult for GetPromptResult {
    fn into_prompt_result(self) -> GetPromptResult {
        self
    }
}

impl IntoPromptResult for String {
    fn into_prompt_result(self) -> GetPromptResult {
        GetPromptResult::new(vec![PromptMessage::user_text(self)])
    }
}

impl IntoPromptResult for &'static str {
    fn into_prompt_result(self) -> GetPromptResult {
        GetPromptResult::new(vec![PromptMessage::user_text(self)])
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> GetPromptResult {
        GetPromptResult::new(vec![self])
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> GetPromptResult {
        GetPromptResult::new(self)
    }
}

/// One argument of a prompt, as `prompts/list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptArgumentMeta {
    /// The argument's name.
    pub name: &'static str,
    /// Its description (from the parameter's doc comment).
    pub description: Option<&'static str>,
    /// Whether the client must send it.
    pub required: bool,
}

/// The static facts of a prompt, as written in its `#[prompt]` attribute and
/// doc comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptMeta {
    /// The prompt name.
    pub name: &'static str,
    /// A human-readable title.
    pub title: Option<&'static str>,
    /// The description (from the doc comment unless set).
    pub description: Option<&'static str>,
    /// The arguments, in parameter order.
    pub arguments: &'static [PromptArgumentMeta],
    /// The arguments that have a completion function.
    pub completions: &'static [&'static str],
}

/// The `arguments` of a `prompts/get`, all strings.
pub type PromptArguments = HashMap<String, String>;

/// What getting a prompt produced.
pub type PromptOutput = Result<GetPromptResult, CatalogError>;

/// A prompt that can be got on a server whose lifespan value is an `L`.
///
/// Implemented by the type `#[prompt]` generates; you rarely implement it by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a prompt that can be got on a server whose lifespan is `{L}`",
    label = "not a prompt for this server",
    note = "register functions annotated with `#[ferrymcp::prompt]`, by name: `prompts![summarize, review]`"
)]
pub trait PromptFn<L>: Send + Sync + 'static {
    /// Name, description and arguments.
    fn meta(&self) -> PromptMeta;
    /// Renders the prompt: parses the arguments, injects parameters, calls the
    /// function. The catalog has checked that the required arguments are there.
    fn get(&self, scope: CallScope, arguments: PromptArguments)
        -> BoxFuture<'static, PromptOutput>;
    /// Completes an argument; `None` when it has no completion function.
    fn complete(
        &self,
        argument: &str,
        value: String,
        context: CompletionContext,
    ) -> Option<BoxFuture<'static, Completion>> {
        let _ = (argument, value, context);
        None
    }
}

pub(crate) type DynPrompt = Arc<dyn ErasedPrompt>;

pub(crate) trait ErasedPrompt: Send + Sync + 'static {
    fn meta(&self) -> PromptMeta;
    fn get(&self, scope: CallScope, arguments: PromptArguments)
        -> BoxFuture<'static, PromptOutput>;
    fn complete(
        &self,
        argument: &str,
        value: String,
        context: CompletionContext,
    ) -> Option<BoxFuture<'static, Completion>>;
}

struct Erased<T, L>(T, PhantomData<fn() -> L>);

impl<T: PromptFn<L>, L: 'static> ErasedPrompt for Erased<T, L> {
    fn meta(&self) -> PromptMeta {
        self.0.meta()
    }
    fn get(
        &self,
        scope: CallScope,
        arguments: PromptArguments,
    ) -> BoxFuture<'static, PromptOutput> {
        self.0.get(scope, arguments)
    }
    fn complete(
        &self,
        argument: &str,
        value: String,
        context: CompletionContext,
    ) -> Option<BoxFuture<'static, Completion>> {
        self.0.complete(argument, value, context)
    }
}

/// Prompts for a server whose lifespan value is an `L`; build it with `prompts![..]`.
pub struct PromptList<L> {
    pub(crate) prompts: Vec<DynPrompt>,
    _lifespan: PhantomData<fn() -> L>,
}

impl<L: 'static> PromptList<L> {
    /// An empty list.
    pub fn new() -> Self {
        PromptList {
            prompts: Vec::new(),
            _lifespan: PhantomData,
        }
    }

    /// Adds a prompt (what `prompts![..]` expands to).
    pub fn with<T: PromptFn<L>>(mut self, prompt: T) -> Self {
        self.prompts.push(Arc::new(Erased(prompt, PhantomData)));
        self
    }

    /// The number of prompts.
    pub fn len(&self) -> usize {
        self.prompts.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.prompts.is_empty()
    }
}

impl<L: 'static> Default for PromptList<L> {
    fn default() -> Self {
        Self::new()
    }
}
