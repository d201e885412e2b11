//! Asking the client during a call: elicitation (ask the user), sampling (ask
//! the client's model) and roots.
//!
//! A tool calls [`Ctx::elicit`](crate::Ctx::elicit),
//! [`Ctx::sample`](crate::Ctx::sample) or [`Ctx::list_roots`](crate::Ctx::list_roots)
//! and awaits the answer. How the question travels depends on the call, never
//! on the tool's code:
//!
//! * **a session (2025-03-26 to 2025-11-25), inline**: a JSON-RPC request
//!   from server to client on the call's stream; the client's response
//!   resumes the tool.
//! * **stateless (2026-07-28), inline**: the multi round-trip pattern. The
//!   call ends with an `InputRequiredResult` (`inputRequests`, and a signed
//!   `requestState`); the client retries with `inputResponses`, and the tool
//!   runs again from the start, its earlier questions answered from the
//!   request. A tool that asks must therefore ask the same questions in the
//!   same order when it runs again (do side effects after the questions).
//! * **a background task**: the task moves to `input_required` with the
//!   questions; a 2025-11-25 client receives them on its `tasks/result`
//!   stream, a 2026-07-28 client in `tasks/get` and answers with
//!   `tasks/update`. The task resumes where it waited.

mod channel;
pub(crate) mod elicit;
mod mrtr;
mod pending;
mod question;
mod sample;
pub(crate) mod state;
mod task;

pub use elicit::{elicitation_schema, ElicitAction, Elicitation};
pub use question::Question;
pub use sample::{Root, SamplingMessage, SamplingRequest, SamplingResponse};
pub use state::{RequestStateKey, RequestStateKeyError, MIN_SECRET_BYTES};

pub(crate) use channel::InputSource;
pub(crate) use mrtr::{run_with_input, Gate, MrtrInput};
pub(crate) use pending::{PendingRequests, SessionInput};
pub(crate) use task::TaskInput;

use crate::protocol::ErrorObject;
use serde::Serialize;
use serde_json::Value;

/// One question for the client: a request method and its params (the shape of
/// an entry of `inputRequests`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputRequest {
    /// `elicitation/create`, `sampling/createMessage` or `roots/list`.
    pub method: String,
    /// The request's params.
    pub params: Value,
}

impl InputRequest {
    /// The request as a JSON value (`{"method", "params"}`).
    pub fn to_value(&self) -> Value {
        let mut m = serde_json::Map::with_capacity(2);
        m.insert("method".into(), Value::String(self.method.clone()));
        m.insert("params".into(), self.params.clone());
        Value::Object(m)
    }

    /// The client capability the method needs.
    pub(crate) fn capability(&self) -> &'static str {
        match self.method.as_str() {
            "sampling/createMessage" => "sampling",
            "roots/list" => "roots",
            _ => "elicitation",
        }
    }
}

/// Why a question to the client got no usable answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// The client did not declare the capability the question needs.
    #[error("the client does not support {capability} (it did not declare the `{capability}` capability)")]
    Unsupported {
        /// `elicitation`, `sampling` or `roots`.
        capability: &'static str,
    },
    /// This call has no way to reach the client (for example a task whose
    /// client can neither poll nor hold a stream).
    #[error("cannot ask the client: {0}")]
    Unavailable(String),
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
