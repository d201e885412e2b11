//! What `#[prompt]` emits when the attribute or the function is wrong: the
//! function itself, and a placeholder of what `prompts![..]` names (the prompt
//! type of a function, the hidden associated function of a method).

use crate::common::{catalog_private, emit_fallback};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ItemFn;

pub fn expand(func: &ItemFn) -> TokenStream {
    let p = catalog_private(Span::call_site());
    emit_fallback(
        func,
        "prompt",
        quote!(#p::PromptFn),
        quote!(#p::MethodPrompt),
        &[
            quote!(fn meta(&self) -> #p::PromptMeta),
            quote!(fn get(&self, _: #p::CallScope, _: #p::PromptArguments) -> #p::BoxFuture<'static, #p::PromptOutput>),
        ],
    )
}
