//! What `#[resource]` emits when the attribute or the function is wrong: the
//! function itself, and a placeholder of what `resources![..]` names (the resource
//! type of a function, the hidden associated function of a method).

use crate::common::{catalog_private, emit_fallback};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ItemFn;

pub fn expand(func: &ItemFn) -> TokenStream {
    let p = catalog_private(Span::call_site());
    emit_fallback(
        func,
        "resource",
        quote!(#p::ResourceFn),
        quote!(#p::MethodResource),
        &[
            quote!(fn meta(&self) -> #p::ResourceMeta),
            quote!(fn read(&self, _: #p::CallScope, _: #p::ResourceRequest) -> #p::BoxFuture<'static, #p::ReadOutput>),
        ],
    )
}
