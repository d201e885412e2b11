//! Resources and resource templates as a user writes them with `#[resource]`,
//! answered by the catalog's handlers: the conformance fixtures, reads with
//! placeholders and injected parameters, subscriptions, and every bad request.

use ferrymcp::catalog::{
    Blob, Catalog, CatalogError, InvalidBase64, PromptList, ResourceContents, Subscriptions,
};
use ferrymcp::protocol::ErrorObject;
use ferrymcp::{
    resource, resources, CallScope, ClientInfo, Ctx, Extension, Lifespan, ProtocolVersion,
};
use ferrymcp_tests::spec::Spec;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

// --- the resources of the conformance suite's "everything server" ---

/// A static text resource for testing.
#[resource(
    uri = "test://static-text",
    name = "Static Text Resource",
    mime_type = "text/plain"
)]
async fn static_text() -> String {
    "This is the content of the static text resource.".into()
}

/// A static binary resource (a 1x1 PNG) for testing.
#[resource(
    uri = "test://static-binary",
    name = "Static Binary Resource",
    mime_type = "image/png"
)]
async fn static_binary() -> Result<Blob, InvalidBase64> {
    Blob::from_base64(PNG)
}

/// A resource template with a parameter.
#[resource(
    uri = "test://template/{id}/data",
    name = "Resource Template",
    mime_type = "application/json",
    complete(id = known_ids)
)]
async fn template_data(id: String) -> String {
    json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") }).to_string()
}

async fn known_ids(value: String) -> Vec<String> {
    ["123", "124", "200"]
        .into_iter()
        .filter(|id| id.starts_with(&value))
        .map(String::from)
        .collect()
}

/// A resource clients subscribe to.
#[resource(
    uri = "test://watched-resource",
    name = "Watched Resource",
    mime_type = "text/plain"
)]
async fn watched_resource() -> &'static str {
    "Watched resource content"
}

// --- more of what a resource can be ---

/// The server's lifespan value.
struct App {
    greeting: String,
}

/// A user's profile, from the lifespan value; unknown users are not found.
#[resource(uri = "users://{user_id}/profile", mime_type = "application/json")]
async fn profile(user_id: u32, app: Lifespan<App>, ctx: Ctx) -> Result<String, CatalogError> {
    let _ = ctx.request_id();
    match user_id {
        1 => Ok(json!({ "id": 1, "greeting": app.greeting }).to_string()),
        _ => Err(CatalogError::not_found()),
    }
}

/// Two parts, with their own URIs and MIME types; the second inherits the resource's.
#[resource(uri = "docs://{section}/{page}.md", mime_type = "text/markdown")]
async fn doc_page(
    #[arg(rename = "section")] chapter: String,
    page: String,
) -> Vec<ResourceContents> {
    vec![
        ResourceContents::text(format!("docs://{chapter}/{page}.md"), format!("# {page}"))
            .with_mime_type("text/x-markdown"),
        ResourceContents::blob(format!("docs://{chapter}/{page}.png"), [1u8, 2, 3]),
    ]
}

/// A resource whose function fails.
#[resource(uri = "test://broken")]
async fn broken() -> Result<String, std::io::Error> {
    Err(std::io::Error::other("the disk is on fire"))
}

/// Raw bytes.
#[resource(uri = "test://bytes", mime_type = "application/octet-stream")]
async fn bytes() -> Vec<u8> {
    vec![0, 159, 146, 150]
}

/// What the parent app's middleware attached.
#[derive(Clone)]
struct Tenant(&'static str);

/// The caller's tenant, from an extension.
#[resource(uri = "tenant://current")]
async fn tenant(tenant: Extension<Tenant>) -> String {
    tenant.0 .0.to_string()
}

fn catalog() -> Catalog {
    Catalog::new::<App>(
        resources![
            static_text,
            static_binary,
            template_data,
            watched_resource,
            profile,
            doc_page,
            broken,
            bytes,
            tenant
        ],
        PromptList::new(),
    )
    .expect("the resources are valid")
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
        greeting: "hello".into(),
    };
    let mut extensions = http::Extensions::new();
    extensions.insert(Tenant("acme"));
    CallScope::new(Arc::new(client(version)), Arc::new(app)).with_extensions(Arc::new(extensions))
}

fn params(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

const LEGACY: ProtocolVersion = ProtocolVersion::V2025_11_25;
const STATELESS: ProtocolVersion = ProtocolVersion::V2026_07_28;

async fn read(
    catalog: &Catalog,
    version: ProtocolVersion,
    uri: &str,
) -> Result<Value, ErrorObject> {
    catalog
        .read_resource(Some(&params(json!({ "uri": uri }))), &parts(version))
        .await
}

#[tokio::test]
async fn the_conformance_resources_read_as_the_suite_expects() {
    let catalog = catalog();
    let text = read(&catalog, LEGACY, "test://static-text").await.unwrap();
    assert_eq!(
        text,
        json!({"contents": [{
            "uri": "test://static-text",
            "mimeType": "text/plain",
            "text": "This is the content of the static text resource."
        }]})
    );
    let binary = read(&catalog, LEGACY, "test://static-binary")
        .await
        .unwrap();
    assert_eq!(
        binary,
        json!({"contents": [{"uri": "test://static-binary", "mimeType": "image/png", "blob": PNG}]})
    );
    let data = read(&catalog, LEGACY, "test://template/123/data")
        .await
        .unwrap();
    let contents = &data["contents"][0];
    assert_eq!(contents["uri"], "test://template/123/data");
    assert_eq!(contents["mimeType"], "application/json");
    let body: Value = serde_json::from_str(contents["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"id": "123", "templateTest": true, "data": "Data for ID: 123"})
    );
    let watched = read(&catalog, LEGACY, "test://watched-resource")
        .await
        .unwrap();
    assert_eq!(watched["contents"][0]["text"], "Watched resource content");
}

#[test]
fn lists_show_resources_and_templates_apart() {
    let catalog = catalog();
    let list = catalog.list_resources(None, &client(LEGACY)).unwrap();
    let resources = list["resources"].as_array().unwrap();
    let uris: Vec<&str> = resources
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            "test://static-text",
            "test://static-binary",
            "test://watched-resource",
            "test://broken",
            "test://bytes",
            "tenant://current"
        ]
    );
    assert_eq!(
        resources[0],
        json!({
            "uri": "test://static-text",
            "name": "Static Text Resource",
            "description": "A static text resource for testing.",
            "mimeType": "text/plain"
        })
    );
    assert!(list.get("nextCursor").is_none());
    let templates = catalog.list_templates(None, &client(LEGACY)).unwrap();
    assert_eq!(
        templates["resourceTemplates"],
        json!([
            {
                "uriTemplate": "test://template/{id}/data",
                "name": "Resource Template",
                "description": "A resource template with a parameter.",
                "mimeType": "application/json"
            },
            {
                "uriTemplate": "users://{user_id}/profile",
                "name": "profile",
                "description": "A user's profile, from the lifespan value; unknown users are not found.",
                "mimeType": "application/json"
            },
            {
                "uriTemplate": "docs://{section}/{page}.md",
                "name": "doc_page",
                "description": "Two parts, with their own URIs and MIME types; the second inherits the resource's.",
                "mimeType": "text/markdown"
            }
        ])
    );
}

#[test]
fn lists_page_with_cursors() {
    let catalog = catalog().with_page_size(4);
    let first = catalog.list_resources(None, &client(LEGACY)).unwrap();
    assert_eq!(first["resources"].as_array().unwrap().len(), 4);
    let cursor = first["nextCursor"].as_str().unwrap();
    let second = catalog
        .list_resources(Some(&params(json!({ "cursor": cursor }))), &client(LEGACY))
        .unwrap();
    assert_eq!(second["resources"].as_array().unwrap().len(), 2);
    assert!(second.get("nextCursor").is_none());
    let bad = catalog
        .list_resources(Some(&params(json!({ "cursor": "nope" }))), &client(LEGACY))
        .unwrap_err();
    assert_eq!(bad.code, -32602);
    assert_eq!(
        bad.message,
        "Invalid params: unknown cursor \"nope\" for resources/list"
    );
    let wrong_type = catalog
        .list_templates(Some(&params(json!({ "cursor": 3 }))), &client(LEGACY))
        .unwrap_err();
    assert_eq!(
        wrong_type.message,
        "Invalid params: `cursor` of resources/templates/list must be a string, got a number"
    );
}

#[tokio::test]
async fn placeholders_are_parsed_and_parameters_injected() {
    let catalog = catalog();
    let profile = read(&catalog, LEGACY, "users://1/profile").await.unwrap();
    assert_eq!(
        profile["contents"][0]["text"],
        json!({"id": 1, "greeting": "hello"}).to_string()
    );
    let bad = read(&catalog, LEGACY, "users://abc/profile")
        .await
        .unwrap_err();
    assert_eq!(bad.code, -32602);
    assert_eq!(
        bad.message,
        "Invalid params: `{user_id}` of users://abc/profile is \"abc\", which is not a valid `u32`: invalid digit found in string"
    );
    let tenant = read(&catalog, LEGACY, "tenant://current").await.unwrap();
    assert_eq!(tenant["contents"][0]["text"], "acme");
    let decoded = read(&catalog, LEGACY, "docs://user%20guide/intro.md")
        .await
        .unwrap();
    assert_eq!(
        decoded,
        json!({"contents": [
            {"uri": "docs://user guide/intro.md", "mimeType": "text/x-markdown", "text": "# intro"},
            {"uri": "docs://user guide/intro.png", "mimeType": "text/markdown", "blob": "AQID"}
        ]})
    );
    let bytes = read(&catalog, LEGACY, "test://bytes").await.unwrap();
    assert_eq!(bytes["contents"][0]["blob"], "AJ+Slg==");
}

#[tokio::test]
async fn unknown_resources_are_not_found_by_revision() {
    let catalog = catalog();
    let uri = "test://nonexistent-resource-for-conformance-testing";
    let legacy = read(&catalog, LEGACY, uri).await.unwrap_err();
    assert_eq!(legacy.code, -32002);
    assert_eq!(legacy.data, Some(json!({ "uri": uri })));
    let old = read(&catalog, ProtocolVersion::V2025_06_18, uri)
        .await
        .unwrap_err();
    assert_eq!(old.code, -32002);
    let stateless = read(&catalog, STATELESS, uri).await.unwrap_err();
    assert_eq!(stateless.code, -32602);
    assert_eq!(stateless.message, format!("Resource not found: {uri}"));
    assert_eq!(stateless.data, Some(json!({ "uri": uri })));
    // A template that matches, whose function says the item does not exist.
    let missing = read(&catalog, LEGACY, "users://2/profile")
        .await
        .unwrap_err();
    assert_eq!(missing.code, -32002);
    assert_eq!(missing.data, Some(json!({ "uri": "users://2/profile" })));
    let missing = read(&catalog, STATELESS, "users://2/profile")
        .await
        .unwrap_err();
    assert_eq!(missing.code, -32602);
}

#[tokio::test]
async fn bad_requests_get_precise_errors() {
    let catalog = catalog();
    let parts = parts(LEGACY);
    let no_params = catalog.read_resource(None, &parts).await.unwrap_err();
    assert_eq!(no_params.code, -32602);
    assert_eq!(
        no_params.message,
        "Invalid params: resources/read needs `uri`"
    );
    let not_string = catalog
        .read_resource(Some(&params(json!({ "uri": ["x"] }))), &parts)
        .await
        .unwrap_err();
    assert_eq!(
        not_string.message,
        "Invalid params: `uri` of resources/read must be a string, got an array"
    );
    let bad_meta = catalog
        .read_resource(
            Some(&params(json!({ "uri": "test://static-text", "_meta": 1 }))),
            &parts,
        )
        .await
        .unwrap_err();
    assert_eq!(bad_meta.code, -32602);
    let failed = read(&catalog, LEGACY, "test://broken").await.unwrap_err();
    assert_eq!(failed.code, -32603);
    assert_eq!(failed.message, "the disk is on fire");
    // Without the extension the resource asks for, the read fails, it does not panic.
    let bare = CallScope::new(Arc::new(client(LEGACY)), Arc::new(()));
    let no_tenant = catalog
        .read_resource(Some(&params(json!({ "uri": "tenant://current" }))), &bare)
        .await
        .unwrap_err();
    assert_eq!(no_tenant.code, -32603);
    assert!(
        no_tenant.message.contains("Extension<"),
        "{}",
        no_tenant.message
    );
}

#[test]
fn subscriptions_are_kept_per_session() {
    let catalog = catalog();
    let session = Subscriptions::new();
    let uri = params(json!({ "uri": "test://watched-resource" }));
    assert_eq!(
        catalog
            .subscribe(Some(&uri), &client(LEGACY), &session)
            .unwrap(),
        json!({})
    );
    assert!(session.is_subscribed("test://watched-resource"));
    // Twice is fine; so is a URI that matches a template.
    catalog
        .subscribe(Some(&uri), &client(LEGACY), &session)
        .unwrap();
    catalog
        .subscribe(
            Some(&params(json!({ "uri": "test://template/9/data" }))),
            &client(LEGACY),
            &session,
        )
        .unwrap();
    assert_eq!(session.len(), 2);
    assert_eq!(
        catalog.unsubscribe(Some(&uri), &session).unwrap(),
        json!({})
    );
    assert!(!session.is_subscribed("test://watched-resource"));
    assert_eq!(
        catalog.unsubscribe(Some(&uri), &session).unwrap(),
        json!({})
    );
    let unknown = catalog
        .subscribe(
            Some(&params(json!({ "uri": "test://nope" }))),
            &client(LEGACY),
            &session,
        )
        .unwrap_err();
    assert_eq!(unknown.code, -32002);
    let missing = catalog.unsubscribe(None, &session).unwrap_err();
    assert_eq!(
        missing.message,
        "Invalid params: resources/unsubscribe needs `uri`"
    );
    let other_session = Subscriptions::new();
    assert!(other_session.is_empty());
    assert_eq!(
        ferrymcp::catalog::resource_updated("test://watched-resource"),
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {"uri": "test://watched-resource"}})
    );
}

#[tokio::test]
async fn templates_complete_their_placeholders() {
    let catalog = catalog();
    let request = params(json!({
        "ref": {"type": "ref/resource", "uri": "test://template/{id}/data"},
        "argument": {"name": "id", "value": "12"}
    }));
    let result = catalog
        .complete(Some(&request), &parts(LEGACY))
        .await
        .unwrap();
    assert_eq!(result, json!({"completion": {"values": ["123", "124"]}}));
    // A placeholder without a completion function: no values.
    let request = params(json!({
        "ref": {"type": "ref/resource", "uri": "users://{user_id}/profile"},
        "argument": {"name": "user_id", "value": ""}
    }));
    let result = catalog
        .complete(Some(&request), &parts(LEGACY))
        .await
        .unwrap();
    assert_eq!(result, json!({"completion": {"values": []}}));
    let wrong = params(json!({
        "ref": {"type": "ref/resource", "uri": "test://template/{id}/data"},
        "argument": {"name": "idx", "value": ""}
    }));
    let e = catalog
        .complete(Some(&wrong), &parts(LEGACY))
        .await
        .unwrap_err();
    assert_eq!(
        e.message,
        "Invalid params: resource template `test://template/{id}/data` has no placeholder `idx`"
    );
    let static_ref = params(json!({
        "ref": {"type": "ref/resource", "uri": "test://static-text"},
        "argument": {"name": "x", "value": ""}
    }));
    let e = catalog
        .complete(Some(&static_ref), &parts(LEGACY))
        .await
        .unwrap_err();
    assert_eq!(
        e.message,
        "Invalid params: resource `test://static-text` has no placeholders to complete"
    );
}

#[test]
fn capabilities_follow_the_catalog() {
    let catalog = catalog();
    assert_eq!(
        serde_json::to_value(catalog.capabilities(LEGACY)).unwrap(),
        json!({"resources": {"subscribe": true, "listChanged": true}, "completions": {}})
    );
    // 2026-07-28 subscribes through `subscriptions/listen` (resourceSubscriptions).
    assert_eq!(
        catalog.capabilities(STATELESS),
        catalog.capabilities(LEGACY)
    );
    assert_eq!(
        Catalog::default().capabilities(LEGACY),
        ferrymcp::protocol::messages::CatalogCapabilities::default()
    );
}

#[test]
fn duplicate_uris_are_refused() {
    let e =
        Catalog::new::<()>(resources![static_text, static_text], PromptList::new()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "two resources have the URI `test://static-text`; resource URIs must be unique"
    );
}

/// The results, checked against the official schemas of each revision. In
/// 2026-07-28 the stateless dispatch adds `resultType` (and the server info in
/// `_meta`) to every result; the handlers add the caching fields.
#[tokio::test]
#[ignore = "needs MCP_SPEC_DIR (the official MCP schemas, e.g. ../shared/spec)"]
async fn results_match_the_official_schemas() {
    let catalog = catalog();
    for (revision, version) in [
        ("2025-06-18", ProtocolVersion::V2025_06_18),
        ("2025-11-25", ProtocolVersion::V2025_11_25),
        ("2026-07-28", STATELESS),
    ] {
        let spec = Spec::load(revision);
        let complete = |mut v: Value| {
            if version.is_stateless() {
                v["resultType"] = json!("complete");
            }
            v
        };
        let list = catalog.list_resources(None, &client(version)).unwrap();
        spec.check("ListResourcesResult", &complete(list));
        let templates = catalog.list_templates(None, &client(version)).unwrap();
        spec.check("ListResourceTemplatesResult", &complete(templates));
        for uri in [
            "test://static-text",
            "test://static-binary",
            "test://template/123/data",
            "docs://a/b.md",
            "test://bytes",
        ] {
            let result = read(&catalog, version, uri).await.unwrap();
            spec.check("ReadResourceResult", &complete(result));
        }
        let completion = catalog
            .complete(
                Some(&params(json!({
                    "ref": {"type": "ref/resource", "uri": "test://template/{id}/data"},
                    "argument": {"name": "id", "value": "1"}
                }))),
                &parts(version),
            )
            .await
            .unwrap();
        spec.check("CompleteResult", &complete(completion));
        let caps = serde_json::to_value(catalog.capabilities(version)).unwrap();
        spec.check("ServerCapabilities", &caps);
    }
}
