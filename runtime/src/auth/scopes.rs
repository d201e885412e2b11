//! The scope check a `#[tool(scopes)]` runs before the tool, and the
//! caller's token of a call.

use super::{AccessToken, AuthError};
use crate::call::CallScope;

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
