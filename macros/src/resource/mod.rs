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

use proc_macro2::TokenStream;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let mut out =
                crate::common::not_a_function(item.clone(), "resource").to_compile_error();
            out.extend(item);
            return out;
        }
    };
    let options = attr::ResourceOptions::parse(attr);
    let signature = ast::ResourceSignature::parse(&func);
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
