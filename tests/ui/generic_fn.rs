// A generic tool function: its schemas need concrete types.
use ferrymcp::prelude::*;

#[tool]
async fn echo<T: serde::Serialize>(value: String) -> String {
    value
}

fn main() {
    let _ = Server::builder("echo").tools(tools![echo]);
}
