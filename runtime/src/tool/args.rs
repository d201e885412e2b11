//! Reading a tool's arguments out of the client's `arguments` object.
//!
//! Each argument is read on its own, straight from the request's text into
//! its type, so an error names the argument and says what was expected.

use crate::protocol::{json_text_type, without_position, JsonObject};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use std::fmt;

/// The `arguments` object of a `tools/call`, as received.
pub type ArgMap = JsonObject;

/// A type that can be a tool argument: it has a JSON Schema and can be read from JSON.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool argument: it needs `serde::Deserialize` and `schemars::JsonSchema`",
    label = "this argument's type has no JSON Schema or cannot be deserialized",
    note = "derive them: `#[derive(serde::Deserialize, schemars::JsonSchema)]`",
    note = "if this parameter should be supplied by the server rather than the client, mark it `#[inject]`"
)]
pub trait ToolArgument: DeserializeOwned + JsonSchema {}

impl<T: DeserializeOwned + JsonSchema> ToolArgument for T {}

/// A bad argument: which one and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError(String);

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ArgError {
    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl From<ArgError> for String {
    fn from(error: ArgError) -> String {
        error.0
    }
}

/// What an argument is read from: the call's map (`&mut ArgMap`), from
/// which each read takes its value out, or a map only looked at (`&ArgMap`,
/// `ToolFn::check_arguments`), which is left as it is.
pub trait ArgSource {
    /// The JSON text of argument `name`.
    fn take_json(&mut self, name: &str) -> Option<&str>;
}

impl ArgSource for &mut ArgMap {
    fn take_json(&mut self, name: &str) -> Option<&str> {
        self.remove_json(name)
    }
}

impl ArgSource for &ArgMap {
    fn take_json(&mut self, name: &str) -> Option<&str> {
        self.get_json(name)
    }
}

/// Reads a required argument.
pub fn required<T: ToolArgument>(mut args: impl ArgSource, name: &str) -> Result<T, ArgError> {
    match args.take_json(name) {
        Some(json) => decode(name, json),
        None => Err(ArgError(format!("missing required argument `{name}`"))),
    }
}

/// Reads an optional argument (`Option<T>`): absent or `null` gives `None`.
pub fn optional<T: ToolArgument>(mut args: impl ArgSource, name: &str) -> Result<T, ArgError> {
    decode(name, args.take_json(name).unwrap_or("null"))
}

/// Reads an argument with a default: absent gives `default()`.
pub fn with_default<T: ToolArgument>(
    mut args: impl ArgSource,
    name: &str,
    default: impl FnOnce() -> T,
) -> Result<T, ArgError> {
    match args.take_json(name) {
        Some(json) => decode(name, json),
        None => Ok(default()),
    }
}

/// Fails when the map holds an argument the tool does not take (`known`
/// lists those it takes; after the call's reads took them out, any left).
pub fn no_unknown(args: &ArgMap, known: &[&str]) -> Result<(), ArgError> {
    let Some(extra) = args.keys().find(|key| !known.contains(key)) else {
        return Ok(());
    };
    let expected = if known.is_empty() {
        "this tool takes no arguments".to_string()
    } else {
        format!(
            "expected {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(ArgError(format!("unknown argument `{extra}`: {expected}")))
}

fn decode<T: DeserializeOwned>(name: &str, json: &str) -> Result<T, ArgError> {
    serde_json::from_str(json).map_err(|e| {
        let got = json_text_type(json);
        let detail = without_position(&e);
        ArgError(format!("invalid argument `{name}` ({got}): {detail}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn map(v: Value) -> ArgMap {
        JsonObject::parse(v.to_string()).unwrap()
    }

    #[test]
    fn errors_name_the_argument_and_the_expected_type() {
        let mut a = map(json!({"a": "x"}));
        let e = required::<i64>(&mut a, "a").unwrap_err();
        assert_eq!(
            e.message(),
            "invalid argument `a` (a string): invalid type: string \"x\", expected i64"
        );
        let e = required::<i64>(&mut map(json!({})), "b").unwrap_err();
        assert_eq!(e.message(), "missing required argument `b`");
        let e = no_unknown(&map(json!({"c": 1})), &["a", "b"]).unwrap_err();
        assert_eq!(e.message(), "unknown argument `c`: expected `a`, `b`");
        let e = required::<Vec<u8>>(&mut map(json!({"v": [1, -1]})), "v").unwrap_err();
        assert_eq!(
            e.message(),
            "invalid argument `v` (an array): invalid value: integer `-1`, expected u8"
        );
    }

    #[test]
    fn a_repeated_argument_is_read_once_with_its_last_value() {
        let mut args = JsonObject::parse(r#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(required::<i64>(&mut args, "a"), Ok(2));
        assert_eq!(no_unknown(&args, &["a"]), Ok(()));
    }

    #[test]
    fn a_check_reads_the_map_without_taking_from_it() {
        let args = map(json!({"a": 1, "b": "x"}));
        assert_eq!(required::<i64>(&args, "a"), Ok(1));
        assert_eq!(required::<i64>(&args, "a"), Ok(1));
        assert_eq!(no_unknown(&args, &["a", "b"]), Ok(()));
        let e = no_unknown(&args, &["a"]).unwrap_err();
        assert_eq!(e.message(), "unknown argument `b`: expected `a`");
        assert_eq!(String::from(e), "unknown argument `b`: expected `a`");
    }

    #[test]
    fn optional_and_default_fill_in_missing_values() {
        assert_eq!(optional::<Option<i64>>(&mut map(json!({})), "a"), Ok(None));
        assert_eq!(with_default(&mut map(json!({})), "a", || 7i64), Ok(7));
        assert_eq!(with_default(&mut map(json!({"a": 2})), "a", || 7i64), Ok(2));
    }
}
