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

use proc_macro2::TokenStream;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let mut out = crate::common::not_a_function(item.clone(), "prompt").to_compile_error();
            out.extend(item);
            return out;
        }
    };
    let options = attr::PromptOptions::parse(attr);
    let signature = ast::PromptSignature::parse(&func);
    let checked = match (options, signature) {
        (Ok(options), Ok(signature)) => {
            valid::check(&options, &signature).map(|()| (options, signature))
        }
        (options, signature) => Err(crate::common::combine(
            [options.err(), signature.err()].into_iter().flatten(),
        )),
    };
    match checked {
        Ok((options, signature)) => expand::expand(&func, &options, &signature),
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(fallback::expand(&func));
            out
        }
    }
}
