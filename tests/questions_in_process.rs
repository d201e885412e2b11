//! Tools that ask the client (elicitation, sampling, roots) over a session,
//! through the in-process client: typed answers, every action, the client's
//! errors, malformed answers, and clients without the capability.

use ferrymcp::ask::{Root, SamplingRequest};
use ferrymcp::prelude::*;
use ferrymcp::protocol::ErrorObject;
use ferrymcp::Client;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Contact {
    /// Your name.
    name: String,
    /// Your age, if you like.
    age: Option<u8>,
}

/// Asks for a contact and describes the answer.
#[tool]
async fn ask_contact(ctx: Ctx) -> Result<String, ToolError> {
    Ok(match ctx.elicit::<Contact>("Who are you?").await? {
        Elicitation::Accept(c) => format!("{} ({:?})", c.name, c.age),
        Elicitation::Decline => "declined".into(),
        Elicitation::Cancel => "cancelled".into(),
    })
}

/// Asks the model.
#[tool]
async fn ask_model(ctx: Ctx) -> Result<String, ToolError> {
    let answer = ctx
        .sample(
            SamplingRequest::new(50)
                .system_prompt("Be brief.")
                .user("Hi?"),
        )
        .await?;
    Ok(format!(
        "{} said {}",
        answer.model,
        answer.text().unwrap_or("?")
    ))
}

/// Lists the client's roots.
#[tool]
async fn ask_roots(ctx: Ctx) -> Result<Vec<Root>, ToolError> {
    Ok(ctx.list_roots().await?)
}

/// Asks two questions at once.
#[tool]
async fn ask_two(ctx: Ctx) -> Result<String, ToolError> {
    let (a, b) = tokio::join!(
        ctx.ask("first").elicit::<Contact>("First?"),
        ctx.ask("second").elicit::<Contact>("Second?"),
    );
    let name = |e: Elicitation<Contact>| e.accepted().map(|c| c.name).unwrap_or_default();
    Ok(format!("{} and {}", name(a?), name(b?)))
}

async fn server() -> Server {
    Server::builder("questions")
        .tools(tools![ask_contact, ask_model, ask_roots, ask_two])
        .build()
        .await
        .unwrap()
}

/// What the client saw: (method, params) of every request of the server.
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

async fn client_answering(
    capabilities: Value,
    answer: impl Fn(&str, &Value) -> Result<Value, ErrorObject> + Send + Sync + 'static,
) -> (Client, Seen) {
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    let answer = Arc::new(answer);
    let client = Client::connect_answering(&server().await, capabilities, move |method, params| {
        log.lock().unwrap().push((method.clone(), params.clone()));
        let outcome = answer(&method, &params);
        async move { outcome }
    })
    .await
    .unwrap();
    (client, seen)
}

fn text(result: &CallToolResult) -> String {
    match &result.content[0] {
        Content::Text { text, .. } => text.clone(),
        other => panic!("expected text, got {other:?}"),
    }
}

#[tokio::test]
async fn an_accepted_elicitation_reaches_the_tool_typed() {
    let (client, seen) = client_answering(json!({"elicitation": {}}), |_, _| {
        Ok(json!({"action": "accept", "content": {"name": "Ada", "age": 36}}))
    })
    .await;
    let result = client.call_tool("ask_contact", json!({})).await.unwrap();
    assert_eq!(text(&result), "Ada (Some(36))");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let (method, params) = &seen[0];
    assert_eq!(method, "elicitation/create");
    assert_eq!(params["mode"], "form");
    assert_eq!(params["message"], "Who are you?");
    let schema = &params["requestedSchema"];
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["properties"]["name"]["type"], "string");
    assert_eq!(schema["properties"]["name"]["description"], "Your name.");
    assert_eq!(schema["properties"]["age"]["type"], "integer");
    assert_eq!(schema["required"], json!(["name"]));
}

#[tokio::test]
async fn decline_and_cancel_are_told_apart() {
    for (action, expected) in [("decline", "declined"), ("cancel", "cancelled")] {
        let (client, _) = client_answering(json!({"elicitation": {}}), move |_, _| {
            Ok(json!({ "action": action }))
        })
        .await;
        let result = client.call_tool("ask_contact", json!({})).await.unwrap();
        assert_eq!(text(&result), expected);
    }
}

#[tokio::test]
async fn sampling_and_roots_round_trip() {
    let (client, seen) =
        client_answering(
            json!({"sampling": {}, "roots": {}}),
            |method, _| match method {
                "sampling/createMessage" => Ok(json!({
                    "role": "assistant", "model": "m-1", "stopReason": "endTurn",
                    "content": {"type": "text", "text": "hello"}
                })),
                _ => Ok(json!({"roots": [{"uri": "file:///work", "name": "work"}]})),
            },
        )
        .await;
    let said = client.call_tool("ask_model", json!({})).await.unwrap();
    assert_eq!(text(&said), "m-1 said hello");
    let roots = client.call_tool("ask_roots", json!({})).await.unwrap();
    assert_eq!(
        roots.structured_content.unwrap(),
        json!({"result": [{"uri": "file:///work", "name": "work"}]})
    );
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0].1,
        json!({
            "messages": [{"role": "user", "content": {"type": "text", "text": "Hi?"}}],
            "maxTokens": 50,
            "systemPrompt": "Be brief."
        })
    );
    assert_eq!(seen[1].0, "roots/list");
}

#[tokio::test]
async fn questions_asked_together_are_both_answered() {
    let (client, seen) = client_answering(json!({"elicitation": {}}), |_, params| {
        let name = params["message"].as_str().unwrap().trim_end_matches('?');
        Ok(json!({"action": "accept", "content": {"name": name}}))
    })
    .await;
    let result = client.call_tool("ask_two", json!({})).await.unwrap();
    assert_eq!(text(&result), "First and Second");
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_client_without_the_capability_gets_32021_naming_it() {
    let (client, seen) = client_answering(json!({}), |_, _| Ok(json!({}))).await;
    let error = client.call_tool("ask_model", json!({})).await.unwrap_err();
    assert_eq!(error.code, -32021);
    assert_eq!(
        error.data,
        Some(json!({"requiredCapabilities": {"sampling": {}}}))
    );
    assert!(error.message.contains("`sampling`"), "{}", error.message);
    // A client that declared URL elicitation only cannot answer a form.
    let (url_only, _) = client_answering(json!({"elicitation": {"url": {}}}), |_, _| {
        Ok(json!({"action": "accept"}))
    })
    .await;
    let error = url_only
        .call_tool("ask_contact", json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.code, -32021);
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn the_clients_error_becomes_a_tool_error_and_bad_answers_are_refused() {
    let (client, _) = client_answering(json!({"elicitation": {}}), |_, _| {
        Err(ErrorObject::new(-32600, "the user closed the window"))
    })
    .await;
    let result = client.call_tool("ask_contact", json!({})).await.unwrap();
    assert!(result.is_error);
    assert!(
        text(&result).contains("the user closed the window"),
        "{}",
        text(&result)
    );

    let (client, _) = client_answering(json!({"elicitation": {}}), |_, _| {
        Ok(json!({"action": "accept", "content": {"name": 7}}))
    })
    .await;
    let error = client
        .call_tool("ask_contact", json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.code, -32602);
    assert!(error.message.contains("invalid type"), "{}", error.message);

    let (client, _) = client_answering(json!({"elicitation": {}}), |_, _| {
        Ok(json!({"action": "maybe"}))
    })
    .await;
    let error = client
        .call_tool("ask_contact", json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.code, -32602);
    assert!(error.message.contains("\"maybe\""), "{}", error.message);
}
