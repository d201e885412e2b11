//! JSON Schemas of tool inputs and outputs, derived with schemars (draft 2020-12),
//! and the `x-mcp-header` annotation of arguments mirrored into HTTP headers.

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

    /// Marks argument `argument` (added before with [`arg`](Self::arg)) as
    /// mirrored into the HTTP header `Mcp-Param-{header}`: its schema gets
    /// `"x-mcp-header": header` (SEP-2243). Does nothing for an unknown argument.
    pub fn header(&mut self, argument: &str, header: &str) -> &mut Self {
        if let Some(Value::Object(property)) = self.properties.get_mut(argument) {
            property.insert(X_MCP_HEADER.into(), Value::String(header.into()));
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

/// The keyword of a property schema that names its `Mcp-Param-*` header.
pub(crate) const X_MCP_HEADER: &str = "x-mcp-header";

/// An argument whose value the client mirrors into the HTTP header
/// `Mcp-Param-{header}` (SEP-2243), declared with `#[arg(header = "Region")]`.
///
/// Over Streamable HTTP at protocol revision 2026-07-28 a `tools/call` that
/// carries the argument (not `null`) must carry the header too, with the same
/// value; otherwise the server answers 400 with -32020 (HeaderMismatch) and
/// the tool does not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamHeader {
    /// The argument's name in `arguments` (after `#[arg(rename)]`).
    pub argument: &'static str,
    /// The header name without its `Mcp-Param-` prefix, as written in the
    /// schema's `x-mcp-header`.
    pub header: &'static str,
}

/// A type an `#[arg(header = "..")]` argument can have: its JSON value is a
/// string, an integer or a boolean (or `null`, for `Option<T>`), the only
/// values SEP-2243 lets a client mirror into an `Mcp-Param-*` header.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be mirrored into an `Mcp-Param-*` header",
    label = "`#[arg(header = ..)]` needs a string, integer or boolean argument",
    note = "a header argument is a `String`, an integer type or `bool`, or an `Option` of one; JSON numbers with a fraction, arrays and objects cannot be headers",
    note = "for your own type that serializes as a JSON string, integer or boolean: `impl ferrymcp::tool::HeaderArgument for MyType {{}}`"
)]
pub trait HeaderArgument {}

macro_rules! header_arguments {
    ($($ty:ty),*) => { $(impl HeaderArgument for $ty {})* };
}
header_arguments!(String, bool, i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
impl<T: HeaderArgument> HeaderArgument for Option<T> {}

/// Compiles only for a [`HeaderArgument`]: the check `#[tool]` emits for an
/// argument with `#[arg(header = ..)]`, at the argument's type.
#[doc(hidden)]
pub fn assert_header_argument<T: HeaderArgument>() {}

/// Whether `name` can follow `Mcp-Param-`: one or more token characters of
/// RFC 9110 (letters, digits and ``!#$%&'*+-.^_`|~``), so no space, `:` or
/// control character (the rule `#[arg(header = ..)]` checks at compile time).
pub(crate) use ferrymcp_rules::valid_header_name;

/// The `x-mcp-header` annotations of the top-level properties of an input
/// schema, as (argument, header) pairs: what a hand-written schema
/// (`#[tool(input_schema = ..)]`) declares. Annotations nested deeper (under
/// `items`, `$ref`, `allOf`, ...) are not SEP-2243 header parameters.
pub(crate) fn declared_headers(schema: &Value) -> Vec<(&str, &str)> {
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|(argument, property)| {
            let header = property.get(X_MCP_HEADER)?.as_str()?;
            Some((argument.as_str(), header))
        })
        .collect()
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
    fn header_arguments_carry_x_mcp_header() {
        let mut s = InputSchema::new();
        s.arg::<String>("region", None, true, None)
            .header("region", "Region");
        s.arg::<Option<i64>>("priority", None, false, None)
            .header("priority", "Priority");
        s.arg::<bool>("plain", None, true, None);
        s.header("missing", "Missing");
        let v = s.finish();
        assert_eq!(
            v["properties"]["region"],
            json!({"type": "string", "x-mcp-header": "Region"})
        );
        assert_eq!(v["properties"]["priority"]["x-mcp-header"], "Priority");
        assert!(v["properties"]["plain"].get("x-mcp-header").is_none());
        assert!(v["properties"].get("missing").is_none());
        let mut declared = declared_headers(&v);
        declared.sort();
        assert_eq!(declared, [("priority", "Priority"), ("region", "Region")]);
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
