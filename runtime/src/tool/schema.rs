//! JSON Schemas of tool inputs and outputs, derived with schemars (draft 2020-12).

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::JsonSchema;
use serde_json::{Map, Value};

/// Builds a tool's input schema one argument at a time (used by `#[tool]`).
pub struct InputSchema {
    generator: SchemaGenerator,
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl Default for InputSchema {
    fn default() -> Self {
        Self::new()
    }
}

impl InputSchema {
    /// An empty object schema.
    pub fn new() -> Self {
        InputSchema {
            generator: SchemaSettings::draft2020_12()
                .for_deserialize()
                .into_generator(),
            properties: Map::new(),
            required: Vec::new(),
        }
    }

    /// Adds an argument: its schema, description, whether it is required, and its
    /// default value.
    pub fn arg<T: ?Sized + JsonSchema>(
        &mut self,
        name: &str,
        description: Option<&str>,
        required: bool,
        default: Option<Value>,
    ) -> &mut Self {
        let mut schema = self.generator.subschema_for::<T>();
        let obj = schema.ensure_object();
        if let Some(description) = description {
            // `$ref` with sibling keywords is valid in draft 2020-12.
            obj.insert("description".into(), Value::String(description.into()));
        }
        if let Some(default) = default {
            obj.insert("default".into(), default);
        }
        self.properties.insert(name.into(), schema.to_value());
        if required {
            self.required.push(Value::String(name.into()));
        }
        self
    }

    /// The finished schema: an object with `properties`, `required` and `$defs`.
    pub fn finish(mut self) -> Value {
        let mut root = Map::new();
        root.insert("type".into(), Value::String("object".into()));
        root.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            root.insert("required".into(), Value::Array(self.required));
        }
        root.insert("additionalProperties".into(), Value::Bool(false));
        let defs = self.generator.take_definitions(true);
        if !defs.is_empty() {
            root.insert("$defs".into(), Value::Object(defs));
        }
        let mut root = Value::Object(root);
        split_type_arrays(&mut root);
        root
    }
}

/// The output schema of a structured return type, and whether its values are
/// wrapped as `{"result": value}` (MCP requires structured content to be an object).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSchema {
    /// The schema, always of `type: object`.
    pub schema: Value,
    /// Whether values are wrapped in `{"result": ...}`.
    pub wrapped: bool,
}

impl OutputSchema {
    /// Derives the output schema of `T`.
    pub fn of<T: ?Sized + JsonSchema>() -> Self {
        let mut generator = SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator();
        let root = generator.root_schema_for::<T>();
        let mut root = match root.to_value() {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("result".into(), other);
                m
            }
        };
        root.remove("$schema");
        split_type_arrays_in(&mut root);
        let is_object = root.get("type") == Some(&Value::String("object".into()));
        if is_object {
            return OutputSchema {
                schema: Value::Object(root),
                wrapped: false,
            };
        }
        let defs = root.remove("$defs");
        // schemars titles scalar roots after their Rust type ("double"): noise here.
        root.remove("title");
        let mut wrapper = Map::new();
        wrapper.insert("type".into(), Value::String("object".into()));
        let mut props = Map::new();
        props.insert("result".into(), Value::Object(root));
        wrapper.insert("properties".into(), Value::Object(props));
        wrapper.insert(
            "required".into(),
            Value::Array(vec![Value::String("result".into())]),
        );
        if let Some(defs) = defs {
            wrapper.insert("$defs".into(), defs);
        }
        OutputSchema {
            schema: Value::Object(wrapper),
            wrapped: true,
        }
    }
}

/// Rewrites `"type": ["number", "null"]` as `anyOf` branches of one type each:
/// legal either way, but single-type schemas are what model providers' tool
/// dialects accept (the MCP Inspector flags type arrays as not portable).
fn split_type_arrays(value: &mut Value) {
    match value {
        Value::Object(map) => split_type_arrays_in(map),
        Value::Array(items) => items.iter_mut().for_each(split_type_arrays),
        _ => {}
    }
}

fn split_type_arrays_in(map: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = map.get("type") {
        if types.len() > 1 && types.iter().all(Value::is_string) {
            let branches = types
                .iter()
                .map(|t| {
                    let mut branch = Map::new();
                    branch.insert("type".into(), t.clone());
                    Value::Object(branch)
                })
                .collect();
            map.remove("type");
            map.insert("anyOf".into(), Value::Array(branches));
        }
    }
    for (key, child) in map.iter_mut() {
        // Data, not schemas: leave them as they are.
        if !matches!(key.as_str(), "default" | "examples" | "const" | "enum") {
            split_type_arrays(child);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn input_schema_lists_arguments_with_descriptions_and_required() {
        let mut s = InputSchema::new();
        s.arg::<i64>("a", Some("first"), true, None);
        s.arg::<Option<String>>("b", None, false, Some(json!("x")));
        let v = s.finish();
        assert_eq!(v["type"], "object");
        assert_eq!(v["properties"]["a"]["type"], "integer");
        assert_eq!(v["properties"]["a"]["description"], "first");
        assert_eq!(v["properties"]["b"]["default"], "x");
        assert_eq!(v["required"], json!(["a"]));
        assert_eq!(
            v["properties"]["b"]["anyOf"],
            json!([{"type": "string"}, {"type": "null"}]),
            "nullable types are split into single-type branches"
        );
    }

    #[test]
    fn scalar_output_is_wrapped_and_objects_are_not() {
        let s = OutputSchema::of::<i64>();
        assert!(s.wrapped);
        assert_eq!(s.schema["properties"]["result"]["type"], "integer");
        assert!(s.schema["properties"]["result"].get("title").is_none());
        #[derive(JsonSchema)]
        #[allow(dead_code)]
        struct Report {
            n: u32,
        }
        let s = OutputSchema::of::<Report>();
        assert!(!s.wrapped);
        assert_eq!(s.schema["type"], "object");
    }
}
