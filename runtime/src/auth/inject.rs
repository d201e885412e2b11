//! How a tool gets the caller's token: `AccessToken` and `Option<AccessToken>`
//! are injected from the call scope, and the scope check a `#[tool(scopes)]`
//! runs before the tool.

use super::{AccessToken, AuthError};
use crate::inject::{CallScope, Inject, InjectError};

/// The message of a tool that needs a token and was called without one.
const NO_TOKEN: &str = "this tool needs an access token, and the call has none: the server has no authorization configured, or the transport does not carry tokens";

impl<L> Inject<L> for AccessToken {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        scope
            .extensions()
            .get::<AccessToken>()
            .cloned()
            .ok_or_else(
                || match scope.extensions().get::<crate::task::TokenExpired>() {
                    // A task whose snapshot's token expired before it ran.
                    Some(_) => InjectError::new(crate::task::TOKEN_EXPIRED),
                    None => InjectError::new(NO_TOKEN),
                },
            )
    }
}

impl<L> Inject<L> for Option<AccessToken> {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        Ok(scope.extensions().get::<AccessToken>().cloned())
    }
}

/// The caller's verified token in this call, if any.
pub fn access_token(scope: &CallScope) -> Option<&AccessToken> {
    scope.extensions().get::<AccessToken>()
}

/// Checks that the call's token grants every scope in `required` (what a
/// `#[tool(scopes = [...])]` runs before the tool). No scopes required is
/// always satisfied; required scopes and no token is
/// [`AuthError::MissingToken`]; a token without them is
/// [`AuthError::InsufficientScope`] listing all of `required`.
pub fn require_scopes<S: AsRef<str>>(scope: &CallScope, required: &[S]) -> Result<(), AuthError> {
    if required.is_empty() {
        return Ok(());
    }
    match access_token(scope) {
        Some(token) => token.require_scopes(required),
        None => Err(AuthError::MissingToken),
    }
}

/// Whether a caller with `token` may use something that needs `required`
/// (for hiding tools from `tools/list`).
///
/// ```
/// use ferrymcp::auth::{scopes_satisfied, AccessToken};
///
/// let token = AccessToken::builder().scopes(["read"]).build();
/// assert!(scopes_satisfied(Some(&token), &["read"]));
/// assert!(!scopes_satisfied(Some(&token), &["read", "write"]));
/// assert!(!scopes_satisfied(None, &["read"]));
/// assert!(scopes_satisfied(None, &[] as &[&str]));
/// ```
pub fn scopes_satisfied<S: AsRef<str>>(token: Option<&AccessToken>, required: &[S]) -> bool {
    required.is_empty() || token.is_some_and(|t| t.require_scopes(required).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_says_why() {
        assert!(NO_TOKEN.contains("no authorization configured"));
    }
}
