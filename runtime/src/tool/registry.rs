//! The server's tools, their cached definitions, and lookup by name.

use super::{DynTool, OutputSchema, ToolMeta};
use crate::error::BuildError;
use crate::protocol::ProtocolVersion;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// One registered tool with its definition serialized once.
pub(crate) struct RegisteredTool {
    pub(crate) tool: DynTool,
    pub(crate) meta: ToolMeta,
    pub(crate) name: Arc<str>,
    /// The `Tool` object for 2025-11-25 and later (with `execution`).
    pub(crate) definition: Value,
    /// The `Tool` object for earlier revisions (without `execution`).
    pub(crate) definition_legacy: Value,
    pub(crate) output: Option<OutputSchema>,
}

impl RegisteredTool {
    fn new(tool: DynTool) -> Result<Self, BuildError> {
        let meta = tool.meta();
        if !valid_tool_name(meta.name) {
            return Err(BuildError::InvalidToolName(meta.name.into()));
        }
        let output = tool.output_schema();
        let mut def = Map::new();
        def.insert("name".into(), Value::String(meta.name.into()));
        if let Some(title) = meta.title {
            def.insert("title".into(), Value::String(title.into()));
        }
        if let Some(description) = meta.description {
            def.insert("description".into(), Value::String(description.into()));
        }
        def.insert("inputSchema".into(), tool.input_schema());
        if let Some(output) = &output {
            def.insert("outputSchema".into(), output.schema.clone());
        }
        if !meta.annotations.is_empty() {
            let a = meta.annotations;
            let mut ann = Map::new();
            let hints = [
                ("readOnlyHint", a.read_only),
                ("destructiveHint", a.destructive),
                ("idempotentHint", a.idempotent),
                ("openWorldHint", a.open_world),
            ];
            for (key, hint) in hints {
                if let Some(v) = hint {
                    ann.insert(key.into(), Value::Bool(v));
                }
            }
            def.insert("annotations".into(), Value::Object(ann));
        }
        let definition_legacy = Value::Object(def.clone());
        let mut execution = Map::new();
        execution.insert(
            "taskSupport".into(),
            Value::String(meta.task_support.as_str().into()),
        );
        def.insert("execution".into(), Value::Object(execution));
        Ok(RegisteredTool {
            name: meta.name.into(),
            tool,
            meta,
            definition: Value::Object(def),
            definition_legacy,
            output,
        })
    }

    /// The definition as a client of `version` expects it.
    pub(crate) fn definition_for(&self, version: ProtocolVersion) -> &Value {
        if version >= ProtocolVersion::V2025_11_25 {
            &self.definition
        } else {
            &self.definition_legacy
        }
    }
}

/// Tools in registration order, with a name index.
#[derive(Default)]
pub(crate) struct ToolRegistry {
    tools: Vec<Arc<RegisteredTool>>,
    by_name: HashMap<Arc<str>, usize>,
}

impl ToolRegistry {
    pub(crate) fn build(tools: Vec<DynTool>) -> Result<Self, BuildError> {
        let mut registry = ToolRegistry::default();
        for tool in tools {
            let registered = RegisteredTool::new(tool)?;
            if registry.by_name.contains_key(&registered.name) {
                return Err(BuildError::DuplicateTool(registered.name.to_string()));
            }
            registry
                .by_name
                .insert(registered.name.clone(), registry.tools.len());
            registry.tools.push(Arc::new(registered));
        }
        Ok(registry)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Arc<RegisteredTool>> {
        self.by_name.get(name).map(|&i| &self.tools[i])
    }

    pub(crate) fn all(&self) -> &[Arc<RegisteredTool>] {
        &self.tools
    }
}

/// Tool names: 1 to 128 characters of `A-Z a-z 0-9 _ - .`.
pub(crate) fn valid_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}
