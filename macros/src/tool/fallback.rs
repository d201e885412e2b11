//! What `#[tool]` emits when the attribute or the function is wrong: the
//! function itself, and a placeholder of what `tools![..]` names (the tool
//! type of a function, the hidden associated function of a method), so that
//! one mistake gives one error.

use crate::common::{hidden_impl, hidden_method_name, private};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ItemFn;

pub fn expand(func: &ItemFn) -> TokenStream {
    let p = private(Span::call_site());
    if func.sig.receiver().is_some() {
        let function = crate::param::clean_function(func);
        let vis = &func.vis;
        let hidden = hidden_method_name("tool", &func.sig.ident);
        return quote! {
            #function

            #[doc(hidden)]
            #[allow(non_snake_case, unused_variables)]
            #vis fn #hidden<__L>(__ferrymcp_state: #p::Arc<Self>) -> #p::MethodTool<Self, __L> {
                ::core::unreachable!("this tool failed to compile")
            }
        };
    }
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
