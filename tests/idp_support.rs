//! Helpers of the `auth_idp_*` tests: an identity provider started by the
//! test on 127.0.0.1, over real TLS with a certificate the test generates
//! (rcgen) or over plain HTTP. It publishes discovery metadata and a JWKS,
//! answers RFC 7662 introspection, and implements the RFC 8693 token
//! exchange at its token endpoint, with RFC 6749 §5.2 errors.

#![allow(dead_code)]

#[path = "auth_support.rs"]
pub mod auth_support;

use auth_support::{jwks, TestKey};
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

pub const CLIENT_ID: &str = "mcp-server";
pub const CLIENT_SECRET: &str = "s3cret:with space";
pub const EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
/// The only audience the token endpoint issues tokens for.
pub const DOWNSTREAM: &str = "https://calendar.example";

/// A self-signed certificate for `localhost` and `127.0.0.1`, and its key.
pub struct TestCert {
    pub pem: String,
    pub der: Vec<u8>,
    pub key_der: Vec<u8>,
}

impl TestCert {
    pub fn generate() -> TestCert {
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .expect("a certificate");
        TestCert {
            pem: cert.pem(),
            der: cert.der().to_vec(),
            key_der: signing_key.serialize_der(),
        }
    }

    fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(self.der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone())),
            )
            .expect("a server TLS config");
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

/// A TLS listener for `axum::serve`: handshakes that fail (a client that
/// does not trust the certificate) are counted and skipped.
struct TlsListener {
    tcp: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    failed: Arc<AtomicUsize>,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            let handshake = self.acceptor.accept(stream);
            match tokio::time::timeout(Duration::from_secs(5), handshake).await {
                Ok(Ok(tls)) => return (tls, addr),
                _ => {
                    self.failed.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// What the provider knows and what it was asked.
#[derive(Default)]
pub struct IdpState {
    pub issuer: Mutex<String>,
    /// Opaque tokens and their introspection answers (without `active`).
    pub opaque: Mutex<HashMap<String, Value>>,
    /// Subject tokens the token endpoint accepts, with their subject.
    pub subjects: Mutex<HashMap<String, String>>,
    pub introspections: AtomicUsize,
    pub exchanges: AtomicUsize,
    pub discovery_hits: AtomicUsize,
    pub jwks_hits: AtomicUsize,
    /// How long introspection takes (to let concurrent checks overlap).
    pub introspection_delay: Mutex<Duration>,
    /// The form of every token-endpoint request, in order.
    pub exchange_forms: Mutex<Vec<Vec<(String, String)>>>,
    /// Serve discovery only at the RFC 8414 location.
    pub rfc8414_only: std::sync::atomic::AtomicBool,
    pub tls_failures: Arc<AtomicUsize>,
}

/// A running identity provider.
pub struct Idp {
    pub url: String,
    pub state: Arc<IdpState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Idp {
    /// Over HTTPS with `cert`, at `https://127.0.0.1:PORT`.
    pub async fn start_tls(cert: &TestCert) -> Idp {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let state = Arc::new(IdpState::default());
        let url = format!("https://127.0.0.1:{}", addr.port());
        *state.issuer.lock().unwrap() = url.clone();
        let listener = TlsListener {
            tcp,
            acceptor: cert.acceptor(),
            failed: Arc::clone(&state.tls_failures),
        };
        let app = router(Arc::clone(&state));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Idp { url, state, task }
    }

    /// Over plain HTTP (allowed to loopback), at `http://127.0.0.1:PORT`.
    pub async fn start_plain() -> Idp {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let state = Arc::new(IdpState::default());
        let url = format!("http://127.0.0.1:{}", addr.port());
        *state.issuer.lock().unwrap() = url.clone();
        let app = router(Arc::clone(&state));
        let task = tokio::spawn(async move {
            let _ = axum::serve(tcp, app).await;
        });
        Idp { url, state, task }
    }

    /// An opaque token the introspection endpoint knows as active.
    pub fn issue_opaque(&self, token: &str, answer: Value) {
        self.state
            .opaque
            .lock()
            .unwrap()
            .insert(token.into(), answer);
    }

    /// Revokes an opaque token.
    pub fn revoke(&self, token: &str) {
        self.state.opaque.lock().unwrap().remove(token);
    }

    /// A subject token the token endpoint accepts.
    pub fn accept_subject(&self, token: &str, subject: &str) {
        self.state
            .subjects
            .lock()
            .unwrap()
            .insert(token.into(), subject.into());
    }

    pub fn count(&self, which: &AtomicUsize) -> usize {
        which.load(Ordering::SeqCst)
    }
}

fn router(state: Arc<IdpState>) -> axum::Router {
    axum::Router::new()
        .route("/.well-known/openid-configuration", get(openid))
        .route("/.well-known/oauth-authorization-server", get(rfc8414))
        .route("/jwks", get(keys))
        .route("/introspect", post(introspect))
        .route("/token", post(token))
        // Metadata that has moved: a redirect, which clients must not follow.
        .route(
            "/moved/.well-known/openid-configuration",
            get(|| async {
                axum::response::Redirect::temporary("/.well-known/openid-configuration")
            }),
        )
        .with_state(state)
}

fn metadata(state: &IdpState) -> Value {
    let issuer = state.issuer.lock().unwrap().clone();
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/jwks"),
        "token_endpoint": format!("{issuer}/token"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "grant_types_supported": ["client_credentials", EXCHANGE_GRANT],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "response_types_supported": ["code"],
    })
}

async fn openid(State(state): State<Arc<IdpState>>) -> Response {
    state.discovery_hits.fetch_add(1, Ordering::SeqCst);
    if state.rfc8414_only.load(Ordering::SeqCst) {
        return StatusCode::NOT_FOUND.into_response();
    }
    Json(metadata(&state)).into_response()
}

async fn rfc8414(State(state): State<Arc<IdpState>>) -> Response {
    state.discovery_hits.fetch_add(1, Ordering::SeqCst);
    Json(metadata(&state)).into_response()
}

async fn keys(State(state): State<Arc<IdpState>>) -> Response {
    state.jwks_hits.fetch_add(1, Ordering::SeqCst);
    (
        [("content-type", "application/json")],
        jwks(&[TestKey::RsaA]),
    )
        .into_response()
}

/// Checks `client_secret_basic` credentials (RFC 6749 §2.3.1: each part
/// form-encoded, then base64).
fn client_authenticated(headers: &HeaderMap) -> bool {
    use base64::Engine;
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(b64) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(plain) = base64::engine::general_purpose::STANDARD.decode(b64) else {
        return false;
    };
    let plain = String::from_utf8_lossy(&plain).to_string();
    let Some((id, secret)) = plain.split_once(':') else {
        return false;
    };
    let decode = |s: &str| -> String {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(&format!("v={s}")).unwrap_or_default();
        pairs.into_iter().next().map(|p| p.1).unwrap_or_default()
    };
    decode(id) == CLIENT_ID && decode(secret) == CLIENT_SECRET
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
}

/// An RFC 6749 §5.2 error response.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        [("cache-control", "no-store")],
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert("www-authenticate", "Basic realm=\"idp\"".parse().unwrap());
    }
    response
}

async fn introspect(
    State(state): State<Arc<IdpState>>,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    state.introspections.fetch_add(1, Ordering::SeqCst);
    let delay = *state.introspection_delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    if !client_authenticated(&headers) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "bad credentials",
        );
    }
    let Ok(Form(form)) = form else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "not a form");
    };
    if !is_form(&headers) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "not a form");
    }
    let Some((_, token)) = form.iter().find(|(k, _)| k == "token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "no token");
    };
    // RFC 7662 §2.2: an unknown, expired or revoked token is just inactive.
    match state.opaque.lock().unwrap().get(token) {
        Some(Value::Object(answer)) => {
            let mut answer: Map<String, Value> = answer.clone();
            answer.insert("active".into(), Value::Bool(true));
            Json(Value::Object(answer)).into_response()
        }
        _ => Json(json!({"active": false})).into_response(),
    }
}

/// The token endpoint: RFC 8693 token exchange, nothing else.
async fn token(
    State(state): State<Arc<IdpState>>,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    state.exchanges.fetch_add(1, Ordering::SeqCst);
    let Ok(Form(form)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body is not application/x-www-form-urlencoded",
        );
    };
    if !is_form(&headers) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body is not application/x-www-form-urlencoded",
        );
    }
    state.exchange_forms.lock().unwrap().push(form.clone());
    if !client_authenticated(&headers) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    // RFC 6749 §3.2: a parameter sent more than once is an invalid request.
    let mut params: HashMap<&str, &str> = HashMap::new();
    for (k, v) in &form {
        if params.insert(k, v).is_some() {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("`{k}` is repeated"),
            );
        }
    }
    if params.get("grant_type") != Some(&EXCHANGE_GRANT) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only token exchange is supported",
        );
    }
    let (Some(subject), Some(subject_type)) = (
        params.get("subject_token"),
        params.get("subject_token_type"),
    ) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "subject_token and subject_token_type are required",
        );
    };
    if *subject_type != ACCESS_TOKEN_TYPE {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "unsupported subject_token_type",
        );
    }
    if let Some(requested) = params.get("requested_token_type") {
        if *requested != ACCESS_TOKEN_TYPE {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "unsupported requested_token_type",
            );
        }
    }
    let Some(who) = state.subjects.lock().unwrap().get(*subject).cloned() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the subject token is not valid",
        );
    };
    match params.get("audience") {
        Some(&DOWNSTREAM) => {}
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_target",
                "tokens are issued for https://calendar.example only",
            )
        }
    }
    let scope = params.get("scope").copied().unwrap_or("calendar:read");
    if scope.split(' ').any(|s| s != "calendar:read") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "only calendar:read can be granted",
        );
    }
    let n = state.exchanges.load(Ordering::SeqCst);
    (
        [("cache-control", "no-store"), ("pragma", "no-cache")],
        Json(json!({
            "access_token": format!("downstream-{who}-{n}"),
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": 300,
        })),
    )
        .into_response()
}
