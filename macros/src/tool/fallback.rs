//! What `#[tool]` emits when the attribute or the function is wrong: the
//! function itself, and a placeholder tool type so `tools![..]` resolves.

use crate::tools::tool_type_name;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, ItemFn};

/// The function without the parameter attributes only `#[tool]` understands.
pub fn clean_function(func: &ItemFn) -> ItemFn {
    let mut func = func.clone();
    for input in &mut func.sig.inputs {
        if let FnArg::Typed(pat_type) = input {
            pat_type.attrs.retain(|a| {
                !(a.path().is_ident("doc")
                    || a.path().is_ident("arg")
                    || a.path().is_ident("inject"))
            });
        }
    }
    func
}

pub fn expand(func: &ItemFn) -> TokenStream {
    let function = clean_function(func);
    if func.sig.receiver().is_some() {
        // A method: the placeholder type cannot go inside an `impl` block, and
        // `tools![..]` cannot name a method anyway.
        return quote!(#function);
    }
    let vis = &func.vis;
    let tool_type = tool_type_name(&func.sig.ident);
    let p = quote!(::ferrymcp::__private);
    quote! {
        #function

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #tool_type;

        impl<__L: ::core::marker::Send + ::core::marker::Sync + 'static> #p::ToolFn<__L> for #tool_type {
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
        }
    }
}
