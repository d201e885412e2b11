// `#[inject]` on a type the server cannot supply.
use ferrymcp::prelude::*;

struct Db;

#[tool]
async fn query(#[inject] db: Db, sql: String) -> String {
    let _ = db;
    sql
}

fn main() {
    let _ = Server::builder("db").tools(tools![query]);
}
