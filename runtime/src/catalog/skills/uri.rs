//! `skill://` URIs: written from a skill's path and a file's path (each
//! segment percent-encoded as needed), and read back from a request into
//! plain segments. A request URI that would leave the skill namespace (`..`
//! or `.` segments, encoded or not, an encoded `/` or `\`, an empty segment
//! as in `skill:///etc/passwd`) is refused, never looked up.

use crate::protocol::messages::{to_value, UriData};
use crate::protocol::ErrorObject;

/// The scheme of the URIs skills are served under.
pub(crate) const SCHEME: &str = "skill://";

/// The URI of `segments` (`["pdf-processing", "references", "FORMS.md"]`).
pub(crate) fn build<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    let mut uri = String::from(SCHEME);
    for (i, segment) in segments.into_iter().enumerate() {
        if i > 0 {
            uri.push('/');
        }
        encode_segment(segment, &mut uri);
    }
    uri
}

/// Appends `segment`, percent-encoding every byte that is not unreserved,
/// a sub-delimiter, `:` or `@` (RFC 3986 `pchar`).
fn encode_segment(segment: &str, out: &mut String) {
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Whether `uri` is in the skill namespace.
pub(crate) fn is_skill_uri(uri: &str) -> bool {
    uri.starts_with(SCHEME)
}

/// The decoded segments of a `skill://` URI, or -32602 saying why the URI
/// cannot name anything in a skill.
pub(crate) fn segments(uri: &str) -> Result<Vec<String>, ErrorObject> {
    let refuse = |why: &str| {
        Err(ErrorObject::invalid_params(format!(
            "Invalid params: `{uri}` is not a path inside a skill: {why}"
        ))
        .with_data(to_value(&UriData { uri })))
    };
    let Some(rest) = uri.strip_prefix(SCHEME) else {
        return refuse("it does not start with skill://");
    };
    if rest.contains(['?', '#']) {
        return refuse("skill URIs have no query or fragment");
    }
    let mut out = Vec::new();
    for raw in rest.split('/') {
        if raw.is_empty() {
            return refuse("it has an empty segment (an absolute path, `//`, or a trailing `/`)");
        }
        let Some(segment) = crate::catalog::template::percent_decode(raw) else {
            return refuse("it has a malformed percent-escape, or one that is not UTF-8");
        };
        if segment == "." || segment == ".." {
            return refuse("`.` and `..` segments are not followed");
        }
        if segment.contains(['/', '\\', '\0']) {
            return refuse("a segment holds an encoded `/`, `\\` or NUL");
        }
        out.push(segment);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_through_their_segments() {
        let uri = build(["pdf-processing", "references", "my file #1.md"]);
        assert_eq!(uri, "skill://pdf-processing/references/my%20file%20%231.md");
        assert_eq!(
            segments(&uri).unwrap(),
            ["pdf-processing", "references", "my file #1.md"]
        );
    }

    #[test]
    fn traversal_is_refused_in_every_spelling() {
        for uri in [
            "skill://pdf-processing/../other/SKILL.md",
            "skill://pdf-processing/./SKILL.md",
            "skill://pdf-processing/%2e%2e/%2E%2E/etc/passwd",
            "skill://pdf-processing/references%2F..%2F..%2Fetc%2Fpasswd",
            "skill://pdf-processing/..%5C..%5Cwindows",
            "skill:///etc/passwd",
            "skill://pdf-processing//etc/passwd",
            "skill://pdf-processing/",
            "skill://pdf-processing/SKILL.md?x=1",
            "skill://pdf-processing/%zz",
            // A sign is not a hex digit (`u8::from_str_radix("+1", 16)` is 1).
            "skill://pdf-processing/%+1.md",
            "skill://pdf-processing/%ff",
            "skill://pdf-processing/a%00b",
        ] {
            let error = segments(uri).unwrap_err();
            assert_eq!(error.code, -32602, "{uri}");
        }
    }
}
