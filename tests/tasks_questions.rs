//! Questions asked inside background tasks: 2026-07-28 surfaces them in
//! `tasks/get` (`inputRequests`) and takes answers with `tasks/update`;
//! 2025-11-25 sends them on the `tasks/result` stream with related-task
//! `_meta`; `#[tool(ask_first)]` asks in the foreground before the task exists.

mod http_support;

use ferrymcp::prelude::*;
use ferrymcp::Client;
use http_support::{spawn, stateless};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Confirm {
    confirm: bool,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// Deletes a file once the user confirms.
#[tool(task = true)]
async fn delete_file(filename: String, ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx.elicit::<Confirm>(format!("Delete {filename}?")).await?;
    Ok(match answer.accepted() {
        Some(Confirm { confirm: true }) => format!("Deleted {filename}"),
        _ => format!("Kept {filename}"),
    })
}

/// Asks two names at once.
#[tool(task = true)]
async fn two_names(ctx: Ctx) -> Result<String, ToolError> {
    let (a, b) = tokio::join!(
        ctx.ask("first").elicit::<Name>("First name?"),
        ctx.ask("second").elicit::<Name>("Second name?"),
    );
    let name = |e: Elicitation<Name>| e.accepted().map_or("?".into(), |n| n.name);
    Ok(format!("{} and {}", name(a?), name(b?)))
}

/// Asks a name in the foreground (2026-07-28), then works as a task.
#[tool(task = "required", ask_first)]
async fn greet_later(ctx: Ctx) -> Result<String, ToolError> {
    let name = ctx.ask("user_name").elicit::<Name>("Your name?").await?;
    tokio::time::sleep(Duration::from_millis(20)).await;
    Ok(format!(
        "Hello {}, from the background: {}",
        name.accepted().map_or("?".into(), |n| n.name),
        ctx.is_background()
    ))
}

async fn server() -> Server {
    Server::builder("task-questions")
        .tools(tools![delete_file, two_names, greet_later])
        .build()
        .await
        .unwrap()
}

async fn serve() -> String {
    let server = server().await;
    let base = spawn(ferrymcp::transport::http::Router::new().nest("/mcp", server.router())).await;
    format!("{base}/mcp")
}

/// A 2026-07-28 request from a client that can answer forms and runs tasks.
async fn call(url: &str, method: &str, mut params: Value) -> Value {
    let mut meta = http_support::meta();
    meta["io.modelcontextprotocol/clientCapabilities"] =
        json!({"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}});
    params["_meta"] = meta;
    let reply = stateless(url, 1, method, params).await;
    let body = reply.json();
    body.get("result")
        .cloned()
        .unwrap_or_else(|| panic!("{method} failed: {body}"))
}

async fn poll(url: &str, task: &str, done: impl Fn(&Value) -> bool) -> Value {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let got = call(url, "tasks/get", json!({"taskId": task})).await;
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the task reached the status in time")
}

#[tokio::test]
async fn a_2026_task_waits_in_input_required_until_tasks_update() {
    let url = serve().await;
    let created = call(
        &url,
        "tools/call",
        json!({"name": "delete_file", "arguments": {"filename": "a.txt"}}),
    )
    .await;
    assert_eq!(created["resultType"], "task");
    let task = created["taskId"].as_str().unwrap().to_owned();
    let waiting = poll(&url, &task, |t| t["status"] == "input_required").await;
    let requests = waiting["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 1);
    let (key, request) = requests.iter().next().unwrap();
    assert_eq!(request["method"], "elicitation/create");
    assert_eq!(request["params"]["message"], "Delete a.txt?");
    assert_eq!(
        request["params"]["requestedSchema"]["properties"]["confirm"]["type"],
        "boolean"
    );
    let ack = call(
        &url,
        "tasks/update",
        json!({"taskId": task, "inputResponses": {
        key.clone(): {"action": "accept", "content": {"confirm": true}}}}),
    )
    .await;
    assert_eq!(ack["resultType"], "complete");
    assert!(
        ack.get("status").is_none() && ack.get("taskId").is_none(),
        "{ack}"
    );
    let done = poll(&url, &task, |t| t["status"] == "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "Deleted a.txt");
}

#[tokio::test]
async fn questions_asked_together_are_answered_one_by_one() {
    let url = serve().await;
    let created = call(
        &url,
        "tools/call",
        json!({"name": "two_names", "arguments": {}}),
    )
    .await;
    let task = created["taskId"].as_str().unwrap().to_owned();
    let waiting = poll(&url, &task, |t| {
        t["inputRequests"].as_object().is_some_and(|r| r.len() == 2)
    })
    .await;
    assert_eq!(waiting["status"], "input_required");
    call(
        &url,
        "tasks/update",
        json!({"taskId": task, "inputResponses": {
        "first": {"action": "accept", "content": {"name": "Ada"}},
        "no-such-question": {"ignored": true}}}),
    )
    .await;
    let after = call(&url, "tasks/get", json!({"taskId": task})).await;
    assert_eq!(
        after["status"], "input_required",
        "the second is still open"
    );
    let open: Vec<&String> = after["inputRequests"].as_object().unwrap().keys().collect();
    assert_eq!(open, ["second"]);
    call(
        &url,
        "tasks/update",
        json!({"taskId": task, "inputResponses": {
        "second": {"action": "accept", "content": {"name": "Grace"}}}}),
    )
    .await;
    let done = poll(&url, &task, |t| t["status"] == "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "Ada and Grace");
}

#[tokio::test]
async fn ask_first_answers_in_the_foreground_then_runs_the_task() {
    let url = serve().await;
    let first = call(
        &url,
        "tools/call",
        json!({"name": "greet_later", "arguments": {}}),
    )
    .await;
    assert_eq!(first["resultType"], "input_required");
    assert!(first.get("taskId").is_none());
    assert_eq!(
        first["inputRequests"]["user_name"]["method"],
        "elicitation/create"
    );
    let created = call(
        &url,
        "tools/call",
        json!({"name": "greet_later", "arguments": {},
        "requestState": first["requestState"],
        "inputResponses": {"user_name": {"action": "accept", "content": {"name": "Ada"}}}}),
    )
    .await;
    assert_eq!(created["resultType"], "task", "{created}");
    assert!(created.get("requestState").is_none() && created.get("inputRequests").is_none());
    let task = created["taskId"].as_str().unwrap().to_owned();
    let done = poll(&url, &task, |t| t["status"] == "completed").await;
    assert_eq!(
        done["result"]["content"][0]["text"], "Hello Ada, from the background: true",
        "the worker found the foreground's answer"
    );
}

#[tokio::test]
async fn a_2025_11_25_client_gets_the_question_on_the_tasks_result_stream() {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = Arc::clone(&seen);
    let client = Client::connect_answering(
        &server().await,
        json!({"elicitation": {}}),
        move |method, params| {
            assert_eq!(method, "elicitation/create");
            log.lock().unwrap().push(params);
            async { Ok(json!({"action": "accept", "content": {"confirm": false}})) }
        },
    )
    .await
    .unwrap();
    let created = client
        .request(
            "tools/call",
            json!({"name": "delete_file",
            "arguments": {"filename": "b.txt"}, "task": {"ttl": 60000}}),
        )
        .await
        .unwrap();
    let task = created["task"]["taskId"].as_str().unwrap().to_owned();
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        client.request("tasks/result", json!({"taskId": task})),
    )
    .await
    .expect("tasks/result ends")
    .unwrap();
    assert_eq!(result["content"][0]["text"], "Kept b.txt");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        task.as_str()
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        task.as_str(),
        "the question names its task"
    );
    assert_eq!(seen[0]["message"], "Delete b.txt?");
}

#[tokio::test]
async fn a_2025_11_25_task_shows_input_required_until_someone_waits_for_its_result() {
    let client =
        Client::connect_answering(&server().await, json!({"elicitation": {}}), |_, _| async {
            Ok(json!({"action": "accept", "content": {"confirm": true}}))
        })
        .await
        .unwrap();
    let created = client
        .request(
            "tools/call",
            json!({"name": "delete_file",
            "arguments": {"filename": "c.txt"}, "task": {}}),
        )
        .await
        .unwrap();
    let task = created["task"]["taskId"].as_str().unwrap().to_owned();
    let status = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let got = client
                .request("tasks/get", json!({"taskId": task}))
                .await
                .unwrap();
            if got["status"] != "working" {
                return got["status"].clone();
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(status, "input_required");
    let result = client
        .request("tasks/result", json!({"taskId": task}))
        .await
        .unwrap();
    assert_eq!(result["content"][0]["text"], "Deleted c.txt");
}

#[tokio::test]
async fn a_task_with_bad_arguments_is_refused_before_it_exists() {
    let client = Client::connect(&server().await).await.unwrap();
    let wrong_type = client
        .request(
            "tools/call",
            json!({"name": "delete_file",
            "arguments": {"filename": 5}, "task": {}}),
        )
        .await
        .unwrap_err();
    assert_eq!(wrong_type.code, -32602);
    assert!(
        wrong_type.message.contains("`filename`"),
        "{}",
        wrong_type.message
    );
    let unknown = client
        .request(
            "tools/call",
            json!({"name": "delete_file",
            "arguments": {"filename": "a", "force": true}, "task": {}}),
        )
        .await
        .unwrap_err();
    assert!(
        unknown.message.contains("unknown argument `force`"),
        "{}",
        unknown.message
    );
    let missing = client
        .request(
            "tools/call",
            json!({"name": "delete_file", "arguments": {}, "task": {}}),
        )
        .await
        .unwrap_err();
    assert!(
        missing
            .message
            .contains("missing required argument `filename`"),
        "{}",
        missing.message
    );
    let listed = client.request("tasks/list", json!({})).await.unwrap();
    assert_eq!(listed["tasks"], json!([]), "no task was created");

    let url = serve().await;
    let mut meta = http_support::meta();
    meta["io.modelcontextprotocol/clientCapabilities"] =
        json!({"extensions": {"io.modelcontextprotocol/tasks": {}}});
    let reply = stateless(
        &url,
        1,
        "tools/call",
        json!({"name": "delete_file",
        "arguments": {"filename": []}, "_meta": meta}),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"]["code"], -32602);
}
