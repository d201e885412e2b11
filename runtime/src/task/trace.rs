//! The span a worker runs a task in, and the task metrics (with the `otel`
//! feature: `execute_tool {tool}`, a child of the request span that created
//! the task, and the `mcp.server.task.*` instruments; see
//! [`crate::telemetry`]).

use super::model::TaskId;
use super::snapshot::Snapshot;

/// How a task's run ended, for its span and metrics.
#[cfg_attr(not(feature = "otel"), allow(dead_code))]
pub(crate) enum RunEnd<'a> {
    /// It completed (`tool_error` when its result says `isError`).
    Completed { tool_error: bool },
    /// It failed with this error.
    Failed(&'a crate::protocol::ErrorObject),
    /// It ended elsewhere (cancelled) while it ran.
    Cancelled,
}

/// The span and metrics of one run (nothing to record without the feature).
#[cfg(not(feature = "otel"))]
pub(crate) struct RunTrace;

#[cfg(not(feature = "otel"))]
impl RunTrace {
    /// The span of the run of task `id` with `tool`.
    #[inline(always)]
    pub(crate) fn start(
        id: &TaskId,
        tool: &str,
        attempt: u32,
        _snapshot: &Snapshot,
    ) -> (tracing::Span, RunTrace) {
        let span = tracing::info_span!("mcp.task", task_id = %id, tool = %tool, attempt);
        (span, RunTrace)
    }

    /// Records how the run ended.
    #[inline(always)]
    pub(crate) fn end(&self, _end: RunEnd<'_>) {}
}

/// Counts a created task.
#[inline(always)]
pub(crate) fn created(_tool: &str) {
    #[cfg(feature = "otel")]
    crate::telemetry::instruments()
        .task_created
        .add(1, &[crate::telemetry::tool_attribute(_tool)]);
}

/// The span and metrics of one run.
#[cfg(feature = "otel")]
pub(crate) struct RunTrace {
    span: tracing::Span,
    tool: opentelemetry::KeyValue,
    started: std::time::Instant,
}

#[cfg(feature = "otel")]
impl RunTrace {
    /// The span of the run of task `id` with `tool`: `execute_tool {tool}`,
    /// a child of the span that created the task (its snapshot's trace
    /// context). Counts the run as running (and redelivered after the first
    /// attempt).
    pub(crate) fn start(
        id: &TaskId,
        tool: &str,
        attempt: u32,
        snapshot: &Snapshot,
    ) -> (tracing::Span, RunTrace) {
        use tracing::field::Empty;
        let span = tracing::info_span!(
            "mcp.task",
            task_id = %id,
            tool = %tool,
            attempt,
            otel.name = format!("execute_tool {tool}"),
            otel.kind = "internal",
            otel.status_code = Empty,
            otel.status_description = Empty,
            gen_ai.operation.name = "execute_tool",
            gen_ai.tool.name = tool,
            mcp.task.id = %id,
            mcp.task.status = Empty,
            error.type = Empty,
        );
        if let Some(parent) = snapshot.trace().and_then(crate::telemetry::carried_parent) {
            crate::telemetry::set_parent(&span, parent);
        }
        let instruments = crate::telemetry::instruments();
        let tool = crate::telemetry::tool_attribute(tool);
        instruments.task_running.add(1, std::slice::from_ref(&tool));
        if attempt > 1 {
            instruments
                .task_redelivered
                .add(1, std::slice::from_ref(&tool));
        }
        let trace = RunTrace {
            span: span.clone(),
            tool,
            started: std::time::Instant::now(),
        };
        (span, trace)
    }

    /// Records how the run ended: the span's status, `mcp.server.task.ended`
    /// and `mcp.server.task.run.duration`.
    pub(crate) fn end(&self, end: RunEnd<'_>) {
        let status = match end {
            RunEnd::Completed { tool_error } => {
                if tool_error {
                    self.span.record("error.type", "tool_error");
                    self.span.record("otel.status_code", "ERROR");
                }
                "completed"
            }
            RunEnd::Failed(error) => {
                self.span.record("error.type", error.code.to_string());
                self.span
                    .record("otel.status_description", error.message.as_str());
                "failed"
            }
            RunEnd::Cancelled => "cancelled",
        };
        self.span.record("mcp.task.status", status);
        let attributes = [
            self.tool.clone(),
            opentelemetry::KeyValue::new("mcp.task.status", status),
        ];
        let instruments = crate::telemetry::instruments();
        instruments.task_ended.add(1, &attributes);
        instruments
            .task_run_duration
            .record(self.started.elapsed().as_secs_f64(), &attributes);
    }
}

#[cfg(feature = "otel")]
impl Drop for RunTrace {
    fn drop(&mut self) {
        crate::telemetry::instruments()
            .task_running
            .add(-1, std::slice::from_ref(&self.tool));
    }
}
