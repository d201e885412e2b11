//! The fixtures of two 2026-07-28 conformance scenarios about what a tool's
//! input schema says:
//!
//! * `http-custom-header-server-validation` (SEP-2243): `test_custom_headers`
//!   has arguments the client mirrors into `Mcp-Param-*` HTTP headers
//!   (`#[arg(header = "..")]`), which the server checks against the body.
//! * `json-schema-2020-12` (SEP-2106): `json_schema_2020_12_tool` serves a
//!   hand-written schema (`#[tool(input_schema = ..)]`) with `$defs`,
//!   `$anchor`, `allOf`/`anyOf` and `if`/`then`/`else`, verbatim.

use ferrymcp::prelude::*;
use serde_json::{json, Value};

/// Echoes its arguments. `region`, `priority` and `verbose` are mirrored into
/// the `Mcp-Param-Region`, `Mcp-Param-Priority` and `Mcp-Param-Verbose`
/// headers, which must agree with the body.
#[tool(read_only)]
pub async fn test_custom_headers(
    /// The region to route to, mirrored into `Mcp-Param-Region`.
    #[arg(header = "Region")]
    region: String,
    /// A priority, mirrored into `Mcp-Param-Priority` when given.
    #[arg(header = "Priority")]
    priority: Option<i64>,
    /// Whether to say more, mirrored into `Mcp-Param-Verbose` when given.
    #[arg(header = "Verbose")]
    verbose: Option<bool>,
) -> String {
    let shown = |v: Option<String>| v.unwrap_or_else(|| "(none)".into());
    format!(
        "region={region} priority={} verbose={}",
        shown(priority.map(|p| p.to_string())),
        shown(verbose.map(|v| v.to_string())),
    )
}

/// The input schema of `json_schema_2020_12_tool`: the conformance suite's
/// reference definition, served as it is.
pub fn json_schema_2020_12_input() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "addressDef",
                "type": "object",
                "properties": {
                    "street": { "type": "string" },
                    "city": { "type": "string" }
                }
            }
        },
        "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" },
            "contactMethod": { "type": "string", "enum": ["phone", "email"] },
            "phone": { "type": "string" },
            "email": { "type": "string" }
        },
        "allOf": [ { "anyOf": [ { "required": ["phone"] }, { "required": ["email"] } ] } ],
        "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
        "then": { "required": ["phone"] },
        "else": { "required": ["email"] },
        "additionalProperties": false
    })
}

/// Says how it would contact someone. Clients see the hand-written schema of
/// [`json_schema_2020_12_input`]; the arguments are read from the parameters
/// below, each by its type.
#[tool(
    description = "Tool with JSON Schema 2020-12 features",
    input_schema = json_schema_2020_12_input,
    read_only
)]
pub async fn json_schema_2020_12_tool(
    name: Option<String>,
    address: Option<Value>,
    #[arg(rename = "contactMethod")] contact_method: Option<String>,
    phone: Option<String>,
    email: Option<String>,
) -> String {
    let who = name.as_deref().unwrap_or("someone");
    let city = address
        .as_ref()
        .and_then(|a| a.get("city"))
        .and_then(Value::as_str);
    let place = city.map(|c| format!(" in {c}")).unwrap_or_default();
    let how = match (contact_method.as_deref(), phone, email) {
        (Some("phone"), Some(phone), _) => format!("by phone at {phone}"),
        (_, _, Some(email)) => format!("by email at {email}"),
        (_, Some(phone), None) => format!("by phone at {phone}"),
        (_, None, None) => "by no known means".to_string(),
    };
    format!("Would contact {who}{place} {how}.")
}
