// A `#[resource]` method that takes `&mut self`: one instance serves every read.
use ferrymcp::prelude::*;
use ferrymcp::{resource, resources};

struct Counter {
    count: u64,
}

impl Counter {
    #[resource(uri = "counter://next")]
    async fn next(&mut self) -> String {
        self.count += 1;
        self.count.to_string()
    }
}

fn main() {
    let counter = Counter { count: 0 };
    let _ = Server::builder("counter").resources(resources![counter => Counter::next]);
}
