// A URI template placeholder that no parameter receives: the error is at the URI.
use ferrymcp::{resource, resources};

/// One page of a book.
#[resource(uri = "books://{book}/pages/{page}")]
async fn page(book: String) -> String {
    book
}

fn main() {
    let _ = ferrymcp::catalog::Catalog::new::<()>(resources![page], Default::default());
}
