// An `#[arg(default = ..)]` whose value is not of the argument's type.
use ferrymcp::prelude::*;

#[tool]
async fn greet(#[arg(default = 42)] name: String) -> String {
    name
}

fn main() {
    let _ = Server::builder("greet").tools(tools![greet]);
}
