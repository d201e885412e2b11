//! The checks that need both the attribute and the function: completions
//! name arguments of the prompt.

use super::ast::PromptSignature;
use super::attr::PromptOptions;
use crate::common::{list_names, Errors, ParamKind};

pub fn check(options: &PromptOptions, signature: &PromptSignature) -> syn::Result<()> {
    let mut errors = Errors::default();
    let arguments: Vec<&str> = signature
        .params
        .iter()
        .filter_map(|p| match &p.kind {
            ParamKind::Argument { name, .. } => Some(name.as_str()),
            ParamKind::Injected => None,
        })
        .collect();
    for entry in &options.complete {
        if !arguments.contains(&entry.name.as_str()) {
            errors.push(syn::Error::new(
                entry.name_span,
                format!(
                    "`{}` is not an argument of this prompt; its arguments are {}",
                    entry.name,
                    list_names(arguments.iter().copied(), ("", ""))
                ),
            ));
        }
    }
    errors.finish()
}
