//! Authorization: verified access tokens, token verifiers, scopes and the
//! protected-resource metadata of an MCP server acting as an OAuth 2.1
//! resource server.
//!
//! The pieces, in the order a request meets them:
//!
//! 1. The HTTP transport refuses tokens in the query string
//!    ([`reject_query_token`]), reads `Authorization: Bearer <token>`
//!    ([`bearer_token`]) and asks a [`TokenVerifier`] ([`JwtVerifier`],
//!    [`IntrospectionVerifier`], [`StaticTokenVerifier`], or yours) for an
//!    [`AccessToken`]; the verifiers reach the identity provider with
//!    [`HttpClient`] (HTTPS with the default `https` feature), and
//!    [`ServerMetadata`] finds its endpoints from its issuer URL;
//!    [`AuthConfig::authenticate`] does the three.
//! 2. On failure it answers with the [`AuthError`]'s status and
//!    `WWW-Authenticate` challenge, which points clients at the
//!    [`ProtectedResourceMetadata`] published at [`well_known_urls`].
//! 3. On success the token goes into the request's extensions, so it is in the
//!    [`CallScope`](crate::CallScope): a tool asks for `AccessToken` or
//!    `Option<AccessToken>`, and [`require_scopes`] checks a tool's scopes.
//! 4. [`AccessToken::identity`] ([`CallerIdentity`]) names the caller who owns
//!    the background tasks a call creates.
//! 5. A [`TokenExchange`] (RFC 8693), when configured, lets a tool trade the
//!    caller's token for one for a downstream API (`Ctx::exchange_token`).
//!
//! ```
//! use ferrymcp::auth::{AccessToken, AuthConfig, StaticTokenVerifier};
//!
//! let auth = AuthConfig::builder(
//!     StaticTokenVerifier::new()
//!         .token("dev-token", AccessToken::builder().subject("dev").scopes(["repo:read"])),
//! )
//! .resource("http://127.0.0.1:8000/mcp")
//! .authorization_server("http://127.0.0.1:9000")
//! .build()
//! .unwrap();
//! ```

mod config;
mod discovery;
mod error;
mod exchange;
mod header;
mod http_client;
mod identity;
mod introspection;
mod jwks;
mod jwt;
mod metadata;
mod scopes;
mod static_token;
mod token;
mod verifier;

pub use config::{AuthConfig, AuthConfigBuilder, AuthConfigError};
pub use discovery::{DiscoveryError, ServerMetadata};
pub use error::{AuthError, TokenRejection};
pub use exchange::{
    ExchangeError, ExchangedToken, TokenExchange, ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT,
};
pub use header::{bearer_token, parse_authorization, reject_query_token, MAX_TOKEN_LEN};
pub use http_client::{HttpClient, HttpClientBuilder, HttpClientError};
pub use identity::{CallerIdentity, IdentityKind};
pub use introspection::IntrospectionVerifier;
pub use jwt::{Algorithm, JwtVerifier, KeyError};
pub use metadata::{
    well_known_urls, MetadataError, ProtectedResourceMetadata, WellKnownUrls, WELL_KNOWN_SUFFIX,
};
pub use scopes::{access_token, require_scopes, scopes_satisfied};
pub use static_token::StaticTokenVerifier;
pub use token::{AccessToken, AccessTokenBuilder, ClaimError, TokenExpired, TOKEN_EXPIRED};
pub use verifier::{SharedVerifier, TokenVerifier};
