//! Compact JSON from any `Serialize` type, as `serde_json::to_writer` writes
//! it, with the field names of structs copied as they are.
//!
//! A typed message has one serializer (its `Serialize` impl). On the hot
//! path (a tool's result) most of the bytes are field names the code wrote
//! (`"content"`, `"structuredContent"`, ...): serde_json scans each for
//! characters to escape; this writer copies them. Everything else (strings,
//! numbers, map keys, raw JSON) is written by serde_json itself.

use serde::ser::{self, Impossible, Serialize};
use serde_json::Error;

/// Writes `value` into `out`: the bytes of `serde_json::to_vec(value)`.
pub(crate) fn to_writer<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut Writer { out })
}

/// The name serde_json gives the one field of a `RawValue`.
const RAW_VALUE: &str = "$serde_json::private::RawValue";

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl Writer<'_> {
    /// A value serde_json writes (a string, a number).
    fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, value)
    }

    /// A field name the code wrote: nothing to escape.
    fn name(&mut self, name: &'static str) {
        debug_assert!(!name.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20));
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }
}

/// A sequence, map or struct being written: whether a member came yet.
pub(crate) struct Compound<'w, 'a> {
    w: &'w mut Writer<'a>,
    first: bool,
    /// A `RawValue`: its text is written as it is.
    raw: bool,
    /// Closes an `{"variant": ...}` around it.
    variant: bool,
}

impl<'w, 'a> Compound<'w, 'a> {
    fn open(w: &'w mut Writer<'a>, open: u8, variant: bool) -> Self {
        w.out.push(open);
        Compound {
            w,
            first: true,
            raw: false,
            variant,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.w.out.push(b',');
        }
        self.first = false;
    }

    fn close(self, close: u8) {
        self.w.out.push(close);
        if self.variant {
            self.w.out.push(b'}');
        }
    }
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.json(&v)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.json(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.json(v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        ser::Serializer::collect_str(&mut serde_json::Serializer::new(&mut *self.out), value)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.json(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        self.json(variant)?;
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(Compound::open(self, b'[', false))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'w, 'a>, Error> {
        Ok(Compound::open(self, b'[', false))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'w, 'a>, Error> {
        Ok(Compound::open(self, b'[', false))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.out.push(b'{');
        self.json(variant)?;
        self.out.push(b':');
        Ok(Compound::open(self, b'[', true))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'w, 'a>, Error> {
        Ok(Compound::open(self, b'{', false))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Compound<'w, 'a>, Error> {
        if name == RAW_VALUE {
            return Ok(Compound {
                w: self,
                first: true,
                raw: true,
                variant: false,
            });
        }
        Ok(Compound::open(self, b'{', false))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'w, 'a>, Error> {
        self.out.push(b'{');
        self.json(variant)?;
        self.out.push(b':');
        Ok(Compound::open(self, b'{', true))
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']');
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(Key(&mut *self.w))?;
        self.w.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if self.raw {
            // A `RawValue`'s text, written as serde_json writes it.
            return value.serialize(RawText(&mut *self.w));
        }
        self.comma();
        self.w.name(name);
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        if !self.raw {
            self.close(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, name, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

/// A map key: a string (escaped as serde_json escapes it) or, as
/// serde_json allows, a number or a bool written as a string.
struct Key<'w, 'a>(&'w mut Writer<'a>);

/// The one field of a `RawValue`: its JSON text.
struct RawText<'w, 'a>(&'w mut Writer<'a>);

fn key_must_be_a_string() -> Error {
    ser::Error::custom("key must be a string")
}

fn not_raw_text() -> Error {
    ser::Error::custom("a raw value's text must be a string")
}

macro_rules! refuse {
    ($err:ident; $($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<(), Error> {
            Err($err())
        })*
    };
}

macro_rules! quoted {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<(), Error> {
            self.0.out.push(b'"');
            self.0.json(&v)?;
            self.0.out.push(b'"');
            Ok(())
        })*
    };
}

impl ser::Serializer for Key<'_, '_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.0.json(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.0.json(&v)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.0.json(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    quoted!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
    );
    refuse!(key_must_be_a_string;
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
    );
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

impl ser::Serializer for RawText<'_, '_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.0.out.extend_from_slice(v.as_bytes());
        Ok(())
    }
    refuse!(not_raw_text;
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
    );
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Error> {
        Err(not_raw_text())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        Err(not_raw_text())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(not_raw_text())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(not_raw_text())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_raw_text())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_raw_text())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_raw_text())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_raw_text())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(not_raw_text())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(not_raw_text())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_raw_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Message<'a> {
        some_field: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        nested: Vec<Nested>,
        raw: &'a serde_json::value::RawValue,
        value: serde_json::Value,
        words: [&'a str; 2],
    }

    #[derive(serde::Serialize)]
    enum Nested {
        Unit,
        New(f64),
        Tuple(u8, bool),
        Struct { a: Option<i64> },
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let raw = serde_json::value::RawValue::from_string(r#"{"x": [1, 2]}"#.into()).unwrap();
        let message = Message {
            some_field: "quote \" backslash \\ é \u{1} </script>",
            skipped: None,
            nested: vec![
                Nested::Unit,
                Nested::New(f64::NAN),
                Nested::New(-1.5e300),
                Nested::Tuple(7, false),
                Nested::Struct { a: None },
                Nested::Struct { a: Some(-3) },
            ],
            raw: &raw,
            value: json!({"b": [1, "x\"y", {"c": null}], "a\n": {"ü": "\t"}, "n": u64::MAX}),
            words: ["complete", "not \" one \u{1f}"],
        };
        let mut out = Vec::new();
        to_writer(&mut out, &message).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&message).unwrap()
        );
        let mut keys = std::collections::BTreeMap::new();
        keys.insert(7u32, "seven");
        let mut out = Vec::new();
        to_writer(&mut out, &keys).unwrap();
        assert_eq!(out, serde_json::to_vec(&keys).unwrap());
        let mut bad = std::collections::BTreeMap::new();
        bad.insert(vec![1], 1);
        assert!(to_writer(&mut Vec::new(), &bad).is_err());
    }

    /// Strings give serde_json's bytes, as values and as keys: every ASCII
    /// character (the controls, DEL, the quote, the backslash) alone and
    /// inside text, and non-ASCII.
    #[test]
    fn strings_as_serde_json_writes_them() {
        let mut strings: Vec<String> = (0u8..=0x7f)
            .map(|b| char::from(b).to_string())
            .flat_map(|c| [c.clone(), format!("text {c}"), format!("{c} text")])
            .collect();
        strings.extend(["", "ü é ✓ 𝄞", "\u{2028}\u{2029}", "plain"].map(String::from));
        for string in &strings {
            let mut out = Vec::new();
            to_writer(&mut out, string).unwrap();
            assert_eq!(out, serde_json::to_vec(string).unwrap(), "{string:?}");
            let keyed = std::collections::BTreeMap::from([(string.as_str(), 1)]);
            let mut out = Vec::new();
            to_writer(&mut out, &keyed).unwrap();
            assert_eq!(out, serde_json::to_vec(&keyed).unwrap(), "{string:?}");
        }
    }
}
