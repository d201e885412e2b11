//! The errors of resources, prompts and completions, and of building a catalog.

use crate::error::ToolError;
use crate::inject::InjectError;
use crate::protocol::jsonrpc::code;
use crate::protocol::{ErrorObject, ProtocolVersion};
use std::fmt;

/// An error a `#[resource]`, `#[prompt]` or completion function returns; the
/// client receives it as a JSON-RPC error.
///
/// Return `Err(CatalogError::not_found())` from a template whose placeholder
/// names nothing: the client gets the revision's "resource not found" error.
/// Any other error type that implements `Display` works too, as an internal
/// error (-32603) carrying its message; an [`ErrorObject`] or a
/// [`ToolError::protocol`] is passed on as it is.
///
/// ```
/// use ferrymcp::catalog::CatalogError;
/// use ferrymcp::resource;
///
/// /// One user's profile.
/// #[resource(uri = "users://{id}/profile", mime_type = "application/json")]
/// async fn profile(id: u32) -> Result<String, CatalogError> {
///     match id {
///         1 => Ok(r#"{"name":"Ada"}"#.into()),
///         _ => Err(CatalogError::not_found()),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogError {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    NotFound,
    Protocol(ErrorObject),
    Internal(String),
}

impl CatalogError {
    /// The requested resource does not exist (-32002 before 2026-07-28,
    /// -32602 from then on, with the URI in `data.uri`).
    pub fn not_found() -> Self {
        CatalogError {
            kind: Kind::NotFound,
        }
    }

    /// -32602: the request's parameters are wrong.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::protocol(ErrorObject::invalid_params(message))
    }

    /// -32603: the server failed; the message is shown to the client.
    pub fn internal(message: impl Into<String>) -> Self {
        CatalogError {
            kind: Kind::Internal(message.into()),
        }
    }

    /// Any JSON-RPC error.
    pub fn protocol(error: ErrorObject) -> Self {
        CatalogError {
            kind: Kind::Protocol(error),
        }
    }

    /// Whether this is "resource not found".
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, Kind::NotFound)
    }

    /// The JSON-RPC error a client of `version` receives; `uri` is the
    /// resource that was asked for, if any.
    pub fn to_error_object(&self, version: ProtocolVersion, uri: Option<&str>) -> ErrorObject {
        match &self.kind {
            Kind::NotFound => not_found(version, uri.unwrap_or_default()),
            Kind::Protocol(e) => e.clone(),
            Kind::Internal(m) => ErrorObject::internal(m.clone()),
        }
    }
}

/// "Resource not found": -32002 for the session revisions, -32602 (SEP-2164)
/// for 2026-07-28; `data.uri` names the resource either way.
pub(crate) fn not_found(version: ProtocolVersion, uri: &str) -> ErrorObject {
    let code = if version.is_stateless() {
        code::INVALID_PARAMS
    } else {
        code::RESOURCE_NOT_FOUND
    };
    ErrorObject::new(code, format!("Resource not found: {uri}")).with_data(
        crate::protocol::messages::to_value(&crate::protocol::messages::UriData { uri }),
    )
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::NotFound => f.write_str("resource not found"),
            Kind::Protocol(e) => f.write_str(&e.message),
            Kind::Internal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CatalogError {}

impl From<ErrorObject> for CatalogError {
    fn from(error: ErrorObject) -> Self {
        Self::protocol(error)
    }
}

impl From<ToolError> for CatalogError {
    fn from(error: ToolError) -> Self {
        match error.as_protocol() {
            Some(e) => Self::protocol(e.clone()),
            None => Self::internal(error.message()),
        }
    }
}

impl From<InjectError> for CatalogError {
    fn from(error: InjectError) -> Self {
        Self::internal(error.message())
    }
}
