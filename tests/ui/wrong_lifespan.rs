// A tool asks for `Lifespan<Foo>` on a server whose lifespan value is a `Bar`.
use ferrymcp::prelude::*;

struct Foo;
struct Bar;

#[tool]
async fn the_tool(foo: Lifespan<Foo>) -> String {
    let _ = &*foo;
    String::new()
}

fn main() {
    let _ = Server::builder("app")
        .lifespan(|| async { Ok::<_, std::io::Error>(Bar) })
        .tools(tools![the_tool]);
}
