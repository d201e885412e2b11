// An argument type with a JSON Schema that cannot be deserialized.
use ferrymcp::prelude::*;

#[derive(schemars::JsonSchema)]
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
