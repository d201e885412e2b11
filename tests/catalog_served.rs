//! Resources, templates, prompts and completion served by a real `Server`:
//! through a 2025-11-25 session (in-process client) and statelessly over a
//! real socket (2026-07-28), as clients of each revision see them.

mod http_support;

use ferrymcp::catalog::{Completion, PromptMessage};
use ferrymcp::prelude::*;
use ferrymcp::{prompt, prompts, resource, resources, Client};
use http_support::{spawn, stateless};
use serde_json::json;

/// The app's start-up state.
struct App {
    motd: &'static str,
}

/// The message of the day.
#[resource(uri = "app://motd", mime_type = "text/plain")]
async fn motd(app: Lifespan<App>) -> String {
    app.motd.to_string()
}

/// One user's profile.
#[resource(uri = "users://{id}/profile", mime_type = "application/json", complete(id = user_ids))]
async fn profile(id: u32) -> String {
    json!({ "id": id }).to_string()
}

async fn user_ids(prefix: String) -> Completion {
    Completion::matching(&prefix, ["1", "12", "2"])
}

/// Asks for a code review.
#[prompt(complete(language = languages))]
async fn review(
    /// The code to review.
    code: String,
    /// Its language.
    language: Option<String>,
) -> PromptMessage {
    PromptMessage::user_text(format!(
        "Review this {} code: {code}",
        language.as_deref().unwrap_or("")
    ))
}

async fn languages(prefix: String) -> Completion {
    Completion::matching(&prefix, ["rust", "python", "ruby"])
}

/// A tool, so the server has all three kinds.
#[tool]
async fn noop() -> String {
    "ok".into()
}

async fn server() -> Server {
    Server::builder("catalog")
        .lifespan(|| async { Ok::<_, std::io::Error>(App { motd: "hello" }) })
        .tools(tools![noop])
        .resources(resources![motd, profile])
        .prompts(prompts![review])
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_session_lists_reads_gets_completes_and_subscribes() {
    let client = Client::connect(&server().await).await.unwrap();
    let caps = &client.initialize_result()["capabilities"];
    assert_eq!(
        caps["resources"],
        json!({"subscribe": true, "listChanged": true})
    );
    assert_eq!(caps["prompts"], json!({"listChanged": true}));
    assert_eq!(caps["completions"], json!({}));

    let list = client.request("resources/list", json!({})).await.unwrap();
    assert_eq!(list["resources"][0]["uri"], "app://motd");
    let templates = client
        .request("resources/templates/list", json!({}))
        .await
        .unwrap();
    assert_eq!(
        templates["resourceTemplates"][0]["uriTemplate"],
        "users://{id}/profile"
    );

    let read = client
        .request("resources/read", json!({"uri": "app://motd"}))
        .await
        .unwrap();
    assert_eq!(
        read["contents"][0]["text"], "hello",
        "the lifespan reached the resource"
    );
    let read = client
        .request("resources/read", json!({"uri": "users://12/profile"}))
        .await
        .unwrap();
    assert_eq!(read["contents"][0]["text"], r#"{"id":12}"#);
    let missing = client
        .request("resources/read", json!({"uri": "nope://x"}))
        .await
        .unwrap_err();
    assert_eq!(missing.code, -32002, "legacy revisions: resource not found");

    let prompt = client
        .request(
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "fn x(){}", "language": "rust"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        prompt["messages"][0]["content"]["text"],
        "Review this rust code: fn x(){}"
    );
    let no_code = client
        .request("prompts/get", json!({"name": "review", "arguments": {}}))
        .await
        .unwrap_err();
    assert_eq!(no_code.code, -32602);

    let completion = client
        .request(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "review"}, "argument": {"name": "language", "value": "r"}}),
        )
        .await
        .unwrap();
    assert_eq!(completion["completion"]["values"], json!(["rust", "ruby"]));
    let completion = client
        .request(
            "completion/complete",
            json!({"ref": {"type": "ref/resource", "uri": "users://{id}/profile"}, "argument": {"name": "id", "value": "1"}}),
        )
        .await
        .unwrap();
    assert_eq!(completion["completion"]["values"], json!(["1", "12"]));

    client
        .request("resources/subscribe", json!({"uri": "app://motd"}))
        .await
        .unwrap();
    client
        .request("resources/unsubscribe", json!({"uri": "app://motd"}))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_stateless_client_reads_and_gets_over_http() {
    let base = spawn(axum::Router::new().nest("/mcp", server().await.router())).await;
    let url = format!("{base}/mcp");
    let discover = stateless(&url, 1, "server/discover", json!({}))
        .await
        .json();
    let caps = &discover["result"]["capabilities"];
    assert_eq!(
        caps["resources"]["subscribe"], true,
        "2026-07-28 subscribes through subscriptions/listen"
    );
    assert!(caps.get("prompts").is_some());

    let read = stateless(
        &url,
        2,
        "resources/read",
        json!({"uri": "users://7/profile"}),
    )
    .await
    .json();
    assert_eq!(read["result"]["contents"][0]["text"], r#"{"id":7}"#);
    assert_eq!(read["result"]["resultType"], "complete");
    let missing = stateless(&url, 3, "resources/read", json!({"uri": "nope://x"}))
        .await
        .json();
    assert_eq!(
        missing["error"]["code"], -32602,
        "2026-07-28: resource not found is -32602"
    );

    let prompt = stateless(
        &url,
        4,
        "prompts/get",
        json!({"name": "review", "arguments": {"code": "x"}}),
    )
    .await
    .json();
    assert_eq!(
        prompt["result"]["messages"][0]["content"]["text"],
        "Review this  code: x"
    );
    let list = stateless(&url, 5, "prompts/list", json!({})).await.json();
    assert_eq!(list["result"]["prompts"][0]["name"], "review");
    assert_eq!(list["result"]["cacheScope"], "public");
}
