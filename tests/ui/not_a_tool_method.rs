// `tools![state => ..]` given a method that has no `#[tool]`.
use ferrymcp::prelude::*;

struct Repo;

impl Repo {
    #[tool]
    async fn search(&self, query: String) -> String {
        query
    }

    async fn helper(&self) -> String {
        String::new()
    }
}

fn main() {
    let _ = Server::builder("repo").tools(tools![Repo => Repo::search, Repo::helper]);
}
