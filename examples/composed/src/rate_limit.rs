//! A per-caller rate limit as MCP-level middleware: at most `max` tool calls
//! per `window` from one subject (the access token's `sub`, or `anonymous`).
//!
//! It is a plain [`tower::Layer`] over ferrymcp's [`McpService`], so it sees
//! the parsed request (method, tool, caller) rather than HTTP bytes, and runs
//! for every transport. A task's run in a worker is not counted again: the
//! call that created it was.

use ferrymcp::protocol::{ErrorObject, Method};
use ferrymcp::server::{McpRequest, McpResponse};
use ferrymcp::tower::{Layer, Service};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The JSON-RPC code of a refused call (the implementation-defined server
/// error range).
pub const RATE_LIMITED: i64 = -32029;

/// At most `max` tool calls per `window` per subject; the windows are fixed
/// (they start at a subject's first call after the last one ended).
#[derive(Clone)]
pub struct PerSubjectLimit {
    max: u32,
    window: Duration,
    windows: Arc<Mutex<HashMap<String, Window>>>,
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    calls: u32,
}

impl PerSubjectLimit {
    /// `max` calls per `window` for each subject.
    pub fn new(max: u32, window: Duration) -> Self {
        PerSubjectLimit {
            max,
            window,
            windows: Arc::default(),
        }
    }

    /// Counts one call of `subject`: `Err(time until its window ends)` when
    /// it has none left.
    fn take(&self, subject: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        // Forget windows that ended, so the map does not grow with callers.
        if windows.len() > 10_000 {
            windows.retain(|_, w| now.duration_since(w.started) < self.window);
        }
        let window = windows.entry(subject.to_owned()).or_insert(Window {
            started: now,
            calls: 0,
        });
        if now.duration_since(window.started) >= self.window {
            *window = Window {
                started: now,
                calls: 0,
            };
        }
        if window.calls >= self.max {
            return Err(self
                .window
                .saturating_sub(now.duration_since(window.started)));
        }
        window.calls += 1;
        Ok(())
    }
}

impl<S> Layer<S> for PerSubjectLimit {
    type Service = Limited<S>;

    fn layer(&self, inner: S) -> Limited<S> {
        Limited {
            inner,
            limit: self.clone(),
        }
    }
}

/// The service [`PerSubjectLimit`] wraps around the server.
#[derive(Clone)]
pub struct Limited<S> {
    inner: S,
    limit: PerSubjectLimit,
}

impl<S> Service<McpRequest> for Limited<S>
where
    S: Service<McpRequest, Response = McpResponse> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = McpResponse;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<McpResponse, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: McpRequest) -> Self::Future {
        if request.method() == Method::ToolsCall && !request.in_task_worker() {
            let subject = request
                .access_token()
                .and_then(|token| token.subject())
                .unwrap_or("anonymous")
                .to_owned();
            if let Err(wait) = self.limit.take(&subject) {
                let error = ErrorObject::new(
                    RATE_LIMITED,
                    format!(
                        "Rate limit: `{subject}` made {} tool calls in the last {:?}; try again in {} ms",
                        self.limit.max,
                        self.limit.window,
                        wait.as_millis().max(1)
                    ),
                );
                return Box::pin(async move { Ok(McpResponse::error(error)) });
            }
        }
        // The clone takes the readiness `poll_ready` reserved (tower's rule).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move { inner.call(request).await })
    }
}
