// `#[arg(header)]` on a tool whose schema is hand-written: the annotation
// belongs in that schema, which is what clients see.
use ferrymcp::prelude::*;

fn schema() -> serde_json::Value {
    serde_json::json!({"type": "object", "properties": {"region": {"type": "string"}}})
}

#[tool(input_schema = schema)]
async fn route(#[arg(header = "Region")] region: String) -> String {
    region
}

fn main() {
    let _ = Server::builder("route").tools(tools![route]);
}
