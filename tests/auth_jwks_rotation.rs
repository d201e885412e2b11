//! JWKS: keys published by an authorization server (a real HTTP endpoint on
//! 127.0.0.1, or a file), cached, and reloaded when a token names a key the
//! cache lacks (key rotation), at most once per interval.

#[path = "auth_support.rs"]
mod auth_support;

use auth_support::*;
use ferrymcp::auth::{AuthError, JwtVerifier, TokenRejection, TokenVerifier};
use serde_json::json;
use std::time::Duration;

fn verifier(url: &str) -> JwtVerifier {
    JwtVerifier::jwks_url(url)
        .unwrap()
        .audience(AUDIENCE)
        .issuer(ISSUER)
}

#[tokio::test]
async fn keys_are_fetched_once_and_cached() {
    let server = JwksServer::start(jwks(&[TestKey::RsaA, TestKey::EcA])).await;
    let v = verifier(&server.url);
    assert_eq!(v.configuration_error(), None);
    assert_eq!(
        server.hits(),
        0,
        "nothing is fetched before the first token"
    );

    let rsa = TestKey::RsaA.mint(&claims());
    let ec = TestKey::EcA.mint(&claims());
    for _ in 0..3 {
        assert_eq!(v.verify(&rsa).await.unwrap().subject(), Some("alice"));
        assert_eq!(v.verify(&ec).await.unwrap().subject(), Some("alice"));
    }
    assert_eq!(server.hits(), 1);

    // Clones share the cache.
    let clone = v.clone();
    assert!(clone.verify(&rsa).await.is_ok());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn rotation_reloads_the_key_set_when_a_kid_is_unknown() {
    let server = JwksServer::start(jwks(&[TestKey::RsaA])).await;
    let v = verifier(&server.url).jwks_min_reload_interval(Duration::ZERO);

    assert!(v.verify(&TestKey::RsaA.mint(&claims())).await.is_ok());
    assert_eq!(server.hits(), 1);

    // The authorization server rotates to key B and signs with it.
    server.serve(jwks(&[TestKey::RsaB]));
    let b = TestKey::RsaB.mint(&claims());
    assert_eq!(v.verify(&b).await.unwrap().subject(), Some("alice"));
    assert_eq!(server.hits(), 2, "the unknown kid triggered one reload");
    assert!(v.verify(&b).await.is_ok());
    assert_eq!(server.hits(), 2, "then B is cached");

    // A token of the retired key A is now unknown (after one more reload).
    let a = TestKey::RsaA.mint(&claims());
    assert_eq!(
        v.verify(&a).await,
        Err(AuthError::InvalidToken(TokenRejection::UnknownKey(Some(
            "rsa-a".into()
        ))))
    );
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn reloads_for_unknown_kids_are_rate_limited() {
    let server = JwksServer::start(jwks(&[TestKey::RsaA])).await;
    let v = verifier(&server.url).jwks_min_reload_interval(Duration::from_secs(3600));
    assert!(v.verify(&TestKey::RsaA.mint(&claims())).await.is_ok());
    assert_eq!(server.hits(), 1);

    // Tokens with made-up key ids do not make the server fetch again and again.
    server.serve(jwks(&[TestKey::RsaB]));
    let b = TestKey::RsaB.mint(&claims());
    for _ in 0..5 {
        assert_eq!(
            v.verify(&b).await,
            Err(AuthError::InvalidToken(TokenRejection::UnknownKey(Some(
                "rsa-b".into()
            ))))
        );
    }
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn concurrent_first_requests_share_one_fetch() {
    let server = JwksServer::start(jwks(&[TestKey::EcA])).await;
    let v = verifier(&server.url);
    let token = TestKey::EcA.mint(&claims());
    let checks = (0..16).map(|_| {
        let (v, token) = (v.clone(), token.clone());
        tokio::spawn(async move { v.verify(&token).await.is_ok() })
    });
    for check in checks.collect::<Vec<_>>() {
        assert!(check.await.unwrap());
    }
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn tokens_without_kid_are_tried_against_fitting_keys() {
    let server = JwksServer::start(jwks(&[TestKey::RsaA, TestKey::RsaB, TestKey::EcA])).await;
    let v = verifier(&server.url);
    assert!(v
        .verify(&TestKey::RsaB.mint_without_kid(&claims()))
        .await
        .is_ok());
    assert!(v
        .verify(&TestKey::EcA.mint_without_kid(&claims()))
        .await
        .is_ok());
    // Right kid, wrong signature: not "unknown key" but "bad signature".
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("rsa-a".into());
    let forged = jsonwebtoken::encode(&header, &claims(), &TestKey::RsaB.private()).unwrap();
    assert_eq!(
        v.verify(&forged).await,
        Err(AuthError::InvalidToken(TokenRejection::BadSignature))
    );
    // Validity checks still apply to JWKS-verified tokens.
    let mut wrong_aud = claims();
    wrong_aud["aud"] = json!("https://other");
    assert_eq!(
        v.verify(&TestKey::RsaA.mint(&wrong_aud)).await,
        Err(AuthError::InvalidToken(TokenRejection::WrongAudience))
    );
}

#[tokio::test]
async fn an_unreachable_jwks_is_unavailable_and_cached_keys_survive_it() {
    // Never reachable: 503-style error, not "invalid token".
    let server = JwksServer::start(jwks(&[TestKey::RsaA])).await;
    let url = server.url.clone();
    server.stop();
    drop(server);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let v = verifier(&url);
    let err = v.verify(&TestKey::RsaA.mint(&claims())).await.unwrap_err();
    assert!(matches!(err, AuthError::Unavailable(_)), "{err:?}");
    assert_eq!(err.status(), 503);
    assert!(err.to_string().contains(&url), "{err}");

    // Loaded once, then the endpoint fails: the cached keys keep working.
    let server = JwksServer::start(jwks(&[TestKey::RsaA])).await;
    let v = verifier(&server.url)
        .jwks_min_reload_interval(Duration::ZERO)
        .jwks_max_age(Duration::ZERO);
    let a = TestKey::RsaA.mint(&claims());
    assert!(v.verify(&a).await.is_ok());
    *server.status.lock().unwrap() = 500;
    assert!(v.verify(&a).await.is_ok());
    assert!(
        server.hits() >= 2,
        "the stale set was refreshed (and failed)"
    );
}

#[tokio::test]
async fn a_broken_document_is_reported() {
    let server = JwksServer::start("{\"keys\": 7}".into()).await;
    let err = verifier(&server.url)
        .verify(&TestKey::RsaA.mint(&claims()))
        .await
        .unwrap_err();
    let AuthError::Unavailable(why) = err else {
        panic!("{err:?}")
    };
    assert!(why.contains("no `keys` array"), "{why}");
}

#[tokio::test]
async fn custom_fetchers_serve_https_urls() {
    let doc = jwks(&[TestKey::EcA]);
    let v = JwtVerifier::jwks_url("https://auth.example.com/jwks.json")
        .unwrap()
        .audience(AUDIENCE)
        .jwks_fetch_with(move |url| {
            let doc = doc.clone();
            async move {
                assert_eq!(url, "https://auth.example.com/jwks.json");
                Ok(doc.into_bytes())
            }
        });
    assert_eq!(v.configuration_error(), None);
    assert!(v.verify(&TestKey::EcA.mint(&claims())).await.is_ok());
}

#[tokio::test]
async fn a_jwks_file_is_reread_on_rotation() {
    let dir = std::env::temp_dir().join(format!("ferrymcp-jwks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("jwks.json");
    std::fs::write(&path, jwks(&[TestKey::RsaA])).unwrap();

    let v = JwtVerifier::jwks_file(&path)
        .unwrap()
        .audience(AUDIENCE)
        .jwks_min_reload_interval(Duration::ZERO);
    assert!(v.verify(&TestKey::RsaA.mint(&claims())).await.is_ok());

    std::fs::write(&path, jwks(&[TestKey::RsaA, TestKey::RsaB])).unwrap();
    assert!(v.verify(&TestKey::RsaB.mint(&claims())).await.is_ok());

    // A fixed document is never reloaded.
    let fixed = JwtVerifier::jwks_document(&jwks(&[TestKey::RsaA]))
        .unwrap()
        .audience(AUDIENCE);
    assert_eq!(
        fixed.verify(&TestKey::RsaB.mint(&claims())).await,
        Err(AuthError::InvalidToken(TokenRejection::UnknownKey(Some(
            "rsa-b".into()
        ))))
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(JwtVerifier::jwks_file(dir.join("missing.json")).is_err());
}
