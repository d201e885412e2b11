//! What goes on the wire: the two MCP flows measured, their request bodies
//! and headers, and the check every response must pass.

use serde_json::Value;

/// The protocol flow a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// 2025-11-25: `initialize` opens a session (`Mcp-Session-Id`), then
    /// `tools/call` requests carry it.
    Session,
    /// 2026-07-28: no session; every request declares its version and the
    /// client's capabilities in `params._meta`, and the `Mcp-Method` /
    /// `Mcp-Name` headers mirror the body.
    Stateless,
}

impl Flow {
    /// Both flows, in report order.
    pub const ALL: [Flow; 2] = [Flow::Session, Flow::Stateless];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Flow::Session => "session",
            Flow::Stateless => "stateless",
        }
    }

    /// The name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Flow::Session => "2025-11-25 session",
            Flow::Stateless => "2026-07-28 stateless",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Option<Flow> {
        Flow::ALL.into_iter().find(|f| f.name() == s)
    }

    /// The `MCP-Protocol-Version` header the flow sends.
    pub fn protocol_version(self) -> &'static str {
        match self {
            Flow::Session => "2025-11-25",
            Flow::Stateless => "2026-07-28",
        }
    }
}

/// The operands of request `id`: they change with every request, so no layer
/// can answer from a cache.
pub fn operands(id: u64) -> (i64, i64) {
    let a = (id % 100_000) as i64;
    (a, 7)
}

/// The body of `tools/call add(a, b)` with JSON-RPC id `id`.
pub fn call_body(flow: Flow, id: u64, a: i64, b: i64) -> Vec<u8> {
    match flow {
        Flow::Session => format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"add","arguments":{{"a":{a},"b":{b}}}}}}}"#
        ),
        Flow::Stateless => format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"add","arguments":{{"a":{a},"b":{b}}},"_meta":{{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{{}}}}}}}}"#
        ),
    }
    .into_bytes()
}

/// The body of the `initialize` request that opens a session.
pub fn initialize_body(id: u64) -> Vec<u8> {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"initialize","params":{{"protocolVersion":"2025-11-25","capabilities":{{}},"clientInfo":{{"name":"ferrymcp-bench","version":"0.1.0"}}}}}}"#
    )
    .into_bytes()
}

/// The body of `notifications/initialized`.
pub const INITIALIZED_BODY: &[u8] = br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// The JSON-RPC message of a response body: the body itself when it is JSON,
/// the last `data:` line carrying JSON when it is an SSE stream.
pub fn message_of(body: &[u8], sse: bool) -> Result<Value, String> {
    let json = if sse {
        let text = std::str::from_utf8(body).map_err(|_| "SSE body is not UTF-8".to_string())?;
        text.lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(str::trim)
            .rfind(|data| data.starts_with('{'))
            .ok_or_else(|| format!("SSE body without a JSON data line: {text:?}"))?
            .as_bytes()
    } else {
        body
    };
    serde_json::from_slice(json).map_err(|e| {
        format!(
            "response is not JSON ({e}): {:?}",
            String::from_utf8_lossy(body)
        )
    })
}

/// Checks the response to `tools/call add(a, b)` with id `id`: a JSON-RPC
/// result for that id whose structured content is `{"result": a + b}`.
pub fn check_call(message: &Value, id: u64, expected: i64) -> Result<(), String> {
    let bad = || format!("unexpected response to request {id}: {message}");
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0")
        || message.get("id").and_then(Value::as_u64) != Some(id)
    {
        return Err(bad());
    }
    let result = message.get("result").ok_or_else(bad)?;
    if result.get("isError").and_then(Value::as_bool) == Some(true) {
        return Err(bad());
    }
    let sum = result
        .get("structuredContent")
        .and_then(|s| s.get("result"))
        .and_then(Value::as_i64);
    if sum != Some(expected) {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_json_rpc() {
        for flow in Flow::ALL {
            let body: Value = serde_json::from_slice(&call_body(flow, 9, 2, 3)).unwrap();
            assert_eq!(body["id"], 9);
            assert_eq!(body["params"]["arguments"]["b"], 3);
        }
        let init: Value = serde_json::from_slice(&initialize_body(1)).unwrap();
        assert_eq!(init["params"]["protocolVersion"], "2025-11-25");
    }

    #[test]
    fn responses_are_checked() {
        let ok =
            br#"{"jsonrpc":"2.0","id":4,"result":{"content":[],"structuredContent":{"result":5}}}"#;
        let m = message_of(ok, false).unwrap();
        assert!(check_call(&m, 4, 5).is_ok());
        assert!(check_call(&m, 3, 5).is_err());
        assert!(check_call(&m, 4, 6).is_err());
        let sse = b"id: 0\ndata: \n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"structuredContent\":{\"result\":5}}}\n\n";
        assert!(check_call(&message_of(sse, true).unwrap(), 4, 5).is_ok());
    }
}
