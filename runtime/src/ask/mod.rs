//! Asking the client during a call: elicitation (ask the user, with a form or
//! by sending them to a URL), sampling (ask the client's model) and roots.
//!
//! A tool calls [`Ctx::elicit`](crate::Ctx::elicit),
//! [`Ctx::elicit_url`](crate::Ctx::elicit_url) (see [`UrlElicitation`]),
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
//!
//! URL-mode elicitation ([`Ctx::elicit_url`](crate::Ctx::elicit_url),
//! [`UrlElicitationRequired`], [`ElicitationCompletion`]) travels the same
//! ways; on 2026-07-28 without `elicitationId`, which that revision dropped
//! together with `notifications/elicitation/complete` and -32042.

mod channel;
mod ctx;
pub(crate) mod elicit;
mod mrtr;
mod pending;
mod question;
mod sample;
pub(crate) mod state;
mod url;

pub use crate::call::InputError;
pub use crate::protocol::InputRequest;
pub use elicit::{elicitation_schema, ElicitAction, Elicitation};
pub use question::Question;
pub use sample::{Root, SamplingMessage, SamplingRequest, SamplingResponse};
pub use state::{RequestStateKey, RequestStateKeyError, MIN_SECRET_BYTES};
pub use url::{
    ElicitationCompletion, ElicitationId, UrlElicitation, UrlElicitationRequired, UrlRequest,
};

pub(crate) use channel::{InputSource, QuestionKeys};
pub(crate) use mrtr::{run_with_input, Gate, MrtrInput};
pub(crate) use pending::{PendingRequests, SessionInput};
pub(crate) use url::required_as_input_requests;
