//! Notifications, requests to the client and small results, typed: each has
//! one serializer, its field names written once, next to the schema's
//! names. Opaque JSON the user gives (schemas, `_meta`, log data) stays a
//! `Value`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// An object with no members (`{}`): the params of the `list_changed`
/// notifications and of `roots/list`, the result of `resources/subscribe`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// The params of `notifications/resources/updated`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceUpdated<'a> {
    /// The URI of the resource that changed.
    #[serde(borrow)]
    pub uri: Cow<'a, str>,
}

/// The params of `notifications/elicitation/complete` (2025-11-25).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElicitationComplete<'a> {
    /// The id of the URL elicitation whose step finished.
    #[serde(borrow)]
    pub elicitation_id: Cow<'a, str>,
}

/// The params of `notifications/message` (a log message).
#[derive(Debug, Clone, Serialize)]
pub struct LogMessage<'a> {
    /// Its severity.
    pub level: super::LogLevel,
    /// Who logged it (the tool's name).
    pub logger: &'a str,
    /// What was logged (the user's JSON).
    pub data: &'a Value,
}

/// The params of `notifications/progress`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress<'a> {
    /// The token the client sent in `_meta.progressToken`.
    pub progress_token: &'a Value,
    /// How far the call is.
    pub progress: f64,
    /// Where it ends, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// What it is doing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
}

/// The params of a form `elicitation/create`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormElicitation<'a> {
    /// `"form"` (from 2025-11-25; absent before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<&'static str>,
    /// What to ask the user.
    pub message: &'a str,
    /// The schema of the answer (the user's JSON).
    pub requested_schema: &'a Value,
}

/// The params of a URL `elicitation/create` (`ElicitRequestURLParams`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UrlElicitation<'a> {
    /// `"url"`.
    pub mode: &'static str,
    /// Its id (2025-11-25; 2026-07-28 has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elicitation_id: Option<&'a str>,
    /// Why the user should open the URL.
    pub message: &'a str,
    /// The URL.
    pub url: &'a str,
}

/// The `data` of a -32042 error (URL elicitation required).
#[derive(Debug, Clone, Serialize)]
pub struct UrlElicitationRequiredData {
    /// The params of each URL elicitation that must complete first.
    pub elicitations: Vec<Value>,
}

/// The `data` of -32022 (a protocol version this server does not serve
/// statelessly).
#[derive(Debug, Clone, Serialize)]
pub struct UnsupportedVersionData<'a> {
    /// The versions served statelessly, newest first.
    pub supported: &'a [&'static str],
    /// The version the request declared (its JSON text, as read).
    pub requested: &'a str,
}

/// The `data` of an error about one URI (`{"uri": ...}`).
#[derive(Debug, Clone, Serialize)]
pub struct UriData<'a> {
    /// The URI.
    pub uri: &'a str,
}

/// The JSON body of an HTTP authorization failure (RFC 6749 §5.2, RFC 6750
/// §3): `{"error": ..., "error_description": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthErrorBody<'a> {
    /// The error code (`invalid_token`, `insufficient_scope`, ...).
    pub error: &'a str,
    /// What went wrong, for a person.
    pub error_description: Cow<'a, str>,
}

/// `_meta["io.modelcontextprotocol/related-task"]`: the task a message is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedTask<'a> {
    /// The task's id.
    #[serde(borrow)]
    pub task_id: Cow<'a, str>,
}

impl RelatedTask<'_> {
    /// As a `_meta` value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// An `InputRequiredResult` (2026-07-28): the questions the request must
/// answer before it can finish.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputRequiredResult<'a> {
    /// `"input_required"`.
    pub result_type: &'static str,
    /// The questions, by key (each `{method, params}`).
    pub input_requests: &'a Map<String, Value>,
    /// The sealed state to send back with the answers.
    pub request_state: &'a str,
}

/// The values of a `completion/complete` result (its `completion` member).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletionValues<'a> {
    /// The suggested values (at most 100).
    pub values: Cow<'a, [String]>,
    /// How many values there are in all, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Whether there are more values than those sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
}

/// The result of `completion/complete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompleteResult<'a> {
    /// The values.
    pub completion: CompletionValues<'a>,
}

/// Who may reuse a cached result (`cacheScope`, 2026-07-28).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheScope {
    /// Every caller gets the same result.
    Public,
    /// The result depends on the caller: no shared cache may keep it.
    Private,
}

/// The caching hints of a 2026-07-28 result (`ttlMs`, `cacheScope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheHints {
    /// Who may reuse the result.
    pub cache_scope: CacheScope,
    /// How long it may be reused, in milliseconds.
    pub ttl_ms: u64,
}

/// The result of `resources/read`; `C` is the contents
/// (`catalog::ResourceContents`).
#[derive(Debug, Clone, Serialize)]
pub struct ReadResourceResult<C> {
    /// The contents.
    pub contents: Vec<C>,
    /// Caching hints (2026-07-28).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheHints>,
}

/// A page of `resources/list`, `resources/templates/list` or `prompts/list`:
/// the definitions under the method's key (`resources`, `resourceTemplates`,
/// `prompts`).
#[derive(Debug, Clone)]
pub struct ListPage<'a> {
    /// The key of the definitions.
    pub key: &'static str,
    /// The definitions, as serialized when the server was built.
    pub items: &'a [&'a Value],
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
    /// Caching hints (2026-07-28).
    pub cache: Option<CacheHints>,
}

impl Serialize for ListPage<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(self.key, self.items)?;
        if let Some(cursor) = &self.next_cursor {
            map.serialize_entry("nextCursor", cursor)?;
        }
        if let Some(cache) = &self.cache {
            map.serialize_entry("ttlMs", &cache.ttl_ms)?;
            map.serialize_entry("cacheScope", &cache.cache_scope)?;
        }
        map.end()
    }
}

/// The `notifications` member of `notifications/subscriptions/acknowledged`
/// and the filter of `subscriptions/listen`: what the stream hears.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListenFilter<'a> {
    /// Whether it hears `notifications/tools/list_changed`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tools_list_changed: bool,
    /// Whether it hears `notifications/prompts/list_changed`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prompts_list_changed: bool,
    /// Whether it hears `notifications/resources/list_changed`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resources_list_changed: bool,
    /// The URIs whose `notifications/resources/updated` it hears.
    #[serde(default, skip_serializing_if = "<[String]>::is_empty")]
    pub resource_subscriptions: Cow<'a, [String]>,
}

/// The `_meta` that ties a message to its `subscriptions/listen` stream
/// (the stream's request id).
#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionMeta<'a> {
    /// The id of the `subscriptions/listen` request.
    #[serde(rename = "io.modelcontextprotocol/subscriptionId")]
    pub subscription_id: &'a super::RequestId,
}

/// The params of `notifications/subscriptions/acknowledged`: the subset of
/// the filter the server honours.
#[derive(Debug, Clone, Serialize)]
pub struct ListenAcknowledged<'a> {
    /// What the stream will hear.
    pub notifications: ListenFilter<'a>,
    /// The stream it belongs to.
    #[serde(rename = "_meta")]
    pub meta: SubscriptionMeta<'a>,
}

/// The result that ends a `subscriptions/listen` stream.
#[derive(Debug, Clone, Serialize)]
pub struct ListenResult<'a> {
    /// The stream it ends.
    #[serde(rename = "_meta")]
    pub meta: SubscriptionMeta<'a>,
}

/// A capability of a list the server offers (`prompts`, `resources`):
/// whether it announces changes, and whether a client may subscribe to
/// one item's changes (`resources`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListCapability {
    /// Whether a client may subscribe to one item (`resources/subscribe`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe: Option<bool>,
    /// Whether the server announces changes of the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_changed: Option<bool>,
}

/// The capabilities a catalog adds to the server's (`resources`, `prompts`,
/// `completions`); absent ones are not offered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogCapabilities {
    /// Resources, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ListCapability>,
    /// Prompts, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts: Option<ListCapability>,
    /// Completion, when there is anything to complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completions: Option<Empty>,
}

/// The `capabilities` a server declares (`initialize`, `server/discover`);
/// fields in the order the members were always written (by name).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerCapabilities {
    /// Completion, when there is anything to complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completions: Option<Empty>,
    /// Extensions by identifier (the 2026-07-28 tasks extension, skills).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<&'static str, Value>,
    /// Log messages (`logging/setLevel`, `notifications/message`).
    pub logging: Empty,
    /// Prompts, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompts: Option<ListCapability>,
    /// Resources, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ListCapability>,
    /// 2025-11-25 core tasks, when a tool may run as one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<TasksCapability>,
    /// Tools (always; the list may change).
    pub tools: ListCapability,
}

/// The 2025-11-25 `tasks` capability: `tasks/list`, `tasks/cancel`, and
/// tasks for `tools/call`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TasksCapability {
    /// `tasks/cancel`.
    pub cancel: Empty,
    /// `tasks/list`.
    pub list: Empty,
    /// The requests that may become tasks.
    pub requests: TaskRequests,
}

/// The requests of `TasksCapability`: `tools/call`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRequests {
    /// `tools`.
    pub tools: ToolTaskRequests,
}

/// `tools/call` may become a task.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolTaskRequests {
    /// `call`.
    pub call: Empty,
}

/// The settings of the skills extension in `capabilities.extensions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillsCapability {
    /// Whether `resources/directory/read` is served.
    pub directory_read: bool,
}

/// A file of a skill in its `skills/list` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillFileRef<'a> {
    /// The file's URI.
    #[serde(borrow)]
    pub uri: Cow<'a, str>,
    /// `sha256:` and the hex digest of its bytes.
    #[serde(borrow)]
    pub digest: Cow<'a, str>,
    /// Its size in bytes.
    pub size: u64,
}

/// A skill as `skills/list` and `skills/get` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillEntry<'a> {
    /// The URI of its `SKILL.md`.
    #[serde(borrow)]
    pub uri: Cow<'a, str>,
    /// Its front matter (the author's fields, as JSON).
    pub frontmatter: Cow<'a, Map<String, Value>>,
    /// Its files.
    #[serde(borrow)]
    pub resources: Vec<SkillFileRef<'a>>,
}

/// A resource as `resources/list` and `resources/directory/read` show it
/// (a skill's `SKILL.md`, a file or a folder of a skill).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceEntry<'a> {
    /// Its URI.
    #[serde(borrow)]
    pub uri: Cow<'a, str>,
    /// Its name.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    /// What it is, when said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Cow<'a, str>>,
    /// Its MIME type (`inode/directory` for a folder).
    #[serde(borrow)]
    pub mime_type: Cow<'a, str>,
    /// Its size in bytes (not for a folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// The result of `skills/get`.
#[derive(Debug, Clone, Serialize)]
pub struct GetSkillResult<'a> {
    /// The skill's entry, as made when the server was built.
    pub skill: &'a Value,
    /// Caching hints (2026-07-28).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheHints>,
}

/// The params of `initialize` (session revisions), as the in-process
/// client sends them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams<'a> {
    /// The revision the client asks for.
    pub protocol_version: &'a str,
    /// What the client offers (its JSON).
    pub capabilities: &'a Value,
    /// The client's name and version.
    pub client_info: &'a super::Implementation,
}

/// The params of a list request (`tools/list`, ...).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListParams<'a> {
    /// The cursor of the page, from the previous page's `nextCursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<&'a str>,
}

/// The params of `tools/call`.
#[derive(Debug, Clone, Serialize)]
pub struct CallToolParams<'a> {
    /// The tool's name.
    pub name: &'a str,
    /// Its arguments (the caller's JSON).
    pub arguments: &'a Value,
}

/// A page of `tasks/list` (2025-11-25).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskPage {
    /// The caller's tasks, as `Task` objects.
    pub tasks: Vec<Value>,
    /// Where the next page starts, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The data of an error about a task in a state that has no result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStateData<'a> {
    /// The task.
    pub task_id: &'a str,
    /// Its status.
    pub status: &'a str,
}

/// The data of -32021: the client capabilities the request needed; `C` is
/// what the client must declare ([`RequiredExtensions`] for an extension,
/// [`RequiredCapability`] for a capability of the schema).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredCapabilitiesData<C = RequiredExtensions> {
    /// What the client must declare.
    pub required_capabilities: C,
}

/// One client capability a request needed (`{"sampling": {}}`), or one
/// mode of it (`{"elicitation": {"url": {}}}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredCapability<'a> {
    /// The capability (`elicitation`, `sampling`, `roots`).
    pub capability: &'a str,
    /// The mode it must include (`url`, `form`), when one is needed.
    pub mode: Option<&'a str>,
}

impl Serialize for RequiredCapability<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        match self.mode {
            Some(mode) => {
                map.serialize_entry(self.capability, &BTreeMap::from([(mode, Empty {})]))?
            }
            None => map.serialize_entry(self.capability, &Empty {})?,
        }
        map.end()
    }
}

/// The extensions a request needed, by identifier.
#[derive(Debug, Clone, Serialize)]
pub struct RequiredExtensions {
    /// Each extension with its (empty) settings.
    pub extensions: BTreeMap<&'static str, Empty>,
}

/// The data of an error about a task limit (`limit` names its
/// `TaskOptions` setting) that says when to retry: a caller over its
/// active tasks or its stored result bytes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskLimitRetryData {
    /// The setting (`max_active_tasks_per_caller`, ...).
    pub limit: &'static str,
    /// When to try again, in whole seconds.
    pub retry_after_seconds: u64,
}

/// The data of the error that fails a task whose result would take its
/// caller over its budget of stored results.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultOverBudgetData {
    /// The setting (`max_result_bytes_per_caller`).
    pub limit: &'static str,
    /// The size of the result, in bytes.
    pub result_bytes: u64,
    /// The bytes of the caller's results already stored.
    pub stored_bytes: u64,
    /// The bytes the caller may keep.
    pub max_bytes: u64,
}

/// The data of the error of a task stopped by its run-time limit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTimeLimitData {
    /// The setting (`max_run_time`).
    pub limit: &'static str,
    /// The limit, in milliseconds.
    pub max_run_time_ms: u64,
}

/// The data of the error a resuming client gets when the events after its
/// `Last-Event-ID` are no longer kept.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastEventIdData<'a> {
    /// The `Last-Event-ID` it sent.
    pub last_event_id: &'a str,
}

/// A `Tool` object of `tools/list` (serialized once, when the server is
/// built; the schemas are the tool's own JSON).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolDefinition<'a> {
    /// Its name.
    pub name: &'a str,
    /// A human-readable title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    /// What it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    /// The JSON Schema of its arguments.
    pub input_schema: &'a Value,
    /// The JSON Schema of its structured result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<&'a Value>,
    /// Hints about its behaviour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<ToolHints>,
    /// Whether it runs as a task (2025-11-25 and later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<ToolExecution>,
}

/// The `annotations` of a `Tool`: each hint only when set.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolHints {
    /// It does not modify its environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// It may perform destructive updates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Calling it again with the same arguments has no further effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// It interacts with an open world.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

/// The `execution` of a `Tool`.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolExecution {
    /// `forbidden`, `optional` or `required`.
    pub task_support: &'static str,
}

/// A `Resource` or `ResourceTemplate` object (`uri` or `uriTemplate`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDefinition<'a> {
    /// A fixed resource's URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<&'a str>,
    /// A template's URI template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_template: Option<&'a str>,
    /// Its name.
    pub name: &'a str,
    /// A human-readable title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    /// What it holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    /// Its MIME type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<&'a str>,
}

/// A `Prompt` object.
#[derive(Debug, Clone, Serialize)]
pub struct PromptDefinition<'a> {
    /// Its name.
    pub name: &'a str,
    /// A human-readable title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    /// What it is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    /// Its arguments, when it has any.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub arguments: Vec<PromptArgumentDefinition<'a>>,
}

/// A `PromptArgument` object.
#[derive(Debug, Clone, Serialize)]
pub struct PromptArgumentDefinition<'a> {
    /// Its name.
    pub name: &'a str,
    /// What it means.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    /// Whether the prompt needs it.
    pub required: bool,
}

/// Serializes a typed message into the `Value` the outbound channel and
/// the `Value` APIs carry (a message of this module never fails to).
pub fn to_value<T: Serialize>(message: &T) -> Value {
    serde_json::to_value(message).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_serialize_with_the_schemas_names() {
        let token = json!(7);
        let progress = Progress {
            progress_token: &token,
            progress: 0.5,
            total: None,
            message: Some("half"),
        };
        assert_eq!(
            serde_json::to_string(&progress).unwrap(),
            r#"{"progressToken":7,"progress":0.5,"message":"half"}"#
        );
        let page = ListPage {
            key: "prompts",
            items: &[&json!({"name": "p"})],
            next_cursor: Some("c".into()),
            cache: Some(CacheHints {
                cache_scope: CacheScope::Public,
                ttl_ms: 5,
            }),
        };
        assert_eq!(
            to_value(&page),
            json!({"prompts": [{"name": "p"}], "nextCursor": "c", "ttlMs": 5, "cacheScope": "public"})
        );
        let read = ReadResourceResult {
            contents: vec![json!({"uri": "file:///a", "text": "hi"})],
            cache: Some(CacheHints {
                cache_scope: CacheScope::Private,
                ttl_ms: 0,
            }),
        };
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"contents":[{"text":"hi","uri":"file:///a"}],"cacheScope":"private","ttlMs":0}"#
        );
        assert_eq!(to_value(&Empty {}), json!({}));
    }

    #[test]
    fn error_data_is_the_json_it_replaced() {
        let same = |typed: Value, was: Value| {
            assert_eq!(
                serde_json::to_string(&typed).unwrap(),
                serde_json::to_string(&was).unwrap()
            );
        };
        let needs = |capability, mode| {
            to_value(&RequiredCapabilitiesData {
                required_capabilities: RequiredCapability { capability, mode },
            })
        };
        same(
            needs("sampling", None),
            json!({"requiredCapabilities": {"sampling": {}}}),
        );
        same(
            needs("elicitation", Some("url")),
            json!({"requiredCapabilities": {"elicitation": {"url": {}}}}),
        );
        same(
            to_value(&RequiredCapabilitiesData {
                required_capabilities: RequiredExtensions {
                    extensions: BTreeMap::from([("io.x/tasks", Empty {})]),
                },
            }),
            json!({"requiredCapabilities": {"extensions": {"io.x/tasks": {}}}}),
        );
        same(
            to_value(&TaskLimitRetryData {
                limit: "max_active_tasks_per_caller",
                retry_after_seconds: 2,
            }),
            json!({"limit": "max_active_tasks_per_caller", "retryAfterSeconds": 2}),
        );
        same(
            to_value(&ResultOverBudgetData {
                limit: "max_result_bytes_per_caller",
                result_bytes: 10,
                stored_bytes: 20,
                max_bytes: 25,
            }),
            json!({"limit": "max_result_bytes_per_caller", "resultBytes": 10,
                   "storedBytes": 20, "maxBytes": 25}),
        );
        same(
            to_value(&RunTimeLimitData {
                limit: "max_run_time",
                max_run_time_ms: 1500,
            }),
            json!({"limit": "max_run_time", "maxRunTimeMs": 1500}),
        );
        same(
            to_value(&LastEventIdData {
                last_event_id: "s-3",
            }),
            json!({"lastEventId": "s-3"}),
        );
    }
}
