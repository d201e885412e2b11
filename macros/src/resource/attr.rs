//! The options of `#[resource(...)]`.

use super::uri::{self, Uri};
use crate::common::{meta_key, parse_complete, string, CompleteEntry, Errors};
use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{LitStr, Meta, Token};

const VALID: &str = "uri, name, title, description, mime_type, complete";

const MISSING_URI: &str = "`#[resource]` needs the URI clients read it by: `#[resource(uri = \"docs://readme\")]`, or a template `#[resource(uri = \"users://{id}/profile\")]`";

/// The parsed and checked options.
pub struct ResourceOptions {
    pub uri: LitStr,
    pub parsed_uri: Uri,
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub mime_type: Option<LitStr>,
    pub complete: Vec<CompleteEntry>,
}

impl ResourceOptions {
    pub fn parse(attr: TokenStream) -> syn::Result<Self> {
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr)?;
        let mut uri: Option<(LitStr, Uri)> = None;
        let mut name = None;
        let mut title = None;
        let mut description = None;
        let mut mime_type = None;
        let mut complete = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let mut errors = Errors::default();
        let mut unknown_option = false;
        for meta in metas {
            let key = meta_key(&meta);
            if key.is_empty() {
                unknown_option = true;
                errors.push(syn::Error::new_spanned(
                    meta.path(),
                    format!("unknown `#[resource]` option; valid options: {VALID}"),
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
                "uri" => string(&meta).and_then(|s| {
                    let parsed = uri::parse(&s)?;
                    uri = Some((s, parsed));
                    Ok(())
                }),
                "name" => string(&meta).and_then(|s| {
                    if s.value().trim().is_empty() {
                        return Err(syn::Error::new_spanned(
                            &s,
                            "a resource name cannot be empty",
                        ));
                    }
                    name = Some(s);
                    Ok(())
                }),
                "title" => string(&meta).map(|s| title = Some(s)),
                "description" => string(&meta).map(|s| description = Some(s)),
                "mime_type" => string(&meta).and_then(|s| {
                    check_mime_type(&s)?;
                    mime_type = Some(s);
                    Ok(())
                }),
                "complete" => parse_complete(&meta).map(|c| complete = c),
                _ => Err({
                    unknown_option = true;
                    syn::Error::new_spanned(
                        meta.path(),
                        format!("unknown `#[resource]` option `{key}`; valid options: {VALID}"),
                    )
                }),
            };
            if let Err(e) = result {
                errors.push(e);
            }
        }
        // A misspelled `uri` is reported as the unknown option it is, once.
        if uri.is_none() && !seen.iter().any(|k| k == "uri") && !unknown_option {
            errors.push(syn::Error::new(Span::call_site(), MISSING_URI));
        }
        errors.finish()?;
        let Some((uri, parsed_uri)) = uri else {
            return Err(syn::Error::new(Span::call_site(), MISSING_URI));
        };
        Ok(ResourceOptions {
            uri,
            parsed_uri,
            name,
            title,
            description,
            mime_type,
            complete,
        })
    }
}

/// `type/subtype`, optionally followed by `; parameters`.
fn check_mime_type(lit: &LitStr) -> syn::Result<()> {
    let value = lit.value();
    let essence = value.split(';').next().unwrap_or_default().trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => Ok(()),
        _ => Err(syn::Error::new_spanned(
            lit,
            format!("{value:?} is not a MIME type: write `type/subtype`, like \"text/plain\" or \"image/png\""),
        )),
    }
}
