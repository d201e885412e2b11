//! `AuthConfig`: everything the server and its HTTP transport need to protect
//! an MCP endpoint.

use super::{
    bearer_token, reject_query_token, well_known_urls, AccessToken, AuthError, MetadataError,
    ProtectedResourceMetadata, SharedVerifier, TokenExchange, TokenVerifier, WellKnownUrls,
};
use http::{HeaderMap, Uri};
use std::sync::Arc;

/// The authorization of a server: the token verifier, the resource URL and
/// its protected-resource metadata, and whether tools the caller may not use
/// are hidden from `tools/list`.
///
/// ```
/// use ferrymcp::auth::{AuthConfig, JwtVerifier};
///
/// let auth = AuthConfig::builder(
///     JwtVerifier::hs256(b"0123456789abcdef0123456789abcdef").audience("https://h/api/mcp"),
/// )
/// .resource("https://h/api/mcp")
/// .authorization_server("https://auth.h")
/// .scopes_supported(["repo:read", "repo:write"])
/// .hide_unauthorized_tools(true)
/// .build()
/// .unwrap();
///
/// assert_eq!(auth.resource_metadata_url(), "https://h/.well-known/oauth-protected-resource/api/mcp");
/// assert_eq!(auth.metadata().authorization_servers(), ["https://auth.h"]);
/// ```
#[derive(Clone, Debug)]
pub struct AuthConfig(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    verifier: SharedVerifier,
    metadata: ProtectedResourceMetadata,
    well_known: WellKnownUrls,
    hide_unauthorized_tools: bool,
    required_scopes: Vec<String>,
    token_exchange: Option<TokenExchange>,
}

/// Why an [`AuthConfig`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthConfigError {
    /// A URL or the metadata is wrong.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// The verifier is set up wrongly (see [`TokenVerifier::configuration_error`]).
    #[error("{0}")]
    Verifier(String),
}

impl AuthConfig {
    /// Starts a configuration around `verifier`.
    pub fn builder(verifier: impl TokenVerifier) -> AuthConfigBuilder {
        AuthConfigBuilder {
            verifier: SharedVerifier::new(verifier),
            resource: None,
            metadata: ProtectedResourceMetadata::draft(),
            hide_unauthorized_tools: false,
            required_scopes: Vec::new(),
            token_exchange: None,
        }
    }

    /// The token exchange tools may use
    /// ([`AuthConfigBuilder::token_exchange`]).
    pub fn token_exchange(&self) -> Option<&TokenExchange> {
        self.0.token_exchange.as_ref()
    }

    /// The verifier.
    pub fn verifier(&self) -> &SharedVerifier {
        &self.0.verifier
    }

    /// The resource URL (the MCP endpoint's public URL).
    pub fn resource(&self) -> &str {
        self.0.metadata.resource()
    }

    /// The protected-resource metadata document to serve.
    pub fn metadata(&self) -> &ProtectedResourceMetadata {
        &self.0.metadata
    }

    /// Where to serve [`metadata`](Self::metadata).
    pub fn well_known(&self) -> &WellKnownUrls {
        &self.0.well_known
    }

    /// The `resource_metadata` URL of `WWW-Authenticate` challenges.
    pub fn resource_metadata_url(&self) -> &str {
        &self.0.well_known.url
    }

    /// Whether `tools/list` leaves out the tools whose scopes the caller's
    /// token lacks (see [`scopes_satisfied`](super::scopes_satisfied)).
    pub fn hide_unauthorized_tools(&self) -> bool {
        self.0.hide_unauthorized_tools
    }

    /// The scopes every request's token must grant
    /// ([`AuthConfigBuilder::required_scopes`]).
    pub fn required_scopes(&self) -> &[String] {
        &self.0.required_scopes
    }

    /// Authenticates one HTTP request: refuses a token in the query string,
    /// reads the `Authorization: Bearer` header, verifies the token, and
    /// checks that it grants the [`required_scopes`](Self::required_scopes)
    /// (403 `insufficient_scope` otherwise).
    pub async fn authenticate(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<AccessToken, AuthError> {
        reject_query_token(uri)?;
        let token = bearer_token(headers)?;
        let token = self.0.verifier.verify(token).await?;
        token.require_scopes(&self.0.required_scopes)?;
        Ok(token)
    }

    /// The HTTP response for `error`, with this server's `resource_metadata`.
    ///
    /// Its challenge names the scopes the resource needs (RFC 6750 §3,
    /// which the MCP authorization spec asks for): the
    /// [`required_scopes`](Self::required_scopes) in a 401 (or 400), and
    /// those plus the operation's own in a 403 `insufficient_scope`, so that
    /// a client asking for more keeps what it had.
    ///
    /// ```
    /// use ferrymcp::auth::{AccessToken, AuthConfig, AuthError, StaticTokenVerifier};
    ///
    /// let auth = AuthConfig::builder(StaticTokenVerifier::new().token("t", AccessToken::builder()))
    ///     .resource("https://h/mcp")
    ///     .authorization_server("https://as")
    ///     .required_scopes(["mcp"])
    ///     .build()
    ///     .unwrap();
    /// let r = auth.error_response(&AuthError::MissingToken);
    /// assert_eq!(
    ///     r.headers()["www-authenticate"],
    ///     r#"Bearer scope="mcp", resource_metadata="https://h/.well-known/oauth-protected-resource/mcp""#,
    /// );
    /// let r = auth.error_response(&AuthError::InsufficientScope { required: vec!["repo:write".into()] });
    /// assert!(r.headers()["www-authenticate"].to_str().unwrap().contains(r#"scope="mcp repo:write""#));
    /// ```
    pub fn error_response(&self, error: &AuthError) -> http::Response<String> {
        let url = self.resource_metadata_url();
        let required = &self.0.required_scopes;
        match error {
            AuthError::InsufficientScope { required: own } if !required.is_empty() => {
                let mut all = required.clone();
                all.extend(own.iter().filter(|s| !required.contains(s)).cloned());
                AuthError::InsufficientScope { required: all }.response_with_scopes(url, &[])
            }
            other => other.response_with_scopes(url, required),
        }
    }
}

/// Builds an [`AuthConfig`]; from [`AuthConfig::builder`].
#[derive(Debug)]
#[must_use = "call `.build()`"]
pub struct AuthConfigBuilder {
    verifier: SharedVerifier,
    resource: Option<String>,
    /// The document's other members, set through its own setters.
    metadata: ProtectedResourceMetadata,
    hide_unauthorized_tools: bool,
    required_scopes: Vec<String>,
    token_exchange: Option<TokenExchange>,
}

impl AuthConfigBuilder {
    /// Lets tools exchange the caller's token for another (RFC 8693), with
    /// `ctx.exchange_token(audience, scopes)`, inline and in background
    /// tasks (there the caller's token is available only with
    /// [`TaskOptions::keep_raw_token`](crate::task::TaskOptions::keep_raw_token)).
    ///
    /// ```
    /// use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier, TokenExchange};
    ///
    /// let auth = AuthConfig::builder(StaticTokenVerifier::new().token("t", AccessToken::builder()))
    ///     .resource("https://mcp.example.com/mcp")
    ///     .authorization_server("https://idp.example")
    ///     .token_exchange(TokenExchange::new("https://idp.example/token", "mcp", "secret").unwrap())
    ///     .build()
    ///     .unwrap();
    /// assert!(auth.token_exchange().is_some());
    /// ```
    pub fn token_exchange(mut self, exchange: TokenExchange) -> Self {
        self.token_exchange = Some(exchange);
        self
    }

    /// The MCP endpoint's public URL (required), e.g. `https://example.com/mcp`.
    /// Tokens must name it as their audience.
    pub fn resource(mut self, url: impl Into<String>) -> Self {
        self.resource = Some(url.into());
        self
    }

    /// An authorization server that issues tokens for this resource (at least one).
    pub fn authorization_server(mut self, url: impl Into<String>) -> Self {
        self.metadata.add_authorization_server(url.into());
        self
    }

    /// The scopes advertised in the metadata.
    pub fn scopes_supported<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.metadata = self.metadata.scopes_supported(scopes);
        self
    }

    /// A human-readable name for the metadata.
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.metadata = self.metadata.resource_name(name);
        self
    }

    /// A documentation URL for the metadata.
    pub fn resource_documentation(mut self, url: impl Into<String>) -> Self {
        self.metadata = self.metadata.resource_documentation(url);
        self
    }

    /// Leave tools the caller's scopes do not allow out of `tools/list`
    /// (default `false`: they are listed, and calling them gets 403).
    pub fn hide_unauthorized_tools(mut self, hide: bool) -> Self {
        self.hide_unauthorized_tools = hide;
        self
    }

    /// Scopes every request's token must grant, whatever it calls: a token
    /// without them gets 403 `insufficient_scope`. The 401 challenges name
    /// them (`WWW-Authenticate: Bearer scope="…"`), so that clients ask for
    /// just these rather than every scope in `scopes_supported` (default:
    /// none; the challenges then name no scope).
    pub fn required_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Checks the URLs and the verifier and builds the configuration.
    pub fn build(self) -> Result<AuthConfig, AuthConfigError> {
        let resource = self.resource.ok_or(MetadataError::MissingResource)?;
        let metadata = self.metadata.checked(resource)?;
        let well_known = well_known_urls(metadata.resource())?;
        if let Some(problem) = self.verifier.configuration_error() {
            return Err(AuthConfigError::Verifier(problem));
        }
        Ok(AuthConfig(Arc::new(Inner {
            verifier: self.verifier,
            metadata,
            well_known,
            hide_unauthorized_tools: self.hide_unauthorized_tools,
            required_scopes: self.required_scopes,
            token_exchange: self.token_exchange,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{JwtVerifier, StaticTokenVerifier};

    fn dev() -> StaticTokenVerifier {
        StaticTokenVerifier::new().token("t", AccessToken::builder().subject("s"))
    }

    #[test]
    fn errors_name_what_is_missing() {
        let e = AuthConfig::builder(dev()).build().unwrap_err();
        assert_eq!(e, AuthConfigError::Metadata(MetadataError::MissingResource));
        let e = AuthConfig::builder(dev())
            .resource("https://h/mcp")
            .build()
            .unwrap_err();
        assert_eq!(
            e,
            AuthConfigError::Metadata(MetadataError::NoAuthorizationServer)
        );
        let e = AuthConfig::builder(JwtVerifier::hs256([1u8; 32]))
            .resource("https://h/mcp")
            .authorization_server("https://as")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains(".audience("), "{e}");
    }

    #[tokio::test]
    async fn authenticate_checks_query_header_and_token() {
        let auth = AuthConfig::builder(dev())
            .resource("https://h/mcp")
            .authorization_server("https://as")
            .build()
            .unwrap();
        let mut headers = HeaderMap::new();
        let uri: Uri = "/mcp".parse().unwrap();
        assert_eq!(
            auth.authenticate(&uri, &headers).await,
            Err(AuthError::MissingToken)
        );
        headers.insert("authorization", "Bearer t".parse().unwrap());
        let token = auth.authenticate(&uri, &headers).await.unwrap();
        assert_eq!(token.subject(), Some("s"));
        let with_query: Uri = "/mcp?access_token=t".parse().unwrap();
        assert_eq!(
            auth.authenticate(&with_query, &headers).await,
            Err(AuthError::TokenInQuery)
        );
        let response = auth.error_response(&AuthError::MissingToken);
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer resource_metadata=\"https://h/.well-known/oauth-protected-resource/mcp\""
        );
    }
}
