//! A validating scan of a JSON object: where each of its members is.
//!
//! It accepts exactly the JSON `serde_json` reads into a `Value` (RFC 8259,
//! nesting up to 127 levels, surrogates in pairs, numbers within `f64`) and
//! finds the members of an object in one pass over the bytes, allocating
//! nothing. Values are not interpreted: whoever reads a member parses its
//! text with serde. On anything it refuses, callers ask serde_json, which
//! says precisely what is wrong.

/// The text is not one JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotAnObject;

/// serde_json refuses the 128th level of nesting.
const MAX_DEPTH: usize = 128;

/// The bytes that end a string's run of plain characters: `"`, `\\` and
/// the control characters.
static STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        stops[byte] = true;
        byte += 1;
    }
    stops[b'"' as usize] = true;
    stops[b'\\' as usize] = true;
    stops
};

/// The length of the run of bytes at the start of `bytes` that a string
/// holds as they are.
#[inline(always)]
fn plain_prefix(bytes: &[u8]) -> usize {
    let mut at = 0;
    while at < bytes.len() && !STOPS[bytes[at] as usize] {
        at += 1;
    }
    at
}

/// A position in a JSON text being scanned.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

/// What [`Scanner::members`] calls with each member's name: it scans the
/// value.
pub(crate) type EachMember<'s, 'a> =
    dyn FnMut(&mut Scanner<'a>, &'a str, bool) -> Result<(), NotAnObject> + 's;

impl<'a> Scanner<'a> {
    /// A scanner at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    /// Where the scanner is, in bytes from the start of the text.
    pub(crate) fn at(&self) -> usize {
        self.at
    }

    /// The text.
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// The next byte, if any.
    pub(crate) fn peek_byte(&self) -> Option<u8> {
        self.peek()
    }

    /// Succeeds when only whitespace is left.
    pub(crate) fn end(&mut self) -> Result<(), NotAnObject> {
        self.whitespace();
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(NotAnObject)
        }
    }

    /// Scans the object at the scanner (the `depth`th level of nesting),
    /// handing each member's name (as written, and whether it has escapes)
    /// to `each`, which scans its value.
    pub(crate) fn members(
        &mut self,
        depth: usize,
        each: &mut EachMember<'_, 'a>,
    ) -> Result<(), NotAnObject> {
        if depth >= MAX_DEPTH {
            return Err(NotAnObject);
        }
        self.expect(b'{')?;
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            let start = self.at + 1;
            let escaped = self.string()?;
            let key = &self.text[start..self.at - 1];
            self.whitespace();
            self.expect(b':')?;
            self.whitespace();
            each(self, key, escaped)?;
            self.whitespace();
            match self.next()? {
                b',' => self.whitespace(),
                b'}' => return Ok(()),
                _ => return Err(NotAnObject),
            }
        }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline(always)]
    fn next(&mut self) -> Result<u8, NotAnObject> {
        let byte = self.peek().ok_or(NotAnObject)?;
        self.at += 1;
        Ok(byte)
    }

    #[inline(always)]
    fn expect(&mut self, byte: u8) -> Result<(), NotAnObject> {
        if self.next()? == byte {
            Ok(())
        } else {
            Err(NotAnObject)
        }
    }

    #[inline(always)]
    pub(crate) fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// A value whose first byte is at the scanner, in an object or array
    /// `depth` levels in.
    pub(crate) fn value(&mut self, depth: usize) -> Result<(), NotAnObject> {
        match self.peek().ok_or(NotAnObject)? {
            b'"' => self.string().map(drop),
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(NotAnObject),
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), NotAnObject> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(NotAnObject)
        }
    }

    /// A string starting at its opening quote; whether it has escapes.
    #[inline(always)]
    fn string(&mut self) -> Result<bool, NotAnObject> {
        self.expect(b'"')?;
        let mut escaped = false;
        loop {
            // Plain characters, eight at a time: most of a message is these.
            let rest = &self.bytes[self.at..];
            let plain = plain_prefix(rest);
            let Some(&stop) = rest.get(plain) else {
                return Err(NotAnObject);
            };
            self.at += plain + 1;
            match stop {
                b'"' => return Ok(escaped),
                b'\\' => {
                    escaped = true;
                    match self.next()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => match self.hex4()? {
                            // A surrogate must come in a pair, as a
                            // `String` needs (serde_json refuses one alone).
                            0xD800..=0xDBFF => {
                                self.expect(b'\\')?;
                                self.expect(b'u')?;
                                if !(0xDC00..=0xDFFF).contains(&self.hex4()?) {
                                    return Err(NotAnObject);
                                }
                            }
                            0xDC00..=0xDFFF => return Err(NotAnObject),
                            _ => {}
                        },
                        _ => return Err(NotAnObject),
                    }
                }
                // A control character.
                _ => return Err(NotAnObject),
            }
        }
    }

    fn digits(&mut self) -> Result<(), NotAnObject> {
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return Err(NotAnObject);
        }
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        Ok(())
    }

    /// The four hex digits of a `\\u` escape.
    fn hex4(&mut self) -> Result<u32, NotAnObject> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?).to_digit(16).ok_or(NotAnObject)?;
            code = code * 16 + digit;
        }
        Ok(code)
    }

    fn number(&mut self) -> Result<(), NotAnObject> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            _ => self.digits()?,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.digits()?;
        }
        let exponent = matches!(self.peek(), Some(b'e' | b'E'));
        if exponent {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.digits()?;
        }
        // Beyond `f64` (only with an exponent or some 300 digits), which a
        // `Value` cannot hold: serde_json refuses it.
        let text = &self.text[start..self.at];
        if (exponent || text.len() > 300) && !text.parse::<f64>().is_ok_and(f64::is_finite) {
            return Err(NotAnObject);
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<(), NotAnObject> {
        self.members(depth, &mut |s, _, _| s.value(depth))
    }

    fn array(&mut self, depth: usize) -> Result<(), NotAnObject> {
        if depth >= MAX_DEPTH {
            return Err(NotAnObject);
        }
        self.expect(b'[')?;
        self.whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.value(depth)?;
            self.whitespace();
            match self.next()? {
                b',' => self.whitespace(),
                b']' => return Ok(()),
                _ => return Err(NotAnObject),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One member of the scanned object.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct RawMember<'a> {
        /// The name as written between its quotes (escapes not resolved).
        key: &'a str,
        /// Whether the name has escapes (then `key` is not the name itself).
        escaped: bool,
        /// The value's JSON text.
        value: &'a str,
    }

    /// Scans `text`, which must be one JSON object (whitespace around it
    /// allowed), calling `each` with its members in order.
    fn scan_object<'a>(
        text: &'a str,
        mut each: impl FnMut(RawMember<'a>),
    ) -> Result<(), NotAnObject> {
        let mut s = Scanner::new(text);
        s.whitespace();
        s.members(1, &mut |s, key, escaped| {
            let start = s.at;
            s.value(1)?;
            each(RawMember {
                key,
                escaped,
                value: &text[start..s.at],
            });
            Ok(())
        })?;
        s.end()
    }

    use serde_json::{Map, Value};

    fn accepted(text: &str) -> bool {
        scan_object(text, |_| {}).is_ok()
    }

    /// What serde_json reads into a `Value` (what a member is read as).
    fn serde_accepts(text: &str) -> bool {
        text.trim_start_matches([' ', '\t', '\n', '\r'])
            .starts_with('{')
            && serde_json::from_str::<Value>(text).is_ok()
    }

    /// The members found, read back as serde_json would read the object.
    fn as_map(text: &str) -> Map<String, Value> {
        let mut map = Map::new();
        scan_object(text, |m| {
            let key = if m.escaped {
                serde_json::from_str::<String>(&format!("\"{}\"", m.key)).unwrap()
            } else {
                m.key.to_owned()
            };
            map.insert(key, serde_json::from_str(m.value).unwrap());
        })
        .unwrap();
        map
    }

    const SEEDS: &[&str] = &[
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":-2.5e+3}}}"#,
        r#" { "a" : [ true , false , null , "x\"\\\/\b\f\n\r\t\u00e9" ] , "b" : { } , "c" : [ ] } "#,
        r#"{"k\u0041":0,"n":-0.0,"e":1E-7,"s":"é😀","deep":[[[{"x":[1]}]]]}"#,
        r#"{"p":"\ud83d\ude00\u00e9","big":1e300,"x":[1.5e-300]}"#,
        r#"{}"#,
    ];

    #[test]
    fn accepts_what_serde_json_accepts() {
        let cases = [
            "{}",
            " {} ",
            "{\"a\":1}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":-}",
            "{\"a\":1e}",
            "{\"a\":+1}",
            "{\"a\":tru}",
            "{\"a\":nul}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12G4\"}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":1,}",
            "{,}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\" 1}",
            "[1]",
            "1",
            "\"x\"",
            "",
            "{} x",
            "{}}",
            "{\"a\":[1,]}",
            "{\"a\":[,1]}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\udc00\"}",
            "{\"a\":\"\\ud83d\\ude00\"}",
            "{\"a\":\"\\ud83dx\"}",
            "{\"a\":\"\\ud83d\\u0041\"}",
            "{\"a\":1e308}",
            "{\"a\":1e309}",
            "{\"a\":-1e400}",
            "{\"a\":1e-400}",
            "{\"a\":123456789012345678901234567890}",
            "{\"a\":1}\n",
            "{\"a\":\"\u{7f}\"}",
            "{\"a\":-0}",
            "{\"a\":1E+2}",
            "{1:2}",
            "{\"a\":[]]}",
            "{\"a\":{}}",
            "{\"a\":{\"b\":}}",
            "{\"a\":[[]]}",
        ];
        for case in cases {
            assert_eq!(accepted(case), serde_accepts(case), "{case:?}");
        }
        for seed in SEEDS {
            assert!(accepted(seed), "{seed}");
            assert_eq!(
                &as_map(seed),
                serde_json::from_str::<Value>(seed)
                    .unwrap()
                    .as_object()
                    .unwrap()
            );
        }
    }

    #[test]
    fn plain_runs_end_at_quotes_backslashes_and_control_characters() {
        for stop in [b'"', b'\\', 0x00, 0x1F] {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 20];
                bytes[at] = stop;
                assert_eq!(plain_prefix(&bytes), at, "{stop} at {at}");
            }
        }
        let text = "é😀 \u{7f}~ !".repeat(3);
        assert_eq!(plain_prefix(text.as_bytes()), text.len());
    }

    #[test]
    fn nesting_stops_where_serde_json_values_stop() {
        // `Value` (what a member is read as) refuses the 128th level.
        for depth in [2, 126, 127, 128, 129, 200] {
            let arrays = format!(
                "{{\"k\":{}1{}}}",
                "[".repeat(depth - 1),
                "]".repeat(depth - 1)
            );
            let objects = format!("{}1{}", "{\"k\":".repeat(depth), "}".repeat(depth));
            for text in [arrays, objects] {
                let value = serde_json::from_str::<Value>(&text).is_ok();
                assert_eq!(accepted(&text), value, "{depth}: {text}");
                assert_eq!(value, depth < 128);
            }
        }
    }

    #[test]
    fn random_mutations_are_judged_as_serde_json_judges_them() {
        let alphabet = b"{}[]\":,\\ \t\n0123456789-+.eEtrufalsn\x01abcdD";
        // xorshift64: the same cases on every run.
        let mut state = 0x2026_1121_u64;
        let mut below = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for round in 0..20_000 {
            let mut bytes = SEEDS[round % SEEDS.len()].as_bytes().to_vec();
            for _ in 0..1 + below(3) {
                let at = below(bytes.len() + 1);
                let byte = alphabet[below(alphabet.len())];
                match below(3) {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ if at < bytes.len() => bytes[at] = byte,
                    _ => bytes.push(byte),
                }
            }
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            let ours = accepted(text);
            assert_eq!(ours, serde_accepts(text), "{text:?}");
            if ours {
                if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
                    assert_eq!(as_map(text), map, "{text:?}");
                }
            }
        }
    }
}
