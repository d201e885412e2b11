//! The options of `#[tool(...)]`.

use crate::common::{flag, parse_options, string, value, Errors};
use proc_macro2::TokenStream;
use syn::{Expr, ExprLit, ExprPath, Lit, LitStr, Meta, Path};

const VALID: &str = "name, title, description, task, ask_first, scopes, input_schema, read_only, destructive, idempotent, open_world";

/// How a tool may run as a task.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Forbidden,
    Optional,
    Required,
}

/// The parsed and checked options.
pub struct ToolOptions {
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub task: Task,
    /// `ask_first` (where it is written, when true): over 2026-07-28 the
    /// task tool starts in the foreground, so that its first questions are
    /// answered before the task exists. Checked against `task` in `valid`.
    pub ask_first: Option<Path>,
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
    /// OAuth scopes the caller's token must carry.
    pub scopes: Vec<LitStr>,
    /// `input_schema = path`: a `fn() -> serde_json::Value` whose value is the
    /// input schema, instead of the one derived from the parameters.
    pub input_schema: Option<Path>,
}

impl ToolOptions {
    pub fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut options = ToolOptions {
            name: None,
            title: None,
            description: None,
            task: Task::Forbidden,
            ask_first: None,
            read_only: None,
            destructive: None,
            idempotent: None,
            open_world: None,
            scopes: Vec::new(),
            input_schema: None,
        };
        let mut errors = Errors::default();
        parse_options(attr, "tool", VALID, &mut errors, |key, meta| {
            Some(match key {
                "name" => string(meta).and_then(|s| {
                    check_tool_name(&s)?;
                    options.name = Some(s);
                    Ok(())
                }),
                "title" => string(meta).map(|s| options.title = Some(s)),
                "description" => string(meta).map(|s| options.description = Some(s)),
                "task" => task(meta).map(|t| options.task = t),
                "ask_first" => flag(meta).map(|b| {
                    options.ask_first = b.then(|| meta.path().clone());
                }),
                "read_only" => flag(meta).map(|b| options.read_only = Some(b)),
                "destructive" => flag(meta).map(|b| options.destructive = Some(b)),
                "idempotent" => flag(meta).map(|b| options.idempotent = Some(b)),
                "open_world" => flag(meta).map(|b| options.open_world = Some(b)),
                "scopes" => scopes(meta).map(|s| options.scopes = s),
                "input_schema" => schema_fn(meta).map(|p| options.input_schema = Some(p)),
                _ => return None,
            })
        })?;
        errors.finish()?;
        Ok(options)
    }
}

fn scopes(meta: &Meta) -> syn::Result<Vec<LitStr>> {
    const EXPECTED: &str =
        "`scopes` takes a list of string literals: `scopes = [\"repo:read\", \"repo:write\"]`";
    let Some(Expr::Array(array)) = value(meta) else {
        return Err(syn::Error::new_spanned(meta, EXPECTED));
    };
    let mut scopes = Vec::new();
    for element in &array.elems {
        match element {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => {
                let value = s.value();
                // RFC 6749 scope-token: printable ASCII but space, `"` and `\`.
                let valid = !value.is_empty()
                    && value
                        .bytes()
                        .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
                if !valid {
                    return Err(syn::Error::new_spanned(
                        s,
                        "a scope is one or more printable ASCII characters without spaces, `\"` or `\\`",
                    ));
                }
                scopes.push(s.clone());
            }
            other => return Err(syn::Error::new_spanned(other, EXPECTED)),
        }
    }
    Ok(scopes)
}

/// `input_schema = path::to_fn`.
fn schema_fn(meta: &Meta) -> syn::Result<Path> {
    const EXPECTED: &str = "`input_schema` takes the path of a function `fn() -> serde_json::Value` that returns the whole input schema: `input_schema = my_schema`";
    match value(meta) {
        Some(Expr::Path(ExprPath {
            attrs, qself, path, ..
        })) if attrs.is_empty() && qself.is_none() => Ok(path.clone()),
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => Err(syn::Error::new_spanned(
            s,
            format!(
                "`input_schema` takes a path, not a string: write `input_schema = {}` without quotes",
                s.value()
            ),
        )),
        Some(Expr::Call(call)) => Err(syn::Error::new_spanned(
            call,
            "`input_schema` takes the function itself, not a call of it: drop the `()`",
        )),
        Some(other) => Err(syn::Error::new_spanned(other, EXPECTED)),
        None => Err(syn::Error::new_spanned(meta, EXPECTED)),
    }
}

fn task(meta: &Meta) -> syn::Result<Task> {
    const EXPECTED: &str =
        "`task` takes `true`, `false`, \"optional\", \"required\" or \"forbidden\"";
    match meta {
        Meta::Path(_) => Ok(Task::Optional),
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            }) => Ok(if b.value {
                Task::Optional
            } else {
                Task::Forbidden
            }),
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => match s.value().as_str() {
                "optional" => Ok(Task::Optional),
                "required" => Ok(Task::Required),
                "forbidden" => Ok(Task::Forbidden),
                _ => Err(syn::Error::new_spanned(s, EXPECTED)),
            },
            other => Err(syn::Error::new_spanned(other, EXPECTED)),
        },
        Meta::List(list) => Err(syn::Error::new_spanned(list, EXPECTED)),
    }
}

/// Tool names: 1 to 128 characters of `A-Z a-z 0-9 _ - .` (the rule the
/// runtime checks again when a tool is registered).
pub fn check_tool_name(name: &LitStr) -> syn::Result<()> {
    let value = name.value();
    if ferrymcp_rules::valid_tool_name(&value) {
        Ok(())
    } else {
        Err(syn::Error::new_spanned(
            name,
            format!("invalid tool name {value:?}: a tool name has 1 to 128 characters of A-Z, a-z, 0-9, `_`, `-` and `.`"),
        ))
    }
}
