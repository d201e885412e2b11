//! Validation of messages against the official MCP JSON Schemas.
//!
//! The schemas are not part of this repository: tests find them through
//! `MCP_SPEC_DIR` (a folder with `<revision>/schema.json`), and are `#[ignore]`d
//! when it is not set; `.ci/run` sets it.

use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// The folder holding the official schemas, from `MCP_SPEC_DIR`.
pub fn spec_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("MCP_SPEC_DIR").expect(
        "MCP_SPEC_DIR must name the folder of the official MCP schemas (e.g. ../shared/spec); \
         run these tests with --include-ignored only when it is set",
    ))
}

/// The official schema of one protocol revision, ready to check messages.
pub struct Spec {
    revision: String,
    schema: Value,
    defs_key: &'static str,
    validators: Mutex<HashMap<String, jsonschema::Validator>>,
}

impl Spec {
    /// Loads `$MCP_SPEC_DIR/<revision>/schema.json`.
    pub fn load(revision: &str) -> Spec {
        let path = spec_dir().join(revision).join("schema.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        let defs_key = if schema.get("$defs").is_some() {
            "$defs"
        } else {
            "definitions"
        };
        Spec {
            revision: revision.into(),
            schema,
            defs_key,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// Panics with every violation when `value` is not a valid `definition`
    /// (for example `CallToolResult` or `JSONRPCResponse`).
    pub fn check(&self, definition: &str, value: &Value) {
        let mut validators = self.validators.lock().unwrap();
        let validator = validators.entry(definition.into()).or_insert_with(|| {
            assert!(
                self.schema[self.defs_key].get(definition).is_some(),
                "the {} schema has no definition {definition}",
                self.revision
            );
            let mut root = self.schema.clone();
            root["$ref"] = Value::String(format!("#/{}/{definition}", self.defs_key));
            jsonschema::validator_for(&root).expect("the official schema compiles")
        });
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("  at {}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "not a valid {definition} of {}:\n{}\nmessage: {value:#}",
            self.revision,
            errors.join("\n")
        );
    }
}
