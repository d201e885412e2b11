// A `uri` without a scheme.
use ferrymcp::{resource, resources};

/// The readme.
#[resource(uri = "readme.md")]
async fn readme() -> String {
    "# Hello".into()
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(resources![readme], Default::default());
}
