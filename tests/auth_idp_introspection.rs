//! Opaque access tokens checked by RFC 7662 introspection at an identity
//! provider started by the test (over TLS on 127.0.0.1): the same
//! `AccessToken` a JWT gives reaches the tools, `active: false` is a 401,
//! answers are cached no longer than the token's `exp` and the ceiling, and
//! concurrent checks of one token make one request.

mod idp_support;

use ferrymcp::auth::{
    AuthConfig, AuthError, HttpClient, IntrospectionVerifier, ServerMetadata, TokenRejection,
    TokenVerifier,
};
use ferrymcp::prelude::*;
use idp_support::auth_support::{now, AUDIENCE};
use idp_support::{Idp, TestCert, CLIENT_ID, CLIENT_SECRET};
use serde_json::{json, Value};
use std::time::Duration;

/// Says who is calling, for which client, with which scopes.
#[tool]
async fn whoami(token: AccessToken) -> String {
    format!(
        "{} / {} / {} / {}",
        token.subject().unwrap_or("?"),
        token.client_id().unwrap_or("?"),
        token.scopes().join(" "),
        token.audience().join(" ")
    )
}

/// Writes: needs `repo:write`.
#[tool(scopes = ["repo:write"])]
async fn push() -> String {
    "pushed".into()
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
    Setup { idp, client }
}

impl Setup {
    fn verifier(&self) -> IntrospectionVerifier {
        IntrospectionVerifier::new(
            format!("{}/introspect", self.idp.url),
            CLIENT_ID,
            CLIENT_SECRET,
        )
        .unwrap()
        .http_client(self.client.clone())
    }
}

fn answer(sub: &str, scope: &str, exp: u64) -> Value {
    json!({
        "sub": sub, "client_id": "cli-7", "scope": scope, "aud": AUDIENCE,
        "exp": exp, "iat": now(), "token_type": "Bearer", "username": sub,
    })
}

/// A stateless 2026-07-28 request with `Authorization: Bearer <token>`.
async fn post(url: &str, token: &str, body: Value) -> (u16, String, String) {
    let res = reqwest::Client::new()
        .post(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", body["method"].as_str().unwrap())
        .header("mcp-name", body["params"]["name"].as_str().unwrap())
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    let status = res.status().as_u16();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, challenge, res.text().await.unwrap())
}

fn tools_call(name: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
           "params": {"name": name, "arguments": {}, "_meta": {
               "io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientCapabilities": {}}}})
}

#[tokio::test]
async fn opaque_tokens_reach_tools_as_access_tokens_over_http() {
    let s = setup().await;
    s.idp
        .issue_opaque("opaque-alice", answer("alice", "repo:read", now() + 3600));
    // The verifier found from the provider's metadata, as a user would.
    let meta = ServerMetadata::discover_with(&s.idp.url, &s.client)
        .await
        .unwrap();
    let verifier = IntrospectionVerifier::from_metadata(&meta, CLIENT_ID, CLIENT_SECRET)
        .unwrap()
        .http_client(s.client.clone())
        .audience(AUDIENCE);
    let auth = AuthConfig::builder(verifier)
        .resource(AUDIENCE)
        .authorization_server(&s.idp.url)
        .build()
        .unwrap();
    let server = Server::builder("introspected")
        .auth(auth)
        .tools(tools![whoami, push])
        .build()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let app = axum::Router::new().nest("/mcp", server.router());
    tokio::spawn(ferrymcp::transport::http::serve(listener, app));

    let (status, _, body) = post(&url, "opaque-alice", tools_call("whoami")).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!("alice / cli-7 / repo:read / {AUDIENCE}")),
        "{body}"
    );

    // Scopes come from the introspection answer: 403 without repo:write.
    let (status, challenge, _) = post(&url, "opaque-alice", tools_call("push")).await;
    assert_eq!(status, 403);
    assert!(challenge.contains("insufficient_scope"), "{challenge}");

    // A token the provider does not know is inactive: 401 invalid_token.
    let (status, challenge, _) = post(&url, "opaque-mallory", tools_call("whoami")).await;
    assert_eq!(status, 401);
    assert!(challenge.contains("invalid_token"), "{challenge}");
    assert!(challenge.contains("not active"), "{challenge}");
}

#[tokio::test]
async fn answers_are_cached_within_the_ceiling_and_revocation_is_seen_after_it() {
    let s = setup().await;
    s.idp.issue_opaque("t1", answer("bob", "a", now() + 3600));
    let v = s.verifier().cache_ceiling(Duration::from_millis(400));
    assert_eq!(v.verify("t1").await.unwrap().subject(), Some("bob"));
    assert_eq!(v.verify("t1").await.unwrap().subject(), Some("bob"));
    assert_eq!(s.idp.count(&s.idp.state.introspections), 1, "cached");

    s.idp.revoke("t1");
    assert!(v.verify("t1").await.is_ok(), "still within the ceiling");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        v.verify("t1").await,
        Err(AuthError::InvalidToken(TokenRejection::Inactive))
    );
    assert_eq!(s.idp.count(&s.idp.state.introspections), 2);

    // A ceiling of zero asks every time.
    s.idp.issue_opaque("t2", answer("bob", "a", now() + 3600));
    let every = s.verifier().cache_ceiling(Duration::ZERO);
    every.verify("t2").await.unwrap();
    every.verify("t2").await.unwrap();
    assert_eq!(s.idp.count(&s.idp.state.introspections), 4);
}

#[tokio::test]
async fn the_cache_never_outlives_the_tokens_exp() {
    let s = setup().await;
    // Expires in two seconds; the provider keeps calling it active (a lax
    // provider), so only our `exp` check refuses it afterwards.
    s.idp.issue_opaque("short", answer("carol", "a", now() + 2));
    let v = s.verifier().cache_ceiling(Duration::from_secs(3600));
    assert!(v.verify("short").await.is_ok());
    assert!(v.verify("short").await.is_ok());
    assert_eq!(s.idp.count(&s.idp.state.introspections), 1);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        v.verify("short").await,
        Err(AuthError::InvalidToken(TokenRejection::Expired))
    );
    assert_eq!(
        s.idp.count(&s.idp.state.introspections),
        2,
        "asked again after exp"
    );
}

#[tokio::test]
async fn concurrent_checks_of_one_token_make_one_request() {
    let s = setup().await;
    s.idp
        .issue_opaque("busy", answer("dave", "a", now() + 3600));
    *s.idp.state.introspection_delay.lock().unwrap() = Duration::from_millis(300);
    let v = s.verifier();
    let checks = (0..20).map(|_| {
        let v = v.clone();
        async move { v.verify("busy").await }
    });
    let results = futures::future::join_all(checks).await;
    assert!(results
        .iter()
        .all(|r| r.as_ref().is_ok_and(|t| t.subject() == Some("dave"))));
    assert_eq!(s.idp.count(&s.idp.state.introspections), 1);

    // Different tokens are not coalesced.
    s.idp
        .issue_opaque("other", answer("erin", "a", now() + 3600));
    let (a, b) = tokio::join!(v.verify("other"), v.verify("busy"));
    assert!(a.is_ok() && b.is_ok());
    assert_eq!(
        s.idp.count(&s.idp.state.introspections),
        2,
        "`busy` was cached"
    );
}

#[tokio::test]
async fn wrong_credentials_audience_and_issuer_say_why() {
    let s = setup().await;
    s.idp.issue_opaque("t", answer("frank", "a", now() + 3600));

    let wrong = IntrospectionVerifier::new(format!("{}/introspect", s.idp.url), CLIENT_ID, "nope")
        .unwrap()
        .http_client(s.client.clone());
    match wrong.verify("t").await {
        Err(e @ AuthError::Unavailable(_)) => {
            assert_eq!(e.status(), 503);
            assert!(
                e.to_string()
                    .contains("refused this server's client credentials"),
                "{e}"
            );
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }

    let elsewhere = s.verifier().audience("https://other.example/mcp");
    assert_eq!(
        elsewhere.verify("t").await,
        Err(AuthError::InvalidToken(TokenRejection::WrongAudience))
    );
    // `iss` is optional in an answer; when present it must be the issuer.
    let issuer = s.verifier().issuer("https://idp.example");
    assert!(issuer.verify("t").await.is_ok());
    let mut foreign = answer("frank", "a", now() + 3600);
    foreign["iss"] = json!("https://elsewhere.example");
    s.idp.issue_opaque("t-foreign", foreign);
    assert_eq!(
        issuer.verify("t-foreign").await,
        Err(AuthError::InvalidToken(TokenRejection::WrongIssuer))
    );
    assert!(IntrospectionVerifier::new("http://idp.example/introspect", "a", "b").is_err());
}
