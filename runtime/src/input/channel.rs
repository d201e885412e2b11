//! The channel a call's questions travel on, chosen by the transport and
//! revision (see the module docs of [`input`](super)).

use super::{InputError, InputRequest, MrtrInput, PendingRequests, SessionInput, TaskInput};
use crate::transport::Outbound;
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::Value;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The key of a question: the one the tool gave, or the capability and the
/// question's number in the call.
pub(crate) fn question_key(key: Option<&str>, request: &InputRequest, n: u32) -> String {
    match key {
        Some(key) => key.to_owned(),
        None => format!("{}-{n}", request.capability()),
    }
}

/// How a call's questions reach the client. Cheap to clone; a channel is
/// only made when a question is asked, so calls that ask nothing pay nothing.
#[derive(Clone)]
pub(crate) enum InputSource {
    /// No way to ask; the reason.
    None(&'static str),
    /// A session: requests on the call's stream, answered through the session.
    Session(Arc<PendingRequests>),
    /// A stateless request: the multi round-trip pattern.
    Mrtr(Arc<MrtrInput>),
    /// A background task: `input_required` and the task's record.
    Task(Arc<TaskInput>),
}

impl InputSource {
    /// Asks `request` for a call whose messages go to `outbound`; resolves
    /// with the client's result object. `key` names the question in
    /// `inputRequests` (unnamed ones are numbered: `elicitation-1`, ...).
    pub(crate) fn ask(
        &self,
        outbound: &Arc<dyn Outbound>,
        cancellation: &CancellationToken,
        key: Option<&str>,
        request: InputRequest,
    ) -> BoxFuture<'static, Result<Value, InputError>> {
        match self {
            InputSource::None(why) => {
                futures::future::ready(Err(InputError::Unavailable((*why).into()))).boxed()
            }
            InputSource::Session(pending) => SessionInput {
                pending: Arc::clone(pending),
                outbound: Arc::clone(outbound),
                cancellation: cancellation.clone(),
                related_task: None,
            }
            .ask(request),
            InputSource::Mrtr(mrtr) => mrtr.ask(key, request),
            InputSource::Task(task) => task.ask(key, request),
        }
    }
}
