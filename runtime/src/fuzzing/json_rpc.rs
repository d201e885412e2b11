//! The JSON-RPC parse path against serde_json.
//!
//! The input is one message's bytes. [`JsonObject::parse`] (the validating
//! scan of `protocol/scan.rs` and the index of `protocol/object.rs`) must
//! accept exactly the objects serde_json reads into a `Value` and read every
//! member as serde_json does; [`parse_message`] and [`parse_message_bytes`]
//! (the one-scan envelope) must give what [`parse_value`] gives of
//! serde_json's `Value`, or the same parse error.

use crate::protocol::jsonrpc::{
    code, parse_message, parse_message_bytes, parse_value, ErrorObject, Incoming, Rejected,
};
use crate::protocol::JsonObject;
use bytes::Bytes;
use serde_json::{Map, Value};

/// The check.
pub fn check(data: &[u8]) {
    check_with(data, false);
}

/// [`check`], passing over the divergence fuzzing found that is reported
/// and not fixed yet, so that a fuzzing run looks for others (the corpus
/// replay still runs [`check`]): with serde_json's `raw_value` feature, an
/// object whose first name is `$serde_json::private::RawValue` reads as a
/// raw value. The scan reads a member's object as written, while the
/// general path (`parse_value`, then `JsonObject::from_map`) writes it back
/// with that name sorted first: `{"b":1,"$serde_json::private::RawValue":"2"}`
/// then reads as `2`.
///
/// (The fuzz build turns serde_json's `float_roundtrip` on, as the
/// workspace's tests do: without it serde_json refuses numbers the scan
/// accepts, `1.7976931348623158e308`, and its `Value`s do not read back as
/// written, `1799313158e292`: reported too.)
pub fn check_while_fuzzing(data: &[u8]) {
    check_with(data, true);
}

fn check_with(data: &[u8], pass_known: bool) {
    let serde = serde_json::from_slice::<Value>(data);
    let known = pass_known && serde.as_ref().is_ok_and(super::has_serde_token_key);
    if known {
        // Still read every way: nothing may panic.
        let _ = JsonObject::parse(Bytes::copy_from_slice(data)).map(|o| o.to_map());
        let _ = parse_message(data);
        return;
    }
    check_object(data, serde.as_ref().ok().and_then(Value::as_object));
    check_message(data, serde);
}

/// The index of an object against serde_json's map of it (`None` when
/// serde_json reads no object).
fn check_object(data: &[u8], serde: Option<&Map<String, Value>>) {
    let parsed = JsonObject::parse(Bytes::copy_from_slice(data));
    let (object, map) = match (parsed, serde) {
        (Ok(object), Some(map)) => (object, map),
        (Err(_), None) => return,
        (parsed, map) => panic!(
            "JsonObject::parse says {:?}, serde_json reads {:?}",
            parsed.map(|o| o.to_map()),
            map
        ),
    };
    same_members(&object, map);
    // A top-level `_meta` or `arguments` object is indexed in the same pass.
    for name in ["_meta", "arguments"] {
        match (object.object_ref(name), map.get(name)) {
            (Some(nested), Some(Value::Object(value))) => same_members(nested, value),
            (None, Some(Value::Object(_))) => panic!("`{name}` was not indexed with its object"),
            (Some(_), _) => panic!("`{name}` is indexed but is not an object"),
            (None, _) => {}
        }
    }
    // As received: serialized, it reads back as the same map.
    let written = serde_json::to_string(&object).expect("a parsed object serializes");
    assert_eq!(
        serde_json::from_str::<Map<String, Value>>(&written)
            .ok()
            .as_ref(),
        Some(map),
        "the object serialized as {written:?}"
    );
    // Removing a name removes every member of it.
    if let Some(name) = map.keys().next() {
        let mut removed = object.clone();
        let text = removed.remove_json(name).map(str::to_owned);
        assert_eq!(
            text.as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .as_ref(),
            map.get(name)
        );
        assert!(!removed.contains_key(name));
        assert_eq!(removed.len(), map.len() - 1);
    }
}

/// Every reading of `object` agrees with `map`.
fn same_members(object: &JsonObject, map: &Map<String, Value>) {
    assert_eq!(&object.to_map(), map, "members of {:?}", object.json());
    assert_eq!(object.len(), map.len());
    assert_eq!(object.is_empty(), map.is_empty());
    let mut keys: Vec<&str> = object.keys().collect();
    keys.sort_unstable();
    assert!(keys.iter().copied().eq(map.keys().map(String::as_str)));
    if let Some(first) = object.first_key() {
        assert!(map.contains_key(first));
    }
    for (name, value) in map {
        assert!(object.contains_key(name));
        assert_eq!(object.get_value(name).as_ref(), Some(value), "{name:?}");
        let text = object.get_json(name).expect("a member's text");
        assert_eq!(
            serde_json::from_str::<Value>(text).ok().as_ref(),
            Some(value)
        );
        assert_eq!(object.get_str(name).as_deref(), value.as_str(), "{name:?}");
        match (object.get_object(name), value) {
            (Some(nested), Value::Object(inner)) => {
                assert_eq!(&nested.to_map(), inner, "{name:?}")
            }
            (None, Value::Object(_)) => panic!("{name:?} is an object get_object misses"),
            (Some(_), _) => panic!("get_object({name:?}) of a value that is not an object"),
            (None, _) => {}
        }
    }
}

/// The message's parse against serde_json's `Value` read by `parse_value`.
fn check_message(data: &[u8], serde: serde_json::Result<Value>) {
    let general = match serde {
        Ok(value) => parse_value(value),
        Err(e) => Err(Rejected {
            id: None,
            error: ErrorObject::new(code::PARSE_ERROR, format!("Parse error: {e}")),
        }),
    };
    let fast = parse_message(data);
    assert_eq!(
        fast,
        general,
        "parse_message of {:?}",
        String::from_utf8_lossy(data)
    );
    assert_eq!(parse_message_bytes(&Bytes::copy_from_slice(data)), fast);
    // The params of a request or notification: indexed where they lie,
    // `_meta` and `arguments` with them.
    let params = match &fast {
        Ok(Incoming::Request(r)) => r.params.as_ref(),
        Ok(Incoming::Notification(n)) => n.params.as_ref(),
        _ => None,
    };
    if let Some(params) = params {
        let map = params.to_map();
        same_members(params, &map);
        for name in ["_meta", "arguments"] {
            if let Some(Value::Object(value)) = map.get(name) {
                let nested = params.object_ref(name).expect("indexed with params");
                same_members(nested, value);
            }
        }
    }
}
