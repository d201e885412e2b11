//! The check functions of the fuzz targets in `fuzz/`, one module per
//! target. Not public API: it exists only with the `fuzzing` feature, for
//! the targets and for `tests/fuzz_corpus_replay.rs`, which runs every
//! check over the committed corpus on stable Rust.
//!
//! A check takes any bytes and panics when the code under test does
//! something it must not: panic itself, disagree with an independent
//! reading of the same input (serde_json, or a plain reference written
//! here), or accept what it must refuse.

pub mod accept;
pub mod authorization;
pub mod json_rpc;
pub mod param_headers;
pub mod request_state;
pub mod sse_frames;
pub mod stdio_lines;
pub mod uri_template;

/// One fuzz target: its name (the file in `fuzz/fuzz_targets/` and the
/// folder in `fuzz/corpus/`) and its check.
#[derive(Clone, Copy)]
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// Runs the target's body over one input; panics on a finding.
    pub check: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "json_rpc",
        check: json_rpc::check,
    },
    Target {
        name: "uri_template",
        check: uri_template::check,
    },
    Target {
        name: "param_headers",
        check: param_headers::check,
    },
    Target {
        name: "accept",
        check: accept::check,
    },
    Target {
        name: "authorization",
        check: authorization::check,
    },
    Target {
        name: "request_state",
        check: request_state::check,
    },
    Target {
        name: "sse_frames",
        check: sse_frames::check,
    },
    Target {
        name: "stdio_lines",
        check: stdio_lines::check,
    },
];

/// Whether a value holds an object with a name serde_json reserves
/// (`$serde_json::private::RawValue`, ...): with its `raw_value` feature,
/// an object whose first name is that one reads as a raw value, so a map
/// that sorts such a name first does not read back as written (reported:
/// see `json_rpc` and `request_state`).
fn has_serde_token_key(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.starts_with("$serde_json::private::") || has_serde_token_key(v)),
        serde_json::Value::Array(items) => items.iter().any(has_serde_token_key),
        _ => false,
    }
}

/// The lines of an input (split at `\n`, nothing removed).
fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == b'\n')
}

/// Whether a header value's bytes are what `HeaderValue::to_str` accepts:
/// visible ASCII, spaces and tabs.
fn visible_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
}

/// A text without the spaces and tabs around it.
fn trim_spaces(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// Strict `%XX` decoding into UTF-8 (`None` on a bad escape or bytes that
/// are not UTF-8); `plus_is_space` reads `+` as a space (query strings).
fn percent_decode(text: &str, plus_is_space: bool) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let high = char::from(bytes.next()?).to_digit(16)?;
                let low = char::from(bytes.next()?).to_digit(16)?;
                out.push((high * 16 + low) as u8);
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

/// The standard Base64 alphabet's value of a character.
fn base64_digit(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Strict standard Base64 (RFC 4648 §4: a multiple of four characters,
/// `=` padding only at the end, unused bits zero), written independently of
/// the `base64` crate.
fn base64_strict(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (n, quad) in bytes.chunks(4).enumerate() {
        let last = n + 1 == bytes.len() / 4;
        let padding = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && !last) {
            return None;
        }
        let mut bits = 0u32;
        for &c in &quad[..4 - padding] {
            bits = bits << 6 | base64_digit(c)?;
        }
        let bits = bits << (6 * padding);
        let decoded = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        // One `=` keeps two bytes, two keep one; what is cut must be zero.
        let kept = 3 - padding;
        if decoded[kept..].iter().any(|&b| b != 0) {
            return None;
        }
        out.extend_from_slice(&decoded[..kept]);
    }
    Some(out)
}
