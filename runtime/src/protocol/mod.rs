//! The wire: JSON-RPC framing, MCP types and protocol revisions.
//!
//! Nothing above this module needs to know which revision a client speaks; the
//! server maps each revision's messages onto one internal model. What a
//! revision adds lives in one file: [`version`] says which revisions exist and
//! what each supports, [`stateless`] holds what 2026-07-28 adds, [`meta`] the
//! `_meta` keys of every revision. Every message is a typed struct:
//! [`types`] (tool results, annotations, task support), [`results`]
//! (initialize, discover, tasks), [`messages`] (notifications, requests to
//! the client, resource and completion results, the `Tool`, `Resource` and
//! `Prompt` definitions, the `data` of errors).

mod input_request;
pub mod jsonrpc;
pub mod messages;
pub mod meta;
pub mod method;
mod object;
pub(crate) mod params;
pub mod results;
mod scan;
pub mod stateless;
pub mod types;
pub mod version;
mod write;

pub use input_request::InputRequest;
pub use jsonrpc::{
    ErrorObject, Incoming, Notification, PeerResponse, Rejected, Request, RequestId,
};
pub use method::Method;
pub use object::JsonObject;
pub(crate) use object::{as_str, json_text_type, without_position};
pub use types::{
    CallToolResult, Content, Implementation, LogLevel, Role, TaskSupport, ToolAnnotations,
};
pub use version::ProtocolVersion;
