// An `#[arg(header)]` name that cannot follow `Mcp-Param-` in an HTTP header:
// the error says which character is wrong and which are allowed.
use ferrymcp::prelude::*;

#[tool]
async fn route(#[arg(header = "Data Center")] region: String) -> String {
    region
}

fn main() {
    let _ = Server::builder("route").tools(tools![route]);
}
