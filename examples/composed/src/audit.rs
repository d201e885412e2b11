//! An audit log as MCP-level middleware: one `tracing` event per request,
//! with the method, what it is about, the caller and how it ended, in the
//! foreground and in task workers alike.

use ferrymcp::server::{McpRequest, McpService};
use ferrymcp::tower::layer::{layer_fn, LayerFn};
use ferrymcp::tower::{service_fn, ServiceExt};
use std::time::Instant;

/// The audit layer: `.layer(audit::layer())`.
pub fn layer() -> LayerFn<fn(McpService) -> McpService> {
    layer_fn(wrap as fn(McpService) -> McpService)
}

fn wrap(inner: McpService) -> McpService {
    McpService::new(service_fn(move |request: McpRequest| {
        let inner = inner.clone();
        async move {
            let method = request.method();
            let target = request.target().map(|t| t.into_owned()).unwrap_or_default();
            let subject = request
                .access_token()
                .and_then(|t| t.subject().map(String::from))
                .unwrap_or_else(|| "anonymous".into());
            let in_worker = request.in_task_worker();
            let started = Instant::now();
            let response = inner.oneshot(request).await?;
            tracing::info!(
                target: "audit",
                %method,
                target = %target,
                subject = %subject,
                in_worker,
                error = response.is_error(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "mcp request"
            );
            Ok(response)
        }
    }))
}
