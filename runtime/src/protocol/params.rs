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
        Some(other) => Err(not_a_string(key, method, json_type_name(other))),
    }
}

/// Reads a required string parameter.
pub(crate) fn req_str<'a>(
    params: &'a Map<String, Value>,
    key: &str,
    method: &str,
) -> Result<&'a str, ErrorObject> {
    opt_str(params, key, method)?.ok_or_else(|| missing(key, method))
}

/// [`req_str`] of parameters as received.
pub(crate) fn req_str_in<'a>(
    params: &'a JsonObject,
    key: &str,
    method: &str,
) -> Result<Cow<'a, str>, ErrorObject> {
    let json = match params.get_json(key) {
        None | Some("null") => return Err(missing(key, method)),
        Some(json) => json,
    };
    as_str(json).ok_or_else(|| not_a_string(key, method, json_text_type(json)))
}

/// -32602: a required parameter is absent.
fn missing(key: &str, method: &str) -> ErrorObject {
    ErrorObject::invalid_params(format!("Invalid params: {method} needs `{key}`"))
}

/// -32602: a parameter is not a string; `got` says what it is.
fn not_a_string(key: &str, method: &str, got: &str) -> ErrorObject {
    ErrorObject::invalid_params(format!(
        "Invalid params: `{key}` of {method} must be a string, got {got}"
    ))
}
