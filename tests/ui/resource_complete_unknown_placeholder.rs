// A completion function for a placeholder the URI does not have.
use ferrymcp::{resource, resources};

async fn ids(_value: String) -> Vec<String> {
    Vec::new()
}

/// One item.
#[resource(uri = "items://{id}", complete(item = ids))]
async fn item(id: String) -> String {
    id
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(resources![item], Default::default());
}
