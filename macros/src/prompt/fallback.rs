//! What `#[prompt]` emits when the attribute or the function is wrong: the
//! function itself, and a placeholder prompt type so `prompts![..]` resolves.

use crate::common::{catalog_private, hidden_impl};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ItemFn;

pub fn expand(func: &ItemFn) -> TokenStream {
    let p = catalog_private(Span::call_site());
    let methods = quote! {
        fn meta(&self) -> #p::PromptMeta {
            ::core::unreachable!("this prompt failed to compile")
        }
        fn get(&self, _: #p::CallScope, _: #p::PromptArguments) -> #p::BoxFuture<'static, #p::PromptOutput> {
            ::core::unreachable!("this prompt failed to compile")
        }
    };
    hidden_impl(func, "prompt", quote!(#p::PromptFn), &[], methods)
}
