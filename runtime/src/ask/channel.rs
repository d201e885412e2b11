//! The channel a call's questions travel on, chosen by the transport and
//! revision (see the module docs of [`ask`](super)).

use super::{InputError, MrtrInput, PendingRequests, SessionInput};
use crate::call::{Outbound, QuestionChannel, Questions};
use crate::protocol::InputRequest;
use futures::future::BoxFuture;
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Numbers the questions of one run of a call and gives each its key.
#[derive(Debug, Default)]
pub(crate) struct QuestionKeys(AtomicU32);

impl QuestionKeys {
    /// The key of the next question: the one the tool gave, or the
    /// capability and the question's number in the run (every question
    /// counts, keyed or not).
    pub(crate) fn next(&self, key: Option<&str>, request: &InputRequest) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        match key {
            Some(key) => key.to_owned(),
            None => format!("{}-{n}", request.capability()),
        }
    }
}

/// How a request's questions reach the client, as dispatch knows it. Cheap
/// to clone; a channel is only made when a question is asked, so calls that
/// ask nothing pay nothing.
#[derive(Clone)]
pub(crate) enum InputSource {
    /// No way to ask; the reason.
    None(&'static str),
    /// A session: requests on the call's stream, answered through the session.
    Session(Arc<PendingRequests>),
    /// A stateless request: the multi round-trip pattern.
    Mrtr(Arc<MrtrInput>),
}

impl InputSource {
    /// The channel as a call scope holds it.
    pub(crate) fn questions(&self) -> Questions {
        match self {
            InputSource::None(why) => Questions::Unavailable(why),
            InputSource::Session(pending) => Questions::Channel(Arc::clone(pending) as _),
            InputSource::Mrtr(mrtr) => Questions::Channel(Arc::clone(mrtr) as _),
        }
    }
}

impl QuestionChannel for PendingRequests {
    fn ask(
        &self,
        outbound: &Arc<dyn Outbound>,
        cancellation: &CancellationToken,
        _key: Option<&str>,
        request: InputRequest,
    ) -> BoxFuture<'static, Result<Value, InputError>> {
        SessionInput {
            pending: self,
            outbound: Arc::clone(outbound),
            cancellation: cancellation.clone(),
            related_task: None,
        }
        .ask(request)
    }
}

impl QuestionChannel for MrtrInput {
    fn ask(
        &self,
        _outbound: &Arc<dyn Outbound>,
        _cancellation: &CancellationToken,
        key: Option<&str>,
        request: InputRequest,
    ) -> BoxFuture<'static, Result<Value, InputError>> {
        MrtrInput::ask(self, key, request)
    }
}
