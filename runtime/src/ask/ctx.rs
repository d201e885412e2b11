//! The questions a tool asks through its [`Ctx`]: elicitation, sampling,
//! roots, named or not.

use super::{Elicitation, Question, Root, SamplingRequest, SamplingResponse};
use crate::call::InputError;
use crate::inject::Ctx;
use crate::protocol::InputRequest;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

impl Ctx {
    /// Asks the user for values of type `T` (`elicitation/create`): the
    /// schema comes from `T` (see [`elicitation_schema`](crate::ask::elicitation_schema)),
    /// the answer is typed. The same code works inline and in a task, on every
    /// revision (see [`input`](crate::ask) for how the question travels).
    ///
    /// ```
    /// use ferrymcp::prelude::*;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Confirm {
    ///     /// Type the file name again to confirm.
    ///     filename: String,
    /// }
    ///
    /// /// Deletes a file after the user confirms.
    /// #[tool]
    /// async fn delete(filename: String, ctx: Ctx) -> Result<String, ToolError> {
    ///     match ctx.elicit::<Confirm>(format!("Delete {filename}?")).await? {
    ///         Elicitation::Accept(c) if c.filename == filename => Ok(format!("deleted {filename}")),
    ///         Elicitation::Accept(_) => Ok("the names differ; nothing deleted".into()),
    ///         Elicitation::Decline | Elicitation::Cancel => Ok("nothing deleted".into()),
    ///     }
    /// }
    /// ```
    pub async fn elicit<T: JsonSchema + DeserializeOwned>(
        &self,
        message: impl Into<String>,
    ) -> Result<Elicitation<T>, InputError> {
        self.question(None).elicit(message).await
    }

    /// Asks the user with a hand-written `requestedSchema`; returns the raw
    /// `ElicitResult` (`{action, content}`).
    pub async fn elicit_with_schema(
        &self,
        message: impl Into<String>,
        requested_schema: Value,
    ) -> Result<Value, InputError> {
        self.question(None)
            .elicit_with_schema(message, requested_schema)
            .await
    }

    /// Asks the client's model (`sampling/createMessage`).
    pub async fn sample(&self, request: SamplingRequest) -> Result<SamplingResponse, InputError> {
        self.question(None).sample(request).await
    }

    /// Asks the client for its roots (`roots/list`).
    pub async fn list_roots(&self) -> Result<Vec<Root>, InputError> {
        self.question(None).list_roots().await
    }

    /// A question with a name of your choosing: the key of its entry in
    /// `inputRequests` (2026-07-28 and tasks), where clients and logs see it.
    /// Unnamed questions are numbered (`elicitation-1`, `sampling-2`).
    ///
    /// ```
    /// # use ferrymcp::prelude::*;
    /// # #[derive(serde::Deserialize, schemars::JsonSchema)] struct Name { name: String }
    /// # async fn f(ctx: Ctx) -> Result<(), ToolError> {
    /// let answer = ctx.ask("user_name").elicit::<Name>("What is your name?").await?;
    /// # Ok(()) }
    /// ```
    pub fn ask(&self, key: impl Into<String>) -> Question<'_> {
        self.question(Some(key.into()))
    }

    fn question(&self, key: Option<String>) -> Question<'_> {
        Question::new(self, key)
    }

    /// Whether the client declared `capability` (`elicitation`, `sampling`,
    /// `roots`); for elicitation, the form mode.
    pub fn client_supports(&self, capability: &str) -> bool {
        let declared = self.client().capabilities.get(capability);
        match (capability, declared) {
            (_, None | Some(Value::Null)) => false,
            ("elicitation", Some(Value::Object(modes))) => {
                modes.is_empty() || modes.contains_key("form")
            }
            _ => true,
        }
    }

    /// Sends one request to the client through the call's input channel.
    pub(crate) async fn send_question(
        &self,
        key: Option<&str>,
        request: InputRequest,
    ) -> Result<Value, InputError> {
        let scope = self.scope();
        scope
            .input
            .ask(&scope.outbound, &scope.cancellation, key, request)
            .await
    }
}
