//! URL-mode elicitation (2025-11-25 on): send the user to a URL for a step
//! that must not pass through the client (a third-party OAuth flow, a
//! payment, typing an API key into the app's own page).
//!
//! Three pieces:
//!
//! * [`Ctx::elicit_url`](crate::Ctx::elicit_url) asks the client to open a
//!   URL (`elicitation/create` with `mode: "url"`). The answer is only the
//!   user's consent: [`ElicitAction::Accept`] means the user agreed to open
//!   the URL, not that the step is done.
//! * [`ElicitationCompletion`] tells the client that the step finished
//!   (`notifications/elicitation/complete`), from anywhere and at any time:
//!   the handle is `'static`, so the app keeps it (for example in a map by
//!   [`ElicitationId`] shared with the web handler that receives the OAuth
//!   callback) and calls [`complete`](ElicitationCompletion::complete) once
//!   the step is done, after the tool call ended if need be.
//! * [`UrlElicitationRequired`]: the error a tool returns when the request
//!   cannot proceed until the user completed URL elicitations (-32042 with
//!   `data.elicitations`); the client opens them and may retry.
//!
//! On 2026-07-28 there are no elicitation ids, no completion notification and
//! no -32042 on the wire: a URL elicitation travels in `inputRequests` like a
//! form (multi round-trip), a returned [`UrlElicitationRequired`] becomes an
//! `InputRequiredResult` asking for its URLs, and the retried request runs the
//! tool again, which decides from its own state (bound to the user, not to an
//! id) whether the step is done.

use super::ElicitAction;
use crate::call::{InputError, Outbound};
use crate::protocol::jsonrpc::{code, notification};
use crate::protocol::messages::{self, to_value, ElicitationComplete, UrlElicitationRequiredData};
use crate::protocol::{ErrorObject, ProtocolVersion};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// The `elicitationId` of a URL elicitation: unique within the server and
/// unguessable (128 random bits), so that it can go into the URL the user
/// opens and come back to the app's web handler.
///
/// ```
/// use ferrymcp::ask::ElicitationId;
/// let id = ElicitationId::random();
/// assert_eq!(id.as_str().len(), 32);
/// assert_ne!(id, ElicitationId::random());
/// let url = format!("https://example.com/connect?elicitation={id}");
/// # let _ = url;
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ElicitationId(Arc<str>);

impl ElicitationId {
    /// A fresh random id (32 hex digits, from the thread's CSPRNG).
    pub fn random() -> Self {
        ElicitationId(format!("{:032x}", rand::random::<u128>()).into())
    }

    /// The id as the wire carries it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for ElicitationId {
    /// An id the app made (it must be unique within the server).
    fn from(id: String) -> Self {
        ElicitationId(id.into())
    }
}

impl From<&str> for ElicitationId {
    fn from(id: &str) -> Self {
        ElicitationId(id.into())
    }
}

impl fmt::Display for ElicitationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ElicitationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ElicitationId({:?})", &*self.0)
    }
}

impl AsRef<str> for ElicitationId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// One URL elicitation: the URL to open, why, and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlRequest {
    /// The `elicitationId`.
    pub id: ElicitationId,
    /// Why the user should open the URL (shown by the client).
    pub message: String,
    /// The URL (absolute; `https` outside development).
    pub url: String,
}

impl UrlRequest {
    /// A URL elicitation with a fresh random id.
    pub fn new(message: impl Into<String>, url: impl Into<String>) -> Self {
        Self::with_id(ElicitationId::random(), message, url)
    }

    /// A URL elicitation with the id the app chose (for instance one it put
    /// in the URL).
    pub fn with_id(id: ElicitationId, message: impl Into<String>, url: impl Into<String>) -> Self {
        UrlRequest {
            id,
            message: message.into(),
            url: url.into(),
        }
    }

    /// Refuses a URL that is not absolute (`scheme://host...`): the spec
    /// requires a valid URL, and a relative one cannot be opened.
    pub(crate) fn check(&self) -> Result<(), InputError> {
        let bad = |why: &str| {
            Err(InputError::InvalidQuestion(format!(
                "the URL of a URL elicitation {why}: {:?}",
                self.url
            )))
        };
        match self.url.parse::<http::Uri>() {
            Err(e) => bad(&format!("is not a valid URL ({e})")),
            Ok(uri) if uri.scheme().is_none() || uri.host().is_none_or(str::is_empty) => {
                bad("must be absolute, with a scheme and a host")
            }
            Ok(_) => Ok(()),
        }
    }

    /// The params of its `elicitation/create` (`ElicitRequestURLParams`):
    /// with `elicitationId` on 2025-11-25, without on 2026-07-28 (whose
    /// schema has none).
    pub(crate) fn params(&self, version: ProtocolVersion) -> Value {
        to_value(&messages::UrlElicitation {
            mode: "url",
            elicitation_id: (!version.is_stateless()).then(|| self.id.as_str()),
            message: &self.message,
            url: &self.url,
        })
    }
}

/// The answer to [`Ctx::elicit_url`](crate::Ctx::elicit_url): what the user
/// did, and the handle that tells the client the step finished.
#[derive(Debug, Clone)]
pub struct UrlElicitation {
    pub(crate) action: ElicitAction,
    pub(crate) completion: ElicitationCompletion,
}

impl UrlElicitation {
    /// What the user did: [`Accept`](ElicitAction::Accept) means they agreed
    /// to open the URL, not that the step finished.
    pub fn action(&self) -> ElicitAction {
        self.action
    }

    /// Whether the user agreed to open the URL.
    pub fn is_accepted(&self) -> bool {
        self.action == ElicitAction::Accept
    }

    /// The elicitation's id.
    pub fn id(&self) -> &ElicitationId {
        &self.completion.id
    }

    /// The handle that sends `notifications/elicitation/complete` for it.
    pub fn completion(&self) -> ElicitationCompletion {
        self.completion.clone()
    }
}

/// Tells the client that started a URL elicitation that its out-of-band step
/// finished (`notifications/elicitation/complete {elicitationId}`).
///
/// Made by [`UrlElicitation::completion`] or
/// [`Ctx::elicitation_completion`](crate::Ctx::elicitation_completion);
/// cheap to clone, `Send + Sync + 'static`. It holds the way to the session's
/// own stream (the HTTP GET stream, stdio's output), never the call's, so it
/// works after the call ended: keep it where the code that sees the step
/// finish (a web callback handler) finds it, e.g. a map by [`ElicitationId`]
/// in state the tool and the handler share. With a shared session store the
/// notification reaches the node that holds the client's GET stream. It
/// goes only to the client that was asked, as the spec requires.
#[derive(Clone)]
pub struct ElicitationCompletion {
    pub(crate) id: ElicitationId,
    pub(crate) to: Option<Arc<dyn Outbound>>,
}

impl ElicitationCompletion {
    /// The elicitation's id.
    pub fn id(&self) -> &ElicitationId {
        &self.id
    }

    /// Sends `notifications/elicitation/complete`; `false` when it could
    /// not go anywhere: a 2026-07-28 client (the revision has no such
    /// notification: the client retries its request instead), a session
    /// with no stream open to its client, or a task run by a worker of
    /// another process (which holds no way to the session). Sending twice is harmless (clients
    /// ignore ids they no longer know).
    pub fn complete(&self) -> bool {
        let Some(to) = &self.to else {
            return false;
        };
        if !to.reaches_client() {
            return false;
        }
        let params = ElicitationComplete {
            elicitation_id: Cow::Borrowed(self.id.as_str()),
        };
        to.send(notification(
            "notifications/elicitation/complete",
            to_value(&params),
        ));
        true
    }
}

impl fmt::Debug for ElicitationCompletion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElicitationCompletion")
            .field("id", &self.id)
            .field("reaches_session", &self.to.is_some())
            .finish()
    }
}

/// The error of a request that cannot proceed until the user completed URL
/// elicitations (`URLElicitationRequiredError`, -32042, with
/// `data.elicitations`). Return it from a tool (`?` or `.into()` make it a
/// [`ToolError`](crate::ToolError)); the client opens the URLs with the
/// user's consent and may retry the call once
/// [`ElicitationCompletion::complete`] told it the step finished.
///
/// On 2026-07-28 (which has no -32042) the call answers an
/// `InputRequiredResult` asking for the same URLs instead.
///
/// ```
/// use ferrymcp::prelude::*;
/// use ferrymcp::ask::{UrlElicitationRequired, UrlRequest};
///
/// /// Lists the user's files at Example Co.
/// #[tool]
/// async fn list_files(ctx: Ctx) -> Result<String, ToolError> {
///     let connected = false; // look the user's token up in the app's store
///     if !connected {
///         let request = UrlRequest::new(
///             "Authorization is required to access your Example Co files.",
///             "https://mcp.example.com/connect",
///         );
///         return Err(UrlElicitationRequired::new(request).into());
///     }
///     Ok("...".into())
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlElicitationRequired {
    message: String,
    elicitations: Vec<UrlRequest>,
}

impl UrlElicitationRequired {
    /// The error for one URL elicitation.
    pub fn new(elicitation: UrlRequest) -> Self {
        UrlElicitationRequired {
            message: "This request requires more information.".into(),
            elicitations: vec![elicitation],
        }
    }

    /// Adds another URL elicitation that must complete first.
    pub fn and(mut self, elicitation: UrlRequest) -> Self {
        self.elicitations.push(elicitation);
        self
    }

    /// The error's message (default: "This request requires more
    /// information.").
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// The elicitations that must complete first.
    pub fn elicitations(&self) -> &[UrlRequest] {
        &self.elicitations
    }

    /// The JSON-RPC error (-32042, `data.elicitations` in the 2025-11-25
    /// shape, every one with its `elicitationId`).
    pub fn to_error_object(&self) -> ErrorObject {
        let elicitations = self
            .elicitations
            .iter()
            .map(|e| e.params(ProtocolVersion::V2025_11_25))
            .collect();
        ErrorObject::new(code::URL_ELICITATION_REQUIRED, self.message.clone())
            .with_data(to_value(&UrlElicitationRequiredData { elicitations }))
    }
}

impl fmt::Display for UrlElicitationRequired {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UrlElicitationRequired {}

/// The URL elicitations of a -32042 error (`data.elicitations`), as
/// 2026-07-28 `inputRequests` entries keyed by their id (without the id in
/// the params, which that revision does not have); `None` for any other
/// error, or one whose data is not that shape.
pub(crate) fn required_as_input_requests(
    error: &ErrorObject,
) -> Option<Vec<(String, crate::protocol::InputRequest)>> {
    if error.code != code::URL_ELICITATION_REQUIRED {
        return None;
    }
    let elicitations = error.data.as_ref()?.get("elicitations")?.as_array()?;
    let mut asked = Vec::with_capacity(elicitations.len());
    for e in elicitations {
        let mut params = e.as_object()?.clone();
        let Some(Value::String(id)) = params.remove("elicitationId") else {
            return None;
        };
        asked.push((
            id,
            crate::protocol::InputRequest {
                method: "elicitation/create".into(),
                params: Value::Object(params),
            },
        ));
    }
    (!asked.is_empty()).then_some(asked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_follow_the_revision() {
        let r = UrlRequest::with_id("e1".into(), "Connect", "https://x.example/c?e=e1");
        assert_eq!(
            r.params(ProtocolVersion::V2025_11_25),
            json!({"mode": "url", "elicitationId": "e1", "message": "Connect",
                "url": "https://x.example/c?e=e1"})
        );
        let modern = r.params(ProtocolVersion::V2026_07_28);
        assert!(modern.get("elicitationId").is_none());
        assert_eq!(modern["mode"], "url");
    }

    #[test]
    fn only_absolute_urls_are_asked() {
        assert!(UrlRequest::new("m", "https://a.example/x").check().is_ok());
        assert!(UrlRequest::new("m", "http://127.0.0.1:8080/cb")
            .check()
            .is_ok());
        for bad in ["", "/relative", "not a url", "https://"] {
            let err = UrlRequest::new("m", bad).check().unwrap_err();
            assert!(
                matches!(&err, InputError::InvalidQuestion(m) if m.contains("URL")),
                "{bad:?}: {err:?}"
            );
        }
    }

    #[test]
    fn ids_are_random_and_long() {
        let a = ElicitationId::random();
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, ElicitationId::random());
    }

    #[test]
    fn the_required_error_round_trips_to_input_requests() {
        let error = UrlElicitationRequired::new(UrlRequest::with_id(
            "e1".into(),
            "Auth",
            "https://a.example/c",
        ))
        .and(UrlRequest::with_id(
            "e2".into(),
            "Pay",
            "https://a.example/p",
        ))
        .to_error_object();
        assert_eq!(error.code, -32042);
        assert_eq!(
            error.data.as_ref().unwrap()["elicitations"][1]["elicitationId"],
            "e2"
        );
        let asked = required_as_input_requests(&error).unwrap();
        assert_eq!(asked[0].0, "e1");
        assert_eq!(
            asked[1].1.params,
            json!({"mode": "url", "message": "Pay", "url": "https://a.example/p"})
        );
        assert!(required_as_input_requests(&ErrorObject::new(-32042, "x")).is_none());
        assert!(required_as_input_requests(&ErrorObject::new(-32602, "x")).is_none());
    }
}
