//! Elicitation (`elicitation/create`): ask the user for values matching a
//! flat object schema; the answer is accept (with the values), decline or
//! cancel.

use super::InputError;
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// What the user did with an elicitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElicitAction {
    /// Submitted the form.
    Accept,
    /// Said no.
    Decline,
    /// Dismissed it without choosing.
    Cancel,
}

/// The answer to [`Ctx::elicit`](crate::Ctx::elicit): the values when the
/// user accepted, or that they declined or cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elicitation<T> {
    /// The user submitted these values.
    Accept(T),
    /// The user declined.
    Decline,
    /// The user dismissed the question.
    Cancel,
}

impl<T> Elicitation<T> {
    /// The values, when the user accepted.
    pub fn accepted(self) -> Option<T> {
        match self {
            Elicitation::Accept(v) => Some(v),
            _ => None,
        }
    }

    /// Which action the user took.
    pub fn action(&self) -> ElicitAction {
        match self {
            Elicitation::Accept(_) => ElicitAction::Accept,
            Elicitation::Decline => ElicitAction::Decline,
            Elicitation::Cancel => ElicitAction::Cancel,
        }
    }
}

/// Parses an `ElicitResult` into the typed answer.
pub(crate) fn parse_answer<T: DeserializeOwned>(
    result: Value,
) -> Result<Elicitation<T>, InputError> {
    let Value::Object(mut result) = result else {
        return Err(InputError::InvalidAnswer(
            "an elicitation result must be an object".into(),
        ));
    };
    match result.get("action").and_then(Value::as_str) {
        Some("accept") => {
            let content = result
                .remove("content")
                .unwrap_or_else(|| Value::Object(Map::new()));
            serde_json::from_value(content)
                .map(Elicitation::Accept)
                .map_err(|e| InputError::InvalidAnswer(format!("the accepted content: {e}")))
        }
        Some("decline") => Ok(Elicitation::Decline),
        Some("cancel") => Ok(Elicitation::Cancel),
        Some(other) => Err(InputError::InvalidAnswer(format!(
            "unknown action {other:?}; expected accept, decline or cancel"
        ))),
        None => Err(InputError::InvalidAnswer(
            "the elicitation result has no `action`".into(),
        )),
    }
}

/// The `requestedSchema` for `T`: a flat object of primitive properties, as
/// elicitation requires (sub-schemas inlined, nullable types reduced to their
/// type and left out of `required`, number formats dropped; unit-variant enums
/// become `enum`, and documented variants become titled `oneOf` options).
///
/// ```
/// use ferrymcp::ask::elicitation_schema;
///
/// #[derive(schemars::JsonSchema, serde::Deserialize)]
/// struct Contact {
///     /// Your name.
///     name: String,
///     age: Option<u8>,
/// }
///
/// let schema = elicitation_schema::<Contact>();
/// assert_eq!(schema["properties"]["name"]["type"], "string");
/// assert_eq!(schema["properties"]["age"]["type"], "integer");
/// assert_eq!(schema["required"], serde_json::json!(["name"]));
/// ```
pub fn elicitation_schema<T: JsonSchema>() -> Value {
    let mut settings = SchemaSettings::draft2020_12().for_deserialize();
    settings.inline_subschemas = true;
    let root = settings.into_generator().into_root_schema_for::<T>();
    let mut root = match root.to_value() {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    root.remove("$schema");
    root.remove("$defs");
    root.remove("title");
    root.remove("additionalProperties");
    root.insert("type".into(), Value::String("object".into()));
    if let Some(Value::Object(properties)) = root.get_mut("properties") {
        for property in properties.values_mut() {
            if let Value::Object(p) = property {
                flatten_property(p);
            }
        }
    }
    Value::Object(root)
}

/// Reduces one property to an elicitation primitive schema.
fn flatten_property(p: &mut Map<String, Value>) {
    // `Option<T>`: `type: [T, "null"]`, or `anyOf: [T, {type: null}]`.
    if let Some(Value::Array(types)) = p.get("type") {
        let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        if kept.len() == 1 {
            p.insert("type".into(), kept[0].clone());
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = p.get(key) {
            let kept: Vec<&Value> = branches
                .iter()
                .filter(|b| b.get("type") != Some(&Value::String("null".into())))
                .collect();
            if kept.len() == 1 && kept.len() < branches.len() {
                if let Value::Object(only) = kept[0].clone() {
                    p.remove(key);
                    for (k, v) in only {
                        p.entry(k).or_insert(v);
                    }
                }
            }
        }
    }
    if let Some(Value::Array(options)) = p.get_mut("oneOf") {
        // Documented unit variants: `{const, description}` -> `{const, title}`.
        for option in options.iter_mut() {
            if let Value::Object(o) = option {
                o.remove("type");
                if !o.contains_key("title") {
                    if let Some(description) = o.remove("description") {
                        o.insert("title".into(), description);
                    }
                }
            }
        }
        p.insert("type".into(), Value::String("string".into()));
    }
    if matches!(
        p.get("type").and_then(Value::as_str),
        Some("integer" | "number")
    ) {
        p.remove("format");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(JsonSchema, Deserialize, Debug, PartialEq)]
    #[allow(dead_code)]
    enum Size {
        Small,
        Large,
    }

    #[derive(JsonSchema, Deserialize, Debug, PartialEq)]
    #[allow(dead_code)]
    enum Tier {
        /// Free tier
        #[serde(rename = "free")]
        Free,
        /// Paid tier
        #[serde(rename = "paid")]
        Paid,
    }

    #[derive(JsonSchema, Deserialize, Debug, PartialEq)]
    struct Order {
        /// How many.
        count: u32,
        size: Size,
        tier: Option<Tier>,
        gift: Option<bool>,
    }

    #[test]
    fn the_schema_is_flat_and_primitive() {
        let s = elicitation_schema::<Order>();
        assert_eq!(s["type"], "object");
        assert!(s.get("$defs").is_none() && s.get("$schema").is_none());
        let p = &s["properties"];
        assert_eq!(
            p["count"],
            json!({"type": "integer", "minimum": 0, "description": "How many."})
        );
        assert_eq!(
            p["size"],
            json!({"type": "string", "enum": ["Small", "Large"]})
        );
        assert_eq!(p["tier"]["type"], "string");
        assert_eq!(
            p["tier"]["oneOf"],
            json!([{"const": "free", "title": "Free tier"}, {"const": "paid", "title": "Paid tier"}])
        );
        assert_eq!(p["gift"]["type"], "boolean");
        assert_eq!(s["required"], json!(["count", "size"]));
    }

    #[test]
    fn answers_parse_by_action() {
        let a: Elicitation<Order> = parse_answer(json!({
            "action": "accept", "content": {"count": 2, "size": "Large"}
        }))
        .unwrap();
        assert_eq!(
            a,
            Elicitation::Accept(Order {
                count: 2,
                size: Size::Large,
                tier: None,
                gift: None
            })
        );
        assert_eq!(
            parse_answer::<Order>(json!({"action": "decline"})).unwrap(),
            Elicitation::Decline
        );
        assert_eq!(
            parse_answer::<Order>(json!({"action": "cancel"})).unwrap(),
            Elicitation::Cancel
        );
        let bad = parse_answer::<Order>(json!({"action": "accept", "content": {"count": "x"}}));
        assert!(
            matches!(bad, Err(InputError::InvalidAnswer(m)) if m.contains("count") || m.contains("invalid type"))
        );
        assert!(parse_answer::<Order>(json!({"action": "maybe"})).is_err());
        assert!(parse_answer::<Order>(json!([])).is_err());
    }
}
