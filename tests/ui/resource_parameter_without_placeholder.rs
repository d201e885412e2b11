// A static resource with a parameter that is not injected: it could only come
// from the URI, which has no placeholders.
use ferrymcp::{resource, resources};

/// The readme.
#[resource(uri = "docs://readme")]
async fn readme(lang: String) -> String {
    lang
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(resources![readme], Default::default());
}
