//! Authorization on the endpoint, when the server has an
//! [`AuthConfig`](crate::auth::AuthConfig):
//!
//! * every request (POST, GET, DELETE; every revision) is authenticated before
//!   anything else is read: a token in the query string, no token, a malformed
//!   `Authorization` header or a token the verifier rejects gets the
//!   [`AuthError`]'s status and `WWW-Authenticate` challenge;
//! * the verified [`AccessToken`] goes into the request's extensions, so it is
//!   in the call scope of whatever the request runs;
//! * `tools/call` of a tool whose `scopes` the token lacks gets 403
//!   `insufficient_scope` before the tool is looked at further.
//!
//! Without an `AuthConfig` nothing here runs; a parent app's middleware may
//! still put an `AccessToken` in the extensions, and the dispatch checks tool
//! scopes against it (an `isError` result, as on stdio).

use crate::auth::{scopes_satisfied, AccessToken, AuthConfig, AuthError};
use crate::protocol::{Incoming, JsonObject, Rejected};
use crate::server::Server;
use axum::body::Body;
use axum::response::Response;
use http::request::Parts;
use http::Extensions;

/// The response for `error`: its status, its challenge pointing at the
/// server's protected-resource metadata, and the OAuth JSON body.
pub(crate) fn challenge(auth: &AuthConfig, error: &AuthError) -> Response {
    let (parts, body) = auth.error_response(error).into_parts();
    Response::from_parts(parts, Body::from(body))
}

/// Authenticates the request when the server has authorization; on success
/// the verified token is in `parts.extensions`. Without authorization the
/// request passes as it is.
pub(crate) async fn authenticate(server: &Server, parts: &mut Parts) -> Result<(), Response> {
    let Some(auth) = server.auth() else {
        return Ok(());
    };
    match auth.authenticate(&parts.uri, &parts.headers).await {
        Ok(token) => {
            parts.extensions.insert(token);
            // What `Ctx::exchange_token` uses (nothing when not configured).
            if let Some(exchange) = auth.token_exchange() {
                parts.extensions.insert(exchange.clone());
            }
            Ok(())
        }
        Err(error) => {
            // The details of a server-side failure go to the log only; the
            // client gets a generic description (`AuthError::body`).
            match &error {
                AuthError::Unavailable(_) => {
                    tracing::warn!("cannot authenticate a request now: {error}")
                }
                AuthError::Misconfigured(_) => {
                    tracing::error!("cannot authenticate a request: {error}")
                }
                _ => tracing::debug!("unauthenticated request refused: {error}"),
            }
            Err(challenge(auth, &error))
        }
    }
}

/// The 403 `insufficient_scope` challenge for a `tools/call` of a tool whose
/// scopes the request's token does not grant; `None` when the call may go on
/// (another method, an unknown tool, no scopes needed, or no authorization
/// configured: the dispatch then answers with an `isError` result).
pub(crate) fn scope_challenge(
    server: &Server,
    extensions: &Extensions,
    method: &str,
    params: Option<&JsonObject>,
) -> Option<Response> {
    if method != "tools/call" {
        return None;
    }
    let auth = server.auth()?;
    let name = params?.get_str("name")?;
    let required = server.tool_scopes(&name)?;
    let token = extensions.get::<AccessToken>();
    if scopes_satisfied(token, required) {
        return None;
    }
    let error = match token {
        None => AuthError::MissingToken,
        Some(_) => AuthError::InsufficientScope {
            required: required.iter().map(|s| (*s).to_owned()).collect(),
        },
    };
    tracing::debug!(tool = %name, "tools/call refused: {error}");
    Some(challenge(auth, &error))
}

/// [`scope_challenge`] for a raw JSON-RPC body (a request object).
pub(crate) fn scope_challenge_for_body(
    server: &Server,
    extensions: &Extensions,
    message: &Result<Incoming, Rejected>,
) -> Option<Response> {
    // Only a request runs anything; a notification or a rejected body does not.
    let Ok(Incoming::Request(request)) = message else {
        return None;
    };
    scope_challenge(server, extensions, &request.method, request.params.as_ref())
}
