//! One question to the client as the wire carries it: an entry of
//! `inputRequests` (2026-07-28), or the method and params of a request from
//! server to client (sessions).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One question for the client: a request method and its params (the shape of
/// an entry of `inputRequests`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputRequest {
    /// `elicitation/create`, `sampling/createMessage` or `roots/list`.
    pub method: String,
    /// The request's params.
    pub params: Value,
}

impl InputRequest {
    /// The request as a JSON value (`{"method", "params"}`).
    pub fn to_value(&self) -> Value {
        super::messages::to_value(self)
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
