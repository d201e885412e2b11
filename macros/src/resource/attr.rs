//! The options of `#[resource(...)]`.

use super::uri::{self, Uri};
use crate::common::{parse_complete, parse_options, string, CompleteEntry, Errors};
use proc_macro2::{Span, TokenStream};
use syn::LitStr;

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
        let mut uri: Option<(LitStr, Uri)> = None;
        let mut name = None;
        let mut title = None;
        let mut description = None;
        let mut mime_type = None;
        let mut complete = Vec::new();
        let mut errors = Errors::default();
        let seen = parse_options(attr, "resource", VALID, &mut errors, |key, meta| {
            Some(match key {
                "uri" => string(meta).and_then(|s| {
                    let parsed = uri::parse(&s)?;
                    uri = Some((s, parsed));
                    Ok(())
                }),
                "name" => string(meta).and_then(|s| {
                    if s.value().trim().is_empty() {
                        return Err(syn::Error::new_spanned(
                            &s,
                            "a resource name cannot be empty",
                        ));
                    }
                    name = Some(s);
                    Ok(())
                }),
                "title" => string(meta).map(|s| title = Some(s)),
                "description" => string(meta).map(|s| description = Some(s)),
                "mime_type" => string(meta).and_then(|s| {
                    check_mime_type(&s)?;
                    mime_type = Some(s);
                    Ok(())
                }),
                "complete" => parse_complete(meta).map(|c| complete = c),
                _ => return None,
            })
        })?;
        // A misspelled `uri` is reported as the unknown option it is, once.
        if uri.is_none() && !seen.keys.iter().any(|k| k == "uri") && !seen.unknown {
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
