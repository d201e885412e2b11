//! Prompts and completion as a user writes them with `#[prompt]`, answered by
//! the catalog's handlers: the conformance fixtures, typed and optional
//! arguments, injected parameters, completion, and every bad request.

use ferrymcp::catalog::{
    Catalog, CatalogError, Completion, CompletionContext, GetPromptResult, PromptMessage,
    ResourceContents, ResourceList, Role,
};
use ferrymcp::protocol::ErrorObject;
use ferrymcp::{prompt, prompts, CallScope, ClientInfo, Content, Ctx, Lifespan, ProtocolVersion};
use ferrymcp_tests::spec::Spec;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

// --- the prompts of the conformance suite's "everything server" ---

/// A simple prompt without arguments.
#[prompt]
async fn test_simple_prompt() -> String {
    "This is a simple prompt for testing.".into()
}

/// A prompt with required arguments.
#[prompt(complete(arg1 = complete_arg1))]
async fn test_prompt_with_arguments(
    /// First test argument.
    arg1: String,
    /// Second test argument.
    arg2: String,
) -> PromptMessage {
    PromptMessage::user_text(format!(
        "Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"
    ))
}

/// Suggests values for `arg1`.
async fn complete_arg1(value: String) -> Completion {
    Completion::matching(&value, ["testValue1", "testValue2", "other"])
}

/// A prompt with an embedded resource.
#[prompt]
async fn test_prompt_with_embedded_resource(
    /// URI of the resource to embed.
    #[arg(rename = "resourceUri")]
    resource_uri: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::embedded(
            ResourceContents::text(resource_uri, "Embedded resource content for testing.")
                .with_mime_type("text/plain"),
        )),
        PromptMessage::user_text("Please process the embedded resource above."),
    ]
}

/// A prompt with an image.
#[prompt]
async fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image(PNG, "image/png")),
        PromptMessage::user_text("Please analyze the image above."),
    ]
}

// --- more of what a prompt can be ---

/// The server's lifespan value.
struct App {
    house_style: &'static str,
}

/// Writes a story.
#[prompt(name = "story", title = "Story writer", complete(genre = genres))]
async fn write_story(
    /// What the story is about.
    topic: String,
    /// How many paragraphs.
    paragraphs: u8,
    /// The genre, if any.
    genre: Option<String>,
    /// How formal.
    #[arg(default = 3)]
    formality: u8,
    app: Lifespan<App>,
    ctx: Ctx,
) -> Result<GetPromptResult, CatalogError> {
    if paragraphs == 0 {
        return Err(CatalogError::invalid_params("at least one paragraph"));
    }
    let _ = ctx.request_id();
    let genre = genre.unwrap_or_else(|| "any".into());
    Ok(GetPromptResult::new(vec![
        PromptMessage::user_text(format!(
            "Write {paragraphs} paragraphs about {topic} ({genre}, formality {formality}, {}).",
            app.house_style
        )),
        PromptMessage::assistant(Content::audio_bytes(b"RIFF", "audio/wav")),
    ])
    .with_description("A story prompt"))
}

/// Suggests genres, knowing the topic.
async fn genres(value: String, context: CompletionContext) -> Vec<String> {
    let mut all: Vec<String> = (0..150).map(|i| format!("genre-{i}")).collect();
    if let Some(topic) = context.argument("topic") {
        all.insert(0, format!("{topic}-fiction"));
    }
    all.into_iter().filter(|g| g.starts_with(&value)).collect()
}

/// A prompt whose function fails.
#[prompt]
async fn failing() -> Result<String, String> {
    Err("no inspiration today".into())
}

fn catalog() -> Catalog {
    Catalog::new::<App>(
        ResourceList::new(),
        prompts![
            test_simple_prompt,
            test_prompt_with_arguments,
            test_prompt_with_embedded_resource,
            test_prompt_with_image,
            write_story,
            failing
        ],
    )
    .expect("the prompts are valid")
}

fn client(version: ProtocolVersion) -> ClientInfo {
    ClientInfo {
        protocol_version: version,
        implementation: None,
        capabilities: json!({}),
    }
}

fn parts(version: ProtocolVersion) -> CallScope {
    let app = App {
        house_style: "plain words",
    };
    CallScope::new(Arc::new(client(version)), Arc::new(app))
}

fn params(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

const LEGACY: ProtocolVersion = ProtocolVersion::V2025_11_25;

async fn get(catalog: &Catalog, request: Value) -> Result<Value, ErrorObject> {
    catalog
        .get_prompt(Some(&params(request)), &parts(LEGACY))
        .await
}

#[tokio::test]
async fn the_conformance_prompts_render_as_the_suite_expects() {
    let catalog = catalog();
    let simple = get(&catalog, json!({"name": "test_simple_prompt"}))
        .await
        .unwrap();
    assert_eq!(
        simple,
        json!({
            "description": "A simple prompt without arguments.",
            "messages": [{"role": "user", "content": {"type": "text", "text": "This is a simple prompt for testing."}}]
        })
    );
    let with_args = get(
        &catalog,
        json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "testValue1", "arg2": "testValue2"}}),
    )
    .await
    .unwrap();
    assert_eq!(
        with_args["messages"][0]["content"]["text"],
        "Prompt with arguments: arg1='testValue1', arg2='testValue2'"
    );
    let embedded = get(
        &catalog,
        json!({"name": "test_prompt_with_embedded_resource", "arguments": {"resourceUri": "test://example-resource"}}),
    )
    .await
    .unwrap();
    assert_eq!(
        embedded["messages"],
        json!([
            {"role": "user", "content": {"type": "resource", "resource": {
                "uri": "test://example-resource", "mimeType": "text/plain", "text": "Embedded resource content for testing."
            }}},
            {"role": "user", "content": {"type": "text", "text": "Please process the embedded resource above."}}
        ])
    );
    let image = get(&catalog, json!({"name": "test_prompt_with_image"}))
        .await
        .unwrap();
    assert_eq!(
        image["messages"][0]["content"],
        json!({"type": "image", "data": PNG, "mimeType": "image/png"})
    );
}

#[test]
fn the_list_shows_arguments_with_their_descriptions() {
    let catalog = catalog();
    let list = catalog.list_prompts(None, &client(LEGACY)).unwrap();
    let prompts = list["prompts"].as_array().unwrap();
    assert_eq!(prompts.len(), 6);
    assert!(prompts
        .iter()
        .all(|p| !p["description"].as_str().unwrap_or_default().is_empty()));
    assert_eq!(
        prompts[0],
        json!({"name": "test_simple_prompt", "description": "A simple prompt without arguments."})
    );
    assert_eq!(
        prompts[1]["arguments"],
        json!([
            {"name": "arg1", "description": "First test argument.", "required": true},
            {"name": "arg2", "description": "Second test argument.", "required": true}
        ])
    );
    assert_eq!(
        prompts[2]["arguments"],
        json!([{"name": "resourceUri", "description": "URI of the resource to embed.", "required": true}])
    );
    assert_eq!(
        prompts[4],
        json!({
            "name": "story",
            "title": "Story writer",
            "description": "Writes a story.",
            "arguments": [
                {"name": "topic", "description": "What the story is about.", "required": true},
                {"name": "paragraphs", "description": "How many paragraphs.", "required": true},
                {"name": "genre", "description": "The genre, if any.", "required": false},
                {"name": "formality", "description": "How formal.", "required": false}
            ]
        })
    );
    let paged = catalog.with_page_size(5);
    let first = paged.list_prompts(None, &client(LEGACY)).unwrap();
    assert_eq!(first["prompts"].as_array().unwrap().len(), 5);
    assert_eq!(first["nextCursor"], "ferry:5");
}

#[tokio::test]
async fn typed_optional_and_injected_parameters() {
    let catalog = catalog();
    let story = get(
        &catalog,
        json!({"name": "story", "arguments": {"topic": "ferries", "paragraphs": "2", "genre": ""}}),
    )
    .await
    .unwrap();
    assert_eq!(
        story,
        json!({
            "description": "A story prompt",
            "messages": [
                {"role": "user", "content": {"type": "text", "text": "Write 2 paragraphs about ferries (any, formality 3, plain words)."}},
                {"role": "assistant", "content": {"type": "audio", "data": "UklGRg==", "mimeType": "audio/wav"}}
            ]
        })
    );
    let formal = get(
        &catalog,
        json!({"name": "story", "arguments": {"topic": "x", "paragraphs": "1", "genre": "noir", "formality": "5"}}),
    )
    .await
    .unwrap();
    assert_eq!(
        formal["messages"][0]["content"]["text"],
        "Write 1 paragraphs about x (noir, formality 5, plain words)."
    );
}

#[tokio::test]
async fn bad_requests_get_precise_errors() {
    let catalog = catalog();
    let cases = [
        (json!({}), "Invalid params: prompts/get needs `name`"),
        (json!({"name": "nope"}), "Unknown prompt: `nope`"),
        (
            json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "a"}}),
            "Invalid params: missing required argument `arg2` of prompt `test_prompt_with_arguments`",
        ),
        (
            json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "a", "arg2": 2}}),
            "Invalid params: `arguments.arg2` of prompts/get must be a string, got a number",
        ),
        (
            json!({"name": "test_prompt_with_arguments", "arguments": ["a"]}),
            "Invalid params: `arguments` of prompts/get must be an object of strings, got an array",
        ),
        (
            json!({"name": "test_simple_prompt", "arguments": {"x": "1"}}),
            "Invalid params: prompt `test_simple_prompt` has no argument `x`; it takes no arguments",
        ),
        (
            json!({"name": "story", "arguments": {"topic": "t", "paragraphs": "many"}}),
            "Invalid params: argument `paragraphs` of prompt `story` is \"many\", which is not a valid `u8`: invalid digit found in string",
        ),
        (
            json!({"name": "story", "arguments": {"topic": "t", "paragraphs": "0"}}),
            "at least one paragraph",
        ),
    ];
    for (request, message) in cases {
        let e = get(&catalog, request.clone()).await.unwrap_err();
        assert_eq!(e.code, -32602, "{request}");
        assert_eq!(e.message, message, "{request}");
    }
    let failed = get(&catalog, json!({"name": "failing"})).await.unwrap_err();
    assert_eq!(failed.code, -32603);
    assert_eq!(failed.message, "no inspiration today");
}

async fn complete(catalog: &Catalog, request: Value) -> Result<Value, ErrorObject> {
    catalog
        .complete(Some(&params(request)), &parts(LEGACY))
        .await
}

#[tokio::test]
async fn completion_suggests_values_for_arguments() {
    let catalog = catalog();
    // What the conformance suite sends.
    let result = complete(
        &catalog,
        json!({
            "ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"},
            "argument": {"name": "arg1", "value": "test"}
        }),
    )
    .await
    .unwrap();
    assert_eq!(
        result,
        json!({"completion": {"values": ["testValue1", "testValue2"]}})
    );
    // No completion function for `arg2`: no values.
    let none = complete(
        &catalog,
        json!({
            "ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"},
            "argument": {"name": "arg2", "value": "x"}
        }),
    )
    .await
    .unwrap();
    assert_eq!(none, json!({"completion": {"values": []}}));
    // More than 100 values are cut, with the context's arguments seen.
    let many = complete(
        &catalog,
        json!({
            "ref": {"type": "ref/prompt", "name": "story"},
            "argument": {"name": "genre", "value": ""},
            "context": {"arguments": {"topic": "sea"}}
        }),
    )
    .await
    .unwrap();
    let values = many["completion"]["values"].as_array().unwrap();
    assert_eq!(values.len(), 100);
    assert_eq!(values[0], "sea-fiction");
    assert_eq!(many["completion"]["total"], 151);
    assert_eq!(many["completion"]["hasMore"], true);
}

#[tokio::test]
async fn bad_completion_requests_get_precise_errors() {
    let catalog = catalog();
    let cases = [
        (json!({}), "Invalid params: completion/complete needs `ref`"),
        (
            json!({"ref": {"type": "ref/prompt", "name": "story"}}),
            "Invalid params: completion/complete needs `argument`",
        ),
        (
            json!({"ref": {"type": "ref/prompt", "name": "story"}, "argument": {"name": "genre"}}),
            "Invalid params: the `argument` of completion/complete needs `value`",
        ),
        (
            json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "a", "value": ""}}),
            "Unknown prompt: `nope`",
        ),
        (
            json!({"ref": {"type": "ref/prompt", "name": "story"}, "argument": {"name": "mood", "value": ""}}),
            "Invalid params: prompt `story` has no argument `mood`",
        ),
        (
            json!({"ref": {"type": "ref/tool", "name": "x"}, "argument": {"name": "a", "value": ""}}),
            "Invalid params: unknown `ref` type \"ref/tool\"; expected \"ref/prompt\" or \"ref/resource\"",
        ),
        (
            json!({"ref": {"type": "ref/resource", "uri": "x://{a}"}, "argument": {"name": "a", "value": ""}}),
            "Invalid params: unknown resource template `x://{a}`",
        ),
        (
            json!({"ref": {"type": "ref/prompt", "name": "story"}, "argument": {"name": "genre", "value": ""}, "context": {"arguments": {"topic": 1}}}),
            "Invalid params: `context.arguments.topic` of completion/complete must be a string, got a number",
        ),
    ];
    for (request, message) in cases {
        let e = complete(&catalog, request.clone()).await.unwrap_err();
        assert_eq!(e.code, -32602, "{request}");
        assert_eq!(e.message, message, "{request}");
    }
}

#[test]
fn messages_and_capabilities() {
    assert_eq!(
        serde_json::to_value(PromptMessage::new(Role::Assistant, Content::text("hi"))).unwrap(),
        json!({"role": "assistant", "content": {"type": "text", "text": "hi"}})
    );
    assert_eq!(
        serde_json::to_value(catalog().capabilities(LEGACY)).unwrap(),
        json!({"prompts": {"listChanged": true}, "completions": {}})
    );
    let e = Catalog::new::<App>(ResourceList::new(), prompts![failing, failing]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "two prompts are named `failing`; prompt names must be unique"
    );
}

/// The results, checked against the official schemas of each revision (the
/// stateless dispatch adds `resultType` in 2026-07-28).
#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official MCP schemas, e.g. ../shared/spec)"]
async fn results_match_the_official_schemas() {
    let catalog = catalog();
    for (revision, version) in [
        ("2025-06-18", ProtocolVersion::V2025_06_18),
        ("2025-11-25", ProtocolVersion::V2025_11_25),
        ("2026-07-28", ProtocolVersion::V2026_07_28),
    ] {
        let spec = Spec::load(revision);
        let complete_result = |mut v: Value| {
            if version.is_stateless() {
                v["resultType"] = json!("complete");
            }
            v
        };
        let list = catalog.list_prompts(None, &client(version)).unwrap();
        spec.check("ListPromptsResult", &complete_result(list));
        for request in [
            json!({"name": "test_simple_prompt"}),
            json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "a", "arg2": "b"}}),
            json!({"name": "test_prompt_with_embedded_resource", "arguments": {"resourceUri": "test://example-resource"}}),
            json!({"name": "test_prompt_with_image"}),
            json!({"name": "story", "arguments": {"topic": "t", "paragraphs": "1"}}),
        ] {
            let result = catalog
                .get_prompt(Some(&params(request)), &parts(version))
                .await
                .unwrap();
            spec.check("GetPromptResult", &complete_result(result));
        }
        let completion = catalog
            .complete(
                Some(&params(json!({
                    "ref": {"type": "ref/prompt", "name": "story"},
                    "argument": {"name": "genre", "value": ""}
                }))),
                &parts(version),
            )
            .await
            .unwrap();
        spec.check("CompleteResult", &complete_result(completion));
    }
}
