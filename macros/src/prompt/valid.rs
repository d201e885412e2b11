//! The checks that need both the attribute and the function: completions
//! name arguments of the prompt.

use super::ast::SITE;
use super::attr::PromptOptions;
use crate::common::{list_names, Errors};
use crate::param::{check_params, Signature};

pub fn check(options: &PromptOptions, signature: &Signature) -> syn::Result<()> {
    let mut errors = Errors::default();
    check_params(signature, &SITE, &mut errors);
    let arguments: Vec<&str> = signature.argument_names().map(|(name, _)| name).collect();
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
