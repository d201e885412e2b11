//! Authorization server metadata: OpenID Connect Discovery 1.0
//! (`/.well-known/openid-configuration`) and RFC 8414
//! (`/.well-known/oauth-authorization-server`), read from the issuer's URL.

use super::http_client::{url_problem, HttpClient};
use super::jwt::KeyError;
use super::JwtVerifier;
use serde_json::{Map, Value};

/// What an authorization server publishes about itself: its issuer, where its
/// keys are (`jwks_uri`), and its token and introspection endpoints.
///
/// [`discover`](Self::discover) reads it from the issuer URL, trying in turn
/// the OpenID Connect location (`{issuer}/.well-known/openid-configuration`),
/// the RFC 8414 one (`/.well-known/oauth-authorization-server{path}`), and,
/// for an issuer with a path, OpenID's path-inserted form. The document's
/// `issuer` must be exactly the issuer asked for (OpenID Connect Discovery
/// §4.3, RFC 8414 §3.3), so a document cannot name another issuer's keys.
///
/// ```
/// use ferrymcp::auth::ServerMetadata;
///
/// let doc = r#"{
///   "issuer": "https://idp.example",
///   "jwks_uri": "https://idp.example/keys",
///   "token_endpoint": "https://idp.example/token",
///   "introspection_endpoint": "https://idp.example/introspect",
///   "grant_types_supported": ["authorization_code", "urn:ietf:params:oauth:grant-type:token-exchange"]
/// }"#;
/// let meta = ServerMetadata::from_document("https://idp.example", doc.as_bytes()).unwrap();
/// assert_eq!(meta.jwks_uri(), Some("https://idp.example/keys"));
/// assert!(meta.supports_grant("urn:ietf:params:oauth:grant-type:token-exchange"));
/// assert!(ServerMetadata::from_document("https://other.example", doc.as_bytes()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ServerMetadata {
    issuer: String,
    jwks_uri: Option<String>,
    token_endpoint: Option<String>,
    introspection_endpoint: Option<String>,
    authorization_endpoint: Option<String>,
    grant_types_supported: Vec<String>,
    scopes_supported: Vec<String>,
    document: Map<String, Value>,
}

/// Why the metadata could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DiscoveryError(String);

impl From<DiscoveryError> for KeyError {
    fn from(e: DiscoveryError) -> Self {
        KeyError::new(e.0)
    }
}

impl ServerMetadata {
    /// Reads the metadata of `issuer` with the default [`HttpClient`].
    pub async fn discover(issuer: &str) -> Result<ServerMetadata, DiscoveryError> {
        Self::discover_with(issuer, &HttpClient::default()).await
    }

    /// Reads the metadata of `issuer` with `client`.
    pub async fn discover_with(
        issuer: &str,
        client: &HttpClient,
    ) -> Result<ServerMetadata, DiscoveryError> {
        let urls = discovery_urls(issuer)?;
        let mut tried = Vec::new();
        for url in &urls {
            match client.get(url).await {
                Ok(response) if response.status.is_success() => {
                    return Self::from_document(issuer, &response.body)
                        .map_err(|e| DiscoveryError(format!("`{url}`: {}", e.0)));
                }
                // Not there: try the next well-known location.
                Ok(response) => tried.push(format!("`{url}` answered {}", response.status)),
                Err(e) => tried.push(format!("`{url}`: {e}")),
            }
        }
        Err(DiscoveryError(format!(
            "no authorization server metadata for the issuer `{issuer}`: {}",
            tried.join("; ")
        )))
    }

    /// Parses a metadata document of `issuer` (as served at its well-known
    /// URL), checking that its `issuer` is exactly `issuer`.
    pub fn from_document(issuer: &str, bytes: &[u8]) -> Result<ServerMetadata, DiscoveryError> {
        let doc: Value = serde_json::from_slice(bytes)
            .map_err(|e| DiscoveryError(format!("the metadata is not JSON: {e}")))?;
        let Value::Object(doc) = doc else {
            return Err(DiscoveryError("the metadata is not a JSON object".into()));
        };
        let named = match doc.get("issuer") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                return Err(DiscoveryError(
                    "the metadata's `issuer` is not a string".into(),
                ))
            }
            None => return Err(DiscoveryError("the metadata has no `issuer`".into())),
        };
        if named != issuer {
            return Err(DiscoveryError(format!(
                "the metadata names the issuer `{named}`, not `{issuer}`; configure exactly the issuer the provider names (tokens carry it in `iss`)"
            )));
        }
        let url = |name: &str| -> Result<Option<String>, DiscoveryError> {
            match doc.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => match url_problem(s) {
                    None => Ok(Some(s.clone())),
                    Some(p) => Err(DiscoveryError(format!("the metadata's `{name}`: {p}"))),
                },
                Some(_) => Err(DiscoveryError(format!(
                    "the metadata's `{name}` is not a string"
                ))),
            }
        };
        let list = |name: &str| -> Result<Vec<String>, DiscoveryError> {
            match doc.get(name) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_owned).ok_or_else(|| {
                            DiscoveryError(format!(
                                "the metadata's `{name}` holds a value that is not a string"
                            ))
                        })
                    })
                    .collect(),
                Some(_) => Err(DiscoveryError(format!(
                    "the metadata's `{name}` is not an array"
                ))),
            }
        };
        Ok(ServerMetadata {
            jwks_uri: url("jwks_uri")?,
            token_endpoint: url("token_endpoint")?,
            introspection_endpoint: url("introspection_endpoint")?,
            authorization_endpoint: url("authorization_endpoint")?,
            grant_types_supported: list("grant_types_supported")?,
            scopes_supported: list("scopes_supported")?,
            issuer: named,
            document: doc,
        })
    }

    /// The issuer (the `iss` of its tokens).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Where its signing keys are published.
    pub fn jwks_uri(&self) -> Option<&str> {
        self.jwks_uri.as_deref()
    }

    /// Its token endpoint (token exchange goes there).
    pub fn token_endpoint(&self) -> Option<&str> {
        self.token_endpoint.as_deref()
    }

    /// Its RFC 7662 introspection endpoint.
    pub fn introspection_endpoint(&self) -> Option<&str> {
        self.introspection_endpoint.as_deref()
    }

    /// Its authorization endpoint.
    pub fn authorization_endpoint(&self) -> Option<&str> {
        self.authorization_endpoint.as_deref()
    }

    /// The grant types it says it supports (empty when it does not say).
    pub fn grant_types_supported(&self) -> &[String] {
        &self.grant_types_supported
    }

    /// Whether it lists `grant` in `grant_types_supported`.
    pub fn supports_grant(&self, grant: &str) -> bool {
        self.grant_types_supported.iter().any(|g| g == grant)
    }

    /// The scopes it advertises.
    pub fn scopes_supported(&self) -> &[String] {
        &self.scopes_supported
    }

    /// The whole document, for the members this type does not read.
    pub fn document(&self) -> &Map<String, Value> {
        &self.document
    }
}

/// The well-known URLs of `issuer`'s metadata, in the order they are tried.
pub(crate) fn discovery_urls(issuer: &str) -> Result<Vec<String>, DiscoveryError> {
    if let Some(p) = url_problem(issuer) {
        return Err(DiscoveryError(format!("the issuer {p}")));
    }
    let uri: http::Uri = issuer
        .parse()
        .map_err(|e| DiscoveryError(format!("the issuer `{issuer}` is not a URL: {e}")))?;
    if uri.query().is_some() || issuer.contains('#') {
        return Err(DiscoveryError(format!(
            "the issuer `{issuer}` has a query or fragment, which an issuer may not (RFC 8414 §2)"
        )));
    }
    let origin = format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("https"),
        uri.authority().map_or("", |a| a.as_str())
    );
    let path = uri.path().trim_end_matches('/');
    let mut urls = vec![
        format!("{origin}{path}/.well-known/openid-configuration"),
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
    ];
    if !path.is_empty() {
        urls.push(format!("{origin}/.well-known/openid-configuration{path}"));
    }
    Ok(urls)
}

impl JwtVerifier {
    /// A verifier of the tokens of the provider at `issuer`: reads its
    /// metadata ([`ServerMetadata::discover`]), takes its `jwks_uri`, and
    /// accepts only tokens whose `iss` is the issuer. Set the audience as
    /// usual:
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// use ferrymcp::auth::JwtVerifier;
    ///
    /// let verifier = JwtVerifier::from_issuer("https://idp.example")
    ///     .await?
    ///     .audience("https://mcp.example.com/mcp");
    /// # Ok(()) }
    /// ```
    pub async fn from_issuer(issuer: &str) -> Result<JwtVerifier, KeyError> {
        Self::from_issuer_with(issuer, &HttpClient::default()).await
    }

    /// [`from_issuer`](Self::from_issuer) with `client` (for discovery and
    /// for the key set).
    pub async fn from_issuer_with(
        issuer: &str,
        client: &HttpClient,
    ) -> Result<JwtVerifier, KeyError> {
        let meta = ServerMetadata::discover_with(issuer, client).await?;
        Ok(Self::from_metadata(&meta)?.http_client(client.clone()))
    }

    /// A verifier for the keys and issuer of `metadata`.
    pub fn from_metadata(metadata: &ServerMetadata) -> Result<JwtVerifier, KeyError> {
        let Some(jwks) = metadata.jwks_uri() else {
            return Err(KeyError::new(format!(
                "the metadata of `{}` names no `jwks_uri`: the provider may issue opaque tokens (use IntrospectionVerifier)",
                metadata.issuer()
            )));
        };
        Ok(JwtVerifier::jwks_url(jwks)?.issuer(metadata.issuer()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_urls_in_order() {
        assert_eq!(
            discovery_urls("https://idp.example").unwrap(),
            [
                "https://idp.example/.well-known/openid-configuration",
                "https://idp.example/.well-known/oauth-authorization-server",
            ]
        );
        assert_eq!(
            discovery_urls("https://idp.example/realms/acme/").unwrap(),
            [
                "https://idp.example/realms/acme/.well-known/openid-configuration",
                "https://idp.example/.well-known/oauth-authorization-server/realms/acme",
                "https://idp.example/.well-known/openid-configuration/realms/acme",
            ]
        );
        assert!(discovery_urls("http://idp.example").is_err());
        assert!(discovery_urls("https://idp.example/?x=1").is_err());
        assert!(discovery_urls("idp.example").is_err());
    }

    #[test]
    fn documents_are_checked() {
        let bad = |doc: &str| {
            ServerMetadata::from_document("https://i", doc.as_bytes())
                .unwrap_err()
                .to_string()
        };
        assert!(bad("[]").contains("not a JSON object"));
        assert!(bad("{}").contains("no `issuer`"));
        assert!(bad(r#"{"issuer":"https://j"}"#).contains("not `https://i`"));
        assert!(
            bad(r#"{"issuer":"https://i","jwks_uri":"http://evil/keys"}"#).contains("jwks_uri")
        );
        assert!(bad(r#"{"issuer":"https://i","jwks_uri":7}"#).contains("not a string"));
        assert!(bad(r#"{"issuer":"https://i","scopes_supported":"a"}"#).contains("not an array"));
    }
}
