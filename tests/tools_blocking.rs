//! Blocking tools: a plain (non-`async`) `fn` tool runs on the blocking pool
//! with the same arguments, injection, schemas and task support as an
//! `async fn` tool, and sees its cancellation through `Ctx::is_cancelled`.

mod tasks_support;

use ferrymcp::prelude::*;
use ferrymcp::Client;
use serde_json::{json, Value};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tasks_support::within;

/// What the blocking tools report to the test.
struct Probe {
    /// `spin` sends here when it starts, and when it saw its cancellation.
    events: Mutex<mpsc::Sender<&'static str>>,
}

/// Sums the numbers up to `n`, on the blocking pool.
#[tool(read_only)]
fn sum_to(
    /// The last number.
    n: u64,
    #[arg(default = 1)] step: u64,
) -> Result<u64, ToolError> {
    if step == 0 {
        return Err(ToolError::new("step must be positive"));
    }
    assert!(
        tokio::runtime::Handle::try_current().is_ok(),
        "the blocking pool runs inside the runtime"
    );
    Ok((0..=n).step_by(step as usize).sum())
}

/// Spins until the call is cancelled.
#[tool]
fn spin(ctx: Ctx, probe: Lifespan<Arc<Probe>>) -> String {
    let send = |event| {
        let _ = probe.events.lock().unwrap().send(event);
    };
    send("started");
    while !ctx.is_cancelled() {
        std::thread::sleep(Duration::from_millis(1));
    }
    send("saw the cancellation");
    "cancelled".into()
}

/// Reports whether it ran in the background, as a task.
#[tool(task = true)]
fn where_am_i(ctx: Ctx, label: String) -> String {
    format!("{label}: background={}", ctx.is_background())
}

async fn server(probe: Arc<Probe>) -> Server {
    Server::builder("blocking")
        .lifespan(move || async move { Ok::<_, std::io::Error>(probe) })
        .tools(tools![sum_to, spin, where_am_i])
        .build()
        .await
        .expect("the server builds")
}

fn probe() -> (Arc<Probe>, mpsc::Receiver<&'static str>) {
    let (tx, rx) = mpsc::channel();
    (
        Arc::new(Probe {
            events: Mutex::new(tx),
        }),
        rx,
    )
}

#[tokio::test]
async fn a_blocking_tool_runs_with_its_arguments_and_schema() {
    let (probe, _events) = probe();
    let client = Client::connect(&server(probe).await).await.unwrap();
    let tools = client.list_tools().await.unwrap();
    let sum = tools.iter().find(|t| t["name"] == "sum_to").unwrap();
    assert_eq!(sum["inputSchema"]["required"], json!(["n"]));
    assert_eq!(
        sum["inputSchema"]["properties"]["n"]["description"],
        "The last number."
    );
    assert_eq!(
        sum["outputSchema"]["properties"]["result"]["type"],
        "integer"
    );
    let result = client
        .call_tool("sum_to", json!({"n": 10, "step": 2}))
        .await
        .unwrap();
    assert_eq!(result.structured_content, Some(json!({"result": 30})));
    let failed = client
        .call_tool("sum_to", json!({"n": 10, "step": 0}))
        .await
        .unwrap();
    assert!(failed.is_error);
    let wrong = client
        .call_tool("sum_to", json!({"n": "ten"}))
        .await
        .unwrap();
    assert!(wrong.is_error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_tool_sees_its_cancellation() {
    let (probe, events) = probe();
    let client = Arc::new(Client::connect(&server(probe).await).await.unwrap());
    let id = client.next_request_id();
    let call = tokio::spawn({
        let client = Arc::clone(&client);
        async move { client.call_tool("spin", json!({})).await }
    });
    let events = Arc::new(Mutex::new(events));
    let next = |events: Arc<Mutex<mpsc::Receiver<&'static str>>>| {
        tokio::task::spawn_blocking(move || events.lock().unwrap().recv().unwrap())
    };
    assert_eq!(
        within("spin to start", next(Arc::clone(&events)))
            .await
            .unwrap(),
        "started"
    );
    client
        .notify(
            "notifications/cancelled",
            json!({"requestId": id, "reason": "user"}),
        )
        .await;
    let outcome = within("the cancelled call to end", call).await.unwrap();
    assert_eq!(outcome.unwrap_err().message, "the request was cancelled");
    assert_eq!(
        within("spin to see its cancellation", next(events))
            .await
            .unwrap(),
        "saw the cancellation"
    );
}

#[tokio::test]
async fn a_blocking_tool_runs_as_a_task() {
    let (probe, _events) = probe();
    let client = Client::connect(&server(probe).await).await.unwrap();
    let inline = client
        .request(
            "tools/call",
            json!({"name": "where_am_i", "arguments": {"label": "inline"}}),
        )
        .await
        .unwrap();
    assert_eq!(inline["content"][0]["text"], "inline: background=false");
    let created = client
        .request(
            "tools/call",
            json!({"name": "where_am_i", "arguments": {"label": "task"}, "task": {}}),
        )
        .await
        .unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let result: Value = within(
        "tasks/result",
        client.request("tasks/result", json!({"taskId": id})),
    )
    .await
    .unwrap();
    assert_eq!(
        result["content"][0]["text"], "task: background=true",
        "{result}"
    );
}
