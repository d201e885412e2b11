// A `#[tool]` method of a generic `impl`: a tool's schemas need a concrete type.
use ferrymcp::prelude::*;

struct Store<T> {
    items: Vec<T>,
}

impl<T: Send + Sync + 'static> Store<T> {
    #[tool]
    async fn count(&self) -> usize {
        self.items.len()
    }
}

fn main() {
    let store = Store::<u32> { items: vec![] };
    let _ = Server::builder("store").tools(tools![store => Store::count]);
}
