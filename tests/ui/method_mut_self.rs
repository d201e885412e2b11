// A `#[tool]` method that takes `&mut self`: one instance serves every call.
use ferrymcp::prelude::*;

struct Counter {
    count: u64,
}

impl Counter {
    #[tool]
    async fn bump(&mut self) -> u64 {
        self.count += 1;
        self.count
    }
}

fn main() {
    let counter = Counter { count: 0 };
    let _ = Server::builder("counter").tools(tools![counter => Counter::bump]);
}
