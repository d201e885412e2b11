//! The extension's methods, answered from memory: `skills/list`,
//! `skills/get` and `resources/directory/read`.

use super::super::error::not_found;
use super::super::Catalog;
use super::uri;
use crate::call::ClientInfo;
use crate::protocol::messages::{
    to_value, CacheHints, CacheScope, GetSkillResult, ReadResourceResult, SkillsCapability, UriData,
};
use crate::protocol::params::req_str;
use crate::protocol::stateless::LIST_TTL_MS;
use crate::protocol::{ErrorObject, ProtocolVersion};
use serde_json::{Map, Value};

/// The caching hints of what is fixed when the server is built (2026-07-28).
const FIXED: CacheHints = CacheHints {
    cache_scope: CacheScope::Public,
    ttl_ms: LIST_TTL_MS,
};

impl Catalog {
    /// Whether the server serves skills (and so declares the extension).
    pub fn serves_skills(&self) -> bool {
        !self.skills.is_empty()
    }

    /// How many skills there are.
    pub fn skill_count(&self) -> usize {
        self.skills.skills.len()
    }

    /// The extension's settings in `capabilities.extensions`.
    pub fn skills_capability(&self) -> Value {
        to_value(&SkillsCapability {
            directory_read: true,
        })
    }

    /// `skills/list`: a page of skill entries (an entry is never split).
    pub fn list_skills(
        &self,
        params: Option<&Map<String, Value>>,
        client: &ClientInfo,
    ) -> Result<Value, ErrorObject> {
        let entries: Vec<&Value> = self.skills.skills.iter().map(|s| &s.entry).collect();
        let page = self.page(&entries, "skills", "skills/list", params, client)?;
        Ok(to_value(&page))
    }

    /// `skills/get`: the entry of the skill whose `SKILL.md` is `params.uri`;
    /// -32602 for a URI that names no skill.
    pub fn get_skill(
        &self,
        params: Option<&Map<String, Value>>,
        client: &ClientInfo,
    ) -> Result<Value, ErrorObject> {
        let empty = Map::new();
        let requested = req_str(params.unwrap_or(&empty), "uri", "skills/get")?;
        let unknown = || {
            ErrorObject::invalid_params(format!(
                "Invalid params: no skill is served at {requested}"
            ))
            .with_data(to_value(&UriData { uri: requested }))
        };
        if !uri::is_skill_uri(requested) {
            return Err(unknown());
        }
        let key = uri::segments(requested)?.join("/");
        let Some(&i) = self.skills.by_skill_md.get(&key) else {
            return Err(unknown());
        };
        let result = GetSkillResult {
            skill: &self.skills.skills[i].entry,
            // Skills are fixed when the server is built.
            cache: client.protocol_version.is_stateless().then_some(FIXED),
        };
        Ok(to_value(&result))
    }

    /// `resources/directory/read`: a page of the direct children of a skill
    /// folder (files with their metadata, folders as `inode/directory`);
    /// -32602 for a URI that is not a folder.
    pub fn read_directory(
        &self,
        params: Option<&Map<String, Value>>,
        client: &ClientInfo,
    ) -> Result<Value, ErrorObject> {
        const METHOD: &str = "resources/directory/read";
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        let requested = req_str(params, "uri", METHOD)?;
        let refuse = |why: &str| {
            Err(
                ErrorObject::invalid_params(format!("Invalid params: {requested} {why}"))
                    .with_data(to_value(&UriData { uri: requested })),
            )
        };
        if !uri::is_skill_uri(requested) {
            return refuse("is not a directory resource this server serves");
        }
        let key = uri::segments(requested)?.join("/");
        let Some(children) = self.skills.dirs.get(&key) else {
            return if self.skills.files.contains_key(&key) {
                refuse("is not a directory resource")
            } else {
                refuse("does not exist")
            };
        };
        let children: Vec<&Value> = children.values().collect();
        let mut page = self.page(&children, "resources", METHOD, Some(params), client)?;
        // A paginated result, not a cacheable one.
        page.cache = None;
        Ok(to_value(&page))
    }

    /// `resources/read` of a skill file: -32602 for a URI that tries to
    /// leave the namespace, "resource not found" for one that names no file.
    pub(crate) fn read_skill_file(
        &self,
        requested: &str,
        version: ProtocolVersion,
    ) -> Result<Value, ErrorObject> {
        let Some(file) = self.skills.file(requested)? else {
            return Err(not_found(version, requested));
        };
        let result = ReadResourceResult {
            contents: vec![super::contents(file)],
            cache: version.is_stateless().then_some(FIXED),
        };
        Ok(to_value(&result))
    }
}
