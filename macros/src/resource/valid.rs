//! The checks that need both the attribute and the function: every
//! placeholder of the URI is a parameter and every parameter that is not
//! injected is a placeholder; completions name placeholders.

use super::ast::SITE;
use super::attr::ResourceOptions;
use crate::common::{list_names, Errors};
use crate::param::{check_params, ParamKind, Signature};

pub fn check(options: &ResourceOptions, signature: &Signature) -> syn::Result<()> {
    let mut errors = Errors::default();
    check_params(signature, &SITE, &mut errors);
    let placeholders = &options.parsed_uri.placeholders;
    let uri = options.uri.value();
    let arguments: Vec<(&str, proc_macro2::Span)> = signature.argument_names().collect();
    let stray_params: Vec<&(&str, proc_macro2::Span)> = arguments
        .iter()
        .filter(|(name, _)| !placeholders.iter().any(|p| p == name))
        .collect();
    let stray_placeholders: Vec<&String> = placeholders
        .iter()
        .filter(|p| !arguments.iter().any(|(name, _)| name == p))
        .collect();
    if let ([(name, span)], [placeholder]) = (&stray_params[..], &stray_placeholders[..]) {
        // One of them is misspelled: one error, at the parameter.
        errors.push(syn::Error::new(
            *span,
            format!(
                "`{name}` is not a placeholder of the URI template {uri:?}, and its placeholder `{{{placeholder}}}` has no parameter: rename one to match the other (or use `#[arg(rename = \"{placeholder}\")]`)"
            ),
        ));
        return errors.finish();
    }
    for (name, span) in stray_params {
        let message = if !options.parsed_uri.is_template() {
            format!(
                "`{name}` is not injected, so it would come from the URI, and {uri:?} has no placeholders: make the URI a template with `{{{name}}}` in it, or mark the parameter `#[inject]` if the server supplies it"
            )
        } else {
            format!(
                "`{name}` is not a placeholder of the URI template {uri:?} (its placeholders: {}); add `{{{name}}}` to the URI, rename the parameter, or mark it `#[inject]` if the server supplies it",
                list_names(placeholders.iter().map(String::as_str), ("{", "}"))
            )
        };
        errors.push(syn::Error::new(*span, message));
    }
    for param in &signature.params {
        if let ParamKind::Argument {
            default: Some(default),
            ..
        } = &param.kind
        {
            errors.push(syn::Error::new_spanned(
                default,
                "a placeholder always has a value when the URI matches: `default` does not apply",
            ));
        }
    }
    for placeholder in stray_placeholders {
        errors.push(syn::Error::new(
            options.uri.span(),
            format!(
                "the placeholder `{{{placeholder}}}` has no parameter: add `{placeholder}: String` (or another `FromStr` type) to the function"
            ),
        ));
    }
    for entry in &options.complete {
        if !placeholders.contains(&entry.name) {
            let why = if placeholders.is_empty() {
                format!("{uri:?} has no placeholders to complete")
            } else {
                format!(
                    "its placeholders are {}",
                    list_names(placeholders.iter().map(String::as_str), ("", ""))
                )
            };
            errors.push(syn::Error::new(
                entry.name_span,
                format!(
                    "`{}` is not a placeholder of this resource: {why}",
                    entry.name
                ),
            ));
        }
    }
    errors.finish()
}
