//! Protected Resource Metadata (RFC 9728): how a client finds out which
//! authorization server issues tokens for this server.

use serde::Serialize;

/// The well-known suffix of RFC 9728.
pub const WELL_KNOWN_SUFFIX: &str = "/.well-known/oauth-protected-resource";

/// The Protected Resource Metadata document (RFC 9728 §2) the server
/// publishes at its [well-known URL](well_known_urls). Build it with
/// [`ProtectedResourceMetadata::new`], which checks the URLs; serialize it
/// with serde.
///
/// ```
/// use ferrymcp::auth::ProtectedResourceMetadata;
///
/// let doc = ProtectedResourceMetadata::new("https://h/mcp", ["https://auth.h"])
///     .unwrap()
///     .scopes_supported(["repo:read", "repo:write"]);
/// assert_eq!(
///     serde_json::to_value(&doc).unwrap(),
///     serde_json::json!({
///         "resource": "https://h/mcp",
///         "authorization_servers": ["https://auth.h"],
///         "scopes_supported": ["repo:read", "repo:write"],
///         "bearer_methods_supported": ["header"],
///     }),
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedResourceMetadata {
    resource: String,
    authorization_servers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    scopes_supported: Vec<String>,
    bearer_methods_supported: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_documentation: Option<String>,
}

/// A URL in the authorization configuration that is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The resource URL is missing.
    #[error("the authorization configuration has no resource URL: set it to the public URL of the MCP endpoint (for example `https://example.com/mcp`)")]
    MissingResource,
    /// No authorization server was given.
    #[error("the protected resource metadata needs at least one authorization server URL")]
    NoAuthorizationServer,
    /// A URL is not acceptable.
    #[error("{what} `{url}` is not acceptable: {reason}")]
    InvalidUrl {
        /// Which URL (`the resource URL`, `the authorization server URL`).
        what: &'static str,
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl ProtectedResourceMetadata {
    /// The document for `resource` (the MCP endpoint's public URL, which is
    /// also the audience tokens must name) and the authorization servers that
    /// issue tokens for it (at least one).
    ///
    /// Every URL must be absolute `https://` (or `http://` to a loopback host,
    /// for development), without a fragment.
    pub fn new<I, S>(
        resource: impl Into<String>,
        authorization_servers: I,
    ) -> Result<Self, MetadataError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut doc = Self::draft();
        doc.authorization_servers = authorization_servers.into_iter().map(Into::into).collect();
        doc.checked(resource.into())
    }

    /// A document without resource and authorization servers, its URLs not
    /// yet checked: what [`AuthConfigBuilder`](super::AuthConfigBuilder)
    /// collects before [`checked`](Self::checked).
    pub(crate) fn draft() -> Self {
        ProtectedResourceMetadata {
            resource: String::new(),
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
            bearer_methods_supported: vec!["header"],
            resource_name: None,
            resource_documentation: None,
        }
    }

    /// Adds an authorization server, not yet checked.
    pub(crate) fn add_authorization_server(&mut self, url: String) {
        self.authorization_servers.push(url);
    }

    /// The document for `resource`, once its URL and those of the
    /// authorization servers (at least one) are acceptable.
    pub(crate) fn checked(mut self, resource: String) -> Result<Self, MetadataError> {
        check_url("the resource URL", &resource)?;
        self.resource = resource;
        if self.authorization_servers.is_empty() {
            return Err(MetadataError::NoAuthorizationServer);
        }
        for server in &self.authorization_servers {
            check_url("the authorization server URL", server)?;
        }
        Ok(self)
    }

    /// The scopes this server understands (RFC 9728 `scopes_supported`).
    pub fn scopes_supported<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes_supported = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// A human-readable name (RFC 9728 `resource_name`).
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// A page documenting the server (RFC 9728 `resource_documentation`).
    pub fn resource_documentation(mut self, url: impl Into<String>) -> Self {
        self.resource_documentation = Some(url.into());
        self
    }

    /// The resource URL.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The authorization servers (never empty).
    pub fn authorization_servers(&self) -> &[String] {
        &self.authorization_servers
    }

    /// The scopes advertised.
    pub fn scopes(&self) -> &[String] {
        &self.scopes_supported
    }

    /// The document as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Where the metadata of a resource is published (RFC 9728 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WellKnownUrls {
    /// The URL for this resource: the well-known suffix inserted between the
    /// host and the resource's path (`https://h/.well-known/oauth-protected-resource/api/mcp`
    /// for `https://h/api/mcp`). It is the `resource_metadata` of the
    /// `WWW-Authenticate` challenge. Equal to [`root`](Self::root) when the
    /// resource has no path.
    pub url: String,
    /// The root form, `https://h/.well-known/oauth-protected-resource`, which
    /// clients of older revisions try; serve the same document there when the
    /// host has one MCP endpoint.
    pub root: String,
    /// The path part of [`url`](Self::url), to route on
    /// (`/.well-known/oauth-protected-resource/api/mcp`).
    pub path: String,
}

impl WellKnownUrls {
    /// The path of [`root`](Self::root): `/.well-known/oauth-protected-resource`.
    pub fn root_path(&self) -> &'static str {
        WELL_KNOWN_SUFFIX
    }
}

/// The well-known metadata URLs of a resource URL.
///
/// ```
/// use ferrymcp::auth::well_known_urls;
///
/// let mounted = well_known_urls("https://h/api/mcp").unwrap();
/// assert_eq!(mounted.url, "https://h/.well-known/oauth-protected-resource/api/mcp");
/// assert_eq!(mounted.root, "https://h/.well-known/oauth-protected-resource");
/// assert_eq!(mounted.path, "/.well-known/oauth-protected-resource/api/mcp");
///
/// let at_root = well_known_urls("https://h:8443/").unwrap();
/// assert_eq!(at_root.url, "https://h:8443/.well-known/oauth-protected-resource");
/// assert_eq!(at_root.url, at_root.root);
/// ```
pub fn well_known_urls(resource: &str) -> Result<WellKnownUrls, MetadataError> {
    let uri = check_url("the resource URL", resource)?;
    let scheme = uri.scheme_str().unwrap_or("https");
    let authority = uri.authority().map_or("", |a| a.as_str());
    let origin = format!("{scheme}://{authority}");
    let resource_path = uri.path().trim_end_matches('/');
    let mut path = format!("{WELL_KNOWN_SUFFIX}{resource_path}");
    if let Some(query) = uri.query() {
        path.push('?');
        path.push_str(query);
    }
    Ok(WellKnownUrls {
        url: format!("{origin}{path}"),
        root: format!("{origin}{WELL_KNOWN_SUFFIX}"),
        path,
    })
}

/// Checks an absolute https URL (http to loopback allowed) without fragment.
fn check_url(what: &'static str, url: &str) -> Result<http::Uri, MetadataError> {
    let invalid = |reason: String| MetadataError::InvalidUrl {
        what,
        url: url.to_owned(),
        reason,
    };
    if url.contains('#') {
        return Err(invalid("it has a fragment (`#...`)".into()));
    }
    let uri: http::Uri = url.parse().map_err(|e| invalid(format!("{e}")))?;
    let Some(host) = uri.host() else {
        return Err(invalid("it is not an absolute URL".into()));
    };
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(invalid("it has user information (`user@`)".into()));
    }
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if is_loopback_host(host) => Ok(uri),
        Some("http") => Err(invalid(
            "it must use https (plain http is allowed only for localhost)".into(),
        )),
        _ => Err(invalid("it must start with https://".into())),
    }
}

/// `localhost`, `127.x.x.x` or `[::1]`.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_inserted_forms() {
        let w = well_known_urls("https://h/api/mcp/").unwrap();
        assert_eq!(
            w.url,
            "https://h/.well-known/oauth-protected-resource/api/mcp"
        );
        let w = well_known_urls("https://h").unwrap();
        assert_eq!(w.url, "https://h/.well-known/oauth-protected-resource");
        assert_eq!(w.path, "/.well-known/oauth-protected-resource");
        let w = well_known_urls("http://127.0.0.1:3000/mcp?tenant=a").unwrap();
        assert_eq!(
            w.url,
            "http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp?tenant=a"
        );
        assert_eq!(
            w.root,
            "http://127.0.0.1:3000/.well-known/oauth-protected-resource"
        );
    }

    #[test]
    fn bad_urls_are_explained() {
        for (url, needle) in [
            ("/mcp", "not an absolute URL"),
            ("http://example.com/mcp", "https"),
            ("ftp://h/mcp", "https://"),
            ("https://h/mcp#x", "fragment"),
            ("https://u@h/mcp", "user information"),
            ("https://h /mcp", "`https://h /mcp`"),
        ] {
            let err = well_known_urls(url).unwrap_err().to_string();
            assert!(err.contains(needle), "{url}: {err}");
        }
    }

    #[test]
    fn metadata_needs_an_authorization_server() {
        assert_eq!(
            ProtectedResourceMetadata::new("https://h/mcp", Vec::<String>::new()),
            Err(MetadataError::NoAuthorizationServer)
        );
        assert!(ProtectedResourceMetadata::new("https://h/mcp", ["http://as.example"]).is_err());
        let doc = ProtectedResourceMetadata::new("http://localhost:1/mcp", ["http://[::1]:2"])
            .unwrap()
            .resource_name("Repo tools");
        let json = doc.to_json();
        assert_eq!(
            json["bearer_methods_supported"],
            serde_json::json!(["header"])
        );
        assert_eq!(json["resource_name"], "Repo tools");
        assert!(json.get("scopes_supported").is_none());
    }
}
