//! The one place the span of a request is made, and where its outcome is
//! recorded (with the `otel` feature: the fields of the MCP semantic
//! conventions, the parent from the trace context, and the
//! `mcp.server.operation.duration` metric; see [`crate::telemetry`]).

use super::methods::Answer;
use crate::protocol::jsonrpc::Request;
use crate::protocol::{ErrorObject, ProtocolVersion};

/// What the request span records besides the request itself.
#[cfg_attr(not(feature = "otel"), allow(dead_code))]
pub(crate) struct SpanFacts<'a> {
    /// The revision the client speaks, when it is known.
    pub(crate) protocol_version: Option<ProtocolVersion>,
    /// The session's key (legacy sessions only).
    pub(crate) session_key: Option<&'a str>,
    /// The request's extensions (the HTTP headers, on HTTP).
    pub(crate) extensions: &'a http::Extensions,
}

/// The span a request is answered in, `mcp.request{method, request_id}`,
/// and what records its outcome. `facts` is called only with the `otel`
/// feature (without it, the span costs what it did before the feature).
///
/// At DEBUG level, as tower-http's `TraceLayer` makes its request spans: a
/// subscriber at `info` (the usual production setting) never creates it, and
/// a span recorded by `tracing-subscriber`'s formatter costs about a fifth of
/// a small call's instructions. `RUST_LOG=info,ferrymcp=debug` shows it on
/// every event logged while the request runs.
#[cfg(not(feature = "otel"))]
#[inline(always)]
pub(crate) fn request_span<'a>(
    request: &Request,
    _facts: impl FnOnce() -> SpanFacts<'a>,
) -> (tracing::Span, Finish) {
    let span =
        tracing::debug_span!("mcp.request", method = %request.method, request_id = %request.id);
    (span, Finish)
}

/// Records a request's outcome (nothing without the `otel` feature).
#[cfg(not(feature = "otel"))]
pub(crate) struct Finish;

#[cfg(not(feature = "otel"))]
impl Finish {
    /// Records the outcome.
    #[inline(always)]
    pub(crate) fn end(self, _outcome: &Result<Answer, ErrorObject>) {}
}

/// The span a request is answered in, with the fields of the MCP semantic
/// conventions' server span, at INFO level (the `otel` feature asks for the
/// spans to be exported), and what records its outcome and duration.
#[cfg(feature = "otel")]
pub(crate) fn request_span<'a>(
    request: &Request,
    facts: impl FnOnce() -> SpanFacts<'a>,
) -> (tracing::Span, Finish) {
    use tracing::field::Empty;
    let facts = facts();
    let method = request.method.as_str();
    let transport = if facts.extensions.get::<crate::Headers>().is_some() {
        "tcp"
    } else {
        "pipe"
    };
    let version = facts.protocol_version.map(ProtocolVersion::as_str);
    let span = tracing::info_span!(
        "mcp.request",
        otel.name = Empty,
        otel.kind = "server",
        otel.status_code = Empty,
        otel.status_description = Empty,
        mcp.method.name = method,
        mcp.protocol.version = version,
        mcp.session.id = Empty,
        jsonrpc.request.id = %request.id,
        gen_ai.operation.name = Empty,
        gen_ai.tool.name = Empty,
        gen_ai.prompt.name = Empty,
        mcp.resource.uri = Empty,
        network.transport = transport,
        error.type = Empty,
        rpc.response.status_code = Empty,
    );
    let mut target = None;
    let mut target_key = "";
    if !span.is_disabled() {
        let params = request.params.as_ref();
        let field = |key: &str| params.and_then(|p| p.get_str(key)).map(|v| v.into_owned());
        match method {
            "tools/call" => {
                target = field("name");
                target_key = "gen_ai.tool.name";
                span.record("gen_ai.operation.name", "execute_tool");
            }
            "prompts/get" => {
                target = field("name");
                target_key = "gen_ai.prompt.name";
            }
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
                if let Some(uri) = field("uri") {
                    span.record("mcp.resource.uri", uri.as_str());
                }
            }
            _ => {}
        }
        match &target {
            Some(name) => {
                span.record(target_key, name.as_str());
                span.record("otel.name", format!("{method} {name}"));
            }
            None => {
                span.record("otel.name", method);
            }
        }
        if let Some(key) = facts.session_key {
            span.record("mcp.session.id", session_digest(key));
        }
        if let Some(parent) = crate::telemetry::request_parent(params, facts.extensions) {
            crate::telemetry::set_parent(&span, parent);
        }
    }
    let mut attributes = Vec::with_capacity(5);
    attributes.push(opentelemetry::KeyValue::new(
        "mcp.method.name",
        method.to_owned(),
    ));
    attributes.push(opentelemetry::KeyValue::new("network.transport", transport));
    if let Some(version) = version {
        attributes.push(opentelemetry::KeyValue::new(
            "mcp.protocol.version",
            version,
        ));
    }
    if let Some(name) = target {
        attributes.push(opentelemetry::KeyValue::new(target_key, name));
    }
    let finish = Finish {
        span: span.clone(),
        started: std::time::Instant::now(),
        attributes,
    };
    (span, finish)
}

/// The session's identifier in telemetry: the first 16 hex digits of the
/// SHA-256 of its key, the same on every node. Never the key or the
/// `Mcp-Session-Id` itself, which let whoever holds them act in the session
/// (and traces go to third-party backends).
#[cfg(feature = "otel")]
fn session_digest(key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Records a request's outcome: the span's status and `error.type`, and
/// `mcp.server.operation.duration`.
#[cfg(feature = "otel")]
pub(crate) struct Finish {
    span: tracing::Span,
    started: std::time::Instant,
    attributes: Vec<opentelemetry::KeyValue>,
}

#[cfg(feature = "otel")]
impl Finish {
    /// Records the outcome (a tool's error result is `tool_error`, a
    /// JSON-RPC error its code).
    pub(crate) fn end(mut self, outcome: &Result<Answer, ErrorObject>) {
        let error_type: Option<String> = match outcome {
            Err(error) => {
                let code = error.code.to_string();
                self.span.record("rpc.response.status_code", code.as_str());
                self.span
                    .record("otel.status_description", error.message.as_str());
                Some(code)
            }
            Ok(answer) if is_tool_error(answer) => Some("tool_error".into()),
            Ok(_) => None,
        };
        if let Some(kind) = &error_type {
            self.span.record("error.type", kind.as_str());
            if outcome.is_ok() {
                // (A protocol error's description set the status already.)
                self.span.record("otel.status_code", "ERROR");
            }
            self.attributes
                .push(opentelemetry::KeyValue::new("error.type", kind.clone()));
        }
        crate::telemetry::instruments()
            .operation_duration
            .record(self.started.elapsed().as_secs_f64(), &self.attributes);
    }
}

/// Whether a `tools/call` answered a tool's error result (`isError`).
#[cfg(feature = "otel")]
fn is_tool_error(answer: &Answer) -> bool {
    use crate::protocol::types::ToolReply;
    match answer {
        Answer::Tool(ToolReply::Result(result)) => result.is_error,
        Answer::Tool(ToolReply::Structured { .. }) | Answer::Tools(_) => false,
        Answer::Value(value) => value.get("isError") == Some(&serde_json::Value::Bool(true)),
    }
}
