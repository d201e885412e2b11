// A `#[tool]` method that takes `self` by value: no call can consume the instance.
use ferrymcp::prelude::*;

struct Repo {
    name: String,
}

impl Repo {
    #[tool]
    async fn into_name(self) -> String {
        self.name
    }
}

fn main() {
    let repo = Repo { name: "r".into() };
    let _ = Server::builder("repo").tools(tools![repo => Repo::into_name]);
}
