//! Checks that need both the attribute and the function.

use super::ast::{ParamKind, ToolSignature};
use super::attr::ToolOptions;
use crate::common::Errors;

/// With `input_schema = ..` the hand-written schema is what clients see, and
/// its `x-mcp-header` annotations are what the server enforces: a
/// `#[arg(header)]` would do neither, so it is an error rather than ignored.
pub fn check(options: &ToolOptions, signature: &ToolSignature) -> syn::Result<()> {
    let mut errors = Errors::default();
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
