//! The sink for messages the server sends on its own (notifications, requests).

use serde_json::Value;
use tokio::sync::mpsc;

/// Where server-initiated messages of a call or session go.
///
/// Sending never blocks the tool: a transport that cannot keep up drops
/// messages (and logs that it did) rather than stall the call.
pub trait Outbound: Send + Sync + 'static {
    /// Sends one JSON-RPC message.
    fn send(&self, message: Value);

    /// Whether a message sent now can reach the client (a question to the
    /// client fails at once when it cannot, instead of waiting forever).
    fn reaches_client(&self) -> bool {
        true
    }

    /// Ends the stream this call's messages travel on now, while the call
    /// runs on: what it sends from here on is kept for the client, which
    /// reconnects with `GET` and `Last-Event-ID` and polls for it (SSE
    /// polling, 2025-11-25). `false` (and nothing happens) where the stream
    /// cannot be resumed: stdio, a JSON response, a stateless request
    /// (closing its stream would cancel it), a task's own channel.
    fn close_stream(&self) -> bool {
        false
    }
}

/// An [`Outbound`] that feeds a bounded channel.
#[derive(Debug, Clone)]
pub struct ChannelOutbound(pub mpsc::Sender<Value>);

impl Outbound for ChannelOutbound {
    fn send(&self, message: Value) {
        if let Err(e) = self.0.try_send(message) {
            tracing::warn!("dropped an outgoing message: {e}");
        }
    }

    fn reaches_client(&self) -> bool {
        !self.0.is_closed()
    }
}

/// An [`Outbound`] that discards everything (a call with no way to reach the client).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoOutbound;

impl Outbound for NoOutbound {
    fn send(&self, _message: Value) {}

    fn reaches_client(&self) -> bool {
        false
    }
}
