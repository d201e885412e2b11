//! The headers a 2026-07-28 POST mirrors from its body (SEP-2243), checked
//! against the body before anything runs: the routing headers
//! (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) of every request, and
//! the `Mcp-Param-*` headers of a `tools/call` whose tool declares header
//! parameters (`x-mcp-header`).
//!
//! Any disagreement is a -32020 (HeaderMismatch) error, which the transport
//! answers with 400 and the request's id: an intermediary may have routed on
//! the header while the server is about to act on the body.
//!
//! A header value is compared after trimming spaces and tabs around it, unless
//! it is wrapped as `=?base64?...?=`: then the payload is decoded strictly
//! (standard alphabet, `=` padding, a multiple of 4 characters) and the decoded
//! UTF-8 text is compared as it is.

use crate::protocol::jsonrpc::code;
use crate::protocol::{as_str, ErrorObject, Method, Request};
use crate::tool::registry::{HeaderParam, ToolRegistry};
use base64::Engine;
use http::header::HeaderName;
use http::HeaderMap;
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// Checks every mirrored header of `request` against its body (-32020 on a
/// disagreement). `tools` says which `tools/call` arguments are mirrored; a
/// server whose tools have no header parameters skips that part.
pub(crate) fn check(
    headers: &HeaderMap,
    request: &Request,
    tools: &ToolRegistry,
) -> Result<(), ErrorObject> {
    check_routing(headers, request)?;
    // A server whose tools mirror no argument does nothing more here.
    if tools.has_header_params() && request.method == "tools/call" {
        let params = request.params.as_ref();
        let tool = params.and_then(|p| p.get_str("name"));
        let declared = tool.map_or(&[][..], |name| tools.header_params(&name));
        if !declared.is_empty() {
            let arguments = params.and_then(|p| p.get_object("arguments"));
            if let Some(arguments) = arguments {
                check_params(headers, declared, &arguments.to_map())?;
            }
        }
    }
    Ok(())
}

/// The body field a method's `Mcp-Name` header mirrors (see
/// [`Method::name_field`]).
fn name_field(method: &str) -> Option<&'static str> {
    Method::parse(method).and_then(Method::name_field)
}

fn mismatch(message: String) -> ErrorObject {
    ErrorObject::new(code::HEADER_MISMATCH, format!("Header mismatch: {message}"))
}

/// A header's value with surrounding spaces and tabs removed; an error when it
/// is given twice or is not visible ASCII. `display` names it in messages.
fn header<'a>(
    headers: &'a HeaderMap,
    name: impl http::header::AsHeaderName,
    display: &str,
) -> Result<Option<&'a str>, ErrorObject> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(mismatch(format!(
            "the {display} header is given more than once"
        )));
    }
    value
        .to_str()
        // Visible ASCII and tabs only: the spaces around are spaces and tabs.
        .map(|s| Some(s.trim_ascii()))
        .map_err(|_| {
            mismatch(format!(
                "the {display} header contains characters other than visible ASCII; send such values as =?base64?...?="
            ))
        })
}

/// The text a header value stands for: the strictly decoded payload of
/// `=?base64?...?=`, or the value itself.
pub(crate) fn decode<'a>(value: &'a str, display: &str) -> Result<Cow<'a, str>, ErrorObject> {
    let Some(encoded) = value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    else {
        return Ok(Cow::Borrowed(value));
    };
    // STANDARD requires canonical `=` padding and rejects other alphabets.
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(Cow::Owned)
        .ok_or_else(|| {
            mismatch(format!(
                "the {display} header {value:?} is not valid Base64 (standard alphabet, `=` padding) of UTF-8 text"
            ))
        })
}

// Named once, so that a lookup does not parse the name again.
const MCP_PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");
const MCP_METHOD: HeaderName = HeaderName::from_static("mcp-method");
const MCP_NAME: HeaderName = HeaderName::from_static("mcp-name");

/// `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` must be present and
/// agree with the body.
pub(crate) fn check_routing(headers: &HeaderMap, request: &Request) -> Result<(), ErrorObject> {
    let body_version =
        crate::protocol::stateless::declared_version(request.params.as_ref()).and_then(as_str);
    match header(headers, MCP_PROTOCOL_VERSION, "MCP-Protocol-Version")? {
        None => {
            return Err(mismatch(
                "the MCP-Protocol-Version header is required and must equal `_meta.io.modelcontextprotocol/protocolVersion`".into(),
            ))
        }
        Some(h) => {
            if let Some(b) = body_version {
                if h != b {
                    return Err(mismatch(format!(
                        "MCP-Protocol-Version header value '{h}' does not match body value '{b}'"
                    )));
                }
            }
        }
    }
    match header(headers, MCP_METHOD, "Mcp-Method")? {
        None => return Err(mismatch("the Mcp-Method header is required".into())),
        Some(h) if h != request.method => {
            return Err(mismatch(format!(
                "Mcp-Method header value '{h}' does not match body value '{}'",
                request.method
            )))
        }
        Some(_) => {}
    }
    if let Some(field) = name_field(&request.method) {
        let body_name = request.params.as_ref().and_then(|p| p.get_str(field));
        let header_name = header(headers, MCP_NAME, "Mcp-Name")?;
        match (header_name, body_name) {
            (None, Some(_)) => {
                return Err(mismatch(format!(
                    "the Mcp-Name header is required for {} (it mirrors params.{field})",
                    request.method
                )))
            }
            (Some(h), Some(b)) => {
                let decoded = decode(h, "Mcp-Name")?;
                if decoded != b {
                    return Err(mismatch(format!(
                        "Mcp-Name header value '{decoded}' does not match body value '{b}'"
                    )));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Every declared header parameter present in `arguments` (and not `null`)
/// must come with its `Mcp-Param-*` header, of the same value. A header whose
/// argument is absent is not expected, and not checked.
pub(crate) fn check_params(
    headers: &HeaderMap,
    declared: &[HeaderParam],
    arguments: &Map<String, Value>,
) -> Result<(), ErrorObject> {
    for param in declared {
        let body = match arguments.get(&*param.argument) {
            None | Some(Value::Null) => continue,
            Some(body) => body,
        };
        let display = &*param.display;
        let Some(value) = header(headers, &param.name, display)? else {
            return Err(mismatch(format!(
                "the {display} header is required: it mirrors argument `{}`, which is in the body",
                param.argument
            )));
        };
        let decoded = decode(value, display)?;
        if !same_value(&decoded, body) {
            let body_text = match body {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            return Err(mismatch(format!(
                "{display} header value '{decoded}' does not match body value '{body_text}' of argument `{}`",
                param.argument
            )));
        }
    }
    Ok(())
}

/// Whether a header's text stands for the argument's JSON value: a string as
/// it is, a boolean as `true`/`false`, a number compared numerically (`42`
/// agrees with `42.0`). Arrays and objects cannot be mirrored.
fn same_value(text: &str, body: &Value) -> bool {
    match body {
        Value::String(s) => text == s,
        Value::Bool(b) => text == if *b { "true" } else { "false" },
        Value::Number(n) => same_number(text, n),
        Value::Null | Value::Array(_) | Value::Object(_) => false,
    }
}

/// Whether a header's text names the body's number: an integer exactly, as
/// the decimal number the text writes (`42`, `42.0`, `4.2e1`; never through
/// `f64`), a float as the same `f64`.
fn same_number(text: &str, n: &Number) -> bool {
    let integer = n
        .as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from));
    match integer {
        Some(body) => text
            .parse::<i128>()
            .map_or_else(|_| decimal_is(text, body), |header| header == body),
        None => match (text.parse::<f64>(), n.as_f64()) {
            (Ok(header), Some(body)) => header.is_finite() && header == body,
            _ => false,
        },
    }
}

/// Whether the decimal number `text` (`[+-]digits[.digits][e[+-]digits]`)
/// is exactly the integer `body`.
fn decimal_is(text: &str, body: i128) -> bool {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => {
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            let value = digits
                .parse::<i64>()
                .unwrap_or(i64::MAX / 4)
                .min(i64::MAX / 4);
            (
                mantissa,
                if exponent.starts_with('-') {
                    -value
                } else {
                    value
                },
            )
        }
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !digits_only(whole) || !digits_only(fraction) {
        return false;
    }
    // The value is 0.DIGITS × 10^point.
    let digits = format!("{whole}{fraction}");
    let significant = digits.trim_start_matches('0');
    let point = whole.len() as i64 - (digits.len() - significant.len()) as i64 + exponent;
    let significant = significant.trim_end_matches('0');
    if significant.is_empty() {
        return body == 0;
    }
    let body_digits = body.unsigned_abs().to_string();
    negative == (body < 0)
        && point == body_digits.len() as i64
        && body_digits.trim_end_matches('0') == significant
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::meta::META_PROTOCOL_VERSION;
    use crate::protocol::RequestId;
    use http::HeaderName;
    use serde_json::json;

    fn call(name: &str) -> Request {
        call_with(name, json!({}))
    }

    fn call_with(name: &str, arguments: Value) -> Request {
        Request {
            id: RequestId::Number(1),
            method: "tools/call".into(),
            params: json!({"name": name, "arguments": arguments,
                "_meta": {META_PROTOCOL_VERSION: "2026-07-28"}})
            .as_object()
            .cloned()
            .map(Into::into),
        }
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn headers_must_mirror_the_body() {
        let ok = [
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "  add "),
        ];
        assert!(check_routing(&headers(&ok), &call("add")).is_ok());
        let b64 = [
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "=?base64?YWRk?="),
        ];
        assert!(check_routing(&headers(&b64), &call("add")).is_ok());
        for bad in [
            &ok[1..],
            &[ok[0], ok[2]][..],
            &ok[..2],
            &[ok[0], ("mcp-method", "TOOLS/CALL"), ok[2]][..],
            &[ok[0], ok[1], ("mcp-name", "other")][..],
            &[ok[0], ok[1], ("mcp-name", "=?base64?!!?=")][..],
            &[("mcp-protocol-version", "2025-11-25"), ok[1], ok[2]][..],
            &[ok[0], ok[1], ok[2], ("mcp-name", "add")][..],
        ] {
            let err = check_routing(&headers(bad), &call("add")).unwrap_err();
            assert_eq!(err.code, code::HEADER_MISMATCH, "{bad:?}");
        }
    }

    fn param(argument: &str, header: &str) -> HeaderParam {
        let display = format!("Mcp-Param-{header}");
        HeaderParam {
            argument: argument.into(),
            name: HeaderName::from_bytes(display.as_bytes()).unwrap(),
            display: display.into(),
        }
    }

    fn check_one(header_value: Option<&str>, body: Value) -> Result<(), ErrorObject> {
        let declared = [param("region", "Region")];
        let pairs: Vec<(&str, &str)> = header_value
            .map(|v| ("Mcp-Param-Region", v))
            .into_iter()
            .collect();
        let arguments = json!({ "region": body });
        check_params(&headers(&pairs), &declared, arguments.as_object().unwrap())
    }

    #[test]
    fn parameter_headers_decode_base64_strictly() {
        assert!(check_one(Some("=?base64?SGVsbG8=?="), json!("Hello")).is_ok());
        assert!(check_one(Some(" =?base64?IHBhZGRlZCA=?= "), json!(" padded ")).is_ok());
        assert!(check_one(Some("=?base64?5LiW55WM?="), json!("世界")).is_ok());
        for bad in [
            "=?base64?SGVsbG8?=",
            "=?base64?SGVs!!!bG8=?=",
            "=?base64?SGVsbG8==?=",
            "=?base64?SGVsbG9=?=",
            "=?base64?/w==?=",
        ] {
            let err = check_one(Some(bad), json!("Hello")).unwrap_err();
            assert_eq!(err.code, code::HEADER_MISMATCH, "{bad}");
        }
    }

    #[test]
    fn parameter_headers_without_the_exact_wrapper_are_literal() {
        assert!(check_one(Some("SGVsbG8="), json!("SGVsbG8=")).is_ok());
        assert!(check_one(Some("=?base64?SGVsbG8="), json!("=?base64?SGVsbG8=")).is_ok());
        assert!(check_one(Some("  us-west1\t"), json!("us-west1")).is_ok());
        assert!(check_one(Some("us-west1"), json!("us-east1")).is_err());
        assert!(check_one(Some("US-WEST1"), json!("us-west1")).is_err());
    }

    #[test]
    fn integers_and_booleans_compare_by_value() {
        assert!(check_one(Some("42"), json!(42)).is_ok());
        assert!(check_one(Some("42"), json!(42.0)).is_ok());
        assert!(check_one(Some("-7"), json!(-7)).is_ok());
        assert!(check_one(Some("18446744073709551615"), json!(u64::MAX)).is_ok());
        assert!(check_one(Some("=?base64?NDI=?="), json!(42)).is_ok());
        assert!(check_one(Some("43"), json!(42)).is_err());
        assert!(check_one(Some("forty-two"), json!(42)).is_err());
        assert!(check_one(Some("true"), json!(true)).is_ok());
        assert!(check_one(Some("false"), json!(false)).is_ok());
        assert!(check_one(Some("False"), json!(false)).is_err());
        assert!(check_one(Some("1"), json!(true)).is_err());
        assert!(check_one(Some("[]"), json!([])).is_err());
    }

    #[test]
    fn a_parameter_in_the_body_needs_its_header_and_only_then() {
        let err = check_one(None, json!("test-value")).unwrap_err();
        assert_eq!(err.code, code::HEADER_MISMATCH);
        assert!(err.message.contains("Mcp-Param-Region"), "{}", err.message);
        assert!(check_one(None, Value::Null).is_ok());
        let declared = [param("region", "Region")];
        assert!(check_params(&headers(&[]), &declared, &Map::new()).is_ok());
        let twice = headers(&[("mcp-param-region", "a"), ("Mcp-Param-Region", "a")]);
        let arguments = json!({"region": "a"});
        assert!(check_params(&twice, &declared, arguments.as_object().unwrap()).is_err());
    }

    #[test]
    fn tools_without_header_parameters_are_not_looked_up() {
        let tools = ToolRegistry::default();
        let routing = [
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "add"),
        ];
        let request = call_with("add", json!({"region": "x"}));
        assert!(check(&headers(&routing), &request, &tools).is_ok());
    }
}
