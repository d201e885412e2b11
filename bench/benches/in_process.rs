//! In-process microbenchmarks (criterion; `cargo bench -p ferrymcp-bench`):
//!
//! * `tools_call/*`: the framework's whole per-call work without a socket:
//!   parse the JSON-RPC bytes, dispatch, read and inject the arguments, run
//!   `add`, and serialize the response to bytes; next to it, the floor: serde
//!   structs in and out for the same JSON (`bare_serde`).
//! * `tools_list_100/*`: a server of 100 tools: building it (every schema is
//!   generated once, then cached) and answering `tools/list` from the cache,
//!   in process (a `Value`) and through the HTTP endpoint without a socket
//!   (`tools_list_http`: bytes written from the definitions serialized once).

use criterion::{criterion_group, criterion_main, Criterion};
use ferrymcp::call::{NoOutbound, Outbound};
use ferrymcp::prelude::*;
use ferrymcp::protocol::jsonrpc::parse_message;
use ferrymcp::protocol::Incoming;
use ferrymcp::Session;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::sync::Arc;

/// Adds two numbers.
#[tool(read_only, idempotent)]
async fn add(
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
) -> i64 {
    a + b
}

const SESSION_CALL: &[u8] =
    br#"{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}"#;
const STATELESS_CALL: &[u8] = br#"{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#;
const INITIALIZE: &[u8] = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#;
const LIST: &[u8] = br#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

async fn session_of(server: &Server) -> Session {
    let session = server.session(Arc::new(NoOutbound));
    let answer = session.handle_bytes(INITIALIZE).await.expect("an answer");
    assert!(answer.get("result").is_some(), "{answer}");
    session
}

fn tools_call(c: &mut Criterion) {
    let rt = runtime();
    let server = rt.block_on(async {
        Server::builder("bench")
            .tools(tools![add])
            .build()
            .await
            .expect("server")
    });
    let session = rt.block_on(session_of(&server));
    let check = |bytes: &[u8]| {
        let v: serde_json::Value = serde_json::from_slice(bytes).expect("JSON");
        assert_eq!(v["result"]["structuredContent"]["result"], 5, "{v}");
    };
    check(&serde_json::to_vec(&rt.block_on(session.handle_bytes(SESSION_CALL)).unwrap()).unwrap());

    let mut group = c.benchmark_group("tools_call");
    group.bench_function("ferrymcp_session", |b| {
        b.iter(|| {
            let answer = rt.block_on(session.handle_bytes(black_box(SESSION_CALL)));
            serde_json::to_vec(&answer).expect("serializable")
        })
    });
    let stateless = |bytes: &[u8]| {
        let Ok(Incoming::Request(request)) = parse_message(bytes) else {
            panic!("a request")
        };
        let call = server.prepare_stateless(request).expect("a valid call");
        let outbound: Arc<dyn Outbound> = Arc::new(NoOutbound);
        let answer = rt.block_on(call.run(
            outbound,
            http::Extensions::new(),
            tokio_util::sync::CancellationToken::new(),
        ));
        serde_json::to_vec(&answer).expect("serializable")
    };
    check(&stateless(STATELESS_CALL));
    group.bench_function("ferrymcp_stateless", |b| {
        b.iter(|| stateless(black_box(STATELESS_CALL)))
    });
    check(&bare_serde(SESSION_CALL));
    group.bench_function("bare_serde", |b| {
        b.iter(|| bare_serde(black_box(SESSION_CALL)))
    });
    group.finish();
}

/// The floor: what a hand-written handler does for the same JSON.
fn bare_serde(bytes: &[u8]) -> Vec<u8> {
    #[derive(Deserialize)]
    struct Req<'a> {
        #[allow(dead_code)]
        jsonrpc: &'a str,
        id: serde_json::Value,
        #[allow(dead_code)]
        method: &'a str,
        params: Params,
    }
    #[derive(Deserialize)]
    struct Params {
        arguments: Args,
    }
    #[derive(Deserialize)]
    struct Args {
        a: i64,
        b: i64,
    }
    #[derive(Serialize)]
    struct Resp<'a> {
        jsonrpc: &'static str,
        id: &'a serde_json::Value,
        result: CallResult,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct CallResult {
        content: [Text; 1],
        structured_content: Sum,
    }
    #[derive(Serialize)]
    struct Text {
        #[serde(rename = "type")]
        kind: &'static str,
        text: String,
    }
    #[derive(Serialize)]
    struct Sum {
        result: i64,
    }
    let req: Req = serde_json::from_slice(bytes).expect("a request");
    let sum = req.params.arguments.a + req.params.arguments.b;
    serde_json::to_vec(&Resp {
        jsonrpc: "2.0",
        id: &req.id,
        result: CallResult {
            content: [Text {
                kind: "text",
                text: sum.to_string(),
            }],
            structured_content: Sum { result: sum },
        },
    })
    .expect("serializable")
}

/// Search options, shared by the 100 tools so that each schema has `$defs`.
#[derive(Debug, Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Options {
    /// How many results at most.
    limit: Option<u32>,
    /// Which fields to return.
    fields: Vec<String>,
    /// Sort order.
    order: Order,
}

/// A sort order.
#[derive(Debug, Deserialize, JsonSchema)]
#[allow(dead_code)]
enum Order {
    /// Oldest first.
    Ascending,
    /// Newest first.
    Descending,
}

macro_rules! hundred_tools {
    ($($name:ident)*) => {
        $(
            /// Looks something up (one of a hundred tools).
            #[tool(read_only)]
            async fn $name(
                /// What to look for.
                query: String,
                /// How to search.
                options: Option<Options>,
            ) -> String {
                format!("{query} {options:?}")
            }
        )*
        fn hundred() -> ferrymcp::ToolList<()> {
            tools![$($name),*]
        }
    };
}

hundred_tools!(tool_000 tool_001 tool_002 tool_003 tool_004 tool_005 tool_006 tool_007 tool_008 tool_009 tool_010 tool_011 tool_012 tool_013 tool_014 tool_015 tool_016 tool_017 tool_018 tool_019 tool_020 tool_021 tool_022 tool_023 tool_024 tool_025 tool_026 tool_027 tool_028 tool_029 tool_030 tool_031 tool_032 tool_033 tool_034 tool_035 tool_036 tool_037 tool_038 tool_039 tool_040 tool_041 tool_042 tool_043 tool_044 tool_045 tool_046 tool_047 tool_048 tool_049 tool_050 tool_051 tool_052 tool_053 tool_054 tool_055 tool_056 tool_057 tool_058 tool_059 tool_060 tool_061 tool_062 tool_063 tool_064 tool_065 tool_066 tool_067 tool_068 tool_069 tool_070 tool_071 tool_072 tool_073 tool_074 tool_075 tool_076 tool_077 tool_078 tool_079 tool_080 tool_081 tool_082 tool_083 tool_084 tool_085 tool_086 tool_087 tool_088 tool_089 tool_090 tool_091 tool_092 tool_093 tool_094 tool_095 tool_096 tool_097 tool_098 tool_099);

/// `tools/list` as a 2026-07-28 request.
const STATELESS_LIST: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#;

fn tools_list_100(c: &mut Criterion) {
    let rt = runtime();
    let build = || {
        rt.block_on(async {
            Server::builder("bench")
                .tools(hundred())
                .page_size(100)
                .build()
                .await
                .expect("server")
        })
    };
    let server = build();
    let session = rt.block_on(session_of(&server));
    let answer = rt.block_on(session.handle_bytes(LIST)).expect("an answer");
    assert_eq!(
        answer["result"]["tools"].as_array().map(Vec::len),
        Some(100)
    );

    // The same list over the HTTP endpoint (a 2026-07-28 request through
    // the router, no socket): the page is written from the definitions
    // serialized when the server was built.
    let app = server.router();
    let list_http = || async {
        use tower::ServiceExt;
        let request = http::Request::post("/")
            .header("host", "localhost")
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/list")
            .body(axum::body::Body::from(STATELESS_LIST))
            .expect("a request");
        let response = app.clone().oneshot(request).await.expect("a response");
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body")
    };
    let body: serde_json::Value = serde_json::from_slice(&rt.block_on(list_http())).expect("JSON");
    assert_eq!(body["result"]["tools"].as_array().map(Vec::len), Some(100));

    let mut group = c.benchmark_group("tools_list_100");
    group.bench_function("build_server_schemas", |b| b.iter(build));
    group.bench_function("tools_list_http", |b| b.iter(|| rt.block_on(list_http())));
    group.bench_function("tools_list", |b| {
        b.iter(|| {
            let answer = rt.block_on(session.handle_bytes(black_box(LIST)));
            serde_json::to_vec(&answer).expect("serializable")
        })
    });
    group.finish();
}

criterion_group!(benches, tools_call, tools_list_100);
criterion_main!(benches);
