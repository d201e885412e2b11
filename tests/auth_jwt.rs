//! JWT verification with real tokens: HS256, RS256 and ES256 signed with the
//! test keys, checked for signature, expiry, audience, issuer and algorithm,
//! and the HTTP-facing errors (`WWW-Authenticate`) a client gets for each.

#[path = "auth_support.rs"]
mod auth_support;

use auth_support::*;
use ferrymcp::auth::{
    AccessToken, AuthConfig, AuthError, JwtVerifier, TokenRejection, TokenVerifier,
};
use http::{HeaderMap, Uri};
use serde_json::{json, Value};
use std::time::Duration;

fn hs() -> JwtVerifier {
    JwtVerifier::hs256(SECRET).audience(AUDIENCE).issuer(ISSUER)
}

fn rs() -> JwtVerifier {
    JwtVerifier::rs256_pem(TestKey::RsaA.public_pem())
        .unwrap()
        .audience(AUDIENCE)
        .issuer(ISSUER)
}

fn es() -> JwtVerifier {
    JwtVerifier::es256_pem(TestKey::EcA.public_pem())
        .unwrap()
        .audience(AUDIENCE)
        .issuer(ISSUER)
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    if value.is_null() {
        claims.as_object_mut().unwrap().remove(key);
    } else {
        claims[key] = value;
    }
    claims
}

fn rejected(result: Result<AccessToken, AuthError>) -> TokenRejection {
    match result {
        Err(AuthError::InvalidToken(why)) => why,
        other => panic!("expected an invalid token, got {other:?}"),
    }
}

fn check_valid(token: &AccessToken, raw: &str) {
    assert_eq!(token.raw(), Some(raw));
    assert_eq!(token.subject(), Some("alice"));
    assert_eq!(token.client_id(), Some("cli-1"));
    assert_eq!(token.issuer(), Some(ISSUER));
    assert_eq!(token.audience(), [AUDIENCE.to_owned()]);
    assert_eq!(token.scopes(), ["repo:read", "repo:write"]);
    assert!(token.expires_at().is_some());
    assert!(!token.is_expired());
    assert_eq!(token.claim::<String>("tenant").unwrap(), "acme");
    assert_eq!(
        token.identity().unwrap().key(),
        json!(["sub", ISSUER, "alice"]).to_string()
    );
}

#[tokio::test]
async fn valid_tokens_of_each_algorithm_are_accepted() {
    let raw = hs256(&claims());
    check_valid(&hs().verify(&raw).await.unwrap(), &raw);

    let raw = TestKey::RsaA.mint(&claims());
    check_valid(&rs().verify(&raw).await.unwrap(), &raw);

    let raw = TestKey::EcA.mint(&claims());
    check_valid(&es().verify(&raw).await.unwrap(), &raw);
}

#[tokio::test]
async fn expired_tokens_are_rejected_after_the_leeway() {
    // Expired 10 s ago: within the default 60 s leeway, accepted...
    let recent = hs256(&with(claims(), "exp", json!(now() - 10)));
    assert!(hs().verify(&recent).await.is_ok());
    // ...but not with a 5 s leeway.
    let strict = hs().leeway(Duration::from_secs(5));
    assert_eq!(
        rejected(strict.verify(&recent).await),
        TokenRejection::Expired
    );
    // Long expired: rejected, for every algorithm.
    let old = with(claims(), "exp", json!(now() - 3600));
    assert_eq!(
        rejected(hs().verify(&hs256(&old)).await),
        TokenRejection::Expired
    );
    assert_eq!(
        rejected(rs().verify(&TestKey::RsaA.mint(&old)).await),
        TokenRejection::Expired
    );
    assert_eq!(
        rejected(es().verify(&TestKey::EcA.mint(&old)).await),
        TokenRejection::Expired
    );
    // No `exp` at all.
    let forever = hs256(&with(claims(), "exp", Value::Null));
    assert_eq!(
        rejected(hs().verify(&forever).await),
        TokenRejection::MissingClaim("exp".into())
    );
    // A huge leeway is clamped, not an overflow.
    let lenient = hs().leeway(Duration::from_secs(u64::MAX));
    assert!(lenient.verify(&hs256(&old)).await.is_ok());
}

#[tokio::test]
async fn not_yet_valid_tokens_are_rejected() {
    let future = hs256(&with(claims(), "nbf", json!(now() + 3600)));
    assert_eq!(
        rejected(hs().verify(&future).await),
        TokenRejection::NotYetValid
    );
}

#[tokio::test]
async fn wrong_audience_is_rejected() {
    let other = with(claims(), "aud", json!("https://other.example.com/mcp"));
    assert_eq!(
        rejected(hs().verify(&hs256(&other)).await),
        TokenRejection::WrongAudience
    );
    assert_eq!(
        rejected(rs().verify(&TestKey::RsaA.mint(&other)).await),
        TokenRejection::WrongAudience
    );
    // One of several audiences is enough.
    let several = with(claims(), "aud", json!(["https://other", AUDIENCE]));
    assert!(hs().verify(&hs256(&several)).await.is_ok());
    // No audience at all is not accepted either.
    let none = with(claims(), "aud", Value::Null);
    assert_eq!(
        rejected(hs().verify(&hs256(&none)).await),
        TokenRejection::MissingClaim("aud".into())
    );
    // Unless the server explicitly opts out.
    let any = JwtVerifier::hs256(SECRET).dangerously_disable_audience_validation();
    assert!(any.verify(&hs256(&other)).await.is_ok());
}

#[tokio::test]
async fn wrong_issuer_is_rejected() {
    let other = with(claims(), "iss", json!("https://evil.example.com"));
    assert_eq!(
        rejected(hs().verify(&hs256(&other)).await),
        TokenRejection::WrongIssuer
    );
    assert_eq!(
        rejected(es().verify(&TestKey::EcA.mint(&other)).await),
        TokenRejection::WrongIssuer
    );
    let missing = with(claims(), "iss", Value::Null);
    assert_eq!(
        rejected(hs().verify(&hs256(&missing)).await),
        TokenRejection::MissingClaim("iss".into())
    );
}

#[tokio::test]
async fn bad_signatures_are_rejected() {
    // Signed by another RSA key.
    let forged = TestKey::RsaB.mint(&claims());
    assert_eq!(
        rejected(rs().verify(&forged).await),
        TokenRejection::BadSignature
    );
    // Signed with another secret.
    let other_secret = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims(),
        &jsonwebtoken::EncodingKey::from_secret(b"another-secret-of-32-bytes-or-more!!"),
    )
    .unwrap();
    assert_eq!(
        rejected(hs().verify(&other_secret).await),
        TokenRejection::BadSignature
    );
    // A payload swapped under a valid signature.
    let genuine = hs256(&claims());
    let evil = hs256(&with(claims(), "sub", json!("mallory")));
    let mut parts: Vec<&str> = genuine.split('.').collect();
    parts[1] = evil.split('.').nth(1).unwrap();
    assert_eq!(
        rejected(hs().verify(&parts.join(".")).await),
        TokenRejection::BadSignature
    );
    // An expired token with a bad signature says "bad signature", not "expired".
    let old_forged = TestKey::RsaB.mint(&with(claims(), "exp", json!(now() - 3600)));
    assert_eq!(
        rejected(rs().verify(&old_forged).await),
        TokenRejection::BadSignature
    );
}

#[tokio::test]
async fn algorithm_confusion_and_none_are_refused() {
    // An HS256 token "signed" with the RSA public key as the secret.
    let confused = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(),
        &jsonwebtoken::EncodingKey::from_secret(&TestKey::RsaA.public_pem()),
    )
    .unwrap();
    assert_eq!(
        rejected(rs().verify(&confused).await),
        TokenRejection::Algorithm("HS256".into())
    );
    // ES256 token at an RS256 verifier.
    assert_eq!(
        rejected(rs().verify(&TestKey::EcA.mint(&claims())).await),
        TokenRejection::Algorithm("ES256".into())
    );
    // alg: none, no signature: `{"alg":"none"}` over a genuine payload.
    let genuine = hs256(&claims());
    let payload = genuine.split('.').nth(1).unwrap();
    let none = format!("eyJhbGciOiJub25lIn0.{payload}.");
    assert_eq!(
        rejected(hs().verify(&none).await),
        TokenRejection::Algorithm("none".into())
    );
}

#[tokio::test]
async fn malformed_tokens_are_rejected_without_panicking() {
    for garbage in [
        "",
        "x",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "....",
        "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",
        "eyJhbGciOiJIUzI1NiJ9.W10.c2ln", // payload is an array
        "eyJhbGciOiJIUzI1NiJ9.e30.!!!",
        "\u{0}\u{1}.é.☃",
    ] {
        for verifier in [hs(), rs(), es()] {
            let result = verifier.verify(garbage).await;
            assert!(
                matches!(result, Err(AuthError::InvalidToken(_))),
                "{garbage:?}: {result:?}"
            );
        }
    }
}

#[tokio::test]
async fn mangled_signatures_are_rejected_without_panicking() {
    for (key, verifier) in [(TestKey::RsaA, rs()), (TestKey::EcA, es())] {
        let genuine = key.mint(&claims());
        let (signed, signature) = genuine.rsplit_once('.').unwrap();
        for bad in [
            String::new(),
            "AAAA".to_owned(),
            "A".repeat(signature.len()),
            signature[..signature.len() / 2].to_owned(),
            format!("{signature}{signature}"),
            "not base64!".to_owned(),
        ] {
            let result = verifier.verify(&format!("{signed}.{bad}")).await;
            assert!(
                matches!(result, Err(AuthError::InvalidToken(_))),
                "{key:?} {bad:?}: {result:?}"
            );
        }
    }
}

fn config(verifier: JwtVerifier) -> AuthConfig {
    AuthConfig::builder(verifier)
        .resource(AUDIENCE)
        .authorization_server(ISSUER)
        .scopes_supported(["repo:read", "repo:write", "admin"])
        .build()
        .unwrap()
}

async fn authenticate(
    auth: &AuthConfig,
    authorization: Option<&str>,
) -> Result<AccessToken, AuthError> {
    let mut headers = HeaderMap::new();
    if let Some(value) = authorization {
        headers.insert("authorization", value.parse().unwrap());
    }
    let uri: Uri = "/mcp".parse().unwrap();
    auth.authenticate(&uri, &headers).await
}

const METADATA: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

#[tokio::test]
async fn malformed_headers_get_precise_401s() {
    let auth = config(rs());
    let token = TestKey::RsaA.mint(&claims());
    assert!(authenticate(&auth, Some(&format!("Bearer {token}")))
        .await
        .is_ok());
    assert!(authenticate(&auth, Some(&format!("bearer   {token}")))
        .await
        .is_ok());

    let cases = [
        (
            format!("Basic {token}"),
            "the Authorization scheme is `Basic`; this server accepts only `Bearer` tokens",
        ),
        (
            "Bearer".to_owned(),
            "the Authorization header says `Bearer` but has no token after it",
        ),
        (
            format!("Bearer {token} extra"),
            "which a Bearer token cannot contain",
        ),
        (
            format!("Bearer \"{token}\""),
            "the token contains `\"` at byte 0, which a Bearer token cannot contain",
        ),
    ];
    for (header, why) in cases {
        let err = authenticate(&auth, Some(&header)).await.unwrap_err();
        let AuthError::MalformedHeader(said) = &err else {
            panic!("{header}: {err:?}")
        };
        assert!(said.contains(why), "{header}: {said}");
        let response = auth.error_response(&err);
        assert_eq!(response.status(), 401);
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert!(
            challenge.starts_with("Bearer error=\"invalid_request\", error_description=\""),
            "{challenge}"
        );
        assert!(challenge.ends_with(&format!("resource_metadata=\"{METADATA}\"")));
    }
}

#[tokio::test]
async fn challenges_match_what_the_http_layer_sends() {
    let auth = config(rs());

    let missing = authenticate(&auth, None).await.unwrap_err();
    assert_eq!(missing, AuthError::MissingToken);
    let response = auth.error_response(&missing);
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        format!("Bearer resource_metadata=\"{METADATA}\"").as_str()
    );

    let expired = TestKey::RsaA.mint(&with(claims(), "exp", json!(now() - 3600)));
    let err = authenticate(&auth, Some(&format!("Bearer {expired}")))
        .await
        .unwrap_err();
    let response = auth.error_response(&err);
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        format!(
            "Bearer error=\"invalid_token\", error_description=\"the token has expired\", resource_metadata=\"{METADATA}\""
        )
        .as_str()
    );
    let body: Value = serde_json::from_str(response.body()).unwrap();
    assert_eq!(body["error"], "invalid_token");

    let in_query: Uri = format!("/mcp?access_token={expired}").parse().unwrap();
    let err = auth
        .authenticate(&in_query, &HeaderMap::new())
        .await
        .unwrap_err();
    assert_eq!(err, AuthError::TokenInQuery);
    assert_eq!(auth.error_response(&err).status(), 400);
}

#[tokio::test]
async fn missing_scope_is_a_403_naming_every_required_scope() {
    let auth = config(es());
    let raw = TestKey::EcA.mint(&with(claims(), "scope", json!("repo:read")));
    let token = authenticate(&auth, Some(&format!("Bearer {raw}")))
        .await
        .unwrap();
    assert!(token.require_scopes(&["repo:read"]).is_ok());
    let err = token.require_scopes(&["repo:read", "admin"]).unwrap_err();
    assert_eq!(
        err,
        AuthError::InsufficientScope {
            required: vec!["repo:read".into(), "admin".into()]
        }
    );
    let response = auth.error_response(&err);
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.headers()["www-authenticate"],
        format!(
            "Bearer error=\"insufficient_scope\", scope=\"repo:read admin\", resource_metadata=\"{METADATA}\""
        )
        .as_str()
    );
}

#[tokio::test]
async fn metadata_document_is_rfc_9728() {
    let auth = config(hs());
    assert_eq!(
        auth.metadata().to_json(),
        json!({
            "resource": AUDIENCE,
            "authorization_servers": [ISSUER],
            "scopes_supported": ["repo:read", "repo:write", "admin"],
            "bearer_methods_supported": ["header"],
        })
    );
    assert_eq!(auth.well_known().url, METADATA);
    assert_eq!(
        auth.well_known().path,
        "/.well-known/oauth-protected-resource/mcp"
    );
    assert_eq!(
        auth.well_known().root,
        "https://mcp.example.com/.well-known/oauth-protected-resource"
    );
}
