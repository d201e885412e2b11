// A borrowed argument type (`&str`): arguments are owned values read from JSON.
use ferrymcp::prelude::*;

#[tool]
async fn shout(text: &str) -> String {
    text.to_uppercase()
}

fn main() {
    let _ = Server::builder("shout").tools(tools![shout]);
}
