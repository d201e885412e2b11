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

use proc_macro2::TokenStream;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let mut out = ast::not_a_function(item.clone()).to_compile_error();
            out.extend(item);
            return out;
        }
    };
    let options = attr::ToolOptions::parse(attr);
    let signature = ast::ToolSignature::parse(&func);
    let checked = match (&options, &signature) {
        (Ok(options), Ok(signature)) => valid::check(options, signature),
        _ => Ok(()),
    };
    match (options, signature.and_then(|s| checked.map(|()| s))) {
        (Ok(options), Ok(signature)) => expand::expand(&func, &options, &signature),
        (options, signature) => {
            let mut errors: Option<syn::Error> = None;
            for e in [options.err(), signature.err()].into_iter().flatten() {
                match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                }
            }
            let mut out = errors.map(|e| e.to_compile_error()).unwrap_or_default();
            out.extend(fallback::expand(&func));
            out
        }
    }
}
