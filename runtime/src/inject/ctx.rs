//! `Ctx`: what a running tool can do besides computing its result.

use super::{CallScope, ClientInfo, Inject, InjectError};
use crate::input::{
    Elicitation, InputError, InputRequest, Question, Root, SamplingRequest, SamplingResponse,
};
use crate::protocol::jsonrpc::notification;
use crate::protocol::{LogLevel, RequestId};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The running call's handle: logging, progress, cancellation and request facts.
///
/// Add a `ctx: Ctx` parameter to a `#[tool]` function to receive it. Every
/// method reads the call scope, so a `Ctx` behaves the same however the call was
/// started.
#[derive(Clone, Debug)]
pub struct Ctx {
    scope: CallScope,
}

impl<L> Inject<L> for Ctx {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        Ok(Ctx {
            scope: scope.clone(),
        })
    }
}

impl Ctx {
    /// Wraps a call scope (the generated wrappers do this; tests may too).
    pub fn new(scope: CallScope) -> Self {
        Ctx { scope }
    }

    /// The call scope this context reads.
    pub fn scope(&self) -> &CallScope {
        &self.scope
    }

    /// The id of the request that started the call.
    pub fn request_id(&self) -> Option<&RequestId> {
        self.scope.request_id()
    }

    /// The client's protocol revision, name and capabilities.
    pub fn client(&self) -> &ClientInfo {
        self.scope.client()
    }

    /// The request's `_meta` object.
    pub fn meta(&self) -> Option<&Map<String, Value>> {
        self.scope.meta()
    }

    /// The id of the background task running this call; `None` when it runs inline.
    pub fn task_id(&self) -> Option<&str> {
        self.scope.task().map(|t| t.id().as_str())
    }

    /// Whether the call runs as a background task.
    pub fn is_background(&self) -> bool {
        self.scope.task().is_some()
    }

    /// Which delivery of the task this is: 1 inline and on a task's first run;
    /// more when a distributed backend delivered the task again after its
    /// worker died (delivery is at least once).
    pub fn attempt(&self) -> u32 {
        self.scope.task().map_or(1, |t| t.attempt())
    }

    /// Whether the client cancelled the call (for a task: `tasks/cancel`).
    pub fn is_cancelled(&self) -> bool {
        self.scope.cancellation.is_cancelled()
    }

    /// Completes when the client cancels the call.
    pub async fn cancelled(&self) {
        self.scope.cancellation.cancelled().await
    }

    /// Sends a log message (`notifications/message`) if the client's level allows it.
    pub async fn log(&self, level: LogLevel, data: impl Into<Value>) {
        if !self.scope.log_filter.allows(level) {
            return;
        }
        let mut params = Map::with_capacity(3);
        params.insert("level".into(), Value::String(level.as_str().into()));
        params.insert(
            "logger".into(),
            Value::String(self.scope.tool_name().into()),
        );
        params.insert("data".into(), data.into());
        self.scope
            .outbound
            .send(notification("notifications/message", Value::Object(params)));
    }

    /// Logs at `debug`.
    pub async fn debug(&self, message: impl Into<String>) {
        self.log(LogLevel::Debug, message.into()).await
    }

    /// Logs at `info`.
    pub async fn info(&self, message: impl Into<String>) {
        self.log(LogLevel::Info, message.into()).await
    }

    /// Logs at `warning`.
    pub async fn warning(&self, message: impl Into<String>) {
        self.log(LogLevel::Warning, message.into()).await
    }

    /// Logs at `error`.
    pub async fn error(&self, message: impl Into<String>) {
        self.log(LogLevel::Error, message.into()).await
    }

    /// The progress token the client sent in `_meta.progressToken`, if any.
    pub fn progress_token(&self) -> Option<&Value> {
        self.scope.meta().and_then(|m| m.get("progressToken"))
    }

    /// Reports progress: `notifications/progress` when the client asked for it
    /// with a progress token and a stream to the client exists. In a task it
    /// also sets the task's `statusMessage` (`message`, else `progress/total`)
    /// and sends `notifications/tasks/status` to a connected 2025-11-25
    /// client. `progress` should increase with every call.
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        if let Some(task) = self.scope.task() {
            let status = match (message, total) {
                (Some(m), _) => m.to_string(),
                (None, Some(t)) => format!("{progress}/{t}"),
                (None, None) => format!("{progress}"),
            };
            task.report(status).await;
        }
        let Some(token) = self.progress_token() else {
            return;
        };
        let mut params = Map::with_capacity(4);
        params.insert("progressToken".into(), token.clone());
        params.insert("progress".into(), Value::from(progress));
        if let Some(total) = total {
            params.insert("total".into(), Value::from(total));
        }
        if let Some(message) = message {
            params.insert("message".into(), Value::String(message.into()));
        }
        self.scope.outbound.send(notification(
            "notifications/progress",
            Value::Object(params),
        ));
    }

    /// Asks the user for values of type `T` (`elicitation/create`): the
    /// schema comes from `T` (see [`elicitation_schema`](crate::input::elicitation_schema)),
    /// the answer is typed. The same code works inline and in a task, on every
    /// revision (see [`input`](crate::input) for how the question travels).
    ///
    /// ```
    /// use ferrymcp::prelude::*;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Confirm {
    ///     /// Type the file name again to confirm.
    ///     filename: String,
    /// }
    ///
    /// /// Deletes a file after the user confirms.
    /// #[tool]
    /// async fn delete(filename: String, ctx: Ctx) -> Result<String, ToolError> {
    ///     match ctx.elicit::<Confirm>(format!("Delete {filename}?")).await? {
    ///         Elicitation::Accept(c) if c.filename == filename => Ok(format!("deleted {filename}")),
    ///         Elicitation::Accept(_) => Ok("the names differ; nothing deleted".into()),
    ///         Elicitation::Decline | Elicitation::Cancel => Ok("nothing deleted".into()),
    ///     }
    /// }
    /// ```
    pub async fn elicit<T: JsonSchema + DeserializeOwned>(
        &self,
        message: impl Into<String>,
    ) -> Result<Elicitation<T>, InputError> {
        self.question(None).elicit(message).await
    }

    /// Asks the user with a hand-written `requestedSchema`; returns the raw
    /// `ElicitResult` (`{action, content}`).
    pub async fn elicit_with_schema(
        &self,
        message: impl Into<String>,
        requested_schema: Value,
    ) -> Result<Value, InputError> {
        self.question(None)
            .elicit_with_schema(message, requested_schema)
            .await
    }

    /// Asks the client's model (`sampling/createMessage`).
    pub async fn sample(&self, request: SamplingRequest) -> Result<SamplingResponse, InputError> {
        self.question(None).sample(request).await
    }

    /// Asks the client for its roots (`roots/list`).
    pub async fn list_roots(&self) -> Result<Vec<Root>, InputError> {
        self.question(None).list_roots().await
    }

    /// A question with a name of your choosing: the key of its entry in
    /// `inputRequests` (2026-07-28 and tasks), where clients and logs see it.
    /// Unnamed questions are numbered (`elicitation-1`, `sampling-2`).
    ///
    /// ```
    /// # use ferrymcp::prelude::*;
    /// # #[derive(serde::Deserialize, schemars::JsonSchema)] struct Name { name: String }
    /// # async fn f(ctx: Ctx) -> Result<(), ToolError> {
    /// let answer = ctx.ask("user_name").elicit::<Name>("What is your name?").await?;
    /// # Ok(()) }
    /// ```
    pub fn ask(&self, key: impl Into<String>) -> Question<'_> {
        self.question(Some(key.into()))
    }

    fn question(&self, key: Option<String>) -> Question<'_> {
        Question::new(self, key)
    }

    /// Announces changes (the tool, prompt or resource lists; one resource)
    /// to every client listening.
    pub fn notifier(&self) -> &crate::server::Notifier {
        &self.scope.notifier
    }

    /// Whether the client declared `capability` (`elicitation`, `sampling`,
    /// `roots`); for elicitation, the form mode.
    pub fn client_supports(&self, capability: &str) -> bool {
        let declared = self.client().capabilities.get(capability);
        match (capability, declared) {
            (_, None | Some(Value::Null)) => false,
            ("elicitation", Some(Value::Object(modes))) => {
                modes.is_empty() || modes.contains_key("form")
            }
            _ => true,
        }
    }

    /// Sends one request to the client through the call's input channel.
    pub(crate) async fn send_question(
        &self,
        key: Option<&str>,
        request: InputRequest,
    ) -> Result<Value, InputError> {
        let scope = &self.scope;
        scope
            .input
            .ask(&scope.outbound, &scope.cancellation, key, request)
            .await
    }
}
