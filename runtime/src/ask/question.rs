//! [`Question`]: one question to the client, optionally named, asked as an
//! elicitation, a sampling request or a roots request.

use super::elicit::parse_answer;
use super::{
    elicitation_schema, Elicitation, ElicitationId, InputError, InputRequest, Root,
    SamplingRequest, SamplingResponse, UrlElicitation, UrlRequest,
};
use crate::protocol::messages::{to_value, Empty, FormElicitation};
use crate::protocol::ProtocolVersion;
use crate::Ctx;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A question about to be asked; made by [`Ctx::ask`] (named) or by the
/// shorthands [`Ctx::elicit`], [`Ctx::sample`] and [`Ctx::list_roots`].
#[derive(Debug)]
pub struct Question<'a> {
    ctx: &'a Ctx,
    key: Option<String>,
}

impl<'a> Question<'a> {
    pub(crate) fn new(ctx: &'a Ctx, key: Option<String>) -> Self {
        Question { ctx, key }
    }

    /// Asks the user for values of type `T` (see [`Ctx::elicit`]).
    pub async fn elicit<T: JsonSchema + DeserializeOwned>(
        self,
        message: impl Into<String>,
    ) -> Result<Elicitation<T>, InputError> {
        let answer = self
            .elicit_with_schema(message, elicitation_schema::<T>())
            .await?;
        parse_answer(answer)
    }

    /// Asks the user with a hand-written `requestedSchema`; returns the raw
    /// `ElicitResult`.
    pub async fn elicit_with_schema(
        self,
        message: impl Into<String>,
        requested_schema: Value,
    ) -> Result<Value, InputError> {
        let params = FormElicitation {
            // `mode` came with 2025-11-25.
            mode: (self.ctx.client().protocol_version >= ProtocolVersion::V2025_11_25)
                .then_some("form"),
            message: &message.into(),
            requested_schema: &requested_schema,
        };
        let answer = self.send("elicitation/create", to_value(&params)).await?;
        // Checked here so that a malformed answer never reaches the tool.
        parse_answer::<Value>(answer.clone())?;
        Ok(answer)
    }

    /// Asks the user to open `url` (see [`Ctx::elicit_url`]), with a fresh
    /// [`ElicitationId`].
    pub async fn elicit_url(
        self,
        message: impl Into<String>,
        url: impl Into<String>,
    ) -> Result<UrlElicitation, InputError> {
        self.elicit_url_with_id(ElicitationId::random(), message, url)
            .await
    }

    /// Asks the user to open `url`, with an id the tool made first (to put
    /// it in the URL: `ElicitationId::random()`, then
    /// `format!("https://app.example/connect?e={id}")`).
    pub async fn elicit_url_with_id(
        self,
        id: ElicitationId,
        message: impl Into<String>,
        url: impl Into<String>,
    ) -> Result<UrlElicitation, InputError> {
        let request = UrlRequest::with_id(id, message, url);
        request.check()?;
        let ctx = self.ctx;
        let params = request.params(ctx.client().protocol_version);
        let answer = self.send("elicitation/create", params).await?;
        let action = parse_answer::<Value>(answer)?.action();
        Ok(UrlElicitation {
            action,
            completion: ctx.elicitation_completion(request.id),
        })
    }

    /// Asks the client's model (`sampling/createMessage`).
    pub async fn sample(self, request: SamplingRequest) -> Result<SamplingResponse, InputError> {
        let answer = self
            .send("sampling/createMessage", request.to_params())
            .await?;
        serde_json::from_value(answer)
            .map_err(|e| InputError::InvalidAnswer(format!("the sampling result: {e}")))
    }

    /// Asks the client for its roots (`roots/list`).
    pub async fn list_roots(self) -> Result<Vec<Root>, InputError> {
        let answer = self.send("roots/list", to_value(&Empty {})).await?;
        let roots = answer
            .get("roots")
            .cloned()
            .ok_or_else(|| InputError::InvalidAnswer("a roots/list result needs `roots`".into()))?;
        serde_json::from_value(roots)
            .map_err(|e| InputError::InvalidAnswer(format!("the roots/list result: {e}")))
    }

    /// Sends any request to the client (`elicitation/create`,
    /// `sampling/createMessage`, `roots/list`) and returns its raw result,
    /// after checking that the client declared the capability it needs (for
    /// an elicitation, the capability and its `mode`). With the `otel`
    /// feature, its `params._meta` carries the trace context of the call
    /// where the revision allows (see [`telemetry`](crate::telemetry)).
    pub async fn send(self, method: &str, params: Value) -> Result<Value, InputError> {
        let mut request = InputRequest {
            method: method.into(),
            params,
        };
        self.ctx.check_capability(&request)?;
        crate::telemetry::stamp_question(&mut request, self.ctx.client().protocol_version);
        self.ctx.send_question(self.key.as_deref(), request).await
    }
}
