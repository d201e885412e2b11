//! What the stateless revision (2026-07-28) adds on the wire, beyond the
//! `_meta` keys ([`meta`](super::meta)): how a request declares its revision,
//! the versions served, the tasks extension id and the caching hint of list
//! results.

use super::jsonrpc::code;
use super::messages::{to_value, UnsupportedVersionData};
use super::meta::META_PROTOCOL_VERSION;
use super::{ErrorObject, JsonObject, ProtocolVersion};

/// The tasks extension id (2026-07-28).
pub const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// How long clients may cache `tools/list` and `server/discover` results: the
/// tools are fixed when the server is built, so they stay valid for the life
/// of the process; five minutes bounds the staleness across a redeploy.
pub const LIST_TTL_MS: u64 = 300_000;

/// The revisions this server serves statelessly, newest first.
pub fn stateless_versions() -> Vec<&'static str> {
    ProtocolVersion::ALL
        .iter()
        .rev()
        .filter(|v| v.is_stateless())
        .map(|v| v.as_str())
        .collect()
}

/// The protocol version a request declares in `params._meta`, if it declares
/// one: the sign of a stateless (2026-07-28 or later) request.
/// Its JSON text: a string, unless the request is malformed.
pub fn declared_version(params: Option<&JsonObject>) -> Option<&str> {
    params?.object_ref("_meta")?.get_json(META_PROTOCOL_VERSION)
}

/// -32022 for a protocol version this server does not serve statelessly, with
/// the versions it does.
pub fn unsupported_version(requested: &str) -> ErrorObject {
    let supported = stateless_versions();
    ErrorObject::new(
        code::UNSUPPORTED_PROTOCOL_VERSION,
        format!(
            "Unsupported protocol version {requested:?}; this endpoint serves {} statelessly",
            supported.join(", ")
        ),
    )
    .with_data(to_value(&UnsupportedVersionData {
        supported: &supported,
        requested,
    }))
}
