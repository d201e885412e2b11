//! `#[tool]`: parse the attribute (`attr`) and the function (`ast`), check
//! them together (`valid`), expand (`expand`).
//!
//! On any error the function is emitted unchanged (minus parameter attributes
//! the compiler would reject) next to the error, together with a placeholder
//! tool type, so one mistake gives one error and `tools![..]` still resolves.

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use crate::common::Stages;
use proc_macro2::TokenStream;

const STAGES: Stages<attr::ToolOptions> = Stages {
    site: &ast::SITE,
    options: attr::ToolOptions::parse,
    validate: valid::check,
    expand: expand::expand,
    fallback: fallback::expand,
};

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    STAGES.run(attr, item)
}
