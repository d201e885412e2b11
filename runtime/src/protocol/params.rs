//! Reading request parameters, with errors that name the parameter and the method.

use super::jsonrpc::json_type_name;
use super::object::{as_str, json_text_type, JsonObject};
use super::ErrorObject;
use serde_json::{Map, Value};
use std::borrow::Cow;

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

/// [`req_str`] of parameters as received.
pub(crate) fn req_str_in<'a>(
    params: &'a JsonObject,
    key: &str,
    method: &str,
) -> Result<Cow<'a, str>, ErrorObject> {
    let json = match params.get_json(key) {
        None | Some("null") => {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: {method} needs `{key}`"
            )))
        }
        Some(json) => json,
    };
    as_str(json).ok_or_else(|| {
        ErrorObject::invalid_params(format!(
            "Invalid params: `{key}` of {method} must be a string, got {}",
            json_text_type(json)
        ))
    })
}
