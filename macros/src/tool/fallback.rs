//! What `#[tool]` emits when the attribute or the function is wrong: the
//! function itself, and a placeholder of what `tools![..]` names (the tool
//! type of a function, the hidden associated function of a method), so that
//! one mistake gives one error.

use crate::common::{emit_fallback, private};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ItemFn;

pub fn expand(func: &ItemFn) -> TokenStream {
    let p = private(Span::call_site());
    emit_fallback(
        func,
        "tool",
        quote!(#p::ToolFn),
        quote!(#p::MethodTool),
        &[
            quote!(fn meta(&self) -> #p::ToolMeta),
            quote!(fn input_schema(&self) -> #p::serde_json::Value),
            quote!(fn output_schema(&self) -> #p::Option<#p::OutputSchema>),
            quote!(fn call(&self, _: #p::CallScope, _: #p::ArgMap) -> #p::BoxFuture<'static, #p::ToolOutput>),
        ],
    )
}
