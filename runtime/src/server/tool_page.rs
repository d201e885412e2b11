//! A `tools/list` page, written from the definitions serialized when the
//! server was built: no definition is cloned or serialized per request.

use crate::protocol::messages::CacheScope;
use crate::protocol::types::{Completion, ResultMeta};
use crate::protocol::ProtocolVersion;
use crate::tool::registry::RegisteredTool;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::sync::Arc;

/// One page of `tools/list`.
pub(crate) struct ToolPage {
    pub(crate) tools: Vec<Arc<RegisteredTool>>,
    /// The revision the definitions are for.
    pub(crate) version: ProtocolVersion,
    pub(crate) next_cursor: Option<String>,
    /// 2026-07-28 caching hints: the time to live and who may reuse the page.
    pub(crate) cache: Option<(u64, CacheScope)>,
}

impl ToolPage {
    /// The page with caching hints.
    pub(crate) fn cacheable(mut self, ttl_ms: u64, scope: CacheScope) -> Self {
        self.cache = Some((ttl_ms, scope));
        self
    }

    /// The one view of the page; `complete` adds the members of a complete
    /// stateless result.
    fn view<'a>(&'a self, complete: Option<Completion<'a>>, tools: Form) -> ToolPageView<'a> {
        ToolPageView {
            meta: complete.map(|c| ResultMeta {
                own: None,
                info: Some(c),
            }),
            cache_scope: self.cache.map(|(_, scope)| scope),
            next_cursor: self.next_cursor.as_deref(),
            result_type: complete.map(|_| "complete"),
            tools: Definitions(self, tools),
            ttl_ms: self.cache.map(|(ttl, _)| ttl),
        }
    }

    /// The page as JSON (for the APIs that answer a `Value`): the
    /// definitions copied from their values, not parsed again.
    pub(crate) fn into_value(self) -> Value {
        serde_json::to_value(self.view(None, Form::Value)).unwrap_or(Value::Null)
    }

    /// The page as a complete 2026-07-28 result: `resultType` and the server
    /// info in `_meta`, `key` naming it.
    pub(crate) fn completed<'a>(
        &'a self,
        key: &'static str,
        info: &'a serde_json::value::RawValue,
    ) -> impl Serialize + 'a {
        let complete = Completion {
            info_key: key,
            info,
        };
        self.view(Some(complete), Form::Text)
    }
}

impl Serialize for ToolPage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.view(None, Form::Text).serialize(serializer)
    }
}

/// A `tools/list` result as the wire carries it, borrowed: the page's one
/// serializer. Members in key order, so that the bytes written are those of
/// its `Value`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ToolPageView<'a> {
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    meta: Option<ResultMeta<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_scope: Option<CacheScope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_type: Option<&'static str>,
    tools: Definitions<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl_ms: Option<u64>,
}

/// Which form of the definitions made when the server was built a page
/// serializes: both give the same JSON.
#[derive(Clone, Copy)]
enum Form {
    /// Their text, copied as it is (written to bytes).
    Text,
    /// Their values (made into a `Value`: no text parsed again).
    Value,
}

/// The definitions of a page, each as made when the server was built.
struct Definitions<'a>(&'a ToolPage, Form);

impl Serialize for Definitions<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Definitions(page, form) = self;
        let tools = page.tools.iter();
        match form {
            Form::Text => {
                serializer.collect_seq(tools.map(|t| t.definition_json_for(page.version)))
            }
            Form::Value => serializer.collect_seq(tools.map(|t| t.definition_for(page.version))),
        }
    }
}
