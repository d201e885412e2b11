//! `HttpClient`: the small, bounded HTTPS client ferrymcp uses to talk to an
//! authorization server (JWKS, discovery, introspection, token exchange).
//!
//! HTTP/1.1 on hyper, TLS on rustls (the `ring` provider) with the Mozilla
//! roots of `webpki-roots`, behind the default `https` cargo feature. Every
//! request is bounded: a connect timeout, a total timeout, a response size
//! limit, and no redirects followed (an authorization server's endpoints are
//! published as final URLs; a redirect is reported, not chased). Plain HTTP is
//! allowed to loopback hosts only (a local authorization server, tests).

use super::metadata::is_loopback_host;
use bytes::Bytes;
use http::{header, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// The HTTP client of the verifiers and of [`TokenExchange`](super::TokenExchange).
///
/// Cloning shares it. The default trusts the `webpki-roots` certificate
/// authorities (and, with the `native-roots` cargo feature, the operating
/// system's certificate store too); add a private CA (a company PKI, or a test's own
/// certificate) with [`HttpClientBuilder::add_root_certificate_pem`]:
///
/// ```
/// use ferrymcp::auth::HttpClient;
/// use std::time::Duration;
///
/// let client = HttpClient::builder()
///     .connect_timeout(Duration::from_secs(3))
///     .timeout(Duration::from_secs(10))
///     .max_response_bytes(256 * 1024)
///     .build()
///     .unwrap();
/// ```
#[derive(Clone)]
pub struct HttpClient(Arc<Inner>);

struct Inner {
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: usize,
    #[cfg(feature = "https")]
    tls: tokio_rustls::TlsConnector,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("connect_timeout", &self.0.connect_timeout)
            .field("timeout", &self.0.timeout)
            .field("max_response_bytes", &self.0.max_response_bytes)
            .field("https", &cfg!(feature = "https"))
            .finish()
    }
}

impl Default for HttpClient {
    /// The default client: webpki roots, 5 s to connect, 15 s in all, 1 MiB
    /// responses.
    fn default() -> Self {
        static DEFAULT: std::sync::OnceLock<HttpClient> = std::sync::OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                HttpClient::builder()
                    .build()
                    .expect("the default HTTP client has no setting that can fail")
            })
            .clone()
    }
}

/// An [`HttpClient`] that could not be built (a root certificate that does not
/// parse).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HttpClientError(String);

/// Builds an [`HttpClient`]; from [`HttpClient::builder`].
#[derive(Debug, Clone)]
#[must_use = "call `.build()`"]
pub struct HttpClientBuilder {
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: usize,
    extra_roots: Vec<Vec<u8>>,
    built_in_roots: bool,
}

impl HttpClient {
    /// A builder with the defaults of [`HttpClient::default`].
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            max_response_bytes: 1024 * 1024,
            extra_roots: Vec::new(),
            built_in_roots: true,
        }
    }

    /// The longest a whole request may take.
    pub fn timeout(&self) -> Duration {
        self.0.timeout
    }

    /// GETs `url` (JSON accepted). See [`send`](Self::send).
    pub(crate) async fn get(&self, url: &str) -> Result<HttpResponse, String> {
        self.send(Method::GET, url, None, None).await
    }

    /// POSTs `form` (`application/x-www-form-urlencoded`) to `url`, with
    /// HTTP Basic client credentials when given (RFC 6749 §2.3.1:
    /// `client_secret_basic`).
    pub(crate) async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> Result<HttpResponse, String> {
        let body = encode_form(form);
        let auth = basic.map(|(id, secret)| basic_credentials(id, secret));
        self.send(Method::POST, url, Some(body), auth).await
    }

    /// Sends one request and reads the whole response, within the total
    /// timeout. Any status comes back, except a redirect, which is an error
    /// (redirects are not followed).
    async fn send(
        &self,
        method: Method,
        url: &str,
        form: Option<String>,
        authorization: Option<String>,
    ) -> Result<HttpResponse, String> {
        let target = Target::parse(url)?;
        let work = self.send_to(&target, method, form, authorization);
        let response = tokio::time::timeout(self.0.timeout, work)
            .await
            .map_err(|_| format!("no complete answer within {:?}", self.0.timeout))??;
        if response.status.is_redirection() {
            return Err(format!(
                "the server answered {} (a redirect{}); redirects are not followed: configure the final URL",
                response.status,
                response
                    .location
                    .as_deref()
                    .map(|l| format!(" to `{}`", l.chars().take(200).collect::<String>()))
                    .unwrap_or_default(),
            ));
        }
        Ok(response)
    }

    async fn send_to(
        &self,
        target: &Target,
        method: Method,
        form: Option<String>,
        authorization: Option<String>,
    ) -> Result<HttpResponse, String> {
        let connect = tokio::net::TcpStream::connect((target.host.as_str(), target.port));
        let stream = tokio::time::timeout(self.0.connect_timeout, connect)
            .await
            .map_err(|_| {
                format!(
                    "cannot connect to {}:{} within {:?}",
                    target.host, target.port, self.0.connect_timeout
                )
            })?
            .map_err(|e| format!("cannot connect to {}:{}: {e}", target.host, target.port))?;
        let _ = stream.set_nodelay(true);
        let mut request = http::Request::builder()
            .method(method)
            .uri(target.path.as_str())
            .header(header::HOST, target.authority.as_str())
            .header(header::ACCEPT, "application/json")
            .header(
                header::USER_AGENT,
                concat!("ferrymcp/", env!("CARGO_PKG_VERSION")),
            );
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        if let Some(auth) = authorization {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let request = request
            .body(Full::new(Bytes::from(form.unwrap_or_default())))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        if target.tls {
            let io = self.tls_connect(stream, &target.host).await?;
            exchange(io, request, self.0.max_response_bytes).await
        } else {
            exchange(stream, request, self.0.max_response_bytes).await
        }
    }

    #[cfg(feature = "https")]
    async fn tls_connect(
        &self,
        stream: tokio::net::TcpStream,
        host: &str,
    ) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, String> {
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())
            .map_err(|e| format!("`{host}` is not a valid TLS server name: {e}"))?;
        self.0.tls.connect(name, stream).await.map_err(|e| {
            let hint = if e.to_string().contains("UnknownIssuer") {
                " (the server's certificate is not signed by a trusted authority; to trust a private CA use HttpClient::builder().add_root_certificate_pem(...))"
            } else {
                ""
            };
            format!("the TLS handshake with {host} failed: {e}{hint}")
        })
    }

    #[cfg(not(feature = "https"))]
    async fn tls_connect(
        &self,
        _stream: tokio::net::TcpStream,
        host: &str,
    ) -> Result<tokio::net::TcpStream, String> {
        Err(format!(
            "cannot speak HTTPS to {host}: ferrymcp was built without its `https` feature"
        ))
    }
}

impl HttpClientBuilder {
    /// The longest the TCP connection may take to open (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The longest a whole request may take, connection included (default
    /// 15 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body read (default 1 MiB); a larger one is an
    /// error.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes.max(1);
        self
    }

    /// Trusts the certificate authorities in `pem` (one or more `CERTIFICATE`
    /// blocks) besides the built-in ones: a private PKI, or a test's own
    /// certificate. Checked by [`build`](Self::build).
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.extra_roots.push(pem.as_ref().to_vec());
        self
    }

    /// Whether the built-in `webpki-roots` authorities (and with the
    /// `native-roots` feature the system's) are trusted (default `true`);
    /// `false` trusts only the roots added with
    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem).
    pub fn built_in_roots(mut self, trust: bool) -> Self {
        self.built_in_roots = trust;
        self
    }

    /// Builds the client; fails when an added root certificate does not parse.
    pub fn build(self) -> Result<HttpClient, HttpClientError> {
        #[cfg(feature = "https")]
        let tls = tls_connector(&self.extra_roots, self.built_in_roots)?;
        #[cfg(not(feature = "https"))]
        if !self.extra_roots.is_empty() {
            return Err(HttpClientError(
                "root certificates need ferrymcp's `https` feature".into(),
            ));
        }
        Ok(HttpClient(Arc::new(Inner {
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_response_bytes: self.max_response_bytes,
            #[cfg(feature = "https")]
            tls,
        })))
    }
}

#[cfg(feature = "https")]
fn tls_connector(
    extra: &[Vec<u8>],
    built_in: bool,
) -> Result<tokio_rustls::TlsConnector, HttpClientError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    if built_in {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        #[cfg(feature = "native-roots")]
        {
            // The system's store; certificates it holds that do not parse
            // are skipped (and logged), as browsers do.
            let native = rustls_native_certs::load_native_certs();
            for e in &native.errors {
                tracing::debug!("a system root certificate could not be read: {e}");
            }
            let (added, ignored) = roots.add_parsable_certificates(native.certs);
            tracing::debug!(added, ignored, "system root certificates loaded");
        }
    }
    for (i, pem) in extra.iter().enumerate() {
        let mut found = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| {
                HttpClientError(format!("root certificate #{}: not PEM: {e}", i + 1))
            })?;
            roots.add(cert).map_err(|e| {
                HttpClientError(format!("root certificate #{}: unusable: {e}", i + 1))
            })?;
            found += 1;
        }
        if found == 0 {
            return Err(HttpClientError(format!(
                "root certificate #{}: no `-----BEGIN CERTIFICATE-----` block",
                i + 1
            )));
        }
    }
    // `ring` rather than `aws-lc-rs`: it builds with a C compiler alone. It
    // has no post-quantum key exchange, hence rustls's deprecation note.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| HttpClientError(format!("TLS set-up failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// A response: status and whole body.
#[derive(Debug, Clone)]
pub(crate) struct HttpResponse {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
    location: Option<String>,
}

impl HttpResponse {
    /// The body when the status is 2xx; otherwise an error naming the status
    /// (and the start of the body, which often says why).
    pub(crate) fn success_body(self) -> Result<Vec<u8>, String> {
        if self.status.is_success() {
            return Ok(self.body);
        }
        let text: String = String::from_utf8_lossy(&self.body)
            .chars()
            .take(200)
            .collect();
        Err(if text.trim().is_empty() {
            format!("the server answered {}", self.status)
        } else {
            format!("the server answered {}: {}", self.status, text.trim())
        })
    }
}

/// Where a request goes.
struct Target {
    tls: bool,
    host: String,
    port: u16,
    authority: String,
    path: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        if let Some(problem) = url_problem(url) {
            return Err(problem);
        }
        let uri: Uri = url.parse().map_err(|e| format!("invalid URL: {e}"))?;
        let tls = uri.scheme_str() == Some("https");
        let authority = uri.authority().ok_or("the URL has no host")?;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        Ok(Target {
            tls,
            port: uri.port_u16().unwrap_or(if tls { 443 } else { 80 }),
            authority: authority
                .as_str()
                .rsplit('@')
                .next()
                .unwrap_or("")
                .to_owned(),
            host,
            path: uri.path_and_query().map_or("/", |p| p.as_str()).to_owned(),
        })
    }
}

/// An endpoint of an authorization server that this server calls as an
/// OAuth client (`client_secret_basic`): the URL, this server's client id and
/// secret, and the HTTP client. Introspection and token exchange share it.
#[derive(Clone)]
pub(crate) struct ClientEndpoint {
    /// The endpoint's URL.
    pub(crate) url: String,
    /// This server's client id at the authorization server.
    pub(crate) client_id: String,
    client_secret: String,
    /// The HTTP client the endpoint is called with.
    pub(crate) client: HttpClient,
}

impl ClientEndpoint {
    /// The endpoint at `url` (https, or http to loopback); `what` names it
    /// in the error ("the token endpoint").
    pub(crate) fn new(
        what: &str,
        url: String,
        client_id: String,
        client_secret: String,
    ) -> Result<ClientEndpoint, super::KeyError> {
        if let Some(p) = url_problem(&url) {
            return Err(super::KeyError::new(format!("{what} {p}")));
        }
        Ok(ClientEndpoint {
            url,
            client_id,
            client_secret,
            client: HttpClient::default(),
        })
    }

    /// POSTs `form` with this server's credentials.
    pub(crate) async fn post_form(&self, form: &[(&str, &str)]) -> Result<HttpResponse, String> {
        self.client
            .post_form(
                &self.url,
                form,
                Some((&self.client_id, &self.client_secret)),
            )
            .await
    }
}

/// Why the client will not fetch `url`: not an absolute URL, a scheme other
/// than https, or plain http to a host that is not loopback (what comes over
/// it could be forged by anyone on the path). `None` when it may.
pub(crate) fn url_problem(url: &str) -> Option<String> {
    let uri: Uri = match url.parse() {
        Ok(uri) => uri,
        Err(e) => return Some(format!("`{url}` is not a valid URL: {e}")),
    };
    let Some(host) = uri.host() else {
        return Some(format!("`{url}` is not an absolute URL"));
    };
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Some(format!("`{url}` has credentials in it; they are not sent"));
    }
    match uri.scheme_str() {
        Some("https") if cfg!(feature = "https") => None,
        Some("https") => Some(format!(
            "`{url}` is HTTPS, and ferrymcp was built without its `https` feature: enable it, or pass your own client"
        )),
        Some("http") if is_loopback_host(host) => None,
        Some("http") => Some(format!(
            "`{url}` is plain HTTP to a host that is not loopback; what comes back without TLS can be forged: use https"
        )),
        _ => Some(format!("`{url}` must start with https://")),
    }
}

/// One HTTP/1.1 request on `io`, the response read up to `max` bytes.
async fn exchange<IO>(
    io: IO,
    request: http::Request<Full<Bytes>>,
    max: usize,
) -> Result<HttpResponse, String>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
            .await
            .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    let conn = tokio::spawn(async move {
        let _ = conn.await;
    });
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("the request failed: {e}"))?;
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(len) = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        {
            if len > max as u64 {
                return Err(format!("the response is {len} bytes; the limit is {max}"));
            }
        }
        let body = Limited::new(response.into_body(), max)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    format!("the response is larger than the limit of {max} bytes")
                } else {
                    format!("cannot read the response: {e}")
                }
            })?;
        Ok(HttpResponse {
            status,
            body: body.to_bytes().to_vec(),
            location,
        })
    }
    .await;
    conn.abort();
    result
}

/// `application/x-www-form-urlencoded` (the WHATWG rules: unreserved bytes
/// as they are, space as `+`, the rest percent-encoded).
pub(crate) fn encode_form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_component(k, &mut out);
        out.push('=');
        form_component(v, &mut out);
    }
    out
}

fn form_component(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

/// `Authorization: Basic` for client credentials: each part form-encoded
/// first, as RFC 6749 §2.3.1 asks.
fn basic_credentials(id: &str, secret: &str) -> String {
    use base64::Engine;
    let mut plain = String::new();
    form_component(id, &mut plain);
    plain.push(':');
    form_component(secret, &mut plain);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(plain)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(url_problem("http://127.0.0.1:9/jwks").is_none());
        assert!(url_problem("http://localhost/x").is_none());
        assert!(url_problem("http://[::1]:8080/x").is_none());
        assert!(url_problem("http://example.com/x")
            .unwrap()
            .contains("not loopback"));
        assert_eq!(
            url_problem("https://example.com/x").is_none(),
            cfg!(feature = "https")
        );
        assert!(url_problem("https://u:p@example.com/x").is_some());
        assert!(url_problem("ftp://x/").is_some());
        assert!(url_problem("not a url").is_some());
        assert!(url_problem("/relative").is_some());
    }

    #[test]
    fn forms_and_basic_credentials() {
        assert_eq!(
            encode_form(&[
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:token-exchange"
                ),
                ("scope", "a b")
            ]),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&scope=a+b"
        );
        // RFC 6749 §2.3.1: the id and secret are form-encoded before base64.
        assert_eq!(basic_credentials("a b", "c:d"), "Basic YStiOmMlM0Fk");
    }

    #[test]
    fn the_default_client_builds_with_every_root_source() {
        // webpki roots, and the system's with `native-roots`.
        let client = HttpClient::default();
        assert_eq!(client.timeout(), Duration::from_secs(15));
        assert!(HttpClient::builder().built_in_roots(false).build().is_ok());
    }

    #[test]
    fn bad_root_certificates_are_refused() {
        let e = HttpClient::builder()
            .add_root_certificate_pem("nothing here")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("root certificate #1"), "{e}");
    }
}
