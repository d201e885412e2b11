//! `Ctx`: what a running tool can do besides computing its result.

use super::{Inject, InjectError};
use crate::call::{CallScope, ClientInfo};
use crate::protocol::jsonrpc::notification;
use crate::protocol::messages;
use crate::protocol::{LogLevel, RequestId};
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
        let data = data.into();
        let params = messages::to_value(&messages::LogMessage {
            level,
            logger: self.scope.tool_name(),
            data: &data,
        });
        self.scope
            .outbound
            .send(notification("notifications/message", params));
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
        let params = messages::to_value(&messages::Progress {
            progress_token: token,
            progress,
            total,
            message,
        });
        self.scope
            .outbound
            .send(notification("notifications/progress", params));
    }

    /// Closes the SSE stream this call answers on, while the call runs on
    /// (SSE polling, 2025-11-25): the client reconnects with `GET` and
    /// `Last-Event-ID` after the `retry` interval the stream announced, and
    /// receives what the call sent meanwhile and its result. Lets a long
    /// call free its connection. `false` when the call's stream cannot be
    /// resumed (stdio, a JSON response, a session before 2025-11-25, which
    /// sends no priming event to resume from, a 2026-07-28 request, whose
    /// closed stream would cancel it); nothing is closed then.
    pub fn close_sse_stream(&self) -> bool {
        self.scope.outbound.close_stream()
    }

    /// Announces changes (the tool, prompt or resource lists; one resource)
    /// to every client listening.
    pub fn notifier(&self) -> &crate::call::Notifier {
        &self.scope.notifier
    }
}
