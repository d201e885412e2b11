//! How a tool gets the caller's token: `AccessToken` and `Option<AccessToken>`
//! are injected from the call scope.

use super::{Inject, InjectError};
use crate::auth::{AccessToken, TokenExpired, TOKEN_EXPIRED};
use crate::call::CallScope;

/// The message of a tool that needs a token and was called without one.
const NO_TOKEN: &str = "this tool needs an access token, and the call has none: the server has no authorization configured, or the transport does not carry tokens";

impl<L> Inject<L> for AccessToken {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        scope
            .extensions()
            .get::<AccessToken>()
            .cloned()
            .ok_or_else(|| match scope.extensions().get::<TokenExpired>() {
                // A task whose snapshot's token expired before it ran.
                Some(_) => InjectError::new(TOKEN_EXPIRED),
                None => InjectError::new(NO_TOKEN),
            })
    }
}

impl<L> Inject<L> for Option<AccessToken> {
    fn inject(scope: &CallScope) -> Result<Self, InjectError> {
        Ok(scope.extensions().get::<AccessToken>().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_says_why() {
        assert!(NO_TOKEN.contains("no authorization configured"));
    }
}
