//! The questions a tool asks through its [`Ctx`]: elicitation, sampling,
//! roots, named or not.

use super::{
    Elicitation, ElicitationCompletion, ElicitationId, Question, Root, SamplingRequest,
    SamplingResponse, UrlElicitation,
};
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

    /// Asks the user to open `url` for a step that must not pass through the
    /// client (URL-mode elicitation, 2025-11-25 on): `elicitation/create`
    /// with `mode: "url"` and a fresh, unguessable `elicitationId`.
    ///
    /// The answer is the user's consent only: `Accept` means they agreed to
    /// open the URL, not that the step finished. When the app sees it finish
    /// (its web handler got the callback), it calls
    /// [`complete`](crate::ask::ElicitationCompletion::complete) on
    /// [`UrlElicitation::completion`], which tells the client. A client
    /// whose `elicitation` capability lacks `url` (`{}` means form only)
    /// gets no request: the call fails with -32021 naming
    /// `elicitation.url`. Inline, in a task and on 2026-07-28 (multi
    /// round-trip) alike; see [`ask`](crate::ask) for how the question
    /// travels and what 2026-07-28 lacks (ids, the notification).
    ///
    /// ```
    /// use ferrymcp::prelude::*;
    /// use ferrymcp::ask::ElicitAction;
    ///
    /// /// Connects the user's Example Co account.
    /// #[tool]
    /// async fn connect(ctx: Ctx) -> Result<String, ToolError> {
    ///     let asked = ctx
    ///         .elicit_url("Sign in to Example Co to continue.", "https://mcp.example.com/connect")
    ///         .await?;
    ///     // Keep `asked.completion()` where the callback handler finds it
    ///     // (a map by `asked.id()` in shared state), and call `complete()` there.
    ///     Ok(match asked.action() {
    ///         ElicitAction::Accept => format!("waiting for sign-in {}", asked.id()),
    ///         _ => "not connected".into(),
    ///     })
    /// }
    /// ```
    pub async fn elicit_url(
        &self,
        message: impl Into<String>,
        url: impl Into<String>,
    ) -> Result<UrlElicitation, InputError> {
        self.question(None).elicit_url(message, url).await
    }

    /// The handle that tells this call's client that the URL elicitation
    /// `id` finished (`notifications/elicitation/complete`), for ids the
    /// tool sent in a [`UrlElicitationRequired`](crate::ask::UrlElicitationRequired)
    /// error. It goes to the session's own stream, so it works after the
    /// call ended; on 2026-07-28 (no sessions, no such notification)
    /// [`complete`](ElicitationCompletion::complete) sends nothing.
    pub fn elicitation_completion(&self, id: ElicitationId) -> ElicitationCompletion {
        let scope = self.scope();
        let to = match scope.client().protocol_version {
            v if v.is_stateless() => None,
            _ => scope.session_outbound.clone(),
        };
        ElicitationCompletion { id, to }
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

    /// Whether the client can answer a URL-mode elicitation: it speaks
    /// 2025-11-25 or later and its `elicitation` capability has `url`.
    pub fn client_supports_url_elicitation(&self) -> bool {
        self.client().protocol_version >= crate::protocol::ProtocolVersion::V2025_11_25
            && self
                .client()
                .capabilities
                .get("elicitation")
                .and_then(|e| e.get("url"))
                .is_some_and(|url| !url.is_null())
    }

    /// Checks that the client declared what `request` needs: the capability
    /// and, for an elicitation, its mode (`form` when `mode` is absent).
    pub(crate) fn check_capability(&self, request: &InputRequest) -> Result<(), InputError> {
        let capability = request.capability();
        if capability == "elicitation" {
            let declared = self.client().capabilities.get(capability);
            if matches!(declared, None | Some(Value::Null)) {
                return Err(InputError::Unsupported { capability });
            }
            let mode = request.params.get("mode").and_then(Value::as_str);
            let (mode, supported) = match mode {
                Some("url") => ("url", self.client_supports_url_elicitation()),
                _ => ("form", self.client_supports(capability)),
            };
            return match supported {
                true => Ok(()),
                false => Err(InputError::UnsupportedMode { capability, mode }),
            };
        }
        match self.client_supports(capability) {
            true => Ok(()),
            false => Err(InputError::Unsupported { capability }),
        }
    }

    /// Whether the client declared `capability` (`elicitation`, `sampling`,
    /// `roots`); for elicitation, the form mode (see
    /// [`client_supports_url_elicitation`](Self::client_supports_url_elicitation)).
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
