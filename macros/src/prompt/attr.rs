//! The options of `#[prompt(...)]`.

use crate::common::{meta_key, parse_complete, string, CompleteEntry, Errors};
use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{LitStr, Meta, Token};

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
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr)?;
        let mut options = PromptOptions {
            name: None,
            title: None,
            description: None,
            complete: Vec::new(),
        };
        let mut seen: Vec<String> = Vec::new();
        let mut errors = Errors::default();
        for meta in metas {
            let key = meta_key(&meta);
            if key.is_empty() {
                errors.push(syn::Error::new_spanned(
                    meta.path(),
                    format!("unknown `#[prompt]` option; valid options: {VALID}"),
                ));
                continue;
            }
            if seen.contains(&key) {
                errors.push(syn::Error::new_spanned(
                    meta.path(),
                    format!("`{key}` is given twice"),
                ));
                continue;
            }
            seen.push(key.clone());
            let result = match key.as_str() {
                "name" => string(&meta).and_then(|s| {
                    check_prompt_name(&s)?;
                    options.name = Some(s);
                    Ok(())
                }),
                "title" => string(&meta).map(|s| options.title = Some(s)),
                "description" => string(&meta).map(|s| options.description = Some(s)),
                "complete" => parse_complete(&meta).map(|c| options.complete = c),
                _ => Err(syn::Error::new_spanned(
                    meta.path(),
                    format!("unknown `#[prompt]` option `{key}`; valid options: {VALID}"),
                )),
            };
            if let Err(e) = result {
                errors.push(e);
            }
        }
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
