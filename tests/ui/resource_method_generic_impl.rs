// A `#[resource]` method of a generic `impl`: the item needs a concrete type.
use ferrymcp::prelude::*;
use ferrymcp::{resource, resources};

struct Store<T> {
    items: Vec<T>,
}

impl<T: Send + Sync + 'static> Store<T> {
    #[resource(uri = "store://count")]
    async fn count(&self) -> String {
        self.items.len().to_string()
    }
}

fn main() {
    let store = Store::<u32> { items: vec![] };
    let _ = Server::builder("store").resources(resources![store => Store::count]);
}
