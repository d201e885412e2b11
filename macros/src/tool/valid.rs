//! Checks that need more than one option, or the options and the function
//! together.

use super::ast::SITE;
use super::attr::{Task, ToolOptions};
use crate::common::Errors;
use crate::param::{check_params, ParamKind, Signature};

pub fn check(options: &ToolOptions, signature: &Signature) -> syn::Result<()> {
    let mut errors = Errors::default();
    check_params(signature, &SITE, &mut errors);
    if let Some(path) = options.ask_first.as_ref() {
        if matches!(options.task, Task::Forbidden) {
            errors.push(syn::Error::new_spanned(
                path,
                "`ask_first` applies to task tools only: add `task = true` or `task = \"required\"`",
            ));
        }
    }
    // With `input_schema = ..` the hand-written schema is what clients see,
    // and its `x-mcp-header` annotations are what the server enforces: a
    // `#[arg(header)]` would do neither, so it is an error rather than ignored.
    if options.input_schema.is_some() {
        for param in &signature.params {
            if let ParamKind::Argument {
                name,
                header: Some(header),
                ..
            } = &param.kind
            {
                errors.push(syn::Error::new_spanned(
                    header,
                    format!(
                        "`#[arg(header = ..)]` cannot be combined with `#[tool(input_schema = ..)]`: the hand-written schema is what clients see (and what the server enforces), so annotate property `{name}` there with `\"x-mcp-header\": \"{}\"`",
                        header.value()
                    ),
                ));
            }
        }
    }
    errors.finish()
}
