//! The server's tools, their cached definitions, and lookup by name.

use super::schema::{declared_headers, valid_header_name};
use super::{DynTool, OutputSchema, ParamHeader, ToolMeta};
use crate::error::BuildError;
use crate::protocol::messages::{self, ToolDefinition, ToolExecution, ToolHints};
use crate::protocol::ProtocolVersion;
use http::HeaderName;
use serde_json::value::RawValue;
use serde_json::Value;
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
    /// `definition` as JSON text, for the transports that write bytes.
    pub(crate) definition_json: Box<RawValue>,
    /// `definition_legacy` as JSON text.
    pub(crate) definition_legacy_json: Box<RawValue>,
    pub(crate) output: Option<OutputSchema>,
    /// The arguments mirrored into `Mcp-Param-*` headers; empty for most tools.
    pub(crate) header_params: Box<[HeaderParam]>,
}

/// An argument a 2026-07-28 HTTP client mirrors into an `Mcp-Param-*` header
/// (SEP-2243), ready for the transport to check.
#[derive(Debug, Clone)]
pub(crate) struct HeaderParam {
    /// The argument's name in `arguments`.
    pub(crate) argument: Box<str>,
    /// The header as the schema spells it (`Mcp-Param-Region`), for messages.
    pub(crate) display: Box<str>,
    /// The same header name, for the lookup (header names are case-insensitive).
    pub(crate) name: HeaderName,
}

impl RegisteredTool {
    /// Checks the tool's name and serializes its definitions.
    pub(crate) fn new(tool: DynTool) -> Result<Self, BuildError> {
        let meta = tool.meta();
        if !valid_tool_name(meta.name) {
            return Err(BuildError::InvalidToolName(meta.name.into()));
        }
        let output = tool.output_schema();
        let input_schema = tool.input_schema();
        let header_params = header_params(meta.name, meta.headers, &input_schema);
        let a = meta.annotations;
        let mut def = ToolDefinition {
            name: meta.name,
            title: meta.title,
            description: meta.description,
            input_schema: &input_schema,
            output_schema: output.as_ref().map(|o| &o.schema),
            annotations: (!a.is_empty()).then_some(ToolHints {
                read_only_hint: a.read_only,
                destructive_hint: a.destructive,
                idempotent_hint: a.idempotent,
                open_world_hint: a.open_world,
            }),
            execution: None,
        };
        // Through a `Value`: its members in the order they were always written.
        let definition_legacy = messages::to_value(&def);
        def.execution = Some(ToolExecution {
            task_support: meta.task_support.as_str(),
        });
        let definition = messages::to_value(&def);
        Ok(RegisteredTool {
            name: meta.name.into(),
            tool,
            meta,
            definition_json: raw_json(&definition),
            definition_legacy_json: raw_json(&definition_legacy),
            definition,
            definition_legacy,
            output,
            header_params,
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

    /// [`definition_for`](Self::definition_for) as JSON text, serialized
    /// when the server was built.
    pub(crate) fn definition_json_for(&self, version: ProtocolVersion) -> &RawValue {
        if version >= ProtocolVersion::V2025_11_25 {
            &self.definition_json
        } else {
            &self.definition_legacy_json
        }
    }
}

/// A definition as JSON text (a map of `Value`s always serializes).
fn raw_json(definition: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(definition).unwrap_or_default()
}

/// The header parameters of a tool: those `#[arg(header)]` declared, then
/// those a hand-written schema annotates with `x-mcp-header` (top-level
/// properties only). What clients see in the schema is what is enforced; an
/// annotation that cannot be enforced (a name that is no HTTP token, a header
/// already used by another argument) is skipped with a warning.
fn header_params(tool: &str, declared: &[ParamHeader], schema: &Value) -> Box<[HeaderParam]> {
    let annotated = declared_headers(schema);
    if declared.is_empty() && annotated.is_empty() {
        return Box::default();
    }
    let pairs = declared
        .iter()
        .map(|h| (h.argument, h.header))
        .chain(annotated);
    let mut params: Vec<HeaderParam> = Vec::new();
    for (argument, header) in pairs {
        if params.iter().any(|p| &*p.argument == argument) {
            continue;
        }
        let display = format!("Mcp-Param-{header}");
        let name = match HeaderName::from_bytes(display.as_bytes()) {
            Ok(name) if valid_header_name(header) => name,
            _ => {
                tracing::warn!(
                    tool,
                    argument,
                    header,
                    "`x-mcp-header` is not an HTTP token (letters, digits, !#$%&'*+-.^_`|~); the header is not checked"
                );
                continue;
            }
        };
        if let Some(other) = params.iter().find(|p| p.name == name) {
            tracing::warn!(
                tool,
                argument,
                header,
                other = &*other.argument,
                "two arguments name the same `x-mcp-header` (names are case-insensitive); only the first is checked"
            );
            continue;
        }
        params.push(HeaderParam {
            argument: argument.into(),
            display: display.into(),
            name,
        });
    }
    params.into_boxed_slice()
}

/// Tools in registration order, with a name index.
#[derive(Default)]
pub(crate) struct ToolRegistry {
    tools: Vec<Arc<RegisteredTool>>,
    by_name: HashMap<Arc<str>, usize>,
    /// Whether any tool has header parameters: when none has, a `tools/call`
    /// is not looked up for them.
    any_header_params: bool,
}

impl ToolRegistry {
    pub(crate) fn build(tools: Vec<DynTool>) -> Result<Self, BuildError> {
        let mut registry = ToolRegistry::default();
        for tool in tools {
            let registered = RegisteredTool::new(tool)?;
            if registry.by_name.contains_key(&registered.name) {
                return Err(BuildError::DuplicateTool(registered.name.to_string()));
            }
            registry.any_header_params |= !registered.header_params.is_empty();
            registry
                .by_name
                .insert(registered.name.clone(), registry.tools.len());
            registry.tools.push(Arc::new(registered));
        }
        Ok(registry)
    }

    /// A registry of tools already registered, in this order (names are
    /// unique: the caller checked). No definition is serialized again.
    pub(crate) fn from_registered(tools: impl IntoIterator<Item = Arc<RegisteredTool>>) -> Self {
        let mut registry = ToolRegistry::default();
        for tool in tools {
            registry.any_header_params |= !tool.header_params.is_empty();
            registry
                .by_name
                .insert(tool.name.clone(), registry.tools.len());
            registry.tools.push(tool);
        }
        registry
    }

    /// The tools `keep` keeps, in order (a served subset of the registry).
    pub(crate) fn select(&self, keep: impl Fn(&RegisteredTool) -> bool) -> Self {
        Self::from_registered(self.tools.iter().filter(|t| keep(t)).cloned())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Arc<RegisteredTool>> {
        self.by_name.get(name).map(|&i| &self.tools[i])
    }

    pub(crate) fn all(&self) -> &[Arc<RegisteredTool>] {
        &self.tools
    }

    /// Whether any tool has header parameters (`x-mcp-header`).
    pub(crate) fn has_header_params(&self) -> bool {
        self.any_header_params
    }

    /// The header parameters of tool `name` (none for an unknown tool); no
    /// lookup at all on a server whose tools have none.
    pub(crate) fn header_params(&self, name: &str) -> &[HeaderParam] {
        if !self.any_header_params {
            return &[];
        }
        self.get(name).map_or(&[], |tool| &tool.header_params)
    }
}

/// Tool names: 1 to 128 characters of `A-Z a-z 0-9 _ - .` (the rule
/// `#[tool(name = ..)]` checks at compile time).
pub(crate) use ferrymcp_rules::valid_tool_name;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(params: &[HeaderParam]) -> Vec<(&str, &str, &str)> {
        params
            .iter()
            .map(|p| (&*p.argument, &*p.display, p.name.as_str()))
            .collect()
    }

    #[test]
    fn declared_and_annotated_headers_are_checked_once_each() {
        const DECLARED: &[ParamHeader] = &[ParamHeader {
            argument: "region",
            header: "Region",
        }];
        let schema = json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "tenant": {"type": "string", "x-mcp-header": "Tenant"},
            "plain": {"type": "string"},
            "nested": {"type": "object", "properties": {"x": {"x-mcp-header": "X"}}}
        }});
        let params = header_params("t", DECLARED, &schema);
        assert_eq!(
            names(&params),
            [
                ("region", "Mcp-Param-Region", "mcp-param-region"),
                ("tenant", "Mcp-Param-Tenant", "mcp-param-tenant")
            ]
        );
    }

    #[test]
    fn unenforceable_annotations_are_skipped() {
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "string", "x-mcp-header": "Two Words"},
            "b": {"type": "string", "x-mcp-header": ""},
            "c": {"type": "string", "x-mcp-header": "Zone"},
            "d": {"type": "string", "x-mcp-header": "zone"},
            "e": {"type": "string", "x-mcp-header": 7}
        }});
        let params = header_params("t", &[], &schema);
        assert_eq!(names(&params), [("c", "Mcp-Param-Zone", "mcp-param-zone")]);
        assert!(header_params("t", &[], &json!({"type": "object"})).is_empty());
    }
}
