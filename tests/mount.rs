//! `ServerBuilder::mount`: two servers with different lifespan types served
//! by one parent under prefixes, over a real socket. Each mounted tool,
//! prompt and resource template runs with its own server's lifespan, inline
//! and in task workers (in memory and on Redis, where a separate worker-only
//! server runs the task): FastMCP's mounted children resolved to the parent
//! inside tasks. Clashes fail the build naming both sides; the scopes of a
//! mounted tool still hold.

#[path = "redis_support/mod.rs"]
mod redis_support;
mod tasks_support;

use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
use ferrymcp::prelude::*;
use ferrymcp::task::redis::{RedisBackend, RedisConfig};
use ferrymcp::{BuildError, TaskOptions};
use redis_support::{serial, Redis};
use serde_json::{json, Value};
use tasks_support::{http_support, serve_nested, within, Caller, Tenant};

/// The math server's lifespan value.
struct Calc {
    /// Which build made it ("node", "worker", ...).
    built_for: String,
}

/// The geo server's lifespan value.
struct Geo {
    region: String,
}

/// The parent's lifespan value.
struct Parent;

/// Adds two numbers.
#[tool]
async fn add(a: i64, b: i64, calc: Lifespan<Calc>) -> String {
    format!("{} (calc built for {})", a + b, calc.built_for)
}

/// What `whoami` saw.
#[derive(serde::Serialize, schemars::JsonSchema)]
struct Who {
    subject: Option<String>,
    tenant: Option<String>,
    calc: String,
    background: bool,
    task: Option<String>,
}

/// Says whose call it is, where it runs and with which lifespan.
#[tool(task = true)]
async fn whoami(
    ctx: Ctx,
    token: Option<AccessToken>,
    tenant: Option<Extension<Tenant>>,
    calc: Lifespan<Calc>,
) -> Who {
    Who {
        subject: token.as_ref().and_then(|t| t.subject()).map(str::to_owned),
        tenant: tenant.map(|t| t.0 .0.clone()),
        calc: calc.built_for.clone(),
        background: ctx.is_background(),
        task: ctx.task_id().map(str::to_owned),
    }
}

/// Only for administrators.
#[tool(scopes = ["admin"])]
async fn admin_only() -> String {
    "admin".into()
}

/// For callers with the `calc` scope.
#[tool(scopes = ["calc"])]
async fn for_calc(calc: Lifespan<Calc>) -> String {
    format!("calc for {}", calc.built_for)
}

/// Explains a number.
#[prompt]
async fn explain(
    /// The number.
    n: String,
    calc: Lifespan<Calc>,
) -> String {
    format!("explain {n} (calc built for {})", calc.built_for)
}

/// The result stored under an id.
#[resource(uri = "calc://{id}/result", mime_type = "text/plain")]
async fn stored(id: u32, calc: Lifespan<Calc>) -> String {
    format!("result {id} (calc built for {})", calc.built_for)
}

/// About the calculator.
#[resource(uri = "calc://about")]
async fn about() -> String {
    "a calculator".into()
}

/// The region of the geo server.
#[tool(task = true)]
async fn region(geo: Lifespan<Geo>) -> String {
    geo.region.clone()
}

/// The parent's own tool.
#[tool]
async fn hello(_parent: Lifespan<Parent>) -> String {
    "hello from the parent".into()
}

/// A parent tool whose name is what a mounted `add` becomes.
#[tool(name = "math_add")]
async fn parent_math_add() -> String {
    "the parent's".into()
}

/// The math server (carries the tenant into its tasks; the parent does not).
async fn math(built_for: &str) -> Server {
    let built_for = built_for.to_owned();
    Server::builder("math")
        .lifespan(move || async move { Ok::<_, std::io::Error>(Calc { built_for }) })
        .tools(tools![add, whoami, admin_only, for_calc])
        .prompts(prompts![explain])
        .resources(resources![stored, about])
        .carry_as::<Tenant>("tenant")
        .build()
        .await
        .expect("math builds")
}

async fn geo() -> Server {
    Server::builder("geo")
        .lifespan(|| async {
            Ok::<_, std::io::Error>(Geo {
                region: "eu-north".into(),
            })
        })
        .tools(tools![region])
        .build()
        .await
        .expect("geo builds")
}

/// The parent with both mounted, tasks in memory.
async fn composed() -> Server {
    Server::builder("app")
        .lifespan(|| async { Ok::<_, std::io::Error>(Parent) })
        .tools(tools![hello])
        .mount("math", math("node").await)
        .mount("geo", geo().await)
        .build()
        .await
        .expect("the composed server builds")
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}

fn names(list: &Value, key: &str, field: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|t| t[field].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn tools_list_shows_prefixed_names_and_calls_reach_each_lifespan() {
    let server = composed().await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;
    let listed = alice.call("tools/list", json!({})).await;
    assert_eq!(
        names(&listed["result"], "tools", "name"),
        [
            "hello",
            "math_add",
            "math_whoami",
            "math_admin_only",
            "math_for_calc",
            "geo_region"
        ]
    );
    let whoami = &listed["result"]["tools"][2];
    assert_eq!(whoami["execution"]["taskSupport"], "optional");
    assert_eq!(
        whoami["description"],
        "Says whose call it is, where it runs and with which lifespan."
    );

    let sum = alice
        .call(
            "tools/call",
            json!({"name": "math_add", "arguments": {"a": 2, "b": 3}}),
        )
        .await;
    assert_eq!(text(&sum["result"]), "5 (calc built for node)", "{sum}");
    let region = alice
        .call("tools/call", json!({"name": "geo_region"}))
        .await;
    assert_eq!(text(&region["result"]), "eu-north", "{region}");
    let hello = alice.call("tools/call", json!({"name": "hello"})).await;
    assert_eq!(text(&hello["result"]), "hello from the parent", "{hello}");
    // The unprefixed name is not served.
    let bare = alice
        .call(
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
        )
        .await;
    let refused = format!("{bare}");
    assert!(refused.contains("add"), "{bare}");
    assert!(
        bare.get("error").is_some() || bare["result"]["isError"] == true,
        "{bare}"
    );
}

#[tokio::test]
async fn a_mounted_task_tool_sees_its_lifespan_and_the_callers_token_in_the_worker() {
    let server = composed().await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(
        &url,
        "2025-11-25",
        &[("x-subject", "alice"), ("x-tenant", "acme")],
    )
    .await;
    let inline = alice
        .call("tools/call", json!({"name": "math_whoami"}))
        .await;
    let inline = &inline["result"]["structuredContent"];
    assert_eq!(
        *inline,
        json!({"subject": "alice", "tenant": "acme", "calc": "node", "background": false, "task": null})
    );
    let (id, result) = alice
        .run_as_task(json!({"name": "math_whoami", "task": {"ttl": 60000}}))
        .await;
    assert_eq!(
        result["result"]["structuredContent"],
        json!({"subject": "alice", "tenant": "acme", "calc": "node", "background": true, "task": id}),
        "{result}"
    );
    // A task of the other mounted server sees its own lifespan.
    let (_, result) = alice
        .run_as_task(json!({"name": "geo_region", "task": {}}))
        .await;
    assert_eq!(text(&result["result"]), "eu-north", "{result}");
}

/// A node and a worker-only server, each built the same way (their own
/// mounted math server, told apart by its lifespan), sharing one Redis.
async fn on_redis(redis: &Redis, built_for: &str, run_workers: bool) -> Server {
    let backend =
        RedisBackend::new(RedisConfig::new(redis.url()).prefix("mount-test")).expect("a Redis URL");
    Server::builder("app")
        .lifespan(|| async { Ok::<_, std::io::Error>(Parent) })
        .tools(tools![hello])
        .mount("math", math(built_for).await)
        .mount("geo", geo().await)
        .tasks(backend)
        .task_options(TaskOptions::default().run_workers(run_workers))
        .build()
        .await
        .expect("the composed server builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_redis_a_worker_only_server_runs_the_mounted_task_with_its_own_lifespan() {
    let _serial = serial().await;
    let redis = Redis::start(false);
    let node = on_redis(&redis, "node", false).await;
    let worker = on_redis(&redis, "worker", false).await;
    let running = {
        let worker = worker.clone();
        tokio::spawn(async move { worker.run_task_workers().await })
    };
    let url = serve_nested(&node).await;
    let alice = Caller::session(
        &url,
        "2025-11-25",
        &[("x-subject", "alice"), ("x-tenant", "acme")],
    )
    .await;
    let (id, result) = alice
        .run_as_task(json!({"name": "math_whoami", "task": {"ttl": 60000}}))
        .await;
    assert_eq!(
        result["result"]["structuredContent"],
        json!({"subject": "alice", "tenant": "acme", "calc": "worker", "background": true, "task": id}),
        "{result}"
    );
    worker.shutdown().await;
    within("the worker stops", running)
        .await
        .expect("the worker task");
    node.shutdown().await;
}

#[tokio::test]
async fn prompts_and_a_resource_template_of_a_mounted_server() {
    let server = composed().await;
    let url = serve_nested(&server).await;
    let alice = Caller::session(&url, "2025-11-25", &[("x-subject", "alice")]).await;

    let prompts = alice.call("prompts/list", json!({})).await;
    assert_eq!(
        names(&prompts["result"], "prompts", "name"),
        ["math_explain"]
    );
    assert_eq!(prompts["result"]["prompts"][0]["arguments"][0]["name"], "n");
    let got = alice
        .call(
            "prompts/get",
            json!({"name": "math_explain", "arguments": {"n": "42"}}),
        )
        .await;
    assert_eq!(
        got["result"]["messages"][0]["content"]["text"], "explain 42 (calc built for node)",
        "{got}"
    );

    let templates = alice.call("resources/templates/list", json!({})).await;
    assert_eq!(
        names(&templates["result"], "resourceTemplates", "uriTemplate"),
        ["calc://math/{id}/result"]
    );
    let resources = alice.call("resources/list", json!({})).await;
    assert_eq!(
        names(&resources["result"], "resources", "uri"),
        ["calc://math/about"]
    );
    let read = alice
        .call("resources/read", json!({"uri": "calc://math/7/result"}))
        .await;
    assert_eq!(
        read["result"]["contents"][0],
        json!({"uri": "calc://math/7/result", "mimeType": "text/plain",
               "text": "result 7 (calc built for node)"}),
        "{read}"
    );
    let about = alice
        .call("resources/read", json!({"uri": "calc://math/about"}))
        .await;
    assert_eq!(about["result"]["contents"][0]["text"], "a calculator");
    // The mounted server's own URIs are not served by the parent.
    let bare = alice
        .call("resources/read", json!({"uri": "calc://7/result"}))
        .await;
    assert!(bare["error"]["code"].is_i64(), "{bare}");
    // A bad placeholder value is refused before the resource runs.
    let bad = alice
        .call("resources/read", json!({"uri": "calc://math/seven/result"}))
        .await;
    assert!(bad.get("error").is_some(), "{bad}");
}

#[tokio::test]
async fn a_name_clash_fails_the_build_naming_both() {
    let clash = Server::builder("app")
        .tools(tools![parent_math_add])
        .mount("math", math("node").await)
        .build()
        .await
        .expect_err("the parent's math_add clashes");
    assert!(matches!(clash, BuildError::MountClash { .. }));
    assert_eq!(
        clash.to_string(),
        "tool `math_add` of the server mounted at `math` clashes with the parent's tool `math_add`"
    );

    let twice = Server::builder("app")
        .mount("math", math("a").await)
        .mount("math", math("b").await)
        .build()
        .await
        .expect_err("two servers at one prefix clash");
    assert_eq!(
        twice.to_string(),
        "tool `math_add` of the server mounted at `math` clashes with tool `math_add` of the server mounted at `math`"
    );

    // Prompts and URIs clash the same way, once the tools do not.
    let only_catalog = || async {
        Server::builder("math")
            .lifespan(|| async {
                Ok::<_, std::io::Error>(Calc {
                    built_for: "x".into(),
                })
            })
            .prompts(prompts![explain])
            .resources(resources![stored])
            .build()
            .await
            .unwrap()
    };
    let prompts = Server::builder("app")
        .mount("m", only_catalog().await)
        .mount("m", only_catalog().await)
        .build()
        .await
        .expect_err("the prompts clash");
    assert_eq!(
        prompts.to_string(),
        "prompt `m_explain` of the server mounted at `m` clashes with prompt `m_explain` of the server mounted at `m`"
    );

    let bad = Server::builder("app")
        .mount("a/b", geo().await)
        .build()
        .await
        .expect_err("a prefix with a slash");
    assert!(matches!(bad, BuildError::InvalidMountPrefix(ref p) if p == "a/b"));
    assert!(
        bad.to_string().contains("invalid mount prefix `a/b`"),
        "{bad}"
    );
}

#[tokio::test]
async fn scopes_of_a_mounted_tool_still_hold() {
    let auth = AuthConfig::builder(StaticTokenVerifier::new().token(
        "calc-token",
        AccessToken::builder().subject("carol").scopes(["calc"]),
    ))
    .resource("http://127.0.0.1:8000/mcp")
    .authorization_server("http://127.0.0.1:9000")
    .build()
    .unwrap();
    let server = Server::builder("app")
        .auth(auth)
        .mount("math", math("node").await)
        .build()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let app = axum::Router::new().nest("/mcp", server.router());
    tokio::spawn(ferrymcp::transport::http::serve(listener, app));

    let carol = Caller::session(
        &url,
        "2025-11-25",
        &[("authorization", "Bearer calc-token")],
    )
    .await;
    let allowed = carol
        .call("tools/call", json!({"name": "math_for_calc"}))
        .await;
    assert_eq!(text(&allowed["result"]), "calc for node", "{allowed}");
    let session = carol.session_id().unwrap().to_owned();
    let refused = http_support::post(
        &url,
        &[
            ("authorization", "Bearer calc-token"),
            ("mcp-session-id", &session),
            ("mcp-protocol-version", "2025-11-25"),
        ],
        json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
               "params": {"name": "math_admin_only"}})
        .to_string(),
    )
    .await;
    assert_eq!(refused.status, 403, "{refused:?}");
    let challenge = refused.header("www-authenticate").unwrap_or_default();
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
    assert!(challenge.contains("admin"), "{challenge}");

    // In process (no HTTP in front), the dispatch refuses it.
    let client = ferrymcp::Client::connect(&server).await.unwrap();
    let result = client
        .request("tools/call", json!({"name": "math_admin_only"}))
        .await
        .unwrap();
    assert_eq!(result["isError"], true, "{result}");
    assert_eq!(
        text(&result),
        "Forbidden: tool `math_admin_only` needs the scopes `admin`, and the call carries no access token"
    );
}

#[tokio::test]
async fn a_composition_mounts_again_and_shuts_its_mounted_servers_down() {
    let closed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let geo = {
        let closed = std::sync::Arc::clone(&closed);
        Server::builder("geo")
            .lifespan(|| async {
                Ok::<_, std::io::Error>(Geo {
                    region: "eu-north".into(),
                })
            })
            .on_shutdown(move |geo| async move {
                assert_eq!(geo.region, "eu-north");
                closed.store(true, std::sync::atomic::Ordering::SeqCst);
            })
            .tools(tools![region])
            .build()
            .await
            .unwrap()
    };
    let inner = Server::builder("inner")
        .mount("math", math("inner").await)
        .mount("geo", geo)
        .build()
        .await
        .unwrap();
    let outer = Server::builder("outer")
        .lifespan(|| async { Ok::<_, std::io::Error>(Parent) })
        .tools(tools![hello])
        .mount("app", inner)
        .build()
        .await
        .unwrap();
    assert_eq!(
        outer.tool_names(),
        [
            "hello",
            "app_math_add",
            "app_math_whoami",
            "app_math_admin_only",
            "app_math_for_calc",
            "app_geo_region"
        ]
    );
    let client = ferrymcp::Client::connect(&outer).await.unwrap();
    let sum = client
        .request(
            "tools/call",
            json!({"name": "app_math_add", "arguments": {"a": 1, "b": 2}}),
        )
        .await
        .unwrap();
    assert_eq!(text(&sum), "3 (calc built for inner)", "{sum}");
    let created = client
        .request("tools/call", json!({"name": "app_geo_region", "task": {}}))
        .await
        .unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    let result = within(
        "tasks/result",
        client.request("tasks/result", json!({"taskId": id})),
    )
    .await
    .unwrap();
    assert_eq!(text(&result), "eu-north", "{result}");
    assert!(!closed.load(std::sync::atomic::Ordering::SeqCst));
    outer.shutdown().await;
    assert!(
        closed.load(std::sync::atomic::Ordering::SeqCst),
        "the mounted server's on_shutdown ran"
    );
}
