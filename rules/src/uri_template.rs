//! The URI templates of resources: literal text with `{name}` placeholders
//! (RFC 6570 simple expansion: one path segment) and `{+name}` placeholders
//! (reserved expansion: a relative path), each named once, never two in a
//! row (their values could not be told apart).

/// One piece of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text matched as written.
    Literal(&'a str),
    /// A placeholder; `reserved` for `{+name}`.
    Var {
        /// The name, without `+`.
        name: &'a str,
        /// Whether it is written `{+name}` (its value may hold `/`).
        reserved: bool,
    },
}

/// Why a template is not one ferrymcp can match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault<'a> {
    /// A `}` with no `{` before it.
    CloseWithoutOpen,
    /// A `{` with no `}` after it.
    OpenWithoutClose,
    /// `{inner}` is not `{name}` or `{+name}` with a valid name; `name` is
    /// `inner` without one leading `+`.
    BadName {
        /// What stands between the braces.
        inner: &'a str,
        /// `inner` without one leading `+`.
        name: &'a str,
    },
    /// The placeholder `name` follows another placeholder directly.
    Adjacent {
        /// The second placeholder's name.
        name: &'a str,
    },
    /// The placeholder `name` appears twice.
    Repeated {
        /// The name.
        name: &'a str,
    },
}

/// Whether `name` may name a placeholder: letters, digits and `_`, not
/// starting with a digit.
pub fn valid_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits `template` into its pieces (no placeholder: one literal, or none
/// for an empty template).
pub fn parse(template: &str) -> Result<Vec<Piece<'_>>, Fault<'_>> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let Some(i) = rest.find(['{', '}']) else {
            pieces.push(Piece::Literal(rest));
            break;
        };
        if rest.as_bytes()[i] == b'}' {
            return Err(Fault::CloseWithoutOpen);
        }
        if i > 0 {
            pieces.push(Piece::Literal(&rest[..i]));
        }
        let after = &rest[i + 1..];
        let end = after.find('}').ok_or(Fault::OpenWithoutClose)?;
        let inner = &after[..end];
        let (name, reserved) = match inner.strip_prefix('+') {
            Some(name) => (name, true),
            None => (inner, false),
        };
        if !valid_var_name(name) {
            return Err(Fault::BadName { inner, name });
        }
        if matches!(pieces.last(), Some(Piece::Var { .. })) {
            return Err(Fault::Adjacent { name });
        }
        if pieces
            .iter()
            .any(|p| matches!(p, Piece::Var { name: v, .. } if *v == name))
        {
            return Err(Fault::Repeated { name });
        }
        pieces.push(Piece::Var { name, reserved });
        rest = &after[end + 1..];
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_in_order() {
        assert_eq!(
            parse("x://{id}/files/{+path}").unwrap(),
            vec![
                Piece::Literal("x://"),
                Piece::Var {
                    name: "id",
                    reserved: false
                },
                Piece::Literal("/files/"),
                Piece::Var {
                    name: "path",
                    reserved: true
                },
            ]
        );
        assert_eq!(
            parse("docs://readme").unwrap(),
            vec![Piece::Literal("docs://readme")]
        );
    }

    #[test]
    fn faults() {
        assert_eq!(parse("x://a}"), Err(Fault::CloseWithoutOpen));
        assert_eq!(parse("x://{a"), Err(Fault::OpenWithoutClose));
        assert_eq!(
            parse("x://{#a}"),
            Err(Fault::BadName {
                inner: "#a",
                name: "#a"
            })
        );
        assert_eq!(
            parse("x://{++a}"),
            Err(Fault::BadName {
                inner: "++a",
                name: "+a"
            })
        );
        assert_eq!(
            parse("x://{1a}").unwrap_err(),
            Fault::BadName {
                inner: "1a",
                name: "1a"
            }
        );
        assert_eq!(parse("x://{a}{b}"), Err(Fault::Adjacent { name: "b" }));
        assert_eq!(parse("x://{a}/{a}"), Err(Fault::Repeated { name: "a" }));
    }
}
