//! URI templates: `test://template/{id}/data`, matched against a requested URI.
//!
//! ferrymcp supports the simple expansion of RFC 6570 (`{name}`): a
//! placeholder matches one or more characters up to the next `/` (and up to the
//! text that follows it in the template); its value is percent-decoded.

use std::fmt;

/// A parsed URI template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UriTemplate {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Var(String),
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
    /// Parses `{name}` placeholders; `None` for a URI without any.
    pub(crate) fn parse(template: &str) -> Result<Option<UriTemplate>, TemplateError> {
        if !template.contains(['{', '}']) {
            return Ok(None);
        }
        let mut parts = Vec::new();
        let mut rest = template;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    parts.push(Part::Literal(rest.to_owned()));
                    break;
                }
                Some(i) if rest.as_bytes()[i] == b'}' => {
                    return Err(TemplateError(format!(
                        "`}}` without `{{` in the URI template {template:?}"
                    )))
                }
                Some(i) => {
                    if i > 0 {
                        parts.push(Part::Literal(rest[..i].to_owned()));
                    }
                    let after = &rest[i + 1..];
                    let end = after.find('}').ok_or_else(|| {
                        TemplateError(format!(
                            "`{{` without `}}` in the URI template {template:?}"
                        ))
                    })?;
                    let name = &after[..end];
                    if !valid_var_name(name) {
                        return Err(TemplateError(format!(
                            "`{{{name}}}` in the URI template {template:?} is not a placeholder: write `{{name}}` with a name of letters, digits and `_`"
                        )));
                    }
                    if matches!(parts.last(), Some(Part::Var(_))) {
                        return Err(TemplateError(format!(
                            "two placeholders follow each other in the URI template {template:?}: separate them with text"
                        )));
                    }
                    if parts.iter().any(|p| matches!(p, Part::Var(v) if v == name)) {
                        return Err(TemplateError(format!(
                            "`{{{name}}}` appears twice in the URI template {template:?}"
                        )));
                    }
                    parts.push(Part::Var(name.to_owned()));
                    rest = &after[end + 1..];
                }
            }
        }
        Ok(Some(UriTemplate { parts }))
    }

    /// The placeholder names, in order.
    pub(crate) fn vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The placeholder values when `uri` matches the template.
    pub(crate) fn matches(&self, uri: &str) -> Option<Vec<(String, String)>> {
        let mut values = Vec::new();
        let mut budget = MATCH_BUDGET;
        if match_parts(&self.parts, uri, &mut values, &mut budget) {
            Some(values)
        } else {
            None
        }
    }
}

fn valid_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
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
        Some((Part::Var(name), rest)) => {
            // A value is never empty and never crosses a `/`.
            let limit = uri.find('/').unwrap_or(uri.len());
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
                    Some(Part::Var(_)) => false,
                };
                if !fits {
                    continue;
                }
                let before = values.len();
                if match_parts(rest, &uri[end..], values, budget) {
                    let Some(value) = percent_decode(&uri[..end]) else {
                        return false;
                    };
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
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
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

    fn vals(v: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
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
            "x://{+a}",
            "x://{a}{b}",
            "x://{a}/{a}",
        ] {
            assert!(UriTemplate::parse(bad).is_err(), "{bad}");
        }
    }
}
