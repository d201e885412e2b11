//! A JSON object as it was received: its text, and where each member is in it.
//!
//! Request parameters and tool arguments are read from the bytes of the
//! request: indexing an object is one scan that allocates at most the list of
//! its members, and a member's value is parsed only when something asks for
//! it, straight into the type it is read as. No `serde_json::Value` tree is
//! built for the usual request.

use super::scan::{NotAnObject, Scanner};
use bytes::Bytes;
use serde::de;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// A JSON object's text and the place of each of its members.
///
/// It reads as a `serde_json::Map` would (a repeated name counts once, with
/// its last value), without parsing a member before it is asked for.
///
/// ```
/// use ferrymcp::protocol::JsonObject;
///
/// let params = JsonObject::parse(r#"{"name":"add","arguments":{"a":1}}"#).unwrap();
/// assert_eq!(params.get_str("name").as_deref(), Some("add"));
/// assert_eq!(params.get_json("arguments"), Some(r#"{"a":1}"#));
/// assert!(JsonObject::parse("[1]").is_err());
/// ```
#[derive(Clone)]
pub struct JsonObject {
    /// The object's text (valid JSON, an object).
    json: Bytes,
    /// The members in the order they appear.
    members: Vec<Member>,
}

/// A member: where its name and value are in the object's text, and, for
/// a `_meta` or `arguments` object at the top, its own index (made in the
/// same pass).
#[derive(Clone)]
pub(crate) struct Member {
    key: Key,
    value: Range<usize>,
    object: Option<JsonObject>,
}

/// A member's name: where it is in the text, or, when it was written with
/// escapes, the name itself.
#[derive(Clone)]
enum Key {
    At(Range<usize>),
    Unescaped(Box<str>),
}

impl JsonObject {
    /// The empty object `{}`.
    pub fn new() -> Self {
        JsonObject {
            json: Bytes::from_static(b"{}"),
            members: Vec::new(),
        }
    }

    /// Indexes the text of a JSON object (an error for anything else).
    pub fn parse(json: impl Into<Bytes>) -> Result<Self, serde_json::Error> {
        let json = json.into();
        match std::str::from_utf8(&json) {
            Ok(text) => Self::parse_text(json.clone(), text),
            Err(e) => Err(de::Error::custom(format!("the JSON is not UTF-8: {e}"))),
        }
    }

    /// [`parse`](Self::parse) of `json`, whose text `text` is (already
    /// checked to be UTF-8).
    pub(crate) fn parse_text(json: Bytes, text: &str) -> Result<Self, serde_json::Error> {
        debug_assert_eq!(json.as_ref(), text.as_bytes());
        let mut s = Scanner::new(text);
        s.whitespace();
        match index_at(&mut s, 1, 0, true).and_then(|members| s.end().map(|()| members)) {
            Ok(members) => Ok(Self::from_index(json, members)),
            // serde_json says what is wrong.
            Err(NotAnObject) => Err(serde_json::from_str::<Map<String, Value>>(text)
                .err()
                .unwrap_or_else(|| de::Error::custom("not a JSON object"))),
        }
    }

    /// The object whose text is `json`, from the members [`index_at`] found.
    pub(crate) fn from_index(json: Bytes, mut members: Vec<Member>) -> Self {
        for member in &mut members {
            if let Some(object) = &mut member.object {
                object.json = json.slice(member.value.clone());
            }
        }
        JsonObject { json, members }
    }

    /// The index of a member's object made with this one's (`_meta` and
    /// `arguments`), without copying it.
    pub(crate) fn object_ref(&self, key: &str) -> Option<&JsonObject> {
        self.find(key)?.object.as_ref()
    }

    /// The object of a `serde_json::Map`.
    pub fn from_map(map: &Map<String, Value>) -> Self {
        serde_json::to_vec(map)
            .ok()
            .and_then(|json| Self::parse(json).ok())
            .unwrap_or_default()
    }

    /// The whole object, as JSON text.
    pub fn json(&self) -> &str {
        std::str::from_utf8(&self.json).unwrap_or("{}")
    }

    /// The number of distinct names.
    pub fn len(&self) -> usize {
        self.keys().count()
    }

    /// Whether the object has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The names, each once, in the order they first appear.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        let mut seen = std::collections::HashSet::new();
        self.members
            .iter()
            .map(|m| self.key(m))
            .filter(move |key| seen.insert(*key))
    }

    /// The first name, if any (a cheaper `keys().next()`).
    pub fn first_key(&self) -> Option<&str> {
        self.members.first().map(|m| self.key(m))
    }

    /// Whether a member has this name.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// The JSON text of a member's value.
    pub fn get_json(&self, key: &str) -> Option<&str> {
        self.find(key).map(|m| self.text(m.value.clone()))
    }

    /// A member's value as a `serde_json::Value`.
    pub fn get_value(&self, key: &str) -> Option<Value> {
        self.get_json(key).map(to_value)
    }

    /// A member's value when it is a string.
    pub fn get_str(&self, key: &str) -> Option<Cow<'_, str>> {
        self.get_json(key).and_then(as_str)
    }

    /// A member's value read as a `T`.
    pub fn get<'a, T: Deserialize<'a>>(&'a self, key: &str) -> Option<serde_json::Result<T>> {
        self.get_json(key).map(serde_json::from_str)
    }

    /// A member's value when it is an object, indexed in turn.
    pub fn get_object(&self, key: &str) -> Option<JsonObject> {
        let member = self.find(key)?;
        match &member.object {
            Some(object) => Some(object.clone()),
            None => self.sub_object(self.text(member.value.clone())),
        }
    }

    /// [`get_object`](Self::get_object), taking the index made with this
    /// one's (`_meta`, `arguments`) rather than copying it: for a caller
    /// that owns the object and will not ask for that member's index again
    /// (it is made anew if it does).
    pub(crate) fn take_object(&mut self, key: &str) -> Option<JsonObject> {
        let at = self.members.iter().rposition(|m| self.is_named(m, key))?;
        match self.members[at].object.take() {
            Some(object) => Some(object),
            None => self.sub_object(self.text(self.members[at].value.clone())),
        }
    }

    /// The object whose text is `text`, a member's value that
    /// [`get_json`](Self::get_json) gave (`None` if it is not an object).
    fn sub_object(&self, text: &str) -> Option<JsonObject> {
        if !text.starts_with('{') {
            return None;
        }
        JsonObject::parse_text(self.json.slice_ref(text.as_bytes()), text).ok()
    }

    /// Removes a member (every one of that name) and returns its value's
    /// JSON text.
    pub fn remove_json(&mut self, key: &str) -> Option<&str> {
        let range = self.take(key)?;
        Some(self.text(range))
    }

    /// Removes a member (every one of that name) and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.remove_json(key).map(to_value)
    }

    /// The object as a `serde_json::Map`.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        for member in &self.members {
            let value = to_value(self.text(member.value.clone()));
            map.insert(self.key(member).to_owned(), value);
        }
        map
    }

    fn key<'a>(&'a self, member: &'a Member) -> &'a str {
        match &member.key {
            Key::At(range) => self.text(range.clone()),
            Key::Unescaped(key) => key,
        }
    }

    fn find(&self, key: &str) -> Option<&Member> {
        self.members.iter().rev().find(|m| self.is_named(m, key))
    }

    /// Compares the bytes of the name: no UTF-8 check.
    fn is_named(&self, member: &Member, key: &str) -> bool {
        match &member.key {
            Key::At(range) => &self.json[range.clone()] == key.as_bytes(),
            Key::Unescaped(k) => &**k == key,
        }
    }

    fn take(&mut self, key: &str) -> Option<Range<usize>> {
        let value = self.find(key)?.value.clone();
        let mut members = std::mem::take(&mut self.members);
        members.retain(|m| !self.is_named(m, key));
        self.members = members;
        Some(value)
    }

    fn text(&self, range: Range<usize>) -> &str {
        // Indexed from valid JSON: every member's text is UTF-8.
        std::str::from_utf8(&self.json[range]).unwrap_or("null")
    }
}

impl Default for JsonObject {
    fn default() -> Self {
        Self::new()
    }
}

impl From<Map<String, Value>> for JsonObject {
    fn from(map: Map<String, Value>) -> Self {
        JsonObject::from_map(&map)
    }
}

impl PartialEq for JsonObject {
    /// Equal when they hold the same members (as `serde_json::Map`s compare).
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json || self.to_map() == other.to_map()
    }
}

impl fmt::Debug for JsonObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonObject({})", self.json())
    }
}

impl serde::Serialize for JsonObject {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match RawValue::from_string(self.json().to_owned()) {
            Ok(raw) => raw.serialize(serializer),
            Err(e) => Err(serde::ser::Error::custom(e)),
        }
    }
}

/// The JSON text of a value, parsed (valid JSON from an index: never fails
/// but on nesting too deep, which reads as `null`).
fn to_value(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or(Value::Null)
}

/// A JSON string's value, borrowed unless it has escapes. `json` is the
/// text of one JSON value (as a scan found it).
pub(crate) fn as_str(json: &str) -> Option<Cow<'_, str>> {
    let inner = json.strip_prefix('"')?.strip_suffix('"')?;
    // Scanned: without a backslash, what is between the quotes is the string.
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    match serde_json::from_str::<&str>(json) {
        Ok(s) => Some(Cow::Borrowed(s)),
        Err(_) => serde_json::from_str::<String>(json).ok().map(Cow::Owned),
    }
}

/// A parse error's message without its position (which is within a
/// member's own text, not the request's).
pub(crate) fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&position) {
        Some(message) => message.to_owned(),
        None => message,
    }
}

/// What a JSON text holds, in words (as `json_type_name` says of a `Value`).
pub(crate) fn json_text_type(json: &str) -> &'static str {
    match json.as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The names whose objects are indexed with the object they are in, at the
/// top: a request's `_meta` and a `tools/call`'s `arguments` are read soon
/// after, and this saves scanning them again.
const NESTED: [&str; 2] = ["_meta", "arguments"];

/// Indexes the object at the scanner, the `depth`th level of nesting, with
/// ranges from `base` (where its text starts); with `nest`, the members
/// [`NESTED`] names are indexed too.
pub(crate) fn index_at(
    s: &mut Scanner<'_>,
    depth: usize,
    base: usize,
    nest: bool,
) -> Result<Vec<Member>, NotAnObject> {
    let mut members = Vec::new();
    let text = s.text();
    s.members(depth, &mut |s, name, escaped| {
        let start = s.at();
        let key = if escaped {
            // The name between its quotes, read as a JSON string.
            let quoted = offset(text, name);
            let name = serde_json::from_str::<String>(&text[quoted.start - 1..quoted.end + 1])
                .map_err(|_| NotAnObject)?;
            Key::Unescaped(name.into())
        } else {
            let at = offset(text, name);
            Key::At(at.start - base..at.end - base)
        };
        let nested = nest && !escaped && NESTED.contains(&name);
        let object = if nested && s.peek_byte() == Some(b'{') {
            let members = index_at(s, depth + 1, start, false)?;
            Some(JsonObject {
                json: Bytes::new(),
                members,
            })
        } else {
            s.value(depth)?;
            None
        };
        members.push(Member {
            key,
            value: start - base..s.at() - base,
            object,
        });
        Ok(())
    })?;
    Ok(members)
}

/// Where `part`, a slice of `whole`, is in it.
fn offset(whole: &str, part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_members_as_a_map_would() {
        let text = r#"{"a":1,"b\n":"x\"y","a":{"c":[true,null]},"d":"plain"}"#;
        let object = JsonObject::parse(text).unwrap();
        let map: Map<String, Value> = serde_json::from_str(text).unwrap();
        assert_eq!(object.to_map(), map);
        assert_eq!(object.keys().collect::<Vec<_>>(), ["a", "b\n", "d"]);
        assert_eq!(object.len(), 3);
        assert_eq!(object.get_value("a"), Some(json!({"c": [true, null]})));
        assert_eq!(object.get_str("b\n").as_deref(), Some("x\"y"));
        assert!(matches!(object.get_str("d"), Some(Cow::Borrowed("plain"))));
        assert_eq!(object.get_str("a"), None);
        assert_eq!(
            object.get_object("a").unwrap().get_json("c"),
            Some("[true,null]")
        );
        assert_eq!(object.get::<i64>("x").map(|r| r.ok()), None);
    }

    #[test]
    fn removing_a_name_removes_every_member_of_it() {
        let mut object = JsonObject::parse(r#"{ "a" : 1 , "b":2, "a": 3 }"#).unwrap();
        assert_eq!(object.remove_json("a"), Some("3"));
        assert!(!object.contains_key("a"));
        assert_eq!(object.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(object.remove("b"), Some(json!(2)));
        assert!(object.is_empty());
    }

    #[test]
    fn only_an_object_is_accepted() {
        for bad in ["[1]", "1", "\"x\"", "null", "{\"a\":}", "{} x", ""] {
            assert!(JsonObject::parse(bad).is_err(), "{bad}");
        }
        assert!(JsonObject::parse(" {} ").unwrap().is_empty());
    }

    #[test]
    fn equal_by_content_and_serialized_as_received() {
        let a = JsonObject::parse(r#"{"x": 1, "y": [2]}"#).unwrap();
        let b = JsonObject::from(json!({"y": [2], "x": 1}).as_object().unwrap().clone());
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"x": 1, "y": [2]}"#);
        assert_eq!(format!("{:?}", JsonObject::new()), "JsonObject({})");
    }

    #[test]
    fn meta_and_arguments_are_indexed_with_their_object() {
        let object =
            JsonObject::parse(r#"{"_meta":{"v":"x"},"arguments":{"a":[1]},"o":{"p":1}}"#).unwrap();
        let meta = object.object_ref("_meta").unwrap();
        assert_eq!(meta.get_str("v").as_deref(), Some("x"));
        assert_eq!(meta.json(), r#"{"v":"x"}"#);
        assert_eq!(
            object.get_object("arguments").unwrap().get_json("a"),
            Some("[1]")
        );
        assert!(object.object_ref("o").is_none());
        assert_eq!(object.get_object("o").unwrap().get_json("p"), Some("1"));
    }

    #[test]
    fn names_the_type_of_a_text() {
        let texts = ["\"s\"", "{}", "[]", "true", "false", "null", "-1.5"];
        for text in texts {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                json_text_type(text),
                crate::protocol::jsonrpc::json_type_name(&value)
            );
        }
    }
}
