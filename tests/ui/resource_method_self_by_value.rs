// A `#[resource]` method that takes `self` by value: no read can consume the instance.
use ferrymcp::prelude::*;
use ferrymcp::{resource, resources};

struct Docs {
    readme: String,
}

impl Docs {
    #[resource(uri = "docs://readme")]
    async fn readme(self) -> String {
        self.readme
    }
}

fn main() {
    let docs = Docs { readme: "# Hi".into() };
    let _ = Server::builder("docs").resources(resources![docs => Docs::readme]);
}
