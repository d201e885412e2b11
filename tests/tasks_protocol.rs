//! What each revision says about tasks: taskSupport violations, 2025-06-18
//! clients, the 2026-07-28 extension's gating and shapes, tool errors versus
//! protocol errors; and every task message checked against the official
//! schemas.

mod tasks_support;

use ferrymcp::Client;
use serde_json::{json, Value};
use tasks_support::{serve_nested, server, start_task, within, App, Caller};

#[tokio::test]
async fn task_support_violations_are_method_not_found_on_2025_11_25() {
    let client = Client::connect(&server(App::new()).await).await.unwrap();
    let forbidden = client
        .request("tools/call", json!({"name": "plain", "task": {}}))
        .await
        .unwrap_err();
    assert_eq!(forbidden.code, -32601);
    assert!(
        forbidden.message.contains("forbidden"),
        "{}",
        forbidden.message
    );
    let required = client
        .request("tools/call", json!({"name": "only_task"}))
        .await
        .unwrap_err();
    assert_eq!(required.code, -32601);
    let id = start_task(&client, "only_task", json!({})).await;
    let result = within(
        "tasks/result",
        client.request("tasks/result", json!({"taskId": id})),
    )
    .await
    .unwrap();
    assert_eq!(result["content"][0]["text"], "ran as a task");
    let bad = client
        .request("tools/call", json!({"name": "probe", "task": 5}))
        .await
        .unwrap_err();
    assert_eq!(bad.code, -32602);
}

#[tokio::test]
async fn clients_of_2025_06_18_run_task_tools_inline() {
    let server = server(App::new()).await;
    let client = Client::connect_with(&server, "2025-06-18").await.unwrap();
    assert!(client.initialize_result()["capabilities"]
        .get("tasks")
        .is_none());
    let inline = client.call_tool("probe", json!({})).await.unwrap();
    assert_eq!(inline.structured_content.unwrap()["background"], false);
    let required = client.call_tool("only_task", json!({})).await.unwrap_err();
    assert_eq!(required.code, -32601);
    assert!(
        required.message.contains("2025-11-25"),
        "{}",
        required.message
    );
    let no_method = client
        .request("tasks/get", json!({"taskId": "x"}))
        .await
        .unwrap_err();
    assert_eq!(no_method.code, -32601);
}

#[tokio::test]
async fn tool_errors_complete_and_protocol_errors_fail() {
    let client = Client::connect(&server(App::new()).await).await.unwrap();
    let tool_error = start_task(&client, "tool_error", json!({})).await;
    let result = client
        .request("tasks/result", json!({"taskId": tool_error}))
        .await
        .unwrap();
    assert_eq!(result["isError"], true);
    let got = client
        .request("tasks/get", json!({"taskId": tool_error}))
        .await
        .unwrap();
    assert_eq!(got["status"], "completed");
    let protocol = start_task(&client, "protocol_error", json!({})).await;
    let e = client
        .request("tasks/result", json!({"taskId": protocol}))
        .await
        .unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (-32603, "the job broke"));
    let got = client
        .request("tasks/get", json!({"taskId": protocol}))
        .await
        .unwrap();
    assert_eq!(got["status"], "failed");
    assert_eq!(got["statusMessage"], "the job broke");
}

#[tokio::test]
async fn the_2026_07_28_extension_is_gated_per_request() {
    let server = server(App::new()).await;
    let url = serve_nested(&server).await;
    let plain = Caller::stateless(&url, &[], false);
    let opted = Caller::stateless(&url, &[], true);
    let required = plain.call("tools/call", json!({"name": "only_task"})).await;
    assert_eq!(required["error"]["code"], -32021, "{required}");
    assert_eq!(
        required["error"]["data"]["requiredCapabilities"],
        json!({"extensions": {"io.modelcontextprotocol/tasks": {}}})
    );
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let gated = plain
            .call(method, json!({"taskId": "x", "inputResponses": {}}))
            .await;
        assert_eq!(gated["error"]["code"], -32021, "{method}");
    }
    for method in ["tasks/result", "tasks/list"] {
        let gone = opted.call(method, json!({"taskId": "x"})).await;
        assert_eq!(gone["error"]["code"], -32601, "{method}");
    }
    let created = opted
        .call("tools/call", json!({"name": "protocol_error"}))
        .await;
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    let failed = opted.poll(&id, |r| r["result"]["status"] == "failed").await;
    assert_eq!(failed["result"]["error"]["code"], -32603);
    assert!(failed["result"].get("result").is_none());
    // Cancel is an empty acknowledgement, also for a terminal task.
    let ack = opted.call("tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(ack["result"]["resultType"], "complete");
    assert!(ack["result"].get("taskId").is_none() && ack["result"].get("status").is_none());
    let update = opted
        .call("tasks/update", json!({"taskId": id, "inputResponses": {}}))
        .await;
    assert_eq!(update["result"]["resultType"], "complete");
    let bad = opted
        .call("tasks/update", json!({"taskId": id, "inputResponses": 3}))
        .await;
    assert_eq!(bad["error"]["code"], -32602);
}

#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official MCP schemas); .ci/run sets it"]
async fn task_messages_match_the_official_schemas() {
    use ferrymcp_tests::spec::Spec;
    let core = Spec::load("2025-11-25");
    let ext = Spec::load("ext-tasks");
    let server = server(App::new()).await;
    let client = Client::connect(&server).await.unwrap();
    core.check("InitializeResult", client.initialize_result());
    let created = client
        .request(
            "tools/call",
            json!({"name": "probe", "task": {"ttl": 1000}}),
        )
        .await
        .unwrap();
    core.check("CreateTaskResult", &created);
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let result = client
        .request("tasks/result", json!({"taskId": id}))
        .await
        .unwrap();
    core.check("CallToolResult", &result);
    core.check(
        "GetTaskResult",
        &client
            .request("tasks/get", json!({"taskId": id}))
            .await
            .unwrap(),
    );
    core.check(
        "ListTasksResult",
        &client.request("tasks/list", json!({})).await.unwrap(),
    );
    for n in client.drain_notifications().await {
        if n["method"] == "notifications/tasks/status" {
            core.check("TaskStatusNotification", &n);
        }
    }
    let running = start_task(&client, "gated", json!({})).await;
    let cancelled = client
        .request("tasks/cancel", json!({"taskId": running}))
        .await
        .unwrap();
    core.check("CancelTaskResult", &cancelled);

    let url = serve_nested(&server).await;
    let opted = Caller::stateless(&url, &[], true);
    let created = opted.call("tools/call", json!({"name": "probe"})).await;
    ext.check("CreateTaskResult", &created["result"]);
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    let working = opted.call("tasks/get", json!({"taskId": id})).await;
    ext.check("GetTaskResult", &working["result"]);
    let done = opted
        .poll(&id, |r| r["result"]["status"] == "completed")
        .await;
    ext.check("GetTaskResult", &done["result"]);
    let failed = opted
        .call("tools/call", json!({"name": "protocol_error"}))
        .await;
    let fid = failed["result"]["taskId"].as_str().unwrap().to_owned();
    let failed: Value = opted
        .poll(&fid, |r| r["result"]["status"] == "failed")
        .await;
    ext.check("GetTaskResult", &failed["result"]);
    let ack = opted.call("tasks/cancel", json!({"taskId": fid})).await;
    ext.check("CancelTaskResult", &ack["result"]);
    let update = opted
        .call("tasks/update", json!({"taskId": fid, "inputResponses": {}}))
        .await;
    ext.check("UpdateTaskResult", &update["result"]);
}
