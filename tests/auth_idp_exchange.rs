//! RFC 8693 token exchange against a token endpoint the test starts (over
//! TLS on 127.0.0.1, implementing the RFC's request and response and RFC
//! 6749 §5.2 errors): a tool gets a token for a downstream API in exchange
//! for the caller's, inline and in a background task; every failure is a
//! tool error that says why.

mod idp_support;
#[path = "redis_support/mod.rs"]
mod redis_support;
mod tasks_support;

use ferrymcp::auth::{
    AccessToken, AuthConfig, ExchangeError, HttpClient, StaticTokenVerifier, TokenExchange,
};
use ferrymcp::prelude::*;
use ferrymcp::TaskOptions;
use idp_support::{
    Idp, TestCert, ACCESS_TOKEN_TYPE, CLIENT_ID, CLIENT_SECRET, DOWNSTREAM, EXCHANGE_GRANT,
};
use serde_json::{json, Value};
use tasks_support::{within, Caller};

/// Calls the calendar API with a token exchanged for the caller's.
#[tool(task = true)]
async fn calendar(ctx: Ctx) -> Result<String, ToolError> {
    let token = ctx.exchange_token(DOWNSTREAM, &["calendar:read"]).await?;
    Ok(format!(
        "{} {} {} background={}",
        token.token_type(),
        token.access_token(),
        token.expires_in().unwrap_or(0),
        ctx.is_background()
    ))
}

/// Asks for a token for an API the provider does not serve.
#[tool]
async fn elsewhere(ctx: Ctx) -> Result<String, ToolError> {
    let token = ctx.exchange_token("https://mail.example", &[]).await?;
    Ok(token.access_token().to_owned())
}

struct Setup {
    idp: Idp,
    client: HttpClient,
}

async fn setup() -> Setup {
    let cert = TestCert::generate();
    let idp = Idp::start_tls(&cert).await;
    let client = HttpClient::builder()
        .add_root_certificate_pem(&cert.pem)
        .build()
        .unwrap();
    idp.accept_subject("caller-alice", "alice");
    Setup { idp, client }
}

impl Setup {
    fn exchange(&self, secret: &str) -> TokenExchange {
        TokenExchange::new(format!("{}/token", self.idp.url), CLIENT_ID, secret)
            .unwrap()
            .http_client(self.client.clone())
    }

    /// A ferrymcp server over HTTP whose callers are `caller-alice` and
    /// `caller-bob` (a token the provider does not accept as a subject).
    async fn serve(&self, exchange: Option<TokenExchange>, options: TaskOptions) -> String {
        let server = self.build(exchange, options, None).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let app = axum::Router::new().nest("/mcp", server.router());
        tokio::spawn(ferrymcp::transport::http::serve(listener, app));
        url
    }

    async fn build(
        &self,
        exchange: Option<TokenExchange>,
        options: TaskOptions,
        backend: Option<ferrymcp::task::redis::RedisBackend>,
    ) -> Server {
        let verifier = StaticTokenVerifier::new()
            .token("caller-alice", AccessToken::builder().subject("alice"))
            .token("caller-bob", AccessToken::builder().subject("bob"));
        let mut auth = AuthConfig::builder(verifier)
            .resource("https://mcp.example.com/mcp")
            .authorization_server(&self.idp.url);
        if let Some(exchange) = exchange {
            auth = auth.token_exchange(exchange);
        }
        let mut builder = Server::builder("exchanger")
            .auth(auth.build().unwrap())
            .tools(tools![calendar, elsewhere])
            .task_options(options);
        if let Some(backend) = backend {
            builder = builder.tasks(backend);
        }
        builder.build().await.unwrap()
    }
}

fn text(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

async fn caller(url: &str, token: &str) -> Caller {
    Caller::session(
        url,
        "2025-11-25",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await
}

/// Runs `tool` as a task and returns its result.
async fn as_task(caller: &Caller, tool: &str) -> Value {
    let created = caller
        .call("tools/call", json!({"name": tool, "task": {"ttl": 60000}}))
        .await;
    let id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("CreateTaskResult: {created}"))
        .to_owned();
    within(
        "tasks/result",
        caller.call("tasks/result", json!({"taskId": id})),
    )
    .await["result"]
        .clone()
}

#[tokio::test]
async fn inline_and_background_calls_get_an_exchanged_token() {
    let s = setup().await;
    let url = s
        .serve(
            Some(s.exchange(CLIENT_SECRET)),
            TaskOptions::default().keep_raw_token(),
        )
        .await;
    let alice = caller(&url, "caller-alice").await;

    let inline = alice
        .call("tools/call", json!({"name": "calendar", "arguments": {}}))
        .await;
    assert_ne!(inline["result"]["isError"], json!(true), "{inline}");
    assert_eq!(
        text(&inline["result"]),
        "Bearer downstream-alice-1 300 background=false"
    );

    // The request is RFC 8693's, form-encoded, with the caller's token.
    let form = s.idp.state.exchange_forms.lock().unwrap()[0].clone();
    let expected: Vec<(String, String)> = [
        ("grant_type", EXCHANGE_GRANT),
        ("audience", DOWNSTREAM),
        ("scope", "calendar:read"),
        ("requested_token_type", ACCESS_TOKEN_TYPE),
        ("subject_token", "caller-alice"),
        ("subject_token_type", ACCESS_TOKEN_TYPE),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(form, expected);

    // In a background task (the snapshot keeps the caller's token, as the
    // app opted in), the worker exchanges it the same way.
    let result = as_task(&alice, "calendar").await;
    assert_ne!(result["isError"], json!(true), "{result}");
    assert_eq!(
        text(&result),
        "Bearer downstream-alice-2 300 background=true"
    );
    assert_eq!(s.idp.count(&s.idp.state.exchanges), 2);
}

#[tokio::test]
async fn a_task_without_the_callers_token_says_how_to_keep_it() {
    let s = setup().await;
    // The default: task snapshots leave the raw token out.
    let url = s
        .serve(Some(s.exchange(CLIENT_SECRET)), TaskOptions::default())
        .await;
    let alice = caller(&url, "caller-alice").await;
    let result = as_task(&alice, "calendar").await;
    assert_eq!(result["isError"], json!(true), "{result}");
    let message = text(&result);
    assert!(message.contains("no token to exchange"), "{message}");
    assert!(
        message.contains("TaskOptions::keep_raw_token()"),
        "{message}"
    );
    assert_eq!(s.idp.count(&s.idp.state.exchanges), 0, "nothing was sent");
}

#[tokio::test]
async fn refusals_are_tool_errors_with_the_oauth_error() {
    let s = setup().await;
    let url = s
        .serve(
            Some(s.exchange(CLIENT_SECRET)),
            TaskOptions::default().keep_raw_token(),
        )
        .await;

    // An audience the provider does not serve: invalid_target.
    let alice = caller(&url, "caller-alice").await;
    let r = alice
        .call("tools/call", json!({"name": "elsewhere", "arguments": {}}))
        .await;
    assert_eq!(r["result"]["isError"], json!(true), "{r}");
    let message = text(&r["result"]);
    assert!(
        message.contains("refused the token exchange (400): invalid_target"),
        "{message}"
    );
    assert!(message.contains("calendar.example only"), "{message}");

    // A caller whose token the provider does not accept: invalid_grant.
    let bob = caller(&url, "caller-bob").await;
    let r = bob
        .call("tools/call", json!({"name": "calendar", "arguments": {}}))
        .await;
    let message = text(&r["result"]);
    assert!(message.contains("invalid_grant"), "{message}");
    assert!(
        message.contains("the subject token is not valid"),
        "{message}"
    );
}

#[tokio::test]
async fn without_a_configured_exchange_the_tool_says_so() {
    let s = setup().await;
    let url = s.serve(None, TaskOptions::default()).await;
    let alice = caller(&url, "caller-alice").await;
    let r = alice
        .call("tools/call", json!({"name": "calendar", "arguments": {}}))
        .await;
    assert_eq!(r["result"]["isError"], json!(true));
    assert!(
        text(&r["result"]).contains("AuthConfigBuilder::token_exchange"),
        "{r}"
    );
}

#[tokio::test]
async fn the_client_reports_each_rfc_6749_error() {
    let s = setup().await;
    // Wrong client secret: 401 invalid_client.
    let err = s
        .exchange("wrong")
        .exchange("caller-alice", Some(DOWNSTREAM), &[])
        .await
        .unwrap_err();
    match &err {
        ExchangeError::Refused { status, error, .. } => {
            assert_eq!((*status, error.as_str()), (401, "invalid_client"))
        }
        other => panic!("{other:?}"),
    }
    // A scope the provider does not grant: invalid_scope.
    let err = s
        .exchange(CLIENT_SECRET)
        .exchange("caller-alice", Some(DOWNSTREAM), &["calendar:write"])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid_scope"), "{err}");
    // A token type the provider does not issue: invalid_request.
    let err = s
        .exchange(CLIENT_SECRET)
        .requested_token_type(Some("urn:ietf:params:oauth:token-type:saml2"))
        .exchange("caller-alice", Some(DOWNSTREAM), &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid_request"), "{err}");
    // Success, straight from the client.
    let ok = s
        .exchange(CLIENT_SECRET)
        .exchange("caller-alice", Some(DOWNSTREAM), &["calendar:read"])
        .await
        .unwrap();
    assert_eq!(ok.issued_token_type(), ACCESS_TOKEN_TYPE);
    assert_eq!(ok.token_type(), "Bearer");
    assert!(
        !format!("{ok:?}").contains("downstream-"),
        "Debug hides the token"
    );
    // An endpoint that is not there.
    let gone = TokenExchange::new("http://127.0.0.1:9/token", CLIENT_ID, CLIENT_SECRET).unwrap();
    let err = gone.exchange("x", None, &[]).await.unwrap_err();
    assert!(matches!(err, ExchangeError::Failed(_)), "{err:?}");
}

/// On a distributed deployment: an HTTP node that runs no tasks and a
/// worker (another server on the same Redis, as a worker process builds it)
/// that exchanges the caller's token it finds in the task's snapshot, stored
/// in Redis encrypted with the snapshot key (`redis_hardening` checks what
/// is stored).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_on_another_node_exchanges_the_token_from_an_encrypted_snapshot() {
    use ferrymcp::task::redis::{RedisBackend, RedisConfig};
    let _serial = redis_support::serial().await;
    let redis = redis_support::Redis::start(false);
    let backend = || {
        RedisBackend::new(
            RedisConfig::new(redis.url())
                .prefix("xchg")
                .snapshot_key("k1", &[7u8; 32])
                .unwrap(),
        )
        .unwrap()
    };
    let s = setup().await;
    let node = s
        .build(
            Some(s.exchange(CLIENT_SECRET)),
            TaskOptions::default().keep_raw_token().run_workers(false),
            Some(backend()),
        )
        .await;
    let worker = s
        .build(
            Some(s.exchange(CLIENT_SECRET)),
            TaskOptions::default().keep_raw_token(),
            Some(backend()),
        )
        .await;
    let running = worker.clone();
    let workers = tokio::spawn(async move { running.run_task_workers().await });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(ferrymcp::transport::http::serve(
        listener,
        axum::Router::new().nest("/mcp", node.router()),
    ));

    let alice = caller(&url, "caller-alice").await;
    let result = as_task(&alice, "calendar").await;
    assert_ne!(result["isError"], json!(true), "{result}");
    assert_eq!(
        text(&result),
        "Bearer downstream-alice-1 300 background=true"
    );

    worker.shutdown().await;
    workers.abort();
}
