//! Generates the resource type and its `ResourceFn` implementation.
//!
//! Code that can fail to compile because of the user's types is spanned at the
//! user's tokens (`quote_spanned!`), so the error points at the placeholder's
//! type, the return type or the completion function that is wrong.

use super::attr::ResourceOptions;
use crate::common::{
    boxed_call, catalog_call_and_route, catalog_private, complete_method, description_or_doc,
    hidden_impl, name_or_fn, opt_str, type_span, Params,
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

    let mut reads = Vec::new();
    let params = Params::expand(
        signature,
        |p| quote!(#p::Err(#p::catalog::inject_failure(error))),
        |var, param| {
            let ParamKind::Argument { name, .. } = &param.kind else {
                return;
            };
            let ty = &param.ty;
            let span = type_span(ty);
            let p = catalog_private(span);
            reads.push(quote_spanned! {span=>
                let #var: #ty = match #p::placeholder::<#ty>(&__request, #name) {
                    #p::Ok(value) => value,
                    #p::Err(error) => return #p::Err(error),
                };
            });
        },
    );
    let Params {
        call_args,
        injects,
        bounds,
    } = params;

    let routed = catalog_call_and_route(fn_ident, &call_args, &signature.ret, |span| {
        let p = catalog_private(span);
        quote_spanned!(span=> #p::contents(__value, &__request))
    });
    let boxed = boxed_call(fn_ident, quote!(#(#reads)* #(#injects)* #routed));
    let complete = complete_method(&options.complete);

    let methods = quote! {
        fn meta(&self) -> #p::ResourceMeta {
            #p::ResourceMeta {
                uri: #uri,
                name: #name,
                title: #title,
                description: #description,
                mime_type: #mime_type,
                completions: &[#(#completions),*],
            }
        }

        fn read(
            &self,
            __scope: #p::CallScope,
            __request: #p::ResourceRequest,
        ) -> #p::BoxFuture<'static, #p::ReadOutput> {
            let _ = &__scope;
            #boxed
        }

        #complete
    };
    hidden_impl(func, "resource", quote!(#p::ResourceFn), &bounds, methods)
}
