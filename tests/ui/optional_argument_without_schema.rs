// An optional argument (`Option<T>`) whose `T` has no JSON Schema: the error
// points at `T`, not at the `Option`.
use ferrymcp::prelude::*;

#[derive(serde::Deserialize)]
struct Filter {
    tag: String,
}

#[tool]
async fn search(text: String, filter: Option<Filter>) -> String {
    match filter {
        Some(filter) => format!("{text} #{}", filter.tag),
        None => text,
    }
}

fn main() {
    let _ = Server::builder("search").tools(tools![search]);
}
