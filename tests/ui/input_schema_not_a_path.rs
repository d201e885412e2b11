// `input_schema` given as a string instead of the path of a function.
use ferrymcp::prelude::*;

fn schema() -> serde_json::Value {
    serde_json::json!({"type": "object"})
}

#[tool(input_schema = "schema")]
async fn ping() -> String {
    let _ = schema;
    "pong".into()
}

fn main() {
    let _ = Server::builder("ping").tools(tools![ping]);
}
