//! `#[resource]`: parse the attribute and the function, check that the URI's
//! placeholders and the parameters agree, expand.
//!
//! On any error the function is emitted unchanged (minus parameter attributes
//! the compiler would reject) next to the error, together with a placeholder
//! resource type, so one mistake gives one error and `resources![..]` still
//! resolves.

mod ast;
mod attr;
mod expand;
mod fallback;
mod uri;
mod valid;

use crate::common::Stages;
use proc_macro2::TokenStream;

const STAGES: Stages<attr::ResourceOptions> = Stages {
    site: &ast::SITE,
    options: attr::ResourceOptions::parse,
    validate: valid::check,
    expand: expand::expand,
    fallback: fallback::expand,
};

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    STAGES.run(attr, item)
}
