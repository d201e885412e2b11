// A URI template whose placeholder is spelled differently from the parameter:
// one error, at the parameter, naming both.
use ferrymcp::{resource, resources};

/// One item.
#[resource(uri = "items://{item_id}")]
async fn item(id: String) -> String {
    id
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(resources![item], Default::default());
}
