//! What `#[resource]` emits when the attribute or the function is wrong: the
//! function itself, and a placeholder resource type so `resources![..]` resolves.

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
    let resource_type = hidden_type_name("resource", &func.sig.ident);
    let p = quote!(::ferrymcp::catalog::__private);
    quote! {
        #function

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #resource_type;

        impl<__L: ::core::marker::Send + ::core::marker::Sync + 'static> #p::ResourceFn<__L> for #resource_type {
            fn meta(&self) -> #p::ResourceMeta {
                ::core::unreachable!("this resource failed to compile")
            }
            fn read(&self, _: #p::CallScope, _: #p::ResourceRequest) -> #p::BoxFuture<'static, #p::ReadOutput> {
                ::core::unreachable!("this resource failed to compile")
            }
        }
    }
}
