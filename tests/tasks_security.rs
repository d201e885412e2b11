//! Tasks belong to the caller that created them: another identity gets the
//! same -32602 as for an id that never existed (no oracle) from tasks/get,
//! tasks/result and tasks/cancel, and never sees the task in tasks/list.

mod tasks_support;

use serde_json::{json, Value};
use tasks_support::{serve_nested, server, App, Caller};

const UNKNOWN: &str = "00000000000000000000000000000000";

/// The error of a response, with the task id in its message replaced by `X`.
fn error_shape(response: &Value, id: &str) -> Value {
    let e = &response["error"];
    json!({"code": e["code"], "message": e["message"].as_str().unwrap_or("").replace(id, "X")})
}

#[tokio::test]
async fn another_identity_cannot_read_await_list_or_cancel_a_task_2025_11_25() {
    let server = server(App::new()).await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let bob = Caller::session(&url, "2025-11-25", &[("x-subject", "bob")]).await;
    let created = alice
        .call("tools/call", json!({"name": "probe", "task": {}}))
        .await;
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    alice
        .poll(&id, |r| r["result"]["status"] == "completed")
        .await;
    for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
        let foreign = bob.call(method, json!({"taskId": id})).await;
        let unknown = bob.call(method, json!({"taskId": UNKNOWN})).await;
        assert_eq!(foreign["error"]["code"], -32602, "{method}: {foreign}");
        assert_eq!(
            error_shape(&foreign, &id),
            error_shape(&unknown, UNKNOWN),
            "{method} must not tell a foreign task from an unknown one"
        );
    }
    let bobs = bob.call("tasks/list", json!({})).await;
    assert_eq!(bobs["result"]["tasks"], json!([]));
    let alices = alice.call("tasks/list", json!({})).await;
    assert_eq!(alices["result"]["tasks"][0]["taskId"], id.as_str());
    // The same identity in another session is the same caller.
    let alice_again = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let got = alice_again.call("tasks/get", json!({"taskId": id})).await;
    assert_eq!(got["result"]["status"], "completed");
}

#[tokio::test]
async fn without_a_token_a_task_belongs_to_its_session() {
    let server = server(App::new()).await;
    let url = serve_nested(&server).await;
    let one = Caller::session(&url, "2025-11-25", &[]).await;
    let other = Caller::session(&url, "2025-11-25", &[]).await;
    let created = one
        .call("tools/call", json!({"name": "probe", "task": {}}))
        .await;
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        other.call("tasks/get", json!({"taskId": id})).await["error"]["code"],
        -32602
    );
    assert_eq!(
        other.call("tasks/list", json!({})).await["result"]["tasks"],
        json!([])
    );
    let mine = one.call("tasks/get", json!({"taskId": id})).await;
    assert_eq!(mine["result"]["taskId"], id.as_str());
}

#[tokio::test]
async fn another_identity_cannot_read_or_cancel_a_task_2026_07_28() {
    let server = server(App::new()).await;
    let url = serve_nested(&server).await;
    let alice = Caller::stateless(&url, &[("x-subject", "alice")], true);
    let bob = Caller::stateless(&url, &[("x-subject", "bob")], true);
    let anonymous = Caller::stateless(&url, &[], true);
    let created = alice.call("tools/call", json!({"name": "probe"})).await;
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    for caller in [&bob, &anonymous] {
        for method in ["tasks/get", "tasks/cancel"] {
            let foreign = caller.call(method, json!({"taskId": id})).await;
            let unknown = caller.call(method, json!({"taskId": UNKNOWN})).await;
            assert_eq!(foreign["error"]["code"], -32602, "{method}: {foreign}");
            assert_eq!(error_shape(&foreign, &id), error_shape(&unknown, UNKNOWN));
        }
    }
    let done = alice
        .poll(&id, |r| r["result"]["status"] == "completed")
        .await;
    assert_eq!(
        done["result"]["result"]["structuredContent"]["subject"],
        "alice"
    );
}

#[test]
fn task_ids_are_unguessable() {
    let ids: std::collections::HashSet<String> = (0..1000)
        .map(|_| ferrymcp::task::TaskId::random().to_string())
        .collect();
    assert_eq!(ids.len(), 1000);
    assert!(ids
        .iter()
        .all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())));
}
