//! URI templates: `test://template/{id}/data`, matched against a requested URI.
//!
//! ferrymcp supports two expansions of RFC 6570:
//!
//! * simple, `{name}`: the value is one path segment. It matches one or more
//!   characters up to the next `/` (and up to the text that follows it in
//!   the template), and once percent-decoded it may not contain `/`, `\`
//!   or NUL, nor be `..`: `test://template/..%2F..%2Fetc/data` is refused.
//! * reserved, `{+name}`: the value is a relative path. It may span `/`, but
//!   once decoded it may not contain NUL, a `..` segment (between `/` or
//!   `\`), nor be absolute (start with `/`, `\` or a drive like `C:`).
//!
//! A refused value is an invalid request (-32602): the resource never sees it.

use ferrymcp_rules::uri_template::{self, Fault, Piece};
use std::fmt;

/// A parsed URI template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UriTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// A placeholder; `reserved` for `{+name}` (a path).
    Var {
        name: String,
        reserved: bool,
    },
}

/// Why a placeholder's value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A `/` in the value of a `{name}` placeholder.
    Slash,
    /// A `\` in the value of a `{name}` placeholder.
    Backslash,
    /// A `..` segment.
    DotDot,
    /// A NUL character.
    Nul,
    /// A `{+name}` value that starts at the root or names a drive.
    Absolute,
}

/// A URI that matches a template's shape, refused for the value of one of
/// its placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueRefused {
    placeholder: String,
    reserved: bool,
    why: Refusal,
}

impl ValueRefused {
    /// The placeholder's name.
    #[cfg(test)]
    pub(crate) fn placeholder(&self) -> &str {
        &self.placeholder
    }

    /// Why its value was refused.
    #[cfg(test)]
    pub(crate) fn why(&self) -> Refusal {
        self.why
    }
}

impl ValueRefused {
    /// The -32602 error of a request for `uri` (with the URI in `data.uri`).
    pub(crate) fn to_error(&self, uri: &str) -> crate::protocol::ErrorObject {
        crate::protocol::ErrorObject::invalid_params(format!(
            "Invalid params: the URI {uri:?} is refused: {self}"
        ))
        .with_data(crate::protocol::messages::to_value(
            &crate::protocol::messages::UriData { uri },
        ))
    }
}

impl fmt::Display for ValueRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.placeholder;
        let var = if self.reserved {
            format!("`{{+{name}}}`")
        } else {
            format!("`{{{name}}}`")
        };
        let hint = format!(
            "(a `{{{name}}}` value is one path segment; a template that takes a path writes `{{+{name}}}`)"
        );
        match self.why {
            Refusal::Slash => write!(f, "the value of {var} contains `/` {hint}"),
            Refusal::Backslash => write!(f, "the value of {var} contains `\\` {hint}"),
            Refusal::DotDot => write!(f, "the value of {var} has a `..` segment"),
            Refusal::Nul => write!(f, "the value of {var} contains NUL (`%00`)"),
            Refusal::Absolute => write!(
                f,
                "the value of {var} is an absolute path (it starts with `/`, `\\` or a drive); it must be relative"
            ),
        }
    }
}

/// Why a URI template is not one ferrymcp can match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateError(String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl UriTemplate {
    /// Parses `{name}` and `{+name}` placeholders; `None` for a URI without any.
    pub(crate) fn parse(template: &str) -> Result<Option<UriTemplate>, TemplateError> {
        if !template.contains(['{', '}']) {
            return Ok(None);
        }
        // The shape of a template is the rule `#[resource(uri = ..)]` checks
        // at compile time; the messages here name the template as registered.
        let pieces = uri_template::parse(template).map_err(|fault| {
            TemplateError(match fault {
                Fault::CloseWithoutOpen => {
                    format!("`}}` without `{{` in the URI template {template:?}")
                }
                Fault::OpenWithoutClose => {
                    format!("`{{` without `}}` in the URI template {template:?}")
                }
                Fault::BadName { inner, .. } => format!(
                    "`{{{inner}}}` in the URI template {template:?} is not a placeholder: write `{{name}}` (one path segment) or `{{+name}}` (a path) with a name of letters, digits and `_`"
                ),
                Fault::Adjacent { .. } => format!(
                    "two placeholders follow each other in the URI template {template:?}: separate them with text"
                ),
                Fault::Repeated { name } => {
                    format!("`{{{name}}}` appears twice in the URI template {template:?}")
                }
            })
        })?;
        let parts = pieces
            .into_iter()
            .map(|piece| match piece {
                Piece::Literal(text) => Part::Literal(text.to_owned()),
                Piece::Var { name, reserved } => Part::Var {
                    name: name.to_owned(),
                    reserved,
                },
            })
            .collect();
        Ok(Some(UriTemplate { parts }))
    }

    /// The placeholder names (without `+`), in order.
    pub(crate) fn vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { name, .. } => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Matches `uri`: `None` when it does not have the template's shape;
    /// otherwise the percent-decoded placeholder values, or why one of them
    /// is refused (see the [module docs](self)).
    pub(crate) fn matches(&self, uri: &str) -> Option<Result<Vec<(String, String)>, ValueRefused>> {
        let values = self.match_values(uri)?;
        let reserved = self.parts.iter().filter_map(|p| match p {
            Part::Var { reserved, .. } => Some(*reserved),
            Part::Literal(_) => None,
        });
        for ((name, value), reserved) in values.iter().zip(reserved) {
            if let Some(why) = refusal(value, reserved) {
                return Some(Err(ValueRefused {
                    placeholder: name.clone(),
                    reserved,
                    why,
                }));
            }
        }
        Some(Ok(values))
    }
}

impl UriTemplate {
    /// The percent-decoded placeholder values of `uri`, before any is
    /// checked; `None` when `uri` does not have the template's shape.
    pub(crate) fn match_values(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let mut values = Vec::new();
        let mut budget = MATCH_BUDGET;
        match_parts(&self.parts, uri, &mut values, &mut budget).then_some(values)
    }
}

/// The placeholder values of a matched URI, by name, in template order.
pub(crate) type Values = Vec<(String, String)>;

/// The first of `templates` that `uri` matches, with its values; or, when
/// none accepts it, why the first that has its shape refused it.
pub(crate) fn first_match<'a, T>(
    templates: impl IntoIterator<Item = (&'a UriTemplate, T)>,
    uri: &str,
) -> Result<Option<(T, Values)>, ValueRefused> {
    let mut refused = None;
    for (template, item) in templates {
        match template.matches(uri) {
            Some(Ok(values)) => return Ok(Some((item, values))),
            Some(Err(why)) => {
                refused.get_or_insert(why);
            }
            None => {}
        }
    }
    refused.map_or(Ok(None), Err)
}

/// Why a decoded value may not stand for its placeholder, if it may not.
fn refusal(value: &str, reserved: bool) -> Option<Refusal> {
    if value.contains('\0') {
        return Some(Refusal::Nul);
    }
    if !reserved {
        if value.contains('/') {
            return Some(Refusal::Slash);
        }
        if value.contains('\\') {
            return Some(Refusal::Backslash);
        }
        return (value == "..").then_some(Refusal::DotDot);
    }
    let bytes = value.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if value.starts_with(['/', '\\']) || drive {
        return Some(Refusal::Absolute);
    }
    value
        .split(['/', '\\'])
        .any(|segment| segment == "..")
        .then_some(Refusal::DotDot)
}

/// How many steps one match may take: templates whose placeholders share a
/// segment (`{a}.{b}`) backtrack, and a hostile URI must not make that slow.
const MATCH_BUDGET: u32 = 10_000;

/// Matches `parts` against all of `uri`; a placeholder takes the shortest
/// value after which the rest matches (so `{a}.{b}` splits at the first dot).
fn match_parts(
    parts: &[Part],
    uri: &str,
    values: &mut Vec<(String, String)>,
    budget: &mut u32,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    match parts.split_first() {
        None => uri.is_empty(),
        Some((Part::Literal(lit), rest)) => {
            uri.starts_with(lit.as_str()) && match_parts(rest, &uri[lit.len()..], values, budget)
        }
        Some((Part::Var { name, reserved }, rest)) => {
            // A value is never empty; a `{name}` value never crosses a `/`.
            let limit = match reserved {
                true => uri.len(),
                false => uri.find('/').unwrap_or(uri.len()),
            };
            let ends = uri[..limit]
                .char_indices()
                .map(|(i, _)| i)
                .skip(1)
                .chain(std::iter::once(limit))
                .filter(|&end| end > 0);
            for end in ends {
                if *budget == 0 {
                    return false;
                }
                *budget -= 1;
                let fits = match rest.first() {
                    None => end == uri.len(),
                    Some(Part::Literal(lit)) => uri[end..].starts_with(lit.as_str()),
                    Some(Part::Var { .. }) => false,
                };
                if !fits {
                    continue;
                }
                // A value whose escapes do not decode is no value: try a longer one.
                let Some(value) = percent_decode(&uri[..end]) else {
                    continue;
                };
                let before = values.len();
                if match_parts(rest, &uri[end..], values, budget) {
                    values.insert(before, (name.clone(), value));
                    return true;
                }
                values.truncate(before);
            }
            false
        }
    }
}

/// Decodes `%XX` escapes; `None` for a bad escape or bytes that are not UTF-8.
pub(super) fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None; // `u8::from_str_radix` would take a sign
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> UriTemplate {
        UriTemplate::parse(s).unwrap().unwrap()
    }

    fn vals(v: &[(&str, &str)]) -> Option<Result<Values, ValueRefused>> {
        Some(Ok(v
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()))
    }

    /// Why `uri` was refused by `template`, when it has its shape.
    fn why(template: &str, uri: &str) -> Option<Refusal> {
        match t(template).matches(uri) {
            Some(Err(refused)) => Some(refused.why()),
            _ => None,
        }
    }

    #[test]
    fn placeholders_match_one_segment() {
        let tpl = t("test://template/{id}/data");
        assert_eq!(tpl.vars().collect::<Vec<_>>(), ["id"]);
        assert_eq!(
            tpl.matches("test://template/123/data"),
            vals(&[("id", "123")])
        );
        assert_eq!(tpl.matches("test://template//data"), None);
        assert_eq!(tpl.matches("test://template/1/2/data"), None);
        assert_eq!(tpl.matches("test://template/123/datax"), None);
        assert_eq!(
            tpl.matches("test://template/a%20b/data"),
            vals(&[("id", "a b")])
        );
        assert_eq!(tpl.matches("test://template/%zz/data"), None);
        let hostile = format!("x://{}", ".".repeat(5000));
        assert_eq!(t("x://{a}.{b}.{c}.{d}!").matches(&hostile), None);
        let two = t("file:///{dir}/{name}.{ext}");
        assert_eq!(
            two.matches("file:///src/lib.tar.gz"),
            vals(&[("dir", "src"), ("name", "lib"), ("ext", "tar.gz")])
        );
        assert_eq!(
            t("x://{a}").matches("x://é"),
            vals(&[("a", "é")]),
            "multi-byte characters"
        );
    }

    #[test]
    fn bad_templates_are_refused() {
        assert_eq!(UriTemplate::parse("test://static").unwrap(), None);
        for bad in [
            "x://{id",
            "x://id}",
            "x://{}",
            "x://{1a}",
            "x://{+}",
            "x://{++a}",
            "x://{#a}",
            "x://{a*}",
            "x://{a}{b}",
            "x://{a}{+b}",
            "x://{a}/{+a}",
            "x://{a}/{a}",
        ] {
            assert!(UriTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_segment_value_never_holds_a_separator_a_climb_or_nul() {
        let tpl = "test://template/{id}/data";
        for (uri, refusal) in [
            ("test://template/..%2F..%2Fetc/data", Refusal::Slash),
            ("test://template/a%2fb/data", Refusal::Slash),
            ("test://template/..%5Cetc/data", Refusal::Backslash),
            ("test://template/a\\b/data", Refusal::Backslash),
            ("test://template/../data", Refusal::DotDot),
            ("test://template/%2e%2E/data", Refusal::DotDot),
            ("test://template/a%00/data", Refusal::Nul),
        ] {
            assert_eq!(why(tpl, uri), Some(refusal), "{uri}");
        }
        for fine in [
            "test://template/.../data",
            "test://template/a..b/data",
            "test://template/./data",
        ] {
            assert!(matches!(t(tpl).matches(fine), Some(Ok(_))), "{fine}");
        }
        let refused = t(tpl)
            .matches("test://template/a%2Fb/data")
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.placeholder(), "id");
        assert!(refused.to_string().contains("`{+id}`"), "{refused}");
    }

    #[test]
    fn a_reserved_value_is_a_relative_path_that_never_climbs() {
        let tpl = t("file:///{+path}");
        assert_eq!(tpl.vars().collect::<Vec<_>>(), ["path"]);
        assert_eq!(
            tpl.matches("file:///src/lib.rs"),
            vals(&[("path", "src/lib.rs")])
        );
        assert_eq!(
            tpl.matches("file:///a%2Fb/c..d"),
            vals(&[("path", "a/b/c..d")])
        );
        assert_eq!(tpl.matches("file:///"), None, "never empty");
        assert_eq!(
            t("x://{+dir}/meta.{ext}").matches("x://a/b/meta.json"),
            vals(&[("dir", "a/b"), ("ext", "json")])
        );
        for (uri, refusal) in [
            ("file:///..", Refusal::DotDot),
            ("file:///a/../../b", Refusal::DotDot),
            ("file:///a/%2E%2E/b", Refusal::DotDot),
            ("file:///a\\..\\b", Refusal::DotDot),
            ("file:///a/..", Refusal::DotDot),
            ("file:////etc/passwd", Refusal::Absolute),
            ("file:///%5Cserver", Refusal::Absolute),
            ("file:///C:/Windows", Refusal::Absolute),
            ("file:///a%00", Refusal::Nul),
        ] {
            assert_eq!(why("file:///{+path}", uri), Some(refusal), "{uri}");
        }
    }

    #[test]
    fn the_first_template_that_accepts_wins() {
        let segment = t("x://{id}");
        let path = t("x://{+path}");
        let both = [(&segment, "segment"), (&path, "path")];
        assert_eq!(first_match(both, "x://a").unwrap().unwrap().0, "segment");
        assert_eq!(first_match(both, "x://a%2Fb").unwrap().unwrap().0, "path");
        let refused = first_match([(&segment, "segment")], "x://a%2Fb").unwrap_err();
        assert_eq!(refused.why(), Refusal::Slash);
        assert!(first_match([(&segment, "segment")], "y://a")
            .unwrap()
            .is_none());
    }
}
