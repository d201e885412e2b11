//! Helpers of the `auth_*` tests: mint real JWTs with the test keys in
//! `fixtures/auth/`, build JWKS documents, and serve one over real HTTP.

#![allow(dead_code)]

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub const AUDIENCE: &str = "https://mcp.example.com/mcp";
pub const ISSUER: &str = "https://auth.example.com";
pub const SECRET: &[u8] = b"a-test-secret-of-at-least-32-bytes!!";

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/auth/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Claims of a valid token: right audience and issuer, an hour to live.
pub fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice",
        "client_id": "cli-1",
        "scope": "repo:read repo:write",
        "exp": now() + 3600,
        "iat": now(),
        "tenant": "acme",
    })
}

/// One of the test signing keys.
#[derive(Clone, Copy, Debug)]
pub enum TestKey {
    RsaA,
    RsaB,
    EcA,
}

impl TestKey {
    pub fn alg(self) -> Algorithm {
        match self {
            TestKey::RsaA | TestKey::RsaB => Algorithm::RS256,
            TestKey::EcA => Algorithm::ES256,
        }
    }

    fn stem(self) -> &'static str {
        match self {
            TestKey::RsaA => "rsa-a",
            TestKey::RsaB => "rsa-b",
            TestKey::EcA => "ec-a",
        }
    }

    pub fn kid(self) -> &'static str {
        self.stem()
    }

    pub fn private(self) -> EncodingKey {
        let pem = fixture(&format!("{}.private.pem", self.stem()));
        match self {
            TestKey::RsaA | TestKey::RsaB => EncodingKey::from_rsa_pem(&pem).unwrap(),
            TestKey::EcA => EncodingKey::from_ec_pem(&pem).unwrap(),
        }
    }

    pub fn public_pem(self) -> Vec<u8> {
        fixture(&format!("{}.public.pem", self.stem()))
    }

    /// The public JWK, with `kid`, `alg` and `use` set.
    pub fn jwk(self) -> Value {
        let jwk = Jwk::from_encoding_key(&self.private(), self.alg()).unwrap();
        let mut v = serde_json::to_value(jwk).unwrap();
        v["kid"] = json!(self.kid());
        v["use"] = json!("sig");
        v
    }

    /// A token signed with this key, with `kid` in the header.
    pub fn mint(self, claims: &Value) -> String {
        let mut header = Header::new(self.alg());
        header.kid = Some(self.kid().to_owned());
        jsonwebtoken::encode(&header, claims, &self.private()).unwrap()
    }

    /// A token signed with this key, without `kid`.
    pub fn mint_without_kid(self, claims: &Value) -> String {
        jsonwebtoken::encode(&Header::new(self.alg()), claims, &self.private()).unwrap()
    }
}

pub fn jwks(keys: &[TestKey]) -> String {
    let doc = json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() });
    // Check that it is a JWKS jsonwebtoken itself reads.
    let _: JwkSet = serde_json::from_value(doc.clone()).unwrap();
    doc.to_string()
}

pub fn hs256(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap()
}

/// A JWKS endpoint on 127.0.0.1: serves whatever `document` holds now and
/// counts the requests it answered.
pub struct JwksServer {
    pub url: String,
    pub document: Arc<Mutex<String>>,
    pub status: Arc<Mutex<u16>>,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    pub async fn start(document: String) -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let document = Arc::new(Mutex::new(document));
        let status = Arc::new(Mutex::new(200u16));
        let hits = Arc::new(AtomicUsize::new(0));
        let (doc, st, h) = (document.clone(), status.clone(), hits.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (doc, st, h) = (doc.clone(), st.clone(), h.clone());
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&request).to_string();
                    assert!(
                        head.starts_with("GET /.well-known/jwks.json HTTP/1.1\r\n"),
                        "{head}"
                    );
                    h.fetch_add(1, Ordering::SeqCst);
                    let body = doc.lock().unwrap().clone();
                    let status = *st.lock().unwrap();
                    let response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        JwksServer {
            url,
            document,
            status,
            hits,
            task,
        }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn serve(&self, document: String) {
        *self.document.lock().unwrap() = document;
    }

    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
