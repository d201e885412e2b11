//! Middleware: tower layers around the dispatch table.
//!
//! [`ServerBuilder::layer`](super::ServerBuilder::layer) wraps
//! [`Server::route`](super::Server) in [`tower::Layer`]s over a service from
//! [`McpRequest`] to [`McpResponse`]. The stack runs for every request of
//! every transport after the revision's checks (the handshake, `_meta`, the
//! method's revision), and around each run of a task in a worker. A server
//! without layers calls `route` directly and pays nothing.

use super::dispatch::{McpRequest, McpResponse};
use super::methods::Answer;
use crate::error::BoxError;
use crate::protocol::ErrorObject;
use futures::future::BoxFuture;
use futures::FutureExt;
use std::sync::Mutex;
use tower::util::BoxCloneService;
use tower::ServiceExt;

/// The service a layer wraps: the dispatch table, or the layers inside it.
pub type McpService = BoxCloneService<McpRequest, McpResponse, BoxError>;

/// Adds one layer around the service built so far.
pub(crate) type AddLayer = Box<dyn FnOnce(McpService) -> McpService + Send>;

/// The JSON-RPC code of a request a time limit stopped (the code the
/// official SDKs give their own request timeouts).
pub const REQUEST_TIMEOUT: i64 = -32001;

/// The built stack. A layer's service need not be `Sync` (tower's
/// `ConcurrencyLimit` is not), so the stack is cloned under a lock, once a
/// request; the clones share what the layers share (a limit's semaphore).
pub(crate) struct Stack(Mutex<McpService>);

impl Stack {
    /// Wraps the dispatch table in `layers`, the first added outermost (as
    /// tower's `ServiceBuilder` orders them).
    pub(crate) fn build(layers: Vec<AddLayer>) -> Option<Stack> {
        if layers.is_empty() {
            return None;
        }
        let route = tower::service_fn(|request: McpRequest| {
            super::Server::route(request).map(|answer| Ok::<_, BoxError>(McpResponse(answer)))
        });
        let mut service = McpService::new(route);
        for add in layers.into_iter().rev() {
            service = add(service);
        }
        Some(Stack(Mutex::new(service)))
    }

    /// A clone of the stack, for one request.
    pub(crate) fn service(&self) -> McpService {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Runs one request through `service`, a clone of the stack (boxed: a
/// server without layers does not carry this future's size in every
/// request's).
pub(crate) fn call(
    service: McpService,
    request: McpRequest,
) -> BoxFuture<'static, Result<Answer, ErrorObject>> {
    Box::pin(async move {
        match service.oneshot(request).await {
            Ok(response) => response.0,
            Err(error) => Err(into_error(error)),
        }
    })
}

/// The JSON-RPC error of a layer's error: an [`ErrorObject`] as it is, a
/// tower timeout as [`REQUEST_TIMEOUT`], anything else as an internal error
/// with its message.
fn into_error(error: BoxError) -> ErrorObject {
    let error = match error.downcast::<ErrorObject>() {
        Ok(error) => return *error,
        Err(error) => error,
    };
    if error.is::<tower::timeout::error::Elapsed>() {
        return ErrorObject::new(
            REQUEST_TIMEOUT,
            "Request timed out: the server's time limit for this request passed",
        );
    }
    ErrorObject::internal(format!("Internal error: {error}"))
}
