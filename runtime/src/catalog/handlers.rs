//! The MCP methods of resources, prompts and completion, answered from a
//! [`Catalog`]: each takes the request's `params` and returns the result
//! object or the JSON-RPC error, whatever the transport or revision.

use super::completion::{Completion, CompletionContext};
use super::error::not_found;
use super::subscriptions::Subscriptions;
use super::Catalog;
use crate::call::{CallMeta, CallScope, ClientInfo};
use crate::protocol::jsonrpc::json_type_name;
use crate::protocol::messages::{
    to_value, CacheHints, CacheScope, CatalogCapabilities, CompleteResult, Empty, ListCapability,
    ListPage, ReadResourceResult,
};
use crate::protocol::params::{opt_str, req_str};
use crate::protocol::stateless::LIST_TTL_MS;
use crate::protocol::{ErrorObject, ProtocolVersion};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The old name of the call a resource read, a prompt or a completion runs
/// in: it is a [`CallScope`] now (the catalog fills in the name and `_meta`
/// from the request).
#[deprecated(note = "use `ferrymcp::CallScope` (`CallScope::new(client, lifespan)`)")]
pub type CallParts = CallScope;

impl Catalog {
    /// The capabilities this catalog adds to the server's: `resources` (with
    /// `subscribe` and `listChanged`), `prompts` (with `listChanged`), and
    /// `completions` when there is anything to complete; the same for every
    /// revision (2026-07-28 subscribes through `subscriptions/listen`). Merge
    /// them into the `capabilities` object of `initialize` and `server/discover`.
    pub fn capabilities(&self, _version: ProtocolVersion) -> CatalogCapabilities {
        CatalogCapabilities {
            resources: self.offers_resources().then_some(ListCapability {
                subscribe: Some(true),
                list_changed: Some(true),
            }),
            prompts: (!self.prompts.is_empty()).then_some(ListCapability {
                subscribe: None,
                list_changed: Some(true),
            }),
            completions: (!self.prompts.is_empty() || !self.templates.is_empty())
                .then_some(Empty {}),
        }
    }

    /// `resources/list`: a page of the resources with a fixed URI, then the
    /// `SKILL.md` of each skill.
    pub fn list_resources(
        &self,
        params: Option<&Map<String, Value>>,
        client: &ClientInfo,
    ) -> Result<Value, ErrorObject> {
        let defs: Vec<&Value> = self
            .resources
            .iter()
            .map(|r| &r.definition)
            .chain(self.skills.skills.iter().map(|s| &s.resource))
            .collect();
        let page = self.page(&defs, "resources", "resources/list", params, client)?;
        Ok(to_value(&page))
    }

    /// `resources/templates/list`: a page of the resource templates.
    pub fn list_templates(
        &self,
        params: Option<&Map<String, Value>>,
        client: &ClientInfo,
    ) -> Result<Value, ErrorObject> {
        let defs: Vec<&Value> = self.templates.iter().map(|t| &t.definition).collect();
        let method = "resources/templates/list";
        let page = self.page(&defs, "resourceTemplates", method, params, client)?;
        Ok(to_value(&page))
    }

    /// `prompts/list`: a page of the prompts.
    pub fn list_prompts(
        &self,
        params: Option<&Map<String, Value>>,
        client: &ClientInfo,
    ) -> Result<Value, ErrorObject> {
        let defs: Vec<&Value> = self.prompts.iter().map(|p| &p.definition).collect();
        let page = self.page(&defs, "prompts", "prompts/list", params, client)?;
        Ok(to_value(&page))
    }

    /// The page of `defs` the request's cursor points to, under `key`.
    pub(super) fn page<'d>(
        &self,
        defs: &'d [&'d Value],
        key: &'static str,
        method: &str,
        params: Option<&Map<String, Value>>,
        client: &ClientInfo,
    ) -> Result<ListPage<'d>, ErrorObject> {
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        let start = match opt_str(params, "cursor", method)? {
            None => 0,
            Some(cursor) => decode_cursor(cursor)
                .filter(|&i| i < defs.len())
                .ok_or_else(|| {
                    ErrorObject::invalid_params(format!(
                        "Invalid params: unknown cursor {cursor:?} for {method}"
                    ))
                })?,
        };
        let end = (start + self.page_size).min(defs.len());
        Ok(ListPage {
            key,
            items: &defs[start..end],
            next_cursor: (end < defs.len()).then(|| encode_cursor(end)),
            // Public unless a visibility rule makes lists differ per caller.
            cache: client
                .protocol_version
                .is_stateless()
                .then_some(CacheHints {
                    cache_scope: self.list_cache_scope(),
                    ttl_ms: LIST_TTL_MS,
                }),
        })
    }

    /// `resources/read`: the resource with that URI, or the first template
    /// that matches it. An unknown URI is "resource not found": -32002 before
    /// 2026-07-28, -32602 from then on, with the URI in `data.uri`.
    pub async fn read_resource(
        &self,
        params: Option<&Map<String, Value>>,
        parts: &CallScope,
    ) -> Result<Value, ErrorObject> {
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        let uri = req_str(params, "uri", "resources/read")?;
        let meta = request_meta(params)?;
        let version = parts.protocol_version();
        if !self.by_uri.contains_key(uri)
            && !self.skills.is_empty()
            && super::skills::uri::is_skill_uri(uri)
        {
            return self.read_skill_file(uri, version);
        }
        let (resource, resource_meta, request) = if let Some(&i) = self.by_uri.get(uri) {
            let r = &self.resources[i];
            (
                Arc::clone(&r.resource),
                r.meta,
                super::ResourceRequest::new(uri, Vec::new()),
            )
        } else {
            let templates = self.templates.iter().map(|t| (&t.template, t));
            match super::template::first_match(templates, uri) {
                Ok(Some((t, values))) => (
                    Arc::clone(&t.resource),
                    t.meta,
                    super::ResourceRequest::new(uri, values),
                ),
                Ok(None) => return Err(not_found(version, uri)),
                Err(refused) => return Err(refused.to_error(uri)),
            }
        };
        let scope = parts.for_target(resource_meta.name, meta);
        let contents = resource
            .read(scope, request)
            .await
            .map_err(|e| e.to_error_object(version, Some(uri)))?;
        let contents = contents
            .into_iter()
            .map(|c| c.or_mime_type(resource_meta.mime_type))
            .collect();
        let result = ReadResourceResult {
            contents,
            // What a read returns may change at any time and may depend on the caller.
            cache: version.is_stateless().then_some(CacheHints {
                cache_scope: CacheScope::Private,
                ttl_ms: 0,
            }),
        };
        Ok(to_value(&result))
    }

    /// `resources/subscribe`: records the URI in the session's
    /// `subscriptions`. The URI must name a resource or match a template
    /// (else "resource not found", as for a read); subscribing twice is fine.
    pub fn subscribe(
        &self,
        params: Option<&Map<String, Value>>,
        client: &ClientInfo,
        subscriptions: &Subscriptions,
    ) -> Result<Value, ErrorObject> {
        let empty = Map::new();
        let uri = req_str(params.unwrap_or(&empty), "uri", "resources/subscribe")?;
        if !self.by_uri.contains_key(uri) && !self.skills.knows(uri) {
            let templates = self.templates.iter().map(|t| (&t.template, ()));
            match super::template::first_match(templates, uri) {
                Ok(Some(_)) => {}
                Ok(None) => return Err(not_found(client.protocol_version, uri)),
                Err(refused) => return Err(refused.to_error(uri)),
            }
        }
        if !subscriptions.is_subscribed(uri) && subscriptions.is_full() {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: this session already holds {} subscriptions; unsubscribe from some first",
                super::MAX_SUBSCRIPTIONS
            )));
        }
        subscriptions.insert(uri);
        Ok(to_value(&Empty {}))
    }

    /// `resources/unsubscribe`: forgets the URI; unsubscribing from a URI the
    /// session did not subscribe to is fine.
    pub fn unsubscribe(
        &self,
        params: Option<&Map<String, Value>>,
        subscriptions: &Subscriptions,
    ) -> Result<Value, ErrorObject> {
        let empty = Map::new();
        let uri = req_str(params.unwrap_or(&empty), "uri", "resources/unsubscribe")?;
        subscriptions.remove(uri);
        Ok(to_value(&Empty {}))
    }

    /// Whether `uri` names a resource or matches a template (with values
    /// the template accepts).
    pub fn knows(&self, uri: &str) -> bool {
        self.by_uri.contains_key(uri)
            || self.skills.knows(uri)
            || self
                .templates
                .iter()
                .any(|t| matches!(t.template.matches(uri), Some(Ok(_))))
    }

    /// `prompts/get`: checks the arguments against the prompt's (all strings,
    /// none unknown, every required one present), then renders it.
    pub async fn get_prompt(
        &self,
        params: Option<&Map<String, Value>>,
        parts: &CallScope,
    ) -> Result<Value, ErrorObject> {
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        let name = req_str(params, "name", "prompts/get")?;
        let meta = request_meta(params)?;
        let Some(&i) = self.by_name.get(name) else {
            return Err(ErrorObject::invalid_params(format!(
                "Unknown prompt: `{name}`"
            )));
        };
        let prompt = &self.prompts[i];
        let arguments = string_map(params.get("arguments"), "arguments", "prompts/get")?;
        let declared = prompt.meta.arguments;
        if let Some(unknown) = arguments
            .keys()
            .find(|k| !declared.iter().any(|a| a.name == k.as_str()))
        {
            let expected = if declared.is_empty() {
                "it takes no arguments".to_string()
            } else {
                format!(
                    "its arguments are {}",
                    declared
                        .iter()
                        .map(|a| format!("`{}`", a.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: prompt `{name}` has no argument `{unknown}`; {expected}"
            )));
        }
        if let Some(missing) = declared
            .iter()
            .find(|a| a.required && !arguments.contains_key(a.name))
        {
            return Err(ErrorObject::invalid_params(format!(
                "Invalid params: missing required argument `{}` of prompt `{name}`",
                missing.name
            )));
        }
        let version = parts.protocol_version();
        let scope = parts.for_target(prompt.meta.name, meta);
        let mut result = prompt
            .prompt
            .get(scope, arguments)
            .await
            .map_err(|e| e.to_error_object(version, None))?;
        if result.description.is_none() {
            result.description = prompt.meta.description.map(str::to_owned);
        }
        serde_json::to_value(result)
            .map_err(|e| ErrorObject::internal(format!("could not serialize the prompt: {e}")))
    }

    /// `completion/complete`: the values suggested for a prompt argument
    /// (`ref/prompt`) or a template placeholder (`ref/resource`). An argument
    /// without a completion function gets no values; at most 100 are sent.
    pub async fn complete(
        &self,
        params: Option<&Map<String, Value>>,
        parts: &CallScope,
    ) -> Result<Value, ErrorObject> {
        const METHOD: &str = "completion/complete";
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        let reference = req_object(params, "ref", METHOD)?;
        let argument = req_object(params, "argument", METHOD)?;
        let arg_name = req_str(argument, "name", "the `argument` of completion/complete")?;
        let value = req_str(argument, "value", "the `argument` of completion/complete")?;
        let context = match params.get("context") {
            None | Some(Value::Null) => None,
            Some(Value::Object(context)) => context.get("arguments"),
            Some(other) => {
                return Err(ErrorObject::invalid_params(format!(
                    "Invalid params: `context` of {METHOD} must be an object, got {}",
                    json_type_name(other)
                )))
            }
        };
        let known = string_map(context, "context.arguments", METHOD)?;
        let meta = request_meta(params)?;
        let ref_type = req_str(reference, "type", "the `ref` of completion/complete")?;
        let pending = match ref_type {
            "ref/prompt" => {
                let name = req_str(reference, "name", "a `ref/prompt`")?;
                let Some(&i) = self.by_name.get(name) else {
                    return Err(ErrorObject::invalid_params(format!(
                        "Unknown prompt: `{name}`"
                    )));
                };
                let prompt = &self.prompts[i];
                if !prompt.meta.arguments.iter().any(|a| a.name == arg_name) {
                    return Err(ErrorObject::invalid_params(format!(
                        "Invalid params: prompt `{name}` has no argument `{arg_name}`"
                    )));
                }
                let context = CompletionContext::new(known, parts.for_target(prompt.meta.name, meta));
                prompt.prompt.complete(arg_name, value.to_owned(), context)
            }
            "ref/resource" => {
                let uri = req_str(reference, "uri", "a `ref/resource`")?;
                let Some(t) = self.templates.iter().find(|t| t.meta.uri == uri) else {
                    let why = if self.by_uri.contains_key(uri) {
                        format!("resource `{uri}` has no placeholders to complete")
                    } else {
                        format!("unknown resource template `{uri}`")
                    };
                    return Err(ErrorObject::invalid_params(format!("Invalid params: {why}")));
                };
                if !t.template.vars().any(|v| v == arg_name) {
                    return Err(ErrorObject::invalid_params(format!(
                        "Invalid params: resource template `{uri}` has no placeholder `{arg_name}`"
                    )));
                }
                let context = CompletionContext::new(known, parts.for_target(t.meta.name, meta));
                t.resource.complete(arg_name, value.to_owned(), context)
            }
            other => {
                return Err(ErrorObject::invalid_params(format!(
                    "Invalid params: unknown `ref` type {other:?}; expected \"ref/prompt\" or \"ref/resource\""
                )))
            }
        };
        let completion = match pending {
            Some(future) => future.await,
            None => Completion::default(),
        };
        let result = CompleteResult {
            completion: completion.to_wire(),
        };
        Ok(to_value(&result))
    }
}

/// Reads a required object parameter.
fn req_object<'a>(
    params: &'a Map<String, Value>,
    key: &str,
    method: &str,
) -> Result<&'a Map<String, Value>, ErrorObject> {
    match params.get(key) {
        Some(Value::Object(m)) => Ok(m),
        None | Some(Value::Null) => Err(ErrorObject::invalid_params(format!(
            "Invalid params: {method} needs `{key}`"
        ))),
        Some(other) => Err(ErrorObject::invalid_params(format!(
            "Invalid params: `{key}` of {method} must be an object, got {}",
            json_type_name(other)
        ))),
    }
}

/// Reads an optional object of strings (`arguments`, `context.arguments`).
fn string_map(
    value: Option<&Value>,
    key: &str,
    method: &str,
) -> Result<HashMap<String, String>, ErrorObject> {
    match value {
        None | Some(Value::Null) => Ok(HashMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(ErrorObject::invalid_params(format!(
                    "Invalid params: `{key}.{k}` of {method} must be a string, got {}",
                    json_type_name(other)
                ))),
            })
            .collect(),
        Some(other) => Err(ErrorObject::invalid_params(format!(
            "Invalid params: `{key}` of {method} must be an object of strings, got {}",
            json_type_name(other)
        ))),
    }
}

/// The request's `_meta`, for the call scope.
fn request_meta(params: &Map<String, Value>) -> Result<Option<Arc<CallMeta>>, ErrorObject> {
    match params.get("_meta") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(Arc::new(CallMeta::from_map(m.clone())))),
        Some(other) => Err(ErrorObject::invalid_params(format!(
            "Invalid params: `_meta` must be an object, got {}",
            json_type_name(other)
        ))),
    }
}

const CURSOR_PREFIX: &str = "ferry:";

fn encode_cursor(offset: usize) -> String {
    format!("{CURSOR_PREFIX}{offset}")
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    cursor.strip_prefix(CURSOR_PREFIX)?.parse().ok()
}
