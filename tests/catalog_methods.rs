//! Resources and prompts on methods: `#[resource]` and `#[prompt]` on `&self`
//! methods of an `impl` block, registered with `resources![state =>
//! Type::method]` and `prompts![state => Type::method]` next to free
//! functions. Served over a real socket (a 2025-11-25 session, with the
//! caller's token injected by the parent app's middleware) and in process:
//! each read and get runs on the instance given to the list, which every
//! call shares, and injected parameters and completions work as they do on
//! free functions.

mod tasks_support;

use ferrymcp::auth::AccessToken;
use ferrymcp::catalog::{CatalogError, Completion, PromptMessage};
use ferrymcp::prelude::*;
use ferrymcp::{prompt, prompts, resource, resources, Client};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tasks_support::{serve_nested, Caller};

/// A library: the state every read and get shares.
struct Library {
    /// Which instance this is.
    name: &'static str,
    books: Vec<(u32, &'static str)>,
    /// How many books were read from this instance.
    reads: AtomicU64,
}

impl Library {
    fn new(name: &'static str) -> Library {
        Library {
            name,
            books: vec![(1, "Dune"), (2, "Emma"), (12, "Ulysses")],
            reads: AtomicU64::new(0),
        }
    }

    fn title(&self, id: u32) -> Result<&'static str, CatalogError> {
        self.books
            .iter()
            .find(|(book, _)| *book == id)
            .map(|(_, title)| *title)
            .ok_or_else(CatalogError::not_found)
    }
}

impl Library {
    /// The titles this library holds.
    #[resource(uri = "library://catalog", mime_type = "text/plain")]
    async fn catalog(&self) -> String {
        let titles: Vec<&str> = self.books.iter().map(|(_, title)| *title).collect();
        format!("{}: {}", self.name, titles.join(", "))
    }

    /// One book, for the caller.
    #[resource(uri = "library://books/{id}", complete(id = book_ids))]
    async fn book(&self, id: u32, token: Option<AccessToken>) -> Result<String, CatalogError> {
        let title = self.title(id)?;
        self.reads.fetch_add(1, Ordering::SeqCst);
        let reader = token
            .as_ref()
            .and_then(|t| t.subject())
            .unwrap_or("anonymous");
        Ok(format!("{title} from {}, for {reader}", self.name))
    }

    /// How many books were read here.
    #[resource(uri = "library://reads", name = "read_count")]
    async fn reads(&self) -> String {
        self.reads.load(Ordering::SeqCst).to_string()
    }

    /// Asks for a summary of a book.
    #[prompt(complete(style = styles))]
    async fn summarize(
        &self,
        /// The book's id.
        id: u32,
        /// How to write the summary.
        style: Option<String>,
        ctx: Ctx,
    ) -> Result<Vec<PromptMessage>, CatalogError> {
        let title = self.title(id)?;
        let style = style.unwrap_or_else(|| "plain".into());
        let _ = ctx.is_cancelled();
        Ok(vec![
            PromptMessage::user_text(format!("Summarize {title} ({style}).")),
            PromptMessage::assistant_text(format!("From the {} library:", self.name)),
        ])
    }

    /// A plain method: neither a resource nor a prompt, still callable.
    fn size(&self) -> usize {
        self.books.len()
    }
}

async fn book_ids(prefix: String) -> Completion {
    Completion::matching(&prefix, ["1", "2", "12"])
}

async fn styles(prefix: String) -> Completion {
    Completion::matching(&prefix, ["plain", "playful", "formal"])
}

/// A free resource, in the same list as the methods.
#[resource(uri = "library://motd")]
async fn motd() -> String {
    "open today".into()
}

/// A free prompt, in the same list as the method.
#[prompt]
async fn greet(name: String) -> String {
    format!("Greet {name}.")
}

async fn server(library: impl Into<Arc<Library>>) -> Server {
    let library = library.into();
    Server::builder("library")
        .resources(resources![motd; Arc::clone(&library) => Library::catalog, Library::book, Library::reads])
        .prompts(prompts![greet; library => Library::summarize])
        .build()
        .await
        .expect("the server builds")
}

fn text(read: &Value) -> &str {
    read["result"]["contents"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text in {read}"))
}

#[tokio::test]
async fn method_resources_and_prompts_serve_their_instance_over_http() {
    let library = Arc::new(Library::new("city"));
    assert_eq!(library.size(), 3);
    let server = server(Arc::clone(&library)).await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;

    let listed = alice.call("resources/list", json!({})).await;
    let listed: Vec<(&str, &str)> = listed["result"]["resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .map(|r| (r["uri"].as_str().unwrap(), r["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            ("library://motd", "motd"),
            ("library://catalog", "catalog"),
            ("library://reads", "read_count"),
        ]
    );
    let templates = alice.call("resources/templates/list", json!({})).await;
    assert_eq!(
        templates["result"]["resourceTemplates"],
        json!([{"uriTemplate": "library://books/{id}", "name": "book", "description": "One book, for the caller."}])
    );

    let catalog = alice
        .call("resources/read", json!({"uri": "library://catalog"}))
        .await;
    assert_eq!(text(&catalog), "city: Dune, Emma, Ulysses");
    assert_eq!(catalog["result"]["contents"][0]["mimeType"], "text/plain");
    // The placeholder is parsed, and the token is injected, as for a free function.
    let book = alice
        .call("resources/read", json!({"uri": "library://books/12"}))
        .await;
    assert_eq!(text(&book), "Ulysses from city, for alice");
    let bob = Caller::session(&url, "2025-11-25", &[("x-subject", "bob")]).await;
    let book = bob
        .call("resources/read", json!({"uri": "library://books/2"}))
        .await;
    assert_eq!(text(&book), "Emma from city, for bob");
    let not_a_number = alice
        .call("resources/read", json!({"uri": "library://books/x"}))
        .await;
    assert_eq!(not_a_number["error"]["code"], -32602, "{not_a_number}");
    let missing = alice
        .call("resources/read", json!({"uri": "library://books/7"}))
        .await;
    assert_eq!(missing["error"]["code"], -32002, "{missing}");
    // Every read ran on the instance given to `resources!`.
    assert_eq!(library.reads.load(Ordering::SeqCst), 2);
    let reads = alice
        .call("resources/read", json!({"uri": "library://reads"}))
        .await;
    assert_eq!(text(&reads), "2");

    let prompts = alice.call("prompts/list", json!({})).await;
    assert_eq!(
        prompts["result"]["prompts"][1],
        json!({
            "name": "summarize",
            "description": "Asks for a summary of a book.",
            "arguments": [
                {"name": "id", "description": "The book's id.", "required": true},
                {"name": "style", "description": "How to write the summary.", "required": false},
            ],
        })
    );
    let summary = alice
        .call(
            "prompts/get",
            json!({"name": "summarize", "arguments": {"id": "1", "style": "formal"}}),
        )
        .await;
    let messages = &summary["result"]["messages"];
    assert_eq!(messages[0]["content"]["text"], "Summarize Dune (formal).");
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["content"]["text"], "From the city library:");
    let bad_id = alice
        .call(
            "prompts/get",
            json!({"name": "summarize", "arguments": {"id": "one"}}),
        )
        .await;
    assert_eq!(bad_id["error"]["code"], -32602, "{bad_id}");
    let greeting = alice
        .call(
            "prompts/get",
            json!({"name": "greet", "arguments": {"name": "Ann"}}),
        )
        .await;
    assert_eq!(
        greeting["result"]["messages"][0]["content"]["text"],
        "Greet Ann."
    );

    // Completion functions of method items answer as those of free ones.
    let ids = alice
        .call(
            "completion/complete",
            json!({"ref": {"type": "ref/resource", "uri": "library://books/{id}"}, "argument": {"name": "id", "value": "1"}}),
        )
        .await;
    assert_eq!(ids["result"]["completion"]["values"], json!(["1", "12"]));
    let styles = alice
        .call(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "summarize"}, "argument": {"name": "style", "value": "pl"}}),
        )
        .await;
    assert_eq!(
        styles["result"]["completion"]["values"],
        json!(["plain", "playful"])
    );
    let none = alice
        .call(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "summarize"}, "argument": {"name": "id", "value": "1"}}),
        )
        .await;
    assert_eq!(none["result"]["completion"]["values"], json!([]), "{none}");
}

#[tokio::test]
async fn each_server_reads_the_instance_it_was_given() {
    let north = Client::connect(&server(Library::new("north")).await)
        .await
        .unwrap();
    let south = Client::connect(&server(Library::new("south")).await)
        .await
        .unwrap();
    for (client, name) in [(&north, "north"), (&south, "south")] {
        let read = client
            .request("resources/read", json!({"uri": "library://books/1"}))
            .await
            .unwrap();
        assert_eq!(
            read["contents"][0]["text"],
            format!("Dune from {name}, for anonymous")
        );
    }
    let read = north
        .request("resources/read", json!({"uri": "library://reads"}))
        .await
        .unwrap();
    assert_eq!(read["contents"][0]["text"], "1");
    let prompt = south
        .request(
            "prompts/get",
            json!({"name": "summarize", "arguments": {"id": "2"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        prompt["messages"][1]["content"]["text"],
        "From the south library:"
    );
}
