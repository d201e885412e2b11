// A misspelled `#[arg(..)]` option: the error names the valid ones.
use ferrymcp::prelude::*;

#[tool]
async fn greet(#[arg(defualt = "world".to_string())] name: String) -> String {
    name
}

fn main() {
    let _ = Server::builder("greet").tools(tools![greet]);
}
