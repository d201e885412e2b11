// An argument type that can be deserialized but has no JSON Schema.
use ferrymcp::prelude::*;

#[derive(serde::Deserialize)]
struct Query {
    text: String,
}

#[tool]
async fn search(query: Query) -> String {
    query.text
}

fn main() {
    let _ = Server::builder("search").tools(tools![search]);
}
