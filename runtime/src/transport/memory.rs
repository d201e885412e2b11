//! An in-process client: talk to a server without any I/O (for tests).

use super::ChannelOutbound;
use crate::protocol::jsonrpc::parse_value;
use crate::protocol::{CallToolResult, ErrorObject, Incoming, ProtocolVersion, Request, RequestId};
use crate::server::{Server, Session};
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, Mutex};

/// A client connected to a [`Server`] in the same process, like FastMCP's
/// `Client(server)`: every request goes through the same session code a real
/// transport uses, minus the bytes.
///
/// ```
/// use ferrymcp::prelude::*;
/// use ferrymcp::Client;
///
/// /// Adds two numbers.
/// #[tool]
/// async fn add(a: i64, b: i64) -> i64 { a + b }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = Server::builder("calc").tools(tools![add]).build().await.unwrap();
/// let client = Client::connect(&server).await.unwrap();
/// let result = client.call_tool("add", serde_json::json!({"a": 2, "b": 3})).await.unwrap();
/// assert_eq!(result.structured_content, Some(serde_json::json!({"result": 5})));
/// # }
/// ```
pub struct Client {
    session: Session,
    next_id: AtomicI64,
    notifications: Mutex<mpsc::Receiver<Value>>,
    initialize_result: Value,
}

impl Client {
    /// Connects and initializes with the newest session revision.
    pub async fn connect(server: &Server) -> Result<Client, ErrorObject> {
        Self::connect_with(server, ProtocolVersion::LATEST_SESSION.as_str()).await
    }

    /// Connects and initializes asking for `protocol_version`.
    pub async fn connect_with(
        server: &Server,
        protocol_version: &str,
    ) -> Result<Client, ErrorObject> {
        let (tx, rx) = mpsc::channel(4096);
        let session = server.session(Arc::new(ChannelOutbound(tx)));
        let mut client = Client {
            session,
            next_id: AtomicI64::new(1),
            notifications: Mutex::new(rx),
            initialize_result: Value::Null,
        };
        client.initialize_result = client
            .request(
                "initialize",
                json!({
                    "protocolVersion": protocol_version,
                    "capabilities": {},
                    "clientInfo": {"name": "ferrymcp-in-process", "version": env!("CARGO_PKG_VERSION")},
                }),
            )
            .await?;
        client.notify("notifications/initialized", json!({})).await;
        Ok(client)
    }

    /// The `initialize` result the server sent.
    pub fn initialize_result(&self) -> &Value {
        &self.initialize_result
    }

    /// The session behind this client.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The id the next request will carry.
    pub fn next_request_id(&self) -> RequestId {
        RequestId::Number(self.next_id.load(Ordering::Relaxed))
    }

    /// Sends a request and waits for its result.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ErrorObject> {
        let id = RequestId::Number(self.next_id.fetch_add(1, Ordering::Relaxed));
        let params = match params {
            Value::Object(m) => Some(m),
            Value::Null => None,
            other => {
                let mut m = Map::new();
                m.insert("value".into(), other);
                Some(m)
            }
        };
        let request = Request {
            id: id.clone(),
            method: method.into(),
            params,
        };
        let response = self
            .session
            .handle(Incoming::Request(request))
            .await
            .ok_or_else(|| ErrorObject::internal("the request was cancelled"))?;
        split_response(response)
    }

    /// Sends a raw JSON-RPC message, exactly as a transport would receive it,
    /// and returns the raw response.
    pub async fn send_raw(&self, message: Value) -> Option<Value> {
        match parse_value(message) {
            Ok(incoming) => self.session.handle(incoming).await,
            Err(rejected) => Some(rejected.to_response()),
        }
    }

    /// Sends a notification.
    pub async fn notify(&self, method: &str, params: Value) {
        if let Ok(incoming) =
            parse_value(json!({"jsonrpc": "2.0", "method": method, "params": params}))
        {
            self.session.handle(incoming).await;
        }
    }

    /// Lists every tool, following `nextCursor` through all pages.
    pub async fn list_tools(&self) -> Result<Vec<Value>, ErrorObject> {
        let mut tools = Vec::new();
        let mut params = json!({});
        loop {
            let page = self.request("tools/list", params).await?;
            if let Some(list) = page.get("tools").and_then(Value::as_array) {
                tools.extend(list.iter().cloned());
            }
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(cursor) => params = json!({ "cursor": cursor }),
                None => return Ok(tools),
            }
        }
    }

    /// Calls a tool.
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<CallToolResult, ErrorObject> {
        let result = self
            .request("tools/call", json!({"name": name, "arguments": arguments}))
            .await?;
        serde_json::from_value(result)
            .map_err(|e| ErrorObject::internal(format!("malformed CallToolResult: {e}")))
    }

    /// The next notification the server sent, waiting for it.
    pub async fn next_notification(&self) -> Option<Value> {
        self.notifications.lock().await.recv().await
    }

    /// Every notification received so far, without waiting.
    pub async fn drain_notifications(&self) -> Vec<Value> {
        let mut rx = self.notifications.lock().await;
        let mut out = Vec::new();
        while let Ok(n) = rx.try_recv() {
            out.push(n);
        }
        out
    }
}

fn split_response(mut response: Value) -> Result<Value, ErrorObject> {
    if let Some(error) = response.get_mut("error") {
        return Err(serde_json::from_value(error.take())
            .unwrap_or_else(|e| ErrorObject::internal(format!("malformed error: {e}"))));
    }
    Ok(response
        .get_mut("result")
        .map(Value::take)
        .unwrap_or(Value::Null))
}
