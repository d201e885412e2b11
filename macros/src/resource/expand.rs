//! Generates the resource type and its `ResourceFn` implementation.
//!
//! Code that can fail to compile because of the user's types is spanned at the
//! user's tokens (`quote_spanned!`), so the error points at the placeholder's
//! type, the return type or the completion function that is wrong.

use super::attr::ResourceOptions;
use crate::common::{
    catalog_call, catalog_private, complete_part, description_or_doc, emit, let_or_return,
    name_or_fn, opt_str, type_span, Part,
};
use crate::param::{ParamKind, Signature};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ItemFn;

pub fn expand(func: &ItemFn, options: &ResourceOptions, signature: &Signature) -> TokenStream {
    let fn_ident = &func.sig.ident;
    let p = catalog_private(Span::call_site());

    let uri = options.uri.value();
    let name = name_or_fn(options.name.as_ref(), fn_ident);
    let title = opt_str(options.title.as_ref().map(|t| t.value()));
    let description = opt_str(description_or_doc(
        options.description.as_ref(),
        &func.attrs,
    ));
    let mime_type = opt_str(options.mime_type.as_ref().map(|m| m.value()));
    let completions: Vec<&String> = options.complete.iter().map(|c| &c.name).collect();

    let (boxed, bounds) = catalog_call(
        fn_ident,
        signature,
        |var, param| {
            let ty = &param.ty;
            let ParamKind::Argument { name, .. } = &param.kind else {
                return TokenStream::new();
            };
            let span = type_span(ty);
            let p = catalog_private(span);
            let read = quote_spanned!(span=> #p::placeholder::<#ty>(&__request, #name));
            let_or_return(span, quote!(#var), ty, read, quote!(#p::Err(error)))
        },
        |span| {
            let p = catalog_private(span);
            quote_spanned!(span=> #p::contents(__value, &__request))
        },
    );
    let mut parts = vec![
        Part {
            sig: quote!(fn meta(&self) -> #p::ResourceMeta),
            closure: TokenStream::new(),
            body: quote! {
                #p::ResourceMeta {
                    uri: #uri,
                    name: #name,
                    title: #title,
                    description: #description,
                    mime_type: #mime_type,
                    completions: &[#(#completions),*],
                }
            },
        },
        Part {
            sig: quote! {
                fn read(
                    &self,
                    __scope: #p::CallScope,
                    __request: #p::ResourceRequest,
                ) -> #p::BoxFuture<'static, #p::ReadOutput>
            },
            closure: quote!(|__ferrymcp_self, __scope, __request|),
            body: boxed,
        },
    ];
    parts.extend(complete_part(&options.complete, signature.method));
    emit(
        func,
        "resource",
        quote!(#p::ResourceFn),
        quote!(#p::MethodResource),
        &bounds,
        &parts,
    )
}
