//! Every message of the question machinery checked against the official
//! schemas (`MCP_SPEC_DIR`; `#[ignore]`d without it, run by `.ci/run`): the
//! requests a session receives, the 2026-07-28 `InputRequiredResult`, a
//! task's `inputRequests` in `tasks/get`, the `tasks/update` ack, and the
//! messages of a `subscriptions/listen` stream.

use ferrymcp::ask::SamplingRequest;
use ferrymcp::call::Change;
use ferrymcp::call::ChannelOutbound;
use ferrymcp::prelude::*;
use ferrymcp::protocol::{Request, RequestId};
use ferrymcp::Client;
use ferrymcp_tests::spec::Spec;
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken as Cancel;

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Size {
    Small,
    Large,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Order {
    /// How many.
    count: u32,
    size: Size,
    note: Option<String>,
    #[serde(default)]
    gift: bool,
}

/// Asks all three kinds of question.
#[tool(task = true)]
async fn ask_all(ctx: Ctx) -> Result<String, ToolError> {
    let order = match ctx.elicit::<Order>("Your order?").await? {
        Elicitation::Accept(o) => format!("{} {:?} {:?} {}", o.count, o.size, o.note, o.gift),
        other => format!("{:?}", other.action()),
    };
    let said = ctx.sample(SamplingRequest::new(20).user("Hi")).await?;
    let roots = ctx.list_roots().await?;
    Ok(format!("{order} {:?} {}", said.text(), roots.len()))
}

async fn server() -> Server {
    Server::builder("schemas")
        .tools(tools![ask_all])
        .build()
        .await
        .unwrap()
}

#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official schemas); run by .ci/run"]
async fn session_requests_follow_each_revisions_schema() {
    let spec = Spec::load("2025-11-25");
    let seen: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let log = Arc::clone(&seen);
    let client = Client::connect_answering(
        &server().await,
        json!({"elicitation": {}, "sampling": {}, "roots": {}}),
        move |method, params| {
            log.lock().unwrap().push((method.clone(), params));
            async move {
                Ok(match method.as_str() {
                    "elicitation/create" => {
                        json!({"action": "accept", "content": {"count": 2, "size": "large"}})
                    }
                    "sampling/createMessage" => json!({"role": "assistant", "model": "m",
                        "content": {"type": "text", "text": "yo"}}),
                    _ => json!({"roots": []}),
                })
            }
        },
    )
    .await
    .unwrap();
    let result = client.call_tool("ask_all", json!({})).await.unwrap();
    assert!(!result.is_error);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for (method, params) in seen.iter() {
        let message =
            json!({"jsonrpc": "2.0", "id": "ferry-1", "method": method, "params": params});
        let definition = match method.as_str() {
            "elicitation/create" => "ElicitRequest",
            "sampling/createMessage" => "CreateMessageRequest",
            _ => "ListRootsRequest",
        };
        spec.check(definition, &message);
    }
}

/// Runs one 2026-07-28 request through the server's stateless entry point.
async fn stateless(server: &Server, method: &str, mut params: Value, caps: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": caps,
    });
    let Value::Object(params) = params else {
        unreachable!()
    };
    let request = Request {
        id: RequestId::Number(1),
        method: method.into(),
        params: Some(params.into()),
    };
    let call = server.prepare_stateless(request).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::channel(16);
    call.run(
        Arc::new(ChannelOutbound(tx)),
        http::Extensions::new(),
        Cancel::new(),
    )
    .await
}

#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official schemas); run by .ci/run"]
async fn stateless_results_follow_the_2026_schema() {
    let spec = Spec::load("2026-07-28");
    let server = server().await;
    let caps = json!({"elicitation": {}, "sampling": {}, "roots": {}});
    let first = stateless(
        &server,
        "tools/call",
        json!({"name": "ask_all", "arguments": {}}),
        caps.clone(),
    )
    .await;
    spec.check("InputRequiredResult", &first["result"]);
    spec.check("JSONRPCResultResponse", &first);
    let state = first["result"]["requestState"].clone();
    let second = stateless(
        &server,
        "tools/call",
        json!({"name": "ask_all", "arguments": {},
        "requestState": state, "inputResponses": {"elicitation-1":
            {"action": "accept", "content": {"count": 1, "size": "small", "gift": true}}}}),
        caps,
    )
    .await;
    spec.check("InputRequiredResult", &second["result"]);
    assert_eq!(
        second["result"]["inputRequests"]["sampling-2"]["method"],
        "sampling/createMessage"
    );
}

#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official schemas); run by .ci/run"]
async fn a_tasks_questions_and_ack_follow_the_tasks_extension_schema() {
    let ext = Spec::load("ext-tasks");
    let server = server().await;
    let caps = json!({"elicitation": {}, "sampling": {}, "roots": {},
        "extensions": {"io.modelcontextprotocol/tasks": {}}});
    let created = stateless(
        &server,
        "tools/call",
        json!({"name": "ask_all", "arguments": {}}),
        caps.clone(),
    )
    .await;
    let task = created["result"]["taskId"].as_str().unwrap().to_owned();
    let waiting = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let got = stateless(&server, "tasks/get", json!({"taskId": task}), caps.clone()).await;
            if got["result"]["status"] == "input_required" {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    ext.check("GetTaskResult", &waiting["result"]);
    let ack = stateless(
        &server,
        "tasks/update",
        json!({"taskId": task, "inputResponses":
        {"elicitation-1": {"action": "decline"}}}),
        caps,
    )
    .await;
    ext.check("UpdateTaskResult", &ack["result"]);
}

#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official schemas); run by .ci/run"]
async fn listen_stream_messages_follow_the_2026_schema() {
    let spec = Spec::load("2026-07-28");
    let server = server().await;
    let mut params = Map::new();
    params.insert("notifications".into(), json!({"toolsListChanged": true}));
    params.insert(
        "_meta".into(),
        json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        }),
    );
    let call = server
        .prepare_stateless(Request {
            id: RequestId::String("sub".into()),
            method: "subscriptions/listen".into(),
            params: Some(params.into()),
        })
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let cancel = Cancel::new();
    let running = tokio::spawn(call.run(
        Arc::new(ChannelOutbound(tx)),
        http::Extensions::new(),
        cancel.clone(),
    ));
    let ack = rx.recv().await.unwrap();
    spec.check("SubscriptionsAcknowledgedNotification", &ack);
    server.notifier().announce(Change::ToolsListChanged);
    let changed = rx.recv().await.unwrap();
    spec.check("ToolListChangedNotification", &changed);
    cancel.cancel();
    let end = running.await.unwrap();
    spec.check("SubscriptionsListenResultResponse", &end);
}
