//! The YAML front matter of a `SKILL.md`: found as the Agent Skills format
//! writes it (a `---` line, the YAML, a closing `---` line), parsed, and
//! rendered as the JSON object a skill entry carries verbatim.

use crate::error::SkillProblem;
use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::{Yaml, YamlLoader};

/// The longest front matter read (names and descriptions are short; this
/// bounds what a YAML parser is given).
const MAX_FRONT_MATTER: usize = 64 * 1024;

/// The longest description the Agent Skills format allows.
const MAX_DESCRIPTION: usize = 1024;

/// A skill's front matter, checked.
#[derive(Debug, Clone)]
pub(crate) struct FrontMatter {
    /// Every field, as JSON.
    pub(crate) fields: Map<String, Value>,
    /// `name`.
    pub(crate) name: String,
    /// `description`.
    pub(crate) description: String,
}

/// Reads and checks the front matter of a `SKILL.md`.
pub(crate) fn parse(skill_md: &str) -> Result<FrontMatter, SkillProblem> {
    let yaml = block(skill_md).ok_or(SkillProblem::NoFrontMatter)?;
    if yaml.len() > MAX_FRONT_MATTER {
        return Err(SkillProblem::BadFrontMatter(format!(
            "it is {} bytes long; at most {MAX_FRONT_MATTER} are read",
            yaml.len()
        )));
    }
    refuse_aliases(yaml)?;
    let docs =
        YamlLoader::load_from_str(yaml).map_err(|e| SkillProblem::BadFrontMatter(e.to_string()))?;
    let fields = match docs.into_iter().next() {
        None => Map::new(),
        Some(Yaml::Hash(entries)) => mapping(&entries, "")?,
        Some(other) => {
            return Err(SkillProblem::BadFrontMatter(format!(
                "it must be a YAML mapping (`key: value` lines), not {}",
                yaml_kind(&other)
            )))
        }
    };
    let name = required_string(&fields, "name")?;
    check_name(&name)?;
    let description = required_string(&fields, "description")?;
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(SkillProblem::BadField {
            field: "description",
            reason: format!("at most {MAX_DESCRIPTION} characters"),
        });
    }
    Ok(FrontMatter {
        fields,
        name,
        description,
    })
}

/// The YAML between the opening and closing `---` lines: the first line of
/// the file (after a byte-order mark) is exactly `---`, and the block ends at
/// the next line that is `---` (trailing spaces allowed).
fn block(text: &str) -> Option<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut from = 0;
    // The closing line follows a newline; the YAML may be empty only when
    // a blank line separates the two `---` lines.
    while let Some(found) = rest[from..].find("\n---") {
        let newline = from + found;
        let after = &rest[newline + 4..];
        let tail = after.trim_start_matches([' ', '\t']);
        if tail.is_empty() || tail.starts_with('\n') || tail.starts_with("\r\n") {
            let yaml = &rest[..newline];
            return Some(yaml.strip_suffix('\r').unwrap_or(yaml));
        }
        from = newline + 1;
    }
    None
}

/// Refuses anchors' aliases (`*name`): a skill's front matter has no use for
/// them, and expanding them can make a small text arbitrarily large.
fn refuse_aliases(yaml: &str) -> Result<(), SkillProblem> {
    let mut parser = Parser::new_from_str(yaml);
    loop {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => return Ok(()),
            Ok((Event::Alias(_), mark)) => {
                return Err(SkillProblem::BadFrontMatter(format!(
                    "YAML aliases (`*name`) are not supported (line {})",
                    mark.line()
                )))
            }
            Ok(_) => {}
            Err(e) => return Err(SkillProblem::BadFrontMatter(e.to_string())),
        }
    }
}

/// A YAML value as JSON: what a JavaScript YAML parser (YAML 1.2 core
/// schema) would give, so that a host comparing the two finds them equal.
fn to_json(yaml: &Yaml, at: &str) -> Result<Value, SkillProblem> {
    let place = || {
        if at.is_empty() {
            "the front matter".to_string()
        } else {
            format!("`{at}`")
        }
    };
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Real(_) => {
            let f = yaml.as_f64().filter(|f| f.is_finite()).ok_or_else(|| {
                SkillProblem::BadFrontMatter(format!(
                    "{} is a number JSON cannot carry (infinite or not a number)",
                    place()
                ))
            })?;
            Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        Yaml::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| to_json(item, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Hash(entries) => Value::Object(mapping(entries, at)?),
        Yaml::Alias(_) | Yaml::BadValue => {
            return Err(SkillProblem::BadFrontMatter(format!(
                "{} holds a value that cannot be read",
                place()
            )))
        }
    })
}

/// A YAML mapping as a JSON object; `at` is its place, for errors.
fn mapping(entries: &yaml_rust2::yaml::Hash, at: &str) -> Result<Map<String, Value>, SkillProblem> {
    let mut map = Map::new();
    for (key, value) in entries {
        let Yaml::String(key) = key else {
            let place = if at.is_empty() {
                "the front matter".to_string()
            } else {
                format!("`{at}`")
            };
            return Err(SkillProblem::BadFrontMatter(format!(
                "a key of {place} is {}; keys must be strings",
                yaml_kind(key)
            )));
        };
        let path = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        if map.insert(key.clone(), to_json(value, &path)?).is_some() {
            return Err(SkillProblem::BadFrontMatter(format!(
                "`{path}` is given twice"
            )));
        }
    }
    Ok(map)
}

fn yaml_kind(yaml: &Yaml) -> &'static str {
    match yaml {
        Yaml::Null => "null",
        Yaml::Boolean(_) => "a boolean",
        Yaml::Integer(_) | Yaml::Real(_) => "a number",
        Yaml::String(_) => "a string",
        Yaml::Array(_) => "a list",
        Yaml::Hash(_) => "a mapping",
        Yaml::Alias(_) | Yaml::BadValue => "an unreadable value",
    }
}

/// A required, non-empty string field.
fn required_string(
    fields: &Map<String, Value>,
    field: &'static str,
) -> Result<String, SkillProblem> {
    match fields.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(SkillProblem::BadField {
            field,
            reason: "must not be empty".into(),
        }),
        None | Some(Value::Null) => Err(SkillProblem::BadField {
            field,
            reason: "is required".into(),
        }),
        Some(_) => Err(SkillProblem::BadField {
            field,
            reason: "must be a string".into(),
        }),
    }
}

/// The Agent Skills naming rules: 1 to 64 characters of `a-z`, `0-9` and
/// `-`, not starting or ending with `-`, no `--`.
pub(crate) fn check_name(name: &str) -> Result<(), SkillProblem> {
    let bad = |reason: &str| {
        Err(SkillProblem::BadField {
            field: "name",
            reason: format!("`{name}` {reason}"),
        })
    };
    if name.is_empty() || name.len() > 64 {
        return bad("must be 1 to 64 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return bad("may hold only lowercase letters a-z, digits and `-`");
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return bad("must not start or end with `-` or hold `--`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_block_is_found_as_the_agent_skills_format_writes_it() {
        assert_eq!(block("---\nname: a\n---\nbody"), Some("name: a"));
        assert_eq!(
            block("\u{feff}---\r\nname: a\r\n---  \r\nbody"),
            Some("name: a")
        );
        assert_eq!(block("---\nname: a\n---"), Some("name: a"));
        assert_eq!(
            block("---\nname: a\n----\nx: 1\n---\n"),
            Some("name: a\n----\nx: 1")
        );
        assert_eq!(block("---\n\n---\n"), Some(""));
        assert_eq!(block("---\n---\n"), None);
        assert_eq!(block("# no front matter\n"), None);
        assert_eq!(block("---\nname: a\n"), None);
        assert_eq!(block(" ---\nname: a\n---\n"), None);
    }

    #[test]
    fn fields_pass_through_as_json() {
        let fm = parse(
            "---\nname: pdf-processing\ndescription: Extract text\nlicense: Apache-2.0\nmetadata:\n  version: \"2.1\"\n  tags: [pdf, forms]\n  level: 3\n  ratio: 0.5\n  beta: false\n  owner: ~\n---\n# Body\n",
        )
        .unwrap();
        assert_eq!(fm.name, "pdf-processing");
        assert_eq!(fm.description, "Extract text");
        assert_eq!(
            Value::Object(fm.fields),
            json!({
                "name": "pdf-processing",
                "description": "Extract text",
                "license": "Apache-2.0",
                "metadata": {"version": "2.1", "tags": ["pdf", "forms"], "level": 3, "ratio": 0.5, "beta": false, "owner": null}
            })
        );
    }

    #[test]
    fn bad_front_matter_is_named_precisely() {
        let err = |text: &str| parse(text).unwrap_err().to_string();
        assert!(err("no front matter").contains("must begin with YAML front matter"));
        assert!(err("---\nname: [unclosed\n---\n").contains("not valid"));
        assert!(err("---\n- a\n- b\n---\n").contains("must be a YAML mapping"));
        assert!(err("---\ndescription: d\n---\n").contains("`name`: is required"));
        assert!(err("---\nname: ok\n---\n").contains("`description`: is required"));
        assert!(err("---\nname: ok\ndescription: ''\n---\n").contains("must not be empty"));
        assert!(err("---\nname: Bad_Name\ndescription: d\n---\n").contains("lowercase"));
        assert!(err("---\nname: a--b\ndescription: d\n---\n").contains("`--`"));
        assert!(err("---\nname: 12\ndescription: d\n---\n").contains("must be a string"));
        assert!(err("---\nname: a\ndescription: d\nx: .nan\n---\n").contains("JSON cannot carry"));
        assert!(err("---\nname: a\ndescription: d\n1: x\n---\n").contains("keys must be strings"));
        assert!(err("---\nname: a\ndescription: &d x\nother: *d\n---\n").contains("aliases"));
        let long = format!("---\nname: a\ndescription: {}\n---\n", "x".repeat(1025));
        assert!(err(&long).contains("at most 1024"));
    }
}
