// Mistake: `scopes` must be a list of scope strings; a scope cannot contain a space.
use ferrymcp::prelude::*;

#[tool(scopes = ["repo read"])]
async fn read_repo() -> String {
    String::new()
}

fn main() {}
