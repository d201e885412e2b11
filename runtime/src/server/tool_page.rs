//! A `tools/list` page, written from the definitions serialized when the
//! server was built: no definition is cloned or serialized per request.

use crate::protocol::types::SortedInfo;
use crate::protocol::{Implementation, ProtocolVersion};
use crate::tool::registry::RegisteredTool;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::sync::Arc;

/// One page of `tools/list`.
pub(crate) struct ToolPage {
    pub(crate) tools: Vec<Arc<RegisteredTool>>,
    /// The revision the definitions are for.
    pub(crate) version: ProtocolVersion,
    pub(crate) next_cursor: Option<String>,
    /// 2026-07-28 caching hints: the time to live and who may reuse the page.
    pub(crate) cache: Option<(u64, &'static str)>,
}

impl ToolPage {
    /// The page with caching hints.
    pub(crate) fn cacheable(mut self, ttl_ms: u64, scope: &'static str) -> Self {
        self.cache = Some((ttl_ms, scope));
        self
    }

    /// The page as JSON (for the APIs that answer a `Value`): the cached
    /// definitions cloned, not parsed again.
    pub(crate) fn into_value(self) -> Value {
        let mut result = Map::new();
        let tools = self.tools.iter();
        let tools = tools.map(|t| t.definition_for(self.version).clone());
        result.insert("tools".into(), Value::Array(tools.collect()));
        if let Some(cursor) = self.next_cursor {
            result.insert("nextCursor".into(), Value::String(cursor));
        }
        if let Some((ttl, scope)) = self.cache {
            super::stateless::insert_cache_hints(&mut result, ttl, scope);
        }
        Value::Object(result)
    }

    /// The page as a complete 2026-07-28 result: `resultType` and the server
    /// info in `_meta`, `key` naming it.
    pub(crate) fn completed<'a>(
        &'a self,
        key: &'static str,
        info: &'a Implementation,
    ) -> Completed<'a> {
        Completed {
            page: self,
            info_key: key,
            info,
        }
    }

    /// Writes the members; `complete` adds those of a complete stateless
    /// result. Members in the order a `serde_json::Map` keeps them (sorted).
    fn write<M: SerializeMap>(
        &self,
        map: &mut M,
        complete: Option<(&str, &Implementation)>,
    ) -> Result<(), M::Error> {
        if let Some((key, info)) = complete {
            map.serialize_entry("_meta", &ServerInfo { key, info })?;
        }
        if let Some((_, scope)) = self.cache {
            map.serialize_entry("cacheScope", scope)?;
        }
        if let Some(cursor) = &self.next_cursor {
            map.serialize_entry("nextCursor", cursor)?;
        }
        if complete.is_some() {
            map.serialize_entry("resultType", "complete")?;
        }
        map.serialize_entry("tools", &Definitions(self))?;
        if let Some((ttl, _)) = self.cache {
            map.serialize_entry("ttlMs", &ttl)?;
        }
        Ok(())
    }
}

impl Serialize for ToolPage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.write(&mut map, None)?;
        map.end()
    }
}

/// A page with the members of a complete stateless result.
pub(crate) struct Completed<'a> {
    page: &'a ToolPage,
    info_key: &'static str,
    info: &'a Implementation,
}

impl Serialize for Completed<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.page
            .write(&mut map, Some((self.info_key, self.info)))?;
        map.end()
    }
}

/// `{"<key>": <server info>}`.
struct ServerInfo<'a> {
    key: &'a str,
    info: &'a Implementation,
}

impl Serialize for ServerInfo<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.key, &SortedInfo(self.info))?;
        map.end()
    }
}

/// The definitions of a page, each as serialized when the server was built.
struct Definitions<'a>(&'a ToolPage);

impl Serialize for Definitions<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let page = self.0;
        serializer.collect_seq(
            page.tools
                .iter()
                .map(|t| t.definition_json_for(page.version)),
        )
    }
}
