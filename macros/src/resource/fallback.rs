//! What `#[resource]` emits when the attribute or the function is wrong: the
//! function itself, and a placeholder resource type so `resources![..]` resolves.

use crate::common::{catalog_private, hidden_impl};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ItemFn;

pub fn expand(func: &ItemFn) -> TokenStream {
    let p = catalog_private(Span::call_site());
    let methods = quote! {
        fn meta(&self) -> #p::ResourceMeta {
            ::core::unreachable!("this resource failed to compile")
        }
        fn read(&self, _: #p::CallScope, _: #p::ResourceRequest) -> #p::BoxFuture<'static, #p::ReadOutput> {
            ::core::unreachable!("this resource failed to compile")
        }
    };
    hidden_impl(func, "resource", quote!(#p::ResourceFn), &[], methods)
}
