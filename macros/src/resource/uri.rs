//! The `uri` of `#[resource]`: a URI with a scheme, and for a template,
//! `{name}` placeholders (RFC 6570 simple expansion: one path segment) and
//! `{+name}` placeholders (reserved expansion: a relative path that may hold
//! `/`), as the runtime matches them.

use syn::LitStr;

/// The checked URI: its placeholders, in order (none for a static resource).
pub struct Uri {
    pub placeholders: Vec<String>,
}

impl Uri {
    pub fn is_template(&self) -> bool {
        !self.placeholders.is_empty()
    }
}

pub fn parse(lit: &LitStr) -> syn::Result<Uri> {
    let uri = lit.value();
    let err = |message: String| syn::Error::new(lit.span(), message);
    let scheme_end = uri.find(':').unwrap_or(0);
    let scheme = &uri[..scheme_end];
    let valid_scheme = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.');
    if !valid_scheme {
        return Err(err(format!(
            "{uri:?} is not a URI: it needs a scheme, like `file:///notes.txt` or `docs://readme`"
        )));
    }
    if let Some(bad) = uri.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(err(format!(
            "a URI cannot contain {bad:?}: percent-encode it (a space is `%20`)"
        )));
    }
    let mut placeholders: Vec<String> = Vec::new();
    let mut rest = &uri[..];
    let mut last_was_placeholder = false;
    while let Some(i) = rest.find(['{', '}']) {
        if rest.as_bytes()[i] == b'}' {
            return Err(err("`}` without `{` in the URI template".into()));
        }
        if i > 0 {
            last_was_placeholder = false;
        }
        let after = &rest[i + 1..];
        let Some(end) = after.find('}') else {
            return Err(err("`{` without `}` in the URI template".into()));
        };
        let inner = &after[..end];
        // `{+name}`: reserved expansion, the one operator supported.
        let name = inner.strip_prefix('+').unwrap_or(inner);
        if matches!(
            name.chars().next(),
            Some('+' | '#' | '.' | '/' | ';' | '?' | '&')
        ) || name.ends_with('*')
            || name.contains(',')
        {
            return Err(err(format!(
                "`{{{inner}}}`: only `{{name}}` (one path segment) and `{{+name}}` (a path) placeholders are supported (no other RFC 6570 operators, lists or explode modifiers)"
            )));
        }
        let valid_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            return Err(err(format!(
                "`{{{name}}}` is not a placeholder: write `{{name}}` with a name of letters, digits and `_` that does not start with a digit"
            )));
        }
        if last_was_placeholder {
            return Err(err(format!(
                "`{{{name}}}` follows another placeholder directly, so their values could not be told apart: put text between them"
            )));
        }
        if placeholders.iter().any(|p| p == name) {
            return Err(err(format!(
                "`{{{name}}}` appears twice in the URI template"
            )));
        }
        placeholders.push(name.to_owned());
        last_was_placeholder = true;
        rest = &after[end + 1..];
    }
    Ok(Uri { placeholders })
}
