//! The options of `#[prompt(...)]`.

use crate::common::{parse_complete, parse_options, string, CompleteEntry, Errors};
use proc_macro2::TokenStream;
use syn::LitStr;

const VALID: &str = "name, title, description, complete";

/// The parsed and checked options.
pub struct PromptOptions {
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub complete: Vec<CompleteEntry>,
}

impl PromptOptions {
    pub fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut options = PromptOptions {
            name: None,
            title: None,
            description: None,
            complete: Vec::new(),
        };
        let mut errors = Errors::default();
        parse_options(attr, "prompt", VALID, &mut errors, |key, meta| {
            Some(match key {
                "name" => string(meta).and_then(|s| {
                    check_prompt_name(&s)?;
                    options.name = Some(s);
                    Ok(())
                }),
                "title" => string(meta).map(|s| options.title = Some(s)),
                "description" => string(meta).map(|s| options.description = Some(s)),
                "complete" => parse_complete(meta).map(|c| options.complete = c),
                _ => return None,
            })
        })?;
        errors.finish()?;
        Ok(options)
    }
}

/// Prompt names: 1 to 128 characters, no whitespace or control characters.
fn check_prompt_name(name: &LitStr) -> syn::Result<()> {
    let value = name.value();
    let ok = (1..=128).contains(&value.chars().count())
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(syn::Error::new_spanned(
            name,
            format!("invalid prompt name {value:?}: a prompt name has 1 to 128 characters, without spaces"),
        ))
    }
}
