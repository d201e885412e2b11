// A resource that returns something that is not resource contents.
use ferrymcp::{resource, resources};

/// A counter.
#[resource(uri = "counter://value")]
async fn counter() -> Result<u64, String> {
    Ok(1)
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(resources![counter], Default::default());
}
