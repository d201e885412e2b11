//! OpenTelemetry: trace context into requests and tasks, and the metrics of
//! the MCP semantic conventions (the `otel` feature).
//!
//! With the feature, the request span (`mcp.request`, at `INFO`) carries the
//! fields of the conventions' MCP server span: its OpenTelemetry name is
//! `{mcp.method.name} {target}`, its kind `server`, and it records
//! `mcp.method.name`, `mcp.protocol.version`, `mcp.session.id`,
//! `jsonrpc.request.id`, `gen_ai.tool.name` / `gen_ai.prompt.name`,
//! `mcp.resource.uri`, `network.transport` and, when it fails, `error.type`
//! (`tool_error` for a tool's error result, the JSON-RPC code for a protocol
//! error, which also sets `rpc.response.status_code`). A
//! `tracing_opentelemetry` layer exports it; without one (or without the
//! feature) nothing is exported.
//!
//! Its parent is the W3C trace context of the request: `traceparent` and
//! `tracestate` in `params._meta`, else the HTTP headers of the same names.
//! A malformed value is ignored (the span starts a trace of its own), never
//! an error.
//!
//! A task keeps the context of the request span that created it in its
//! snapshot (through Redis too), and the worker's `mcp.task` span
//! (`execute_tool {tool}`) is a **child** of that span: the same trace, so a
//! trace view shows the request and the run it caused together. A link
//! would start a new trace per run, which the backends show apart; the run
//! is part of the operation the client asked for, so it is a child.
//!
//! A question a tool asks the client during a call or a task (elicitation,
//! sampling, roots) carries the trace context outward: the request's
//! `params._meta` gets the `traceparent` (and `tracestate`, when there is
//! one) of the span the tool runs in (the request span inline, the run span
//! in a task), where the revision's schema gives those params a `_meta`:
//!
//! | question | 2025-03-26 | 2025-06-18 | 2025-11-25 | 2026-07-28 |
//! | --- | --- | --- | --- | --- |
//! | `roots/list` | yes | yes | yes | yes (`inputRequests`) |
//! | `elicitation/create`, `sampling/createMessage` | no | no | yes | no |
//!
//! 2025-06-18 (and 2025-03-26) define these params without `_meta`, and
//! 2026-07-28, where a question is an entry of `inputRequests` (the multi
//! round-trip pattern, or a task's `input_required`) rather than a request,
//! dropped it from them again; there the question goes out unstamped.
//!
//! Metrics go through the global meter provider
//! (`opentelemetry::global::set_meter_provider`; install it before the
//! first request, as the instruments are made once):
//!
//! | metric | kind | attributes |
//! | --- | --- | --- |
//! | `mcp.server.operation.duration` (s) | histogram | `mcp.method.name`, `mcp.protocol.version`, `network.transport`, `gen_ai.tool.name` / `gen_ai.prompt.name`, `error.type` |
//! | `mcp.server.session.duration` (s) | histogram | `mcp.protocol.version`, `network.transport` |
//! | `mcp.server.task.created` | counter | `gen_ai.tool.name` |
//! | `mcp.server.task.ended` | counter | `gen_ai.tool.name`, `mcp.task.status` (`completed`, `failed`, `cancelled`) |
//! | `mcp.server.task.running` | up-down counter | `gen_ai.tool.name` |
//! | `mcp.server.task.redelivered` | counter | `gen_ai.tool.name` |
//! | `mcp.server.task.queue.depth` | observable gauge | none |
//! | `mcp.server.task.run.duration` (s) | histogram | `gen_ai.tool.name`, `mcp.task.status` |
//!
//! `mcp.server.task.queue.depth` is the task backend's
//! [`queue_depth`](crate::task::TaskBackend::queue_depth): tasks queued and
//! not yet handed to a worker (on Redis, of the whole deployment's queue,
//! so every node reports the same value). Each task engine samples it once
//! a second, and only after a meter provider first read the gauge (with no
//! provider installed it is never read, so never sampled); a collection
//! reports the latest sample, summed over the servers of the process.

use crate::protocol::{InputRequest, ProtocolVersion};
use serde::{Deserialize, Serialize};

/// The W3C trace context a task carries from the request span that created
/// it, so that the worker's span joins the same trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TraceCarrier {
    /// `00-{trace id}-{span id}-{flags}`.
    pub(crate) traceparent: String,
    /// The vendors' entries, when there are any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) tracestate: String,
}

/// A `traceparent` value read per W3C Trace Context: the trace id, the
/// parent span id and the flags; `None` when it is malformed (wrong length,
/// not lowercase hex, version `ff`, an all-zero id).
#[cfg_attr(not(feature = "otel"), allow(dead_code))]
pub(crate) fn parse_traceparent(value: &str) -> Option<([u8; 16], [u8; 8], u8)> {
    let b = value.trim_matches([' ', '\t']).as_bytes();
    if b.len() < 55 {
        return None;
    }
    let version = hex_bytes::<1>(&b[0..2])?[0];
    // Version 00 is exactly 55 characters; a later version may append
    // `-…`, which a reader of 00 skips.
    let fits = match version {
        0xff => false,
        0 => b.len() == 55,
        _ => b.len() == 55 || b[55] == b'-',
    };
    if !fits || b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
        return None;
    }
    let trace_id = hex_bytes::<16>(&b[3..35])?;
    let span_id = hex_bytes::<8>(&b[36..52])?;
    let flags = hex_bytes::<1>(&b[53..55])?[0];
    if trace_id == [0; 16] || span_id == [0; 8] {
        return None;
    }
    Some((trace_id, span_id, flags))
}

/// `2 * N` lowercase hex digits as bytes.
#[cfg_attr(not(feature = "otel"), allow(dead_code))]
fn hex_bytes<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    if digits.len() != 2 * N {
        return None;
    }
    let mut out = [0; N];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// Whether `version`'s schema gives the params of a question with `method`
/// a `_meta` (see the table in the module docs).
#[cfg_attr(not(feature = "otel"), allow(dead_code))]
fn question_has_meta(method: &str, version: ProtocolVersion) -> bool {
    match method {
        "roots/list" => true,
        "elicitation/create" | "sampling/createMessage" => version == ProtocolVersion::V2025_11_25,
        _ => false,
    }
}

/// Puts the trace context of the current span into `request`'s
/// `params._meta` (`traceparent`, and `tracestate` when there is one), when
/// `version` allows a `_meta` there. Leaves alone a `traceparent` the tool
/// put there itself, and params that are not an object. A no-op without
/// the `otel` feature, or when no OpenTelemetry layer records the span.
#[inline(always)]
pub(crate) fn stamp_question(request: &mut InputRequest, version: ProtocolVersion) {
    #[cfg(not(feature = "otel"))]
    let _ = (request, version);
    #[cfg(feature = "otel")]
    {
        use serde_json::{Map, Value};
        if !question_has_meta(&request.method, version) {
            return;
        }
        let Value::Object(params) = &mut request.params else {
            return;
        };
        if params
            .get("_meta")
            .is_some_and(|m| !m.is_object() || m.get("traceparent").is_some())
        {
            return;
        }
        let Some(carrier) = current_carrier() else {
            return;
        };
        let meta = params
            .entry("_meta")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(meta) = meta {
            meta.insert("traceparent".into(), carrier.traceparent.into());
            if !carrier.tracestate.is_empty() {
                meta.insert("tracestate".into(), carrier.tracestate.into());
            }
        }
    }
}

/// The trace context of the current span, for a task's snapshot (always
/// `None` without the `otel` feature).
#[cfg(not(feature = "otel"))]
#[inline(always)]
pub(crate) fn current_carrier() -> Option<TraceCarrier> {
    None
}

#[cfg(feature = "otel")]
pub(crate) use enabled::*;

#[cfg(feature = "otel")]
mod enabled {
    use crate::inject::Headers;
    use crate::protocol::JsonObject;
    use crate::telemetry::{parse_traceparent, TraceCarrier};
    use opentelemetry::metrics::{Counter, Histogram, ObservableGauge, UpDownCounter};
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry::{Context, KeyValue};
    use std::str::FromStr;
    use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
    use std::sync::{Arc, Mutex, OnceLock, Weak};
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    /// The remote context of a `traceparent` (and its `tracestate`);
    /// `None` when the `traceparent` is malformed. A malformed `tracestate`
    /// is dropped, the `traceparent` kept.
    pub(crate) fn remote_context(traceparent: &str, tracestate: Option<&str>) -> Option<Context> {
        let (trace_id, span_id, flags) = parse_traceparent(traceparent)?;
        let state = tracestate
            .and_then(|s| TraceState::from_str(s).ok())
            .unwrap_or_default();
        let context = SpanContext::new(
            TraceId::from_bytes(trace_id),
            SpanId::from_bytes(span_id),
            // Only the sampled bit is defined.
            TraceFlags::new(flags & TraceFlags::SAMPLED.to_u8()),
            true,
            state,
        );
        Some(Context::new().with_remote_span_context(context))
    }

    /// The parent of a request's span: `traceparent` / `tracestate` in
    /// `params._meta`, else in the HTTP headers; `None` when neither holds
    /// a well-formed one.
    pub(crate) fn request_parent(
        params: Option<&JsonObject>,
        extensions: &http::Extensions,
    ) -> Option<Context> {
        let from_meta = params.and_then(|p| p.get_object("_meta")).and_then(|meta| {
            let parent = meta.get_str("traceparent")?;
            let state = meta.get_str("tracestate");
            remote_context(&parent, state.as_deref())
        });
        from_meta.or_else(|| {
            let headers = extensions.get::<Headers>()?;
            remote_context(headers.get("traceparent")?, headers.get("tracestate"))
        })
    }

    /// Makes `span`'s parent `parent` (before the span is first entered).
    pub(crate) fn set_parent(span: &tracing::Span, parent: Context) {
        // Fails only when no OpenTelemetry layer records the span: then
        // there is nothing to export anyway.
        let _ = span.set_parent(parent);
    }

    /// The trace context of `span`, when an OpenTelemetry layer records it.
    pub(crate) fn carrier_of(span: &tracing::Span) -> Option<TraceCarrier> {
        if span.is_disabled() {
            return None;
        }
        let context = span.context();
        let span_ref = context.span();
        let sc = span_ref.span_context();
        if !sc.is_valid() {
            return None;
        }
        Some(TraceCarrier {
            traceparent: format!(
                "00-{:032x}-{:016x}-{:02x}",
                sc.trace_id(),
                sc.span_id(),
                sc.trace_flags().to_u8()
            ),
            tracestate: sc.trace_state().header(),
        })
    }

    /// The trace context of the current span, for a task's snapshot.
    pub(crate) fn current_carrier() -> Option<TraceCarrier> {
        carrier_of(&tracing::Span::current())
    }

    /// A carried context as a parent.
    pub(crate) fn carried_parent(carrier: &TraceCarrier) -> Option<Context> {
        remote_context(
            &carrier.traceparent,
            Some(carrier.tracestate.as_str()).filter(|s| !s.is_empty()),
        )
    }

    /// The recommended bucket boundaries of the conventions' durations (s).
    const DURATION_BOUNDARIES: [f64; 14] = [
        0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
    ];

    /// The instruments, made once from the global meter provider.
    pub(crate) struct Instruments {
        pub(crate) operation_duration: Histogram<f64>,
        pub(crate) session_duration: Histogram<f64>,
        pub(crate) task_created: Counter<u64>,
        pub(crate) task_ended: Counter<u64>,
        pub(crate) task_running: UpDownCounter<i64>,
        pub(crate) task_redelivered: Counter<u64>,
        pub(crate) task_run_duration: Histogram<f64>,
        /// Kept so that the gauge stays registered.
        _task_queue_depth: ObservableGauge<u64>,
    }

    /// The queue depth one task engine sampled last, for the
    /// `mcp.server.task.queue.depth` gauge.
    #[derive(Debug)]
    pub(crate) struct QueueDepth {
        /// The last sample; negative before the first.
        value: AtomicI64,
        /// A meter provider read the gauge: only then is it sampled.
        observed: AtomicBool,
    }

    impl QueueDepth {
        /// Whether a meter provider reads the gauge (worth sampling).
        pub(crate) fn wanted(&self) -> bool {
            self.observed.load(Ordering::Relaxed)
        }

        /// Records a sample.
        pub(crate) fn set(&self, depth: u64) {
            let depth = i64::try_from(depth).unwrap_or(i64::MAX);
            self.value.store(depth, Ordering::Relaxed);
        }
    }

    /// Every engine's cell (dropped engines' cells go on the next one).
    static QUEUE_DEPTHS: Mutex<Vec<Weak<QueueDepth>>> = Mutex::new(Vec::new());

    fn queue_depths() -> Vec<Arc<QueueDepth>> {
        let cells = QUEUE_DEPTHS.lock().unwrap_or_else(|e| e.into_inner());
        cells.iter().filter_map(Weak::upgrade).collect()
    }

    /// A new cell for one engine's queue depth, read by the gauge.
    pub(crate) fn queue_depth_cell() -> Arc<QueueDepth> {
        // The gauge exists once the instruments do.
        let _ = instruments();
        let cell = Arc::new(QueueDepth {
            value: AtomicI64::new(-1),
            observed: AtomicBool::new(false),
        });
        let mut cells = QUEUE_DEPTHS.lock().unwrap_or_else(|e| e.into_inner());
        cells.retain(|c| c.strong_count() > 0);
        cells.push(Arc::downgrade(&cell));
        cell
    }

    /// The gauge's callback: the sum of the engines' last samples (nothing
    /// before the first); asks them to sample from now on.
    fn observe_queue_depth(observer: &dyn opentelemetry::metrics::AsyncInstrument<u64>) {
        let mut sum = None;
        for cell in queue_depths() {
            cell.observed.store(true, Ordering::Relaxed);
            let value = cell.value.load(Ordering::Relaxed);
            if let Ok(value) = u64::try_from(value) {
                sum = Some(sum.unwrap_or(0u64).saturating_add(value));
            }
        }
        if let Some(sum) = sum {
            observer.observe(sum, &[]);
        }
    }

    /// The instruments (made on first use).
    pub(crate) fn instruments() -> &'static Instruments {
        static INSTRUMENTS: OnceLock<Instruments> = OnceLock::new();
        INSTRUMENTS.get_or_init(|| {
            let meter = opentelemetry::global::meter("ferrymcp");
            let duration = |name: &'static str, description: &'static str| {
                meter
                    .f64_histogram(name)
                    .with_unit("s")
                    .with_description(description)
                    .with_boundaries(DURATION_BOUNDARIES.to_vec())
                    .build()
            };
            Instruments {
                operation_duration: duration(
                    "mcp.server.operation.duration",
                    "The duration of the MCP request or notification as observed on the receiver from the time it was received until the result or ack is sent.",
                ),
                session_duration: duration(
                    "mcp.server.session.duration",
                    "The duration of the MCP session as observed on the MCP server.",
                ),
                task_created: meter
                    .u64_counter("mcp.server.task.created")
                    .with_unit("{task}")
                    .with_description("Tasks created.")
                    .build(),
                task_ended: meter
                    .u64_counter("mcp.server.task.ended")
                    .with_unit("{task}")
                    .with_description("Tasks that ended, by status (completed, failed, cancelled).")
                    .build(),
                task_running: meter
                    .i64_up_down_counter("mcp.server.task.running")
                    .with_unit("{task}")
                    .with_description("Tasks running in this process's workers.")
                    .build(),
                task_redelivered: meter
                    .u64_counter("mcp.server.task.redelivered")
                    .with_unit("{task}")
                    .with_description("Runs of a task after its first attempt (a worker gave it back or died).")
                    .build(),
                task_run_duration: duration(
                    "mcp.server.task.run.duration",
                    "How long a worker ran a task, by the status it ended with.",
                ),
                _task_queue_depth: meter
                    .u64_observable_gauge("mcp.server.task.queue.depth")
                    .with_unit("{task}")
                    .with_description("Tasks queued and not yet handed to a worker (the task backend's queue).")
                    .with_callback(observe_queue_depth)
                    .build(),
            }
        })
    }

    /// The attribute naming a task's tool.
    pub(crate) fn tool_attribute(tool: &str) -> KeyValue {
        KeyValue::new("gen_ai.tool.name", tool.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_traceparent, question_has_meta, stamp_question};
    use crate::protocol::{InputRequest, ProtocolVersion};
    use serde_json::json;

    /// Which questions get the trace context, by revision: where the
    /// revision's schema gives their params a `_meta`.
    #[test]
    fn questions_are_stamped_where_the_revisions_schema_has_meta() {
        use ProtocolVersion::*;
        for version in ProtocolVersion::ALL {
            assert!(question_has_meta("roots/list", version), "{version}");
            for method in ["elicitation/create", "sampling/createMessage"] {
                assert_eq!(
                    question_has_meta(method, version),
                    version == V2025_11_25,
                    "{method} on {version}"
                );
            }
            assert!(!question_has_meta("other/method", version));
        }
    }

    /// With no span recorded by an OpenTelemetry layer (or without the
    /// feature), a question goes out as it was.
    #[test]
    fn without_a_recorded_span_a_question_is_unchanged() {
        let params = json!({"mode": "form", "message": "?", "requestedSchema": {}});
        let mut request = InputRequest {
            method: "elicitation/create".into(),
            params: params.clone(),
        };
        stamp_question(&mut request, ProtocolVersion::V2025_11_25);
        assert_eq!(request.params, params);
    }

    #[test]
    fn a_well_formed_traceparent_is_read() {
        let (trace, span, flags) =
            parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert_eq!(trace[0], 0x4b);
        assert_eq!(trace[15], 0x36);
        assert_eq!(span, [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]);
        assert_eq!(flags, 1);
        // A later version may append fields.
        assert!(
            parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz")
                .is_some()
        );
    }

    #[test]
    fn malformed_traceparents_are_refused() {
        for bad in [
            "",
            "garbage",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
            "0é-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            assert_eq!(parse_traceparent(bad), None, "{bad}");
        }
    }
}
