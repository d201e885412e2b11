//! Publishing the Protected Resource Metadata (RFC 9728) of a server with
//! authorization, at the host's root, wherever the MCP endpoint is mounted.
//!
//! A client that gets 401 reads the `resource_metadata` URL of the challenge;
//! a client that starts without one derives it from the endpoint's URL by
//! inserting `/.well-known/oauth-protected-resource` between the host and the
//! path (`https://h/api/mcp` -> `https://h/.well-known/oauth-protected-resource/api/mcp`),
//! and older clients try the root form `https://h/.well-known/oauth-protected-resource`.
//! Both are outside the path where the MCP router is nested, so
//! [`Server::well_known_router`] returns a router to merge at the app's root.

use crate::auth::{AuthConfig, WELL_KNOWN_SUFFIX};
use crate::server::Server;
use axum::body::Body;
use axum::response::Response;
use axum::routing::{get, MethodRouter};
use axum::Router;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::StatusCode;

/// Where [`Server::well_known_router_with`] serves the metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MetadataPaths {
    /// The path-inserted form for the resource and the root form
    /// (`/.well-known/oauth-protected-resource`): right when this server is
    /// the host's only protected resource (the default).
    #[default]
    InsertedAndRoot,
    /// The path-inserted form only: for a host with several protected MCP
    /// endpoints, whose root form could name only one of them.
    InsertedOnly,
}

impl Server {
    /// A router serving this server's protected-resource metadata at the
    /// path-inserted well-known path of its resource URL and at the root form
    /// (see [`MetadataPaths::InsertedAndRoot`]). Merge it at the root of the
    /// app, next to wherever [`router`](Server::router) is nested:
    ///
    /// ```no_run
    /// use ferrymcp::auth::{AuthConfig, JwtVerifier};
    /// use ferrymcp::prelude::*;
    ///
    /// /// Adds two numbers.
    /// #[tool]
    /// async fn add(a: i64, b: i64) -> i64 { a + b }
    ///
    /// # async fn run(secret: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
    /// let resource = "https://tools.example.com/api/mcp";
    /// let auth = AuthConfig::builder(JwtVerifier::hs256(secret).audience(resource))
    ///     .resource(resource)
    ///     .authorization_server("https://auth.example.com")
    ///     .build()?;
    /// let server = Server::builder("calc").auth(auth).tools(tools![add]).build().await?;
    /// let app = axum::Router::new()
    ///     .nest("/api/mcp", server.router())
    ///     // GET /.well-known/oauth-protected-resource/api/mcp (and the root form)
    ///     .merge(server.well_known_router());
    /// # Ok(()) }
    /// ```
    ///
    /// Empty when the server has no authorization.
    pub fn well_known_router(&self) -> Router {
        self.well_known_router_with(MetadataPaths::default())
    }

    /// [`well_known_router`](Self::well_known_router), serving the metadata
    /// at `paths`.
    pub fn well_known_router_with(&self, paths: MetadataPaths) -> Router {
        match self.auth() {
            Some(auth) => metadata_router(auth, paths),
            None => Router::new(),
        }
    }
}

/// The router of [`Server::well_known_router_with`].
fn metadata_router(auth: &AuthConfig, paths: MetadataPaths) -> Router {
    let document = serde_json::to_vec(&auth.metadata().to_json()).unwrap_or_default();
    let document = axum::body::Bytes::from(document);
    let serve = || -> MethodRouter {
        let document = document.clone();
        get(move || {
            let document = document.clone();
            async move { metadata_response(document) }
        })
        .options(|| async { preflight() })
    };
    // The query of a resource URL is not part of the route.
    let inserted = auth.well_known().path.split('?').next().unwrap_or("");
    // Paths come from the configured resource URL: escape what axum's router
    // would read as a capture, and take segments starting with `:` or `*`
    // literally.
    let route = |path: &str| path.replace('{', "{{").replace('}', "}}");
    let mut router = Router::new()
        .without_v07_checks()
        .route(&route(inserted), serve());
    if paths == MetadataPaths::InsertedAndRoot && inserted != WELL_KNOWN_SUFFIX {
        router = router.route(WELL_KNOWN_SUFFIX, serve());
    }
    router
}

/// The document, readable by browser clients of any origin.
fn metadata_response(document: axum::body::Bytes) -> Response {
    let mut response = Response::new(Body::from(document));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    response
}

/// The answer to a CORS preflight of the metadata.
fn preflight() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, OPTIONS"),
    );
    headers.insert(
        "access-control-allow-headers",
        HeaderValue::from_static("*"),
    );
    headers.insert("access-control-max-age", HeaderValue::from_static("86400"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{AccessToken, StaticTokenVerifier};

    fn auth(resource: &str) -> AuthConfig {
        AuthConfig::builder(
            StaticTokenVerifier::new().token("t", AccessToken::builder().subject("s")),
        )
        .resource(resource)
        .authorization_server("https://as.example.com")
        .build()
        .unwrap()
    }

    #[test]
    fn odd_resource_paths_do_not_panic() {
        for resource in [
            "https://h/",
            "https://h/mcp",
            "https://h/a/:b/*c/mcp",
            "https://h/%7Bx%7D/mcp?tenant=1",
        ] {
            let _ = metadata_router(&auth(resource), MetadataPaths::InsertedAndRoot);
            let _ = metadata_router(&auth(resource), MetadataPaths::InsertedOnly);
        }
    }
}
