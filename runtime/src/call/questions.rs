//! How a call's questions reach the client, as the call sees it: a
//! [`QuestionChannel`] chosen by the transport and revision (implemented in
//! [`ask`](crate::ask)), and the [`InputError`] a question can end with.

use super::Outbound;
use crate::protocol::{ErrorObject, InputRequest};
use futures::future::BoxFuture;
use serde_json::Value;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// A way to put a question to the client and await its answer (a session's
/// server-to-client requests, the multi round-trip pattern, a task's
/// `input_required`).
pub(crate) trait QuestionChannel: Send + Sync {
    /// Asks `request` for a call whose messages go to `outbound`; resolves
    /// with the client's result object. `key` names the question in
    /// `inputRequests` (unnamed ones are numbered: `elicitation-1`, ...).
    fn ask(
        &self,
        outbound: &Arc<dyn Outbound>,
        cancellation: &CancellationToken,
        key: Option<&str>,
        request: InputRequest,
    ) -> BoxFuture<'static, Result<Value, InputError>>;
}

/// Where a call's questions go: a channel, or none (and why). Cheap to clone.
#[derive(Clone)]
pub(crate) enum Questions {
    /// No way to ask; the reason.
    Unavailable(&'static str),
    /// Questions go through this channel.
    Channel(Arc<dyn QuestionChannel>),
}

impl Questions {
    /// Asks `request` (see [`QuestionChannel::ask`]).
    pub(crate) fn ask(
        &self,
        outbound: &Arc<dyn Outbound>,
        cancellation: &CancellationToken,
        key: Option<&str>,
        request: InputRequest,
    ) -> BoxFuture<'static, Result<Value, InputError>> {
        match self {
            Questions::Unavailable(why) => Box::pin(futures::future::ready(Err(
                InputError::Unavailable((*why).into()),
            ))),
            Questions::Channel(channel) => channel.ask(outbound, cancellation, key, request),
        }
    }
}

/// Why a question to the client got no usable answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The client did not declare the capability the question needs.
    #[error("the client does not support {capability} (it did not declare the `{capability}` capability)")]
    Unsupported {
        /// `elicitation`, `sampling` or `roots`.
        capability: &'static str,
    },
    /// The client declared the capability but not the mode the question
    /// needs (a URL elicitation to a client whose `elicitation` capability
    /// has no `url`; `{}` means form only).
    #[error("the client does not support {capability} in {mode} mode (its `{capability}` capability does not include `{mode}`)")]
    UnsupportedMode {
        /// `elicitation`.
        capability: &'static str,
        /// `url` or `form`.
        mode: &'static str,
    },
    /// This call has no way to reach the client (for example a task whose
    /// client can neither poll nor hold a stream).
    #[error("cannot ask the client: {0}")]
    Unavailable(String),
    /// The question itself is malformed (a URL elicitation whose `url` is
    /// not an absolute URL); nothing was sent.
    #[error("the question cannot be asked: {0}")]
    InvalidQuestion(String),
    /// The client answered with a JSON-RPC error.
    #[error("the client refused the request: {} ({})", .0.message, .0.code)]
    Client(ErrorObject),
    /// The client's answer does not have the expected shape.
    #[error("the client's answer is invalid: {0}")]
    InvalidAnswer(String),
    /// The call was cancelled while it waited for the answer.
    #[error("the call was cancelled while waiting for the client")]
    Cancelled,
}
