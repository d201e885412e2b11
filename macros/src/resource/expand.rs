//! Generates the resource type and its `ResourceFn` implementation.
//!
//! Code that can fail to compile because of the user's types is spanned at the
//! user's tokens (`quote_spanned!`), so the error points at the placeholder's
//! type, the return type or the completion function that is wrong.

use super::attr::ResourceOptions;
use crate::common::{
    boxed_call, catalog_call_and_route, catalog_private, complete_method, doc_of, hidden_type_name,
    injected_param, opt_str, type_span,
};
use crate::param::{clean_function, ParamKind, Signature};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;

pub fn expand(func: &ItemFn, options: &ResourceOptions, signature: &Signature) -> TokenStream {
    let function = clean_function(func);
    let fn_ident = &func.sig.ident;
    let vis = &func.vis;
    let resource_type = hidden_type_name("resource", fn_ident);
    let p = catalog_private(Span::call_site());

    let uri = options.uri.value();
    let name = match &options.name {
        Some(name) => name.value(),
        None => fn_ident.to_string().trim_start_matches("r#").to_string(),
    };
    let title = opt_str(options.title.as_ref().map(|t| t.value()));
    let description = opt_str(
        options
            .description
            .as_ref()
            .map(|d| d.value())
            .or_else(|| doc_of(&func.attrs)),
    );
    let mime_type = opt_str(options.mime_type.as_ref().map(|m| m.value()));
    let completions: Vec<&String> = options.complete.iter().map(|c| &c.name).collect();

    let mut reads = Vec::new();
    let mut injects = Vec::new();
    let mut bounds = Vec::new();
    let mut call_args = Vec::new();
    for (i, param) in signature.params.iter().enumerate() {
        let ty = &param.ty;
        let var = format_ident!("__ferrymcp_arg{}", i);
        call_args.push(var.clone());
        match &param.kind {
            ParamKind::Argument { name, .. } => {
                let span = type_span(ty);
                let p = catalog_private(span);
                reads.push(quote_spanned! {span=>
                    let #var: #ty = match #p::placeholder::<#ty>(&__request, #name) {
                        #p::Ok(value) => value,
                        #p::Err(error) => return #p::Err(error),
                    };
                });
            }
            ParamKind::Injected => {
                let (stmt, bound) = injected_param(
                    &var,
                    ty,
                    |p| quote!(#p::Err(#p::catalog::inject_failure(error))),
                );
                injects.push(stmt);
                bounds.push(bound);
            }
        }
    }

    let routed = catalog_call_and_route(fn_ident, &call_args, &signature.ret, |span| {
        let p = catalog_private(span);
        quote_spanned!(span=> #p::contents(__value, &__request))
    });
    let boxed = boxed_call(fn_ident, quote!(#(#reads)* #(#injects)* #routed));
    let complete = complete_method(&options.complete);

    quote! {
        #function

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #resource_type;

        impl<__L: ::core::marker::Send + ::core::marker::Sync + 'static> #p::ResourceFn<__L> for #resource_type
        where
            #(#bounds,)*
        {
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
        }
    }
}
