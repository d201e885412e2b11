//! The `uri` of `#[resource]`: a URI with a scheme, and for a template,
//! `{name}` placeholders (RFC 6570 simple expansion: one path segment) and
//! `{+name}` placeholders (reserved expansion: a relative path that may hold
//! `/`), as the runtime matches them.

use ferrymcp_rules::uri_template::{self, Fault, Piece};
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
    // The shape of a template is the rule the runtime matches by.
    let pieces = uri_template::parse(&uri).map_err(|fault| {
        err(match fault {
            Fault::CloseWithoutOpen => "`}` without `{` in the URI template".into(),
            Fault::OpenWithoutClose => "`{` without `}` in the URI template".into(),
            Fault::BadName { inner, name }
                if matches!(
                    name.chars().next(),
                    Some('+' | '#' | '.' | '/' | ';' | '?' | '&')
                ) || name.ends_with('*')
                    || name.contains(',') =>
            {
                format!(
                    "`{{{inner}}}`: only `{{name}}` (one path segment) and `{{+name}}` (a path) placeholders are supported (no other RFC 6570 operators, lists or explode modifiers)"
                )
            }
            Fault::BadName { name, .. } => format!(
                "`{{{name}}}` is not a placeholder: write `{{name}}` with a name of letters, digits and `_` that does not start with a digit"
            ),
            Fault::Adjacent { name } => format!(
                "`{{{name}}}` follows another placeholder directly, so their values could not be told apart: put text between them"
            ),
            Fault::Repeated { name } => {
                format!("`{{{name}}}` appears twice in the URI template")
            }
        })
    })?;
    let placeholders = pieces
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Var { name, .. } => Some(name.to_owned()),
            Piece::Literal(_) => None,
        })
        .collect();
    Ok(Uri { placeholders })
}
