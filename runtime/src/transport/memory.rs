//! An in-process client: talk to a server without any I/O (for tests).

use crate::call::{ChannelOutbound, Outbound};
use crate::protocol::jsonrpc::{notification, parse_value};
use crate::protocol::messages::{to_value, CallToolParams, Empty, InitializeParams, ListParams};
use crate::protocol::{
    CallToolResult, ErrorObject, Implementation, Incoming, JsonObject, PeerResponse,
    ProtocolVersion, Request, RequestId,
};
use crate::server::{Server, Session};
use futures::future::BoxFuture;
use futures::FutureExt;
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
    answering: Option<tokio::task::JoinHandle<()>>,
}

/// Answers the server's requests to the client (`elicitation/create`,
/// `sampling/createMessage`, `roots/list`): method and params in, result or
/// error out.
pub type RequestHandler =
    Arc<dyn Fn(String, Value) -> BoxFuture<'static, Result<Value, ErrorObject>> + Send + Sync>;

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(task) = &self.answering {
            task.abort();
        }
    }
}

/// Sends the server's requests to the answering task, everything else to
/// the notifications channel.
struct SplitOutbound {
    notifications: ChannelOutbound,
    requests: mpsc::UnboundedSender<Value>,
}

impl Outbound for SplitOutbound {
    fn send(&self, message: Value) {
        if message.get("id").is_some() && message.get("method").is_some() {
            let _ = self.requests.send(message);
        } else {
            self.notifications.send(message);
        }
    }
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
        Self::connect_inner(server, protocol_version, json!({}), None).await
    }

    /// Connects declaring `capabilities` (such as `{"elicitation": {}}`), and
    /// answers the server's requests with `handler`.
    ///
    /// ```
    /// use ferrymcp::prelude::*;
    /// use ferrymcp::Client;
    /// use serde_json::json;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Name { name: String }
    ///
    /// /// Greets whoever the user says.
    /// #[tool]
    /// async fn greet(ctx: Ctx) -> Result<String, ToolError> {
    ///     match ctx.elicit::<Name>("Who are you?").await? {
    ///         Elicitation::Accept(n) => Ok(format!("Hello, {}!", n.name)),
    ///         _ => Ok("Hello, stranger!".into()),
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let server = Server::builder("hi").tools(tools![greet]).build().await.unwrap();
    /// let client = Client::connect_answering(&server, json!({"elicitation": {}}), |_method, _params| async {
    ///     Ok(json!({"action": "accept", "content": {"name": "Ada"}}))
    /// })
    /// .await
    /// .unwrap();
    /// let result = client.call_tool("greet", json!({})).await.unwrap();
    /// assert_eq!(result.content[0], Content::text("Hello, Ada!"));
    /// # }
    /// ```
    pub async fn connect_answering<F, Fut>(
        server: &Server,
        capabilities: Value,
        handler: F,
    ) -> Result<Client, ErrorObject>
    where
        F: Fn(String, Value) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Value, ErrorObject>> + Send + 'static,
    {
        let handler: RequestHandler =
            Arc::new(move |method, params| handler(method, params).boxed());
        Self::connect_inner(
            server,
            ProtocolVersion::LATEST_SESSION.as_str(),
            capabilities,
            Some(handler),
        )
        .await
    }

    async fn connect_inner(
        server: &Server,
        protocol_version: &str,
        capabilities: Value,
        handler: Option<RequestHandler>,
    ) -> Result<Client, ErrorObject> {
        let (tx, rx) = mpsc::channel(4096);
        let (requests_tx, mut requests) = mpsc::unbounded_channel::<Value>();
        let session = server.session(Arc::new(SplitOutbound {
            notifications: ChannelOutbound(tx),
            requests: requests_tx,
        }));
        let answering = {
            let session = session.clone();
            tokio::spawn(async move {
                while let Some(request) = requests.recv().await {
                    let session = session.clone();
                    let handler = handler.clone();
                    tokio::spawn(async move {
                        let Ok(id) = serde_json::from_value::<RequestId>(request["id"].clone())
                        else {
                            return;
                        };
                        let method = request["method"].as_str().unwrap_or_default().to_owned();
                        let params = request.get("params").cloned().unwrap_or(Value::Null);
                        let outcome = match handler {
                            Some(handler) => handler(method, params).await,
                            None => Err(ErrorObject::method_not_found(&method)),
                        };
                        session.handle_response(PeerResponse { id, outcome });
                    });
                }
            })
        };
        let mut client = Client {
            session,
            next_id: AtomicI64::new(1),
            notifications: Mutex::new(rx),
            initialize_result: Value::Null,
            answering: Some(answering),
        };
        client.initialize_result = client
            .request(
                "initialize",
                to_value(&InitializeParams {
                    protocol_version,
                    capabilities: &capabilities,
                    client_info: &Implementation {
                        name: "ferrymcp-in-process".into(),
                        title: None,
                        version: env!("CARGO_PKG_VERSION").into(),
                    },
                }),
            )
            .await?;
        client
            .notify("notifications/initialized", to_value(&Empty {}))
            .await;
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
            params: params.map(JsonObject::from),
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
        if let Ok(incoming) = parse_value(notification(method, params)) {
            self.session.handle(incoming).await;
        }
    }

    /// Lists every tool, following `nextCursor` through all pages.
    pub async fn list_tools(&self) -> Result<Vec<Value>, ErrorObject> {
        let mut tools = Vec::new();
        let mut params = to_value(&ListParams::default());
        loop {
            let page = self.request("tools/list", params).await?;
            if let Some(list) = page.get("tools").and_then(Value::as_array) {
                tools.extend(list.iter().cloned());
            }
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(cursor) => {
                    params = to_value(&ListParams {
                        cursor: Some(cursor),
                    })
                }
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
            .request(
                "tools/call",
                to_value(&CallToolParams {
                    name,
                    arguments: &arguments,
                }),
            )
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
