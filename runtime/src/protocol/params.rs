//! Reading request parameters, with errors that name the parameter and the method.

use super::jsonrpc::json_type_name;
use super::ErrorObject;
use serde_json::{Map, Value};

/// Reads an optional string parameter (`null` counts as absent).
pub(crate) fn opt_str<'a>(
    params: &'a Map<String, Value>,
    key: &str,
    method: &str,
) -> Result<Option<&'a str>, ErrorObject> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ErrorObject::invalid_params(format!(
            "Invalid params: `{key}` of {method} must be a string, got {}",
            json_type_name(other)
        ))),
    }
}

/// Reads a required string parameter.
pub(crate) fn req_str<'a>(
    params: &'a Map<String, Value>,
    key: &str,
    method: &str,
) -> Result<&'a str, ErrorObject> {
    opt_str(params, key, method)?.ok_or_else(|| {
        ErrorObject::invalid_params(format!("Invalid params: {method} needs `{key}`"))
    })
}
