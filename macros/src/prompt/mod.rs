//! `#[prompt]`: parse the attribute and the function, check that completions
//! name arguments, expand.
//!
//! On any error the function is emitted unchanged (minus parameter attributes
//! the compiler would reject) next to the error, together with a placeholder
//! prompt type, so one mistake gives one error and `prompts![..]` still
//! resolves.

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use crate::common::Stages;
use proc_macro2::TokenStream;

const STAGES: Stages<attr::PromptOptions> = Stages {
    site: &ast::SITE,
    options: attr::PromptOptions::parse,
    validate: valid::check,
    expand: expand::expand,
    fallback: fallback::expand,
};

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    STAGES.run(attr, item)
}
