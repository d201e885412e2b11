//! JSON-RPC 2.0 framing: ids, requests, notifications, responses and errors.

use super::object::{as_str, index_at, JsonObject};
use super::scan::Scanner;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// Standard and MCP-specific JSON-RPC error codes.
pub mod code {
    /// The message is not valid JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON is not a valid JSON-RPC request.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method does not exist or is not available.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// The parameters are wrong.
    pub const INVALID_PARAMS: i64 = -32602;
    /// The server failed while handling a valid request.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// A resource was not found (legacy revisions).
    pub const RESOURCE_NOT_FOUND: i64 = -32002;
    /// An HTTP header disagrees with the body (2026-07-28).
    pub const HEADER_MISMATCH: i64 = -32020;
    /// The request needs a client capability the client did not declare (2026-07-28).
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
    /// The protocol version is not supported (2026-07-28).
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
    /// The request cannot proceed until URL-mode elicitations complete
    /// (`URLElicitationRequiredError`, 2025-11-25).
    pub const URL_ELICITATION_REQUIRED: i64 = -32042;
}

/// A JSON-RPC request id: a string or an integer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(String),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The error code (see [`code`]).
    pub code: i64,
    /// A short, precise description.
    pub message: String,
    /// Extra machine-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error with a code and a message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ErrorObject {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Attaches machine-readable detail.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// -32602: the parameters are wrong.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(code::INVALID_PARAMS, message)
    }

    /// -32601: the method does not exist.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            code::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )
    }

    /// -32600: the message is not a valid request.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(code::INVALID_REQUEST, message)
    }

    /// -32603: the server failed.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(code::INTERNAL_ERROR, message)
    }
}

impl fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ErrorObject {}

/// A request from the peer: it expects a response with the same id.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The request id.
    pub id: RequestId,
    /// The method name.
    pub method: String,
    /// The parameters, if any (always an object when present), as received.
    pub params: Option<JsonObject>,
}

/// A notification from the peer: no response is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The method name.
    pub method: String,
    /// The parameters, if any, as received.
    pub params: Option<JsonObject>,
}

/// A response from the peer to a request this side sent.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerResponse {
    /// The id of the request it answers.
    pub id: RequestId,
    /// The result, or the error.
    pub outcome: Result<Value, ErrorObject>,
}

/// Any message received from the peer.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A response to one of our requests.
    Response(PeerResponse),
}

/// A message that cannot be handled, with the id to answer (if one could be read).
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// The id of the bad request, when it had a readable one.
    pub id: Option<RequestId>,
    /// What was wrong.
    pub error: ErrorObject,
}

impl Rejected {
    /// The JSON-RPC error response for this rejection.
    pub fn to_response(&self) -> Value {
        error_response(self.id.as_ref(), &self.error)
    }
}

/// Serializes a success response.
pub fn success_response(id: &RequestId, result: Value) -> Value {
    let mut m = Map::with_capacity(3);
    m.insert("jsonrpc".into(), Value::String("2.0".into()));
    m.insert("id".into(), id_value(id));
    m.insert("result".into(), result);
    Value::Object(m)
}

/// Serializes an error response (`id: null` when the id could not be read).
pub fn error_response(id: Option<&RequestId>, error: &ErrorObject) -> Value {
    serde_json::to_value(Failure::of(Some(id), error)).unwrap_or(Value::Null)
}

/// Serializes a notification.
pub fn notification(method: &str, params: Value) -> Value {
    let mut m = Map::with_capacity(3);
    m.insert("jsonrpc".into(), Value::String("2.0".into()));
    m.insert("method".into(), Value::String(method.into()));
    m.insert("params".into(), params);
    Value::Object(m)
}

/// Serializes a request this side sends.
pub fn request(id: &RequestId, method: &str, params: Value) -> Value {
    let mut m = Map::with_capacity(4);
    m.insert("jsonrpc".into(), Value::String("2.0".into()));
    m.insert("id".into(), id_value(id));
    m.insert("method".into(), Value::String(method.into()));
    m.insert("params".into(), params);
    Value::Object(m)
}

fn id_value(id: &RequestId) -> Value {
    match id {
        RequestId::Number(n) => Value::from(*n),
        RequestId::String(s) => Value::String(s.clone()),
    }
}

/// A JSON-RPC message written to bytes, with what a transport needs to know
/// about it without reading it again.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Written {
    /// The message, compact JSON.
    pub(crate) json: Vec<u8>,
    /// The error code, for an error response.
    pub(crate) error_code: Option<i64>,
}

impl Written {
    /// A message that was built as a `Value` (its error code read from it).
    pub(crate) fn from_value(message: &Value) -> Written {
        let error_code = message
            .get("error")
            .and_then(|e| e.get("code"))
            .and_then(Value::as_i64);
        Written {
            json: serde_json::to_vec(message).unwrap_or_else(|_| b"null".to_vec()),
            error_code,
        }
    }
}

/// Room for a small response, so that the usual one is written without growing.
const RESPONSE_CAPACITY: usize = 256;

/// Writes a success response: the bytes of [`success_response`] of the
/// result's JSON, without building that JSON first.
pub(crate) fn write_success<T: Serialize + ?Sized>(id: &RequestId, result: &T) -> Written {
    write_success_with(id, |out| serde_json::to_writer(out, result))
}

/// Writes a success response whose result `write_result` writes.
pub(crate) fn write_success_with(
    id: &RequestId,
    write_result: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
) -> Written {
    // Members in the order a `serde_json::Map` keeps them (sorted).
    let mut json = Vec::with_capacity(RESPONSE_CAPACITY);
    json.extend_from_slice(b"{\"id\":");
    let written = serde_json::to_writer(&mut json, id).and_then(|()| {
        json.extend_from_slice(b",\"jsonrpc\":\"2.0\",\"result\":");
        write_result(&mut json)
    });
    match written {
        Ok(()) => {
            json.push(b'}');
            Written {
                json,
                error_code: None,
            }
        }
        Err(e) => write_error(
            Some(id),
            &ErrorObject::internal(format!("could not serialize the result: {e}")),
        ),
    }
}

/// Writes an error response: the bytes of [`error_response`].
pub(crate) fn write_error(id: Option<&RequestId>, error: &ErrorObject) -> Written {
    write_failure(Some(id), error)
}

/// Writes the error response of a request an HTTP transport refused, in
/// which `id` is left out (not `null`) when none could be read.
pub(crate) fn write_refusal(id: Option<&RequestId>, error: &ErrorObject) -> Written {
    write_failure(id.map(Some), error)
}

/// Writes an error response; `id` is `None` to leave the member out,
/// `Some(None)` for `"id": null`.
fn write_failure(id: Option<Option<&RequestId>>, error: &ErrorObject) -> Written {
    Written {
        json: serde_json::to_vec(&Failure::of(id, error)).unwrap_or_else(|_| b"null".to_vec()),
        error_code: Some(error.code),
    }
}

/// An error response, its members in the order a `serde_json::Map` keeps
/// them (sorted): written straight or through a `Value`, the same bytes.
#[derive(Serialize)]
struct Failure<'a> {
    error: FailureError<'a>,
    /// `None` leaves the member out; `Some(None)` is `"id": null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Option<&'a RequestId>>,
    jsonrpc: &'static str,
}

/// The `error` of a [`Failure`]: an [`ErrorObject`] with its members sorted.
#[derive(Serialize)]
struct FailureError<'a> {
    code: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    message: &'a str,
}

impl<'a> Failure<'a> {
    fn of(id: Option<Option<&'a RequestId>>, error: &'a ErrorObject) -> Self {
        Failure {
            error: FailureError {
                code: error.code,
                data: error.data.as_ref(),
                message: &error.message,
            },
            id,
            jsonrpc: "2.0",
        }
    }
}

/// Parses one JSON-RPC message from bytes.
///
/// Malformed JSON is -32700; JSON that is not a JSON-RPC 2.0 message is -32600;
/// batches (arrays) are refused with -32600, as the protocol removed them.
pub fn parse_message(bytes: &[u8]) -> Result<Incoming, Rejected> {
    parse_with(bytes, |params| Bytes::copy_from_slice(params.as_bytes()))
}

/// [`parse_message`] of a shared buffer: the message's `params` stay in it,
/// not copied.
pub fn parse_message_bytes(bytes: &Bytes) -> Result<Incoming, Rejected> {
    parse_with(bytes, |params| bytes.slice_ref(params.as_bytes()))
}

/// Parses a message; `keep` makes the buffer of its `params` text.
fn parse_with(bytes: &[u8], keep: impl FnOnce(&str) -> Bytes) -> Result<Incoming, Rejected> {
    // The usual message is scanned once (no map is built for the envelope,
    // no key is copied); `params` is indexed where it lies, its members
    // parsed only when read.
    if let Some(fields) = std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| envelope(text, keep))
    {
        return fields.into_incoming();
    }
    // Anything else (not an object, malformed JSON, an escaped member name)
    // goes the general way, which says precisely what is wrong.
    let value: Value = serde_json::from_slice(bytes).map_err(|e| Rejected {
        id: None,
        error: ErrorObject::new(code::PARSE_ERROR, format!("Parse error: {e}")),
    })?;
    parse_value(value)
}

/// The members of a message object, from one scan of its text; `None` for
/// anything the general way should read.
fn envelope(text: &str, keep: impl FnOnce(&str) -> Bytes) -> Option<Fields> {
    let mut members: [Option<&str>; 6] = [None; 6];
    let mut escaped = false;
    // `params` is indexed in the same pass (its `_meta` and `arguments` too).
    let mut params_index = None;
    let mut s = Scanner::new(text);
    s.whitespace();
    s.members(1, &mut |s, key, escapes| {
        escaped |= escapes;
        let start = s.at();
        if key == "params" && s.peek_byte() == Some(b'{') {
            params_index = Some(index_at(s, 2, start, true)?);
        } else {
            s.value(1)?;
        }
        let slot = match key {
            "jsonrpc" => 0,
            "id" => 1,
            "method" => 2,
            "params" => 3,
            "result" => 4,
            "error" => 5,
            _ => return Ok(()),
        };
        // A repeated name counts with its last value, as in a map.
        members[slot] = Some(&text[start..s.at()]);
        Ok(())
    })
    .ok()?;
    s.end().ok()?;
    if escaped {
        return None;
    }
    let [jsonrpc, id, method, params, result, error] = members;
    // A value serde_json cannot hold (a number out of range, a lone
    // surrogate) is the general way's to report.
    let value = |json: Option<&str>| match json {
        None => Some(None),
        Some(json) => serde_json::from_str::<Value>(json).ok().map(Some),
    };
    let params = match (params, params_index) {
        (None | Some("null"), _) => ParamsField::Absent,
        (Some(json), Some(index)) if json.starts_with('{') => {
            ParamsField::Object(JsonObject::from_index(keep(json), index))
        }
        _ => ParamsField::NotAnObject,
    };
    Some(Fields {
        version_ok: jsonrpc.and_then(as_str).as_deref() == Some("2.0"),
        id: value(id)?,
        // Most methods are plain strings: no `Value` parse for them.
        method: match method.map(|m| (m, as_str(m))) {
            Some((_, Some(name))) => Some(Value::String(name.into_owned())),
            other => value(other.map(|(m, _)| m))?,
        },
        params,
        result: value(result)?,
        error: value(error)?,
    })
}

/// The members of a message that decide what it is.
struct Fields {
    version_ok: bool,
    id: Option<Value>,
    method: Option<Value>,
    params: ParamsField,
    result: Option<Value>,
    error: Option<Value>,
}

/// What a message's `params` member holds.
enum ParamsField {
    /// None, or `null`.
    Absent,
    Object(JsonObject),
    NotAnObject,
}

/// Interprets a JSON value as a JSON-RPC message.
pub fn parse_value(value: Value) -> Result<Incoming, Rejected> {
    let mut obj =
        match value {
            Value::Object(obj) => obj,
            Value::Array(_) => return Err(Rejected {
                id: None,
                error: ErrorObject::invalid_request(
                    "Invalid request: JSON-RPC batches are not supported by this protocol revision",
                ),
            }),
            other => {
                return Err(Rejected {
                    id: None,
                    error: ErrorObject::invalid_request(format!(
                        "Invalid request: expected a JSON object, got {}",
                        json_type_name(&other)
                    )),
                })
            }
        };
    let params = match obj.remove("params") {
        None | Some(Value::Null) => ParamsField::Absent,
        Some(Value::Object(m)) => ParamsField::Object(JsonObject::from_map(&m)),
        Some(_) => ParamsField::NotAnObject,
    };
    Fields {
        version_ok: matches!(obj.get("jsonrpc"), Some(Value::String(s)) if s == "2.0"),
        id: obj.remove("id"),
        method: obj.remove("method"),
        params,
        result: obj.remove("result"),
        error: obj.remove("error"),
    }
    .into_incoming()
}

/// A request id from its JSON: a string or an integer.
fn request_id(value: Value) -> Option<RequestId> {
    match value {
        Value::String(s) => Some(RequestId::String(s)),
        Value::Number(n) => n.as_i64().map(RequestId::Number),
        _ => None,
    }
}

impl Fields {
    fn into_incoming(self) -> Result<Incoming, Rejected> {
        let id = match self.id {
            None => None,
            Some(v) => match request_id(v) {
                Some(id) => Some(id),
                None => {
                    return Err(Rejected {
                        id: None,
                        error: ErrorObject::invalid_request(
                            "Invalid request: `id` must be a string or an integer",
                        ),
                    })
                }
            },
        };
        let reject = |id: Option<RequestId>, msg: String| Rejected {
            id,
            error: ErrorObject::invalid_request(msg),
        };
        if !self.version_ok {
            return Err(reject(
                id,
                "Invalid request: `jsonrpc` must be \"2.0\"".into(),
            ));
        }
        if let Some(method) = self.method {
            let Value::String(method) = method else {
                return Err(reject(
                    id,
                    "Invalid request: `method` must be a string".into(),
                ));
            };
            let params = match self.params {
                ParamsField::Absent => None,
                ParamsField::Object(m) => Some(m),
                ParamsField::NotAnObject => {
                    return Err(Rejected {
                        id,
                        error: ErrorObject::invalid_params(format!(
                            "Invalid params: `params` of {method} must be an object"
                        )),
                    })
                }
            };
            return Ok(match id {
                Some(id) => Incoming::Request(Request { id, method, params }),
                None => Incoming::Notification(Notification { method, params }),
            });
        }
        let Some(id) = id else {
            return Err(reject(
                None,
                "Invalid request: a message needs `method`, or `id` with `result` or `error`"
                    .into(),
            ));
        };
        if let Some(result) = self.result {
            return Ok(Incoming::Response(PeerResponse {
                id,
                outcome: Ok(result),
            }));
        }
        if let Some(error) = self.error {
            let error = serde_json::from_value::<ErrorObject>(error).map_err(|e| {
                reject(
                    Some(id.clone()),
                    format!("Invalid response: malformed `error`: {e}"),
                )
            })?;
            return Ok(Incoming::Response(PeerResponse {
                id,
                outcome: Err(error),
            }));
        }
        Err(reject(
            Some(id),
            "Invalid request: a message needs `method`, or `result` or `error`".into(),
        ))
    }
}

/// The JSON type of a value, in words, for error messages.
pub fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_request_notification_and_response() {
        let r = parse_message(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap();
        assert!(matches!(
            r,
            Incoming::Request(Request {
                id: RequestId::Number(1),
                ..
            })
        ));
        let n =
            parse_message(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert!(matches!(n, Incoming::Notification(_)));
        let p = parse_message(br#"{"jsonrpc":"2.0","id":"a","result":{}}"#).unwrap();
        assert!(matches!(p, Incoming::Response(_)));
    }

    #[test]
    fn the_fast_path_reads_every_message_as_the_general_one_does() {
        let cases: &[&[u8]] = &[
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1}}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"n\u0061me":"\"x","a":1,"a":[{}]}}"#,
            br#"{"jsonrpc":"2.0","method":"m","params":{}}"#,
            br#"{"jsonrpc":"2.0","id":2,"method":"m","params":[]}"#,
            br#"{"jsonrpc":"2.0","id":"x","method":"ping","params":null,"extra":true}"#,
            br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":3,"method":null}"#,
            br#"{"jsonrpc":"2.0","id":3,"method":7}"#,
            br#"{"jsonrpc":null,"id":3,"method":"ping"}"#,
            br#"{"jsonrpc":2,"id":3,"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#,
            br#"{"id":3,"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":3,"method":"ping","params":"x"}"#,
            br#"{"jsonrpc":"2.0","id":3,"result":null}"#,
            br#"{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"m"}}"#,
            br#"{"jsonrpc":"2.0","id":3,"error":{"code":"x"}}"#,
            br#"{"jsonrpc":"2.0","id":3}"#,
            br#"{"jsonrpc":"2.0"}"#,
            br#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#,
            br#"[1]"#,
            br#""text""#,
        ];
        for case in cases {
            let general = serde_json::from_slice(case)
                .map_err(|_| ())
                .map(parse_value);
            assert_eq!(
                Ok(parse_message(case)),
                general,
                "{}",
                String::from_utf8_lossy(case)
            );
            assert_eq!(
                parse_message_bytes(&Bytes::copy_from_slice(case)),
                parse_message(case)
            );
        }
    }

    #[test]
    fn written_responses_are_the_bytes_of_their_values() {
        let errors = [
            ErrorObject::new(code::INVALID_PARAMS, "bad \"x\""),
            ErrorObject::internal("boom").with_data(json!({"z": 1, "a": [null]})),
        ];
        let ids = [RequestId::Number(3), RequestId::String("é\n".into())];
        for id in &ids {
            let result = json!({"b": 1, "a": {"y": "\u{0}", "x": []}});
            let written = write_success(id, &result);
            assert_eq!(
                written.json,
                serde_json::to_vec(&success_response(id, result.clone())).unwrap()
            );
            assert_eq!(written.error_code, None);
            assert_eq!(Written::from_value(&success_response(id, result)), written);
            for error in &errors {
                for id in [Some(id), None] {
                    let written = write_error(id, error);
                    let value = error_response(id, error);
                    assert_eq!(written.json, serde_json::to_vec(&value).unwrap());
                    assert_eq!(written.error_code, Some(error.code));
                    assert_eq!(Written::from_value(&value), written);
                    // An HTTP refusal leaves out an id it could not read.
                    let mut value = value;
                    if id.is_none() {
                        value.as_object_mut().unwrap().remove("id");
                    }
                    let refused = write_refusal(id, error);
                    assert_eq!(refused.json, serde_json::to_vec(&value).unwrap());
                    assert_eq!(refused.error_code, Some(error.code));
                }
            }
        }
    }

    #[test]
    fn rejects_bad_input_precisely() {
        let e = parse_message(b"{not json").unwrap_err();
        assert_eq!(e.error.code, code::PARSE_ERROR);
        assert_eq!(e.id, None);
        let e = parse_message(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#).unwrap_err();
        assert_eq!(e.error.code, code::INVALID_REQUEST);
        let e = parse_message(br#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#).unwrap_err();
        assert_eq!(e.id, Some(RequestId::Number(7)));
        assert_eq!(e.error.code, code::INVALID_REQUEST);
        let e =
            parse_message(br#"{"jsonrpc":"2.0","id":7,"method":"x","params":[1]}"#).unwrap_err();
        assert_eq!(e.error.code, code::INVALID_PARAMS);
        let e = parse_message(br#"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#).unwrap_err();
        assert_eq!(e.error.code, code::INVALID_REQUEST);
        assert_eq!(
            e.to_response(),
            json!({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid request: `id` must be a string or an integer"}})
        );
    }
}
