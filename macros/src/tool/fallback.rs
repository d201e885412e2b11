//! What `#[tool]` emits when the attribute or the function is wrong: the
//! function itself, and a placeholder tool type so `tools![..]` resolves.

use crate::common::{hidden_impl, private};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ItemFn;

pub fn expand(func: &ItemFn) -> TokenStream {
    let p = private(Span::call_site());
    let methods = quote! {
        fn meta(&self) -> #p::ToolMeta {
            ::core::unreachable!("this tool failed to compile")
        }
        fn input_schema(&self) -> #p::serde_json::Value {
            ::core::unreachable!("this tool failed to compile")
        }
        fn output_schema(&self) -> #p::Option<#p::OutputSchema> {
            ::core::unreachable!("this tool failed to compile")
        }
        fn call(&self, _: #p::CallScope, _: #p::ArgMap) -> #p::BoxFuture<'static, #p::ToolOutput> {
            ::core::unreachable!("this tool failed to compile")
        }
    };
    hidden_impl(func, "tool", quote!(#p::ToolFn), &[], methods)
}
