//! The three servers measured, each serving the tool `add(a, b)` at `/mcp`
//! over streamable HTTP on the listener it is given, with `TCP_NODELAY` on
//! every accepted connection:
//!
//! * ferrymcp, as a user writes it (`#[tool]`, default [`HttpOptions`]);
//! * rmcp, the official Rust SDK, in its fastest configuration for the flow:
//!   legacy sessions ([`LocalSessionManager`]) for 2025-11-25, and
//!   [`NeverSessionManager`] with JSON responses for 2026-07-28; its tool
//!   router is built once, not per request;
//! * a bare axum handler that parses the JSON-RPC body into typed structs and
//!   answers the same JSON: the floor no framework can beat by much.

use crate::flow::Flow;
use axum::serve::ListenerExt;
use axum::Router;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// ferrymcp.
    Ferrymcp,
    /// rmcp, the official Rust SDK.
    Rmcp,
    /// A bare axum handler.
    Bare,
}

impl Kind {
    /// Every server, in report order.
    pub const ALL: [Kind; 3] = [Kind::Ferrymcp, Kind::Rmcp, Kind::Bare];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ferrymcp => "ferrymcp",
            Kind::Rmcp => "rmcp",
            Kind::Bare => "bare",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// How the server is configured for `flow`, for the report.
    pub fn describe(self, flow: Flow) -> &'static str {
        match (self, flow) {
            (Kind::Ferrymcp, _) => "ferrymcp, default HttpOptions (JSON unless the call streams)",
            (Kind::Rmcp, Flow::Session) => {
                "rmcp 3.9 LocalSessionManager, legacy sessions (answers SSE)"
            }
            (Kind::Rmcp, Flow::Stateless) => {
                "rmcp 3.9 NeverSessionManager, json_response, router built once"
            }
            (Kind::Bare, _) => "axum handler: serde structs in, serde structs out",
        }
    }
}

/// The app of `kind` configured for `flow`, answering at `/mcp`.
pub async fn app(kind: Kind, flow: Flow) -> Router {
    match kind {
        Kind::Ferrymcp => ferry::app().await,
        Kind::Rmcp => rmcp_server::app(flow),
        Kind::Bare => bare::app(),
    }
}

/// Serves `app` on `listener` until the process ends, with `TCP_NODELAY`.
pub async fn serve(listener: TcpListener, app: Router) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

/// Binds a loopback port and serves the app of `kind` on it from a task of
/// the current runtime; returns its address (for tests and in-process runs).
pub async fn spawn(kind: Kind, flow: Flow) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = app(kind, flow).await;
    tokio::spawn(serve(listener, app));
    Ok(addr)
}

/// ferrymcp, written the way its README shows.
pub mod ferry {
    use ferrymcp::prelude::*;

    /// Adds two numbers.
    #[tool(read_only, idempotent)]
    pub async fn add(
        /// The first addend.
        a: i64,
        /// The second addend.
        b: i64,
    ) -> i64 {
        a + b
    }

    /// The server with the tool `add`.
    pub async fn server() -> Server {
        Server::builder("bench")
            .tools(tools![add])
            .build()
            .await
            .expect("the bench server builds")
    }

    /// The endpoint at `/mcp`.
    pub async fn app() -> axum::Router {
        server().await.router_at("/mcp")
    }
}

/// rmcp, the official Rust SDK.
pub mod rmcp_server {
    use super::Flow;
    use rmcp::handler::server::router::tool::ToolRouter;
    use rmcp::handler::server::wrapper::{Json, Parameters};
    use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
    use rmcp::transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService,
    };
    use rmcp::{tool, tool_handler, tool_router, ServerHandler};
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use std::sync::{Arc, LazyLock};

    /// The arguments of `add`.
    #[derive(Debug, Deserialize, JsonSchema)]
    pub struct AddArgs {
        /// The first addend.
        pub a: i64,
        /// The second addend.
        pub b: i64,
    }

    /// The structured result of `add`.
    #[derive(Debug, Serialize, JsonSchema)]
    pub struct Sum {
        /// The sum.
        pub result: i64,
    }

    /// The rmcp handler (stateless: one is made per request, so it holds nothing).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Calc;

    #[tool_router]
    impl Calc {
        /// Adds two numbers.
        #[tool(description = "Adds two numbers.")]
        async fn add(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> Json<Sum> {
            Json(Sum { result: a + b })
        }
    }

    /// Built once: rmcp's default (`Self::tool_router()`) builds it per call.
    static ROUTER: LazyLock<ToolRouter<Calc>> = LazyLock::new(Calc::tool_router);

    #[tool_handler(router = ROUTER)]
    impl ServerHandler for Calc {
        fn get_info(&self) -> ServerConfig {
            ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
                .with_server_info(Implementation::new("bench", "0.1.0"))
        }
    }

    /// The endpoint at `/mcp`, in rmcp's fastest mode for `flow`.
    pub fn app(flow: Flow) -> axum::Router {
        let config = StreamableHttpServerConfig::default().with_sse_keep_alive(None);
        let service = match flow {
            Flow::Session => axum::Router::new().nest_service(
                "/mcp",
                StreamableHttpService::new(
                    || Ok(Calc),
                    Arc::new(LocalSessionManager::default()),
                    config,
                ),
            ),
            Flow::Stateless => axum::Router::new().nest_service(
                "/mcp",
                StreamableHttpService::new(
                    || Ok(Calc),
                    Arc::new(NeverSessionManager::default()),
                    config
                        .with_legacy_session_mode(false)
                        .with_json_response(true),
                ),
            ),
        };
        LazyLock::force(&ROUTER);
        service
    }
}

/// The floor: an axum handler that parses the JSON-RPC body into typed
/// structs and serializes the same answer ferrymcp gives.
pub mod bare {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::post;
    use serde::{Deserialize, Serialize};
    use serde_json::Value;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Deserialize)]
    struct RpcRequest<'a> {
        #[serde(borrow)]
        jsonrpc: &'a str,
        #[serde(default)]
        id: Option<Value>,
        #[serde(borrow)]
        method: &'a str,
        #[serde(default, borrow)]
        params: Option<Params<'a>>,
    }

    #[derive(Deserialize)]
    struct Params<'a> {
        #[serde(default, borrow)]
        name: Option<&'a str>,
        #[serde(default)]
        arguments: Option<Args>,
        #[serde(rename = "_meta", default)]
        meta: Option<serde::de::IgnoredAny>,
    }

    #[derive(Deserialize)]
    struct Args {
        a: i64,
        b: i64,
    }

    #[derive(Serialize)]
    struct RpcResponse<'a, R> {
        jsonrpc: &'static str,
        id: &'a Value,
        result: R,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct CallResult<'a> {
        content: [Text<'a>; 1],
        structured_content: Sum,
        #[serde(skip_serializing_if = "Option::is_none")]
        result_type: Option<&'static str>,
        #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
        meta: Option<Meta>,
    }

    #[derive(Serialize)]
    struct Text<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        text: &'a str,
    }

    #[derive(Serialize)]
    struct Sum {
        result: i64,
    }

    #[derive(Serialize)]
    struct Meta {
        #[serde(rename = "io.modelcontextprotocol/serverInfo")]
        server_info: ServerInfo,
    }

    #[derive(Serialize)]
    struct ServerInfo {
        name: &'static str,
        version: &'static str,
    }

    const INITIALIZE_RESULT: &str = r#"{"protocolVersion":"2025-11-25","capabilities":{"logging":{},"tools":{"listChanged":false}},"serverInfo":{"name":"bench","version":"0.0.0"}}"#;

    static SESSIONS: AtomicU64 = AtomicU64::new(0);

    fn json(body: Vec<u8>) -> Response {
        (
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    }

    async fn handle(headers: HeaderMap, body: Bytes) -> Response {
        let Ok(request) = serde_json::from_slice::<RpcRequest>(&body) else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        if request.jsonrpc != "2.0" {
            return StatusCode::BAD_REQUEST.into_response();
        }
        let Some(id) = request.id else {
            return StatusCode::ACCEPTED.into_response();
        };
        match (request.method, request.params) {
            ("initialize", _) => {
                let result: Value = serde_json::from_str(INITIALIZE_RESULT).expect("valid JSON");
                let body = serde_json::to_vec(&RpcResponse {
                    jsonrpc: "2.0",
                    id: &id,
                    result,
                })
                .expect("serializable");
                let session = SESSIONS.fetch_add(1, Ordering::Relaxed);
                let mut response = json(body);
                response.headers_mut().insert(
                    "mcp-session-id",
                    HeaderValue::from_str(&format!("bare-{session}")).expect("ASCII"),
                );
                response
            }
            (
                "tools/call",
                Some(Params {
                    name: Some("add"),
                    arguments: Some(Args { a, b }),
                    meta,
                }),
            ) => {
                if meta.is_none() && !headers.contains_key("mcp-session-id") {
                    return StatusCode::BAD_REQUEST.into_response();
                }
                let sum = a + b;
                let text = sum.to_string();
                let body = serde_json::to_vec(&RpcResponse {
                    jsonrpc: "2.0",
                    id: &id,
                    result: CallResult {
                        content: [Text {
                            kind: "text",
                            text: &text,
                        }],
                        structured_content: Sum { result: sum },
                        result_type: meta.as_ref().map(|_| "complete"),
                        meta: meta.map(|_| Meta {
                            server_info: ServerInfo {
                                name: "bench",
                                version: "0.0.0",
                            },
                        }),
                    },
                })
                .expect("serializable");
                json(body)
            }
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    }

    /// The endpoint at `/mcp`.
    pub fn app() -> axum::Router {
        axum::Router::new().route("/mcp", post(handle))
    }
}
