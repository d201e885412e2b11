//! `Ctx::exchange_token`: a token for a downstream API, in exchange for the
//! caller's (RFC 8693), inline or in a background task.

use super::Ctx;
use crate::auth::{AccessToken, ExchangeError, ExchangedToken, TokenExchange, TokenExpired};
use crate::call::CallScope;

impl Ctx {
    /// Exchanges the caller's access token for one for `audience` with
    /// `scopes` at the authorization server's token endpoint (RFC 8693), with
    /// the [`TokenExchange`] configured by
    /// [`AuthConfigBuilder::token_exchange`](crate::auth::AuthConfigBuilder::token_exchange).
    ///
    /// The subject token is always the caller's own, never anything else:
    /// inline, the token the request carried; in a background task, the
    /// token of the task's snapshot, which holds it only when the app opted
    /// in with [`TaskOptions::keep_raw_token`](crate::task::TaskOptions::keep_raw_token)
    /// (with Redis, set a snapshot key so that it is stored encrypted). A
    /// task that outlives the caller's token cannot exchange it; exchange
    /// early (or ask for a long-lived downstream token) when tasks are long.
    ///
    /// Every failure says why; returned with `?` from a tool it is the
    /// tool's error (an `isError` result):
    ///
    /// ```
    /// use ferrymcp::prelude::*;
    ///
    /// /// Reads the caller's calendar from the calendar API.
    /// #[tool(task = true)]
    /// async fn calendar(ctx: Ctx) -> Result<String, ToolError> {
    ///     let token = ctx.exchange_token("https://calendar.example", &["calendar:read"]).await?;
    ///     Ok(format!("would call the API with {}", token.token_type()))
    /// }
    /// ```
    pub async fn exchange_token(
        &self,
        audience: &str,
        scopes: &[&str],
    ) -> Result<ExchangedToken, ExchangeError> {
        let (exchange, subject) = subject_of(self.scope())?;
        exchange.exchange(&subject, Some(audience), scopes).await
    }
}

/// The configured exchange and the caller's raw token, or why there is none.
fn subject_of(scope: &CallScope) -> Result<(TokenExchange, String), ExchangeError> {
    let extensions = scope.extensions();
    let exchange = extensions
        .get::<TokenExchange>()
        .cloned()
        .ok_or(ExchangeError::NotConfigured)?;
    let Some(token) = extensions.get::<AccessToken>() else {
        return Err(ExchangeError::NoSubjectToken(
            if extensions.get::<TokenExpired>().is_some() {
                "the caller's access token expired before the task ran; start the task again with a fresh token".into()
            } else {
                "the call carries no access token".into()
            },
        ));
    };
    let Some(raw) = token.raw() else {
        return Err(ExchangeError::NoSubjectToken(
            "this task's snapshot does not keep the caller's raw token; the app opts in with TaskOptions::keep_raw_token() (and, with Redis, a snapshot key so that it is stored encrypted)".into(),
        ));
    };
    if token.is_expired() {
        return Err(ExchangeError::NoSubjectToken(
            "the caller's access token has expired".into(),
        ));
    }
    Ok((exchange, raw.to_owned()))
}
