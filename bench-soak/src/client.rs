//! A keep-alive HTTP/1.1 connection (hyper) to the server's `/mcp` endpoint
//! and its `/soak/*` routes, speaking 2025-11-25 with sessions.

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HOST};
use http::{HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::net::SocketAddr;
use tokio::net::TcpStream;

/// One keep-alive connection; any number of sessions may use it in turn.
pub struct Connection {
    send: SendRequest<Full<Bytes>>,
    host: HeaderValue,
    next_id: u64,
}

/// A response: its status, its `Mcp-Session-Id`, and its JSON-RPC message
/// (the JSON body, or the last SSE event's data), if any.
pub struct Reply {
    pub status: StatusCode,
    pub session: Option<String>,
    pub message: Option<Value>,
}

fn message_of(body: &[u8], sse: bool) -> Result<Option<Value>, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let json = if sse {
        match text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .next_back()
        {
            Some(data) => data.trim(),
            None => return Ok(None),
        }
    } else {
        text.trim()
    };
    if json.is_empty() {
        return Ok(None);
    }
    serde_json::from_str(json)
        .map(Some)
        .map_err(|e| format!("not JSON ({e}): {text}"))
}

impl Connection {
    /// Connects to `addr`.
    pub async fn open(addr: SocketAddr) -> Result<Connection, String> {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(conn);
        Ok(Connection {
            send,
            host: HeaderValue::from_str(&addr.to_string()).map_err(|e| e.to_string())?,
            next_id: 1,
        })
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        session: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Reply, String> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, self.host.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json, text/event-stream");
        if let Some(session) = session {
            request = request
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", "2025-11-25");
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        self.send.ready().await.map_err(|e| e.to_string())?;
        let response = self
            .send
            .send_request(request)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status();
        let sse = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the body: {e}"))?
            .to_bytes();
        Ok(Reply {
            status,
            session,
            message: message_of(&body, sse)?,
        })
    }

    /// Sends a JSON-RPC request on `session` (none: `initialize`).
    pub async fn request(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Reply, String> {
        let id = self.next_id;
        self.next_id += 1;
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send(Method::POST, "/mcp", session, body.to_string().into_bytes())
            .await
    }

    /// The `result` of a request that must succeed.
    pub async fn call(
        &mut self,
        session: &str,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        let reply = self.request(Some(session), method, params).await?;
        match reply.message {
            Some(m) if reply.status == StatusCode::OK && m.get("result").is_some() => {
                Ok(m["result"].clone())
            }
            other => Err(format!("{method} answered {}: {other:?}", reply.status)),
        }
    }

    /// Opens a 2025-11-25 session (`initialize`, `notifications/initialized`);
    /// returns its id.
    pub async fn open_session(&mut self) -> Result<String, String> {
        let reply = self
            .request(
                None,
                "initialize",
                json!({"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "soak", "version": "0.0.1"}}),
            )
            .await?;
        let session = match (&reply.message, reply.session) {
            (Some(m), Some(s)) if m.get("result").is_some() => s,
            (m, _) => return Err(format!("initialize answered {}: {m:?}", reply.status)),
        };
        let body = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let reply = self
            .send(
                Method::POST,
                "/mcp",
                Some(&session),
                body.to_string().into_bytes(),
            )
            .await?;
        if reply.status != StatusCode::ACCEPTED {
            return Err(format!(
                "notifications/initialized answered {}",
                reply.status
            ));
        }
        Ok(session)
    }

    /// A `/soak/*` route of the server: its JSON answer.
    pub async fn soak(&mut self, method: Method, route: &str) -> Result<Value, String> {
        let reply = self.send(method, route, None, Vec::new()).await?;
        match reply.message {
            Some(m) if reply.status == StatusCode::OK => Ok(m),
            other => Err(format!("{route} answered {}: {other:?}", reply.status)),
        }
    }
}
