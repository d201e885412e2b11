//! JWKS and discovery over real TLS: an identity provider on 127.0.0.1 with a
//! certificate the test generates, trusted through the client's configurable
//! root; a JWT it signs is verified end to end through a real ferrymcp HTTP
//! server. A certificate nobody trusts is refused with an error that says so.

mod idp_support;
mod tasks_support;

use ferrymcp::auth::{
    AuthConfig, AuthError, HttpClient, JwtVerifier, ServerMetadata, TokenVerifier,
};
use ferrymcp::prelude::*;
use idp_support::auth_support::{claims, TestKey, AUDIENCE};
use idp_support::{Idp, TestCert};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tasks_support::Caller;

/// Says who is calling.
#[tool]
async fn whoami(token: AccessToken) -> String {
    format!(
        "{} via {}",
        token.subject().unwrap_or("?"),
        token.issuer().unwrap_or("?")
    )
}

fn trusting(cert: &TestCert) -> HttpClient {
    HttpClient::builder()
        .add_root_certificate_pem(&cert.pem)
        .build()
        .expect("the test's root parses")
}

/// A valid token of the provider at `issuer`, signed with its key.
fn token_of(issuer: &str) -> String {
    let mut c = claims();
    c["iss"] = json!(issuer);
    TestKey::RsaA.mint(&c)
}

async fn serve(auth: AuthConfig) -> String {
    let server = Server::builder("idp-tls")
        .auth(auth)
        .tools(tools![whoami])
        .build()
        .await
        .expect("the server builds");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().nest("/mcp", server.router());
    tokio::spawn(ferrymcp::transport::http::serve(listener, app));
    format!("http://{addr}/mcp")
}

async fn call(url: &str, token: &str, body: Value) -> (u16, String) {
    let res = reqwest::Client::new()
        .post(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn a_jwt_of_a_provider_found_by_issuer_is_verified_end_to_end_over_tls() {
    let cert = TestCert::generate();
    let idp = Idp::start_tls(&cert).await;
    let client = trusting(&cert);

    let verifier = JwtVerifier::from_issuer_with(&idp.url, &client)
        .await
        .expect("discovery over TLS")
        .audience(AUDIENCE);
    assert_eq!(
        idp.count(&idp.state.discovery_hits),
        1,
        "OpenID location first"
    );
    let auth = AuthConfig::builder(verifier)
        .resource(AUDIENCE)
        .authorization_server(&idp.url)
        .build()
        .expect("valid configuration");
    let url = serve(auth).await;

    let token = token_of(&idp.url);
    let caller = Caller::session(
        &url,
        "2025-11-25",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    let r = caller
        .call("tools/call", json!({"name": "whoami", "arguments": {}}))
        .await;
    assert_eq!(
        r["result"]["content"][0]["text"],
        format!("alice via {}", idp.url),
        "{r}"
    );
    assert_eq!(idp.count(&idp.state.jwks_hits), 1, "the JWKS came over TLS");

    // A token of another issuer is refused, although the key is the same.
    let (status, body) = call(
        &url,
        &token_of("https://elsewhere.example"),
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "idp-tls", "version": "1"}}}),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(idp.count(&idp.state.tls_failures), 0);
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_with_a_clear_error() {
    let cert = TestCert::generate();
    let idp = Idp::start_tls(&cert).await;

    // The default client trusts the public roots, not the test's certificate.
    let err = ServerMetadata::discover(&idp.url)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("TLS handshake"), "{err}");
    assert!(err.contains("UnknownIssuer"), "{err}");
    assert!(err.contains("add_root_certificate_pem"), "{err}");
    assert!(idp.count(&idp.state.tls_failures) >= 1);

    // Trusting another certificate does not help.
    let other = TestCert::generate();
    let err = ServerMetadata::discover_with(&idp.url, &trusting(&other))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("TLS handshake"), "{err}");

    // A verifier whose key set sits behind that certificate cannot check
    // tokens: 503-class `Unavailable`, with the reason in the log text.
    let verifier = JwtVerifier::jwks_url(format!("{}/jwks", idp.url))
        .unwrap()
        .audience(AUDIENCE);
    assert_eq!(
        verifier.configuration_error(),
        None,
        "https is fine to configure"
    );
    match verifier.verify(&token_of(&idp.url)).await {
        Err(AuthError::Unavailable(why)) => {
            assert!(why.contains("UnknownIssuer"), "{why}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert_eq!(idp.count(&idp.state.jwks_hits), 0, "nothing was served");
}

#[tokio::test]
async fn rfc_8414_metadata_is_the_fallback() {
    let cert = TestCert::generate();
    let idp = Idp::start_tls(&cert).await;
    idp.state.rfc8414_only.store(true, Ordering::SeqCst);
    let meta = ServerMetadata::discover_with(&idp.url, &trusting(&cert))
        .await
        .expect("found at the RFC 8414 location");
    assert_eq!(meta.issuer(), idp.url);
    assert_eq!(meta.jwks_uri(), Some(format!("{}/jwks", idp.url).as_str()));
    assert_eq!(
        meta.introspection_endpoint(),
        Some(format!("{}/introspect", idp.url).as_str())
    );
    assert!(meta.supports_grant("urn:ietf:params:oauth:grant-type:token-exchange"));
    assert_eq!(idp.count(&idp.state.discovery_hits), 2);
}

#[tokio::test]
async fn a_document_naming_another_issuer_is_refused() {
    let cert = TestCert::generate();
    let idp = Idp::start_tls(&cert).await;
    *idp.state.issuer.lock().unwrap() = "https://impostor.example".into();
    let err = JwtVerifier::from_issuer_with(&idp.url, &trusting(&cert))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("names the issuer `https://impostor.example`"),
        "{err}"
    );
}

#[tokio::test]
async fn responses_are_bounded_in_size_and_time() {
    let cert = TestCert::generate();
    let idp = Idp::start_tls(&cert).await;
    let small = HttpClient::builder()
        .add_root_certificate_pem(&cert.pem)
        .max_response_bytes(64)
        .build()
        .unwrap();
    let err = ServerMetadata::discover_with(&idp.url, &small)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("limit of 64 bytes") || err.contains("the limit is 64"),
        "{err}"
    );

    // A server that accepts the connection and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let impatient = HttpClient::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = ServerMetadata::discover_with(&format!("http://{addr}"), &impatient)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no complete answer within 300ms"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    hold.abort();
}

#[tokio::test]
async fn plain_http_is_for_loopback_only() {
    let v = JwtVerifier::jwks_url("http://idp.example/jwks")
        .unwrap()
        .audience(AUDIENCE);
    let problem = v.configuration_error().expect("refused");
    assert!(problem.contains("not loopback"), "{problem}");
    let err = ServerMetadata::discover("http://idp.example")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("use https"), "{err}");
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    let cert = TestCert::generate();
    let idp = Idp::start_tls(&cert).await;
    let err = ServerMetadata::discover_with(&format!("{}/moved", idp.url), &trusting(&cert))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("307 Temporary Redirect"), "{err}");
    assert!(err.contains("redirects are not followed"), "{err}");
    assert!(
        err.contains("to `/.well-known/openid-configuration`"),
        "{err}"
    );
    assert_eq!(
        idp.count(&idp.state.discovery_hits),
        0,
        "the target was not fetched"
    );
}
