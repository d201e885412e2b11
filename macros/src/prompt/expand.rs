//! Generates the prompt type and its `PromptFn` implementation.
//!
//! Code that can fail to compile because of the user's types is spanned at the
//! user's tokens (`quote_spanned!`), so the error points at the argument's
//! type, the return type or the completion function that is wrong.

use super::attr::PromptOptions;
use crate::common::{
    catalog_call, catalog_private, complete_part, description_or_doc, emit, let_or_return,
    name_or_fn, opt_str, option_inner, respan, type_span, Part,
};
use crate::param::{ParamKind, Signature};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ItemFn;

pub fn expand(func: &ItemFn, options: &PromptOptions, signature: &Signature) -> TokenStream {
    let fn_ident = &func.sig.ident;
    let p = catalog_private(Span::call_site());

    let name = name_or_fn(options.name.as_ref(), fn_ident);
    let title = opt_str(options.title.as_ref().map(|t| t.value()));
    let description = opt_str(description_or_doc(
        options.description.as_ref(),
        &func.attrs,
    ));
    let completions: Vec<&String> = options.complete.iter().map(|c| &c.name).collect();

    let mut arguments = Vec::new();
    let (boxed, bounds) = catalog_call(
        fn_ident,
        signature,
        |var, param| {
            let ParamKind::Argument {
                name: arg,
                doc,
                default,
                ..
            } = &param.kind
            else {
                return TokenStream::new();
            };
            let ty = &param.ty;
            let inner = option_inner(ty);
            let required = default.is_none() && inner.is_none();
            let arg_doc = opt_str(doc.clone());
            arguments.push(quote! {
                #p::PromptArgumentMeta { name: #arg, description: #arg_doc, required: #required }
            });
            // Errors about the argument's type point at the type it is an
            // `Option` of, which is the one lacking `FromStr`.
            let core = inner.unwrap_or(ty);
            let span = type_span(core);
            let p = catalog_private(span);
            let declared = if inner.is_some() {
                respan(ty.to_token_stream(), span)
            } else {
                ty.to_token_stream()
            };
            let read = match (default, inner) {
                (Some(expr), _) => quote_spanned! {span=>
                    #p::with_default::<#core>(&__arguments, #name, #arg, || #expr)
                },
                (None, Some(inner)) => quote_spanned! {span=>
                    #p::optional::<#inner>(&__arguments, #name, #arg)
                },
                (None, None) => quote_spanned! {span=>
                    #p::required::<#core>(&__arguments, #name, #arg)
                },
            };
            let_or_return(span, quote!(#var), declared, read, quote!(#p::Err(error)))
        },
        |span| {
            let p = catalog_private(span);
            quote_spanned!(span=> #p::prompt_result(__value))
        },
    );
    let mut parts = vec![
        Part {
            sig: quote!(fn meta(&self) -> #p::PromptMeta),
            closure: TokenStream::new(),
            body: quote! {
                #p::PromptMeta {
                    name: #name,
                    title: #title,
                    description: #description,
                    arguments: &[#(#arguments),*],
                    completions: &[#(#completions),*],
                }
            },
        },
        Part {
            sig: quote! {
                fn get(
                    &self,
                    __scope: #p::CallScope,
                    __arguments: #p::PromptArguments,
                ) -> #p::BoxFuture<'static, #p::PromptOutput>
            },
            closure: quote!(|__ferrymcp_self, __scope, __arguments|),
            body: boxed,
        },
    ];
    parts.extend(complete_part(&options.complete, signature.method));
    emit(
        func,
        "prompt",
        quote!(#p::PromptFn),
        quote!(#p::MethodPrompt),
        &bounds,
        &parts,
    )
}
