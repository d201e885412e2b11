//! The wire: JSON-RPC framing, MCP types and protocol revisions.
//!
//! Nothing above this module needs to know which revision a client speaks; the
//! server maps each revision's messages onto one internal model.

pub mod jsonrpc;
mod object;
pub(crate) mod params;
mod scan;
pub mod types;
pub mod version;

pub use jsonrpc::{
    ErrorObject, Incoming, Notification, PeerResponse, Rejected, Request, RequestId,
};
pub use object::JsonObject;
pub(crate) use object::{as_str, json_text_type, without_position};
pub use types::{
    CallToolResult, Content, Implementation, LogLevel, TaskSupport, ToolAnnotations, ToolDefinition,
};
pub use version::ProtocolVersion;
