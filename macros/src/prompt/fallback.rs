//! What `#[prompt]` emits when the attribute or the function is wrong: the
//! function itself, and a placeholder prompt type so `prompts![..]` resolves.

use crate::common::{clean_function, hidden_type_name};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

pub fn expand(func: &ItemFn) -> TokenStream {
    let function = clean_function(func);
    if func.sig.receiver().is_some() {
        // A method: the placeholder type cannot go inside an `impl` block.
        return quote!(#function);
    }
    let vis = &func.vis;
    let prompt_type = hidden_type_name("prompt", &func.sig.ident);
    let p = quote!(::ferrymcp::catalog::__private);
    quote! {
        #function

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #prompt_type;

        impl<__L: ::core::marker::Send + ::core::marker::Sync + 'static> #p::PromptFn<__L> for #prompt_type {
            fn meta(&self) -> #p::PromptMeta {
                ::core::unreachable!("this prompt failed to compile")
            }
            fn get(&self, _: #p::CallScope, _: #p::PromptArguments) -> #p::BoxFuture<'static, #p::PromptOutput> {
                ::core::unreachable!("this prompt failed to compile")
            }
        }
    }
}
