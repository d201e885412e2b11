//! Generates the tool type and its `ToolFn` implementation.
//!
//! Code that can fail to compile because of the user's types is spanned at the
//! user's tokens (`quote_spanned!`), so the error points at the parameter or
//! the return type that is wrong, not at `#[tool]`.

use super::attr::{Task, ToolOptions};
use crate::common::{
    boxed_call, call_and_route, description_or_doc, emit, let_or_return, name_or_fn, opt_str,
    private, respan, result_parts, type_span, Params, Part,
};
use crate::param::{argument_core, ParamKind, Signature};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ItemFn;

pub fn expand(func: &ItemFn, options: &ToolOptions, signature: &Signature) -> TokenStream {
    let fn_ident = &func.sig.ident;
    let p = private(Span::call_site());

    let name = name_or_fn(options.name.as_ref(), fn_ident);
    // The facts given; the rest come from `TOOL_META` (`..TOOL_META`).
    let mut facts = Vec::new();
    if let Some(title) = &options.title {
        facts.push(quote!(title: #p::Some(#title),));
    }
    if let Some(description) = description_or_doc(options.description.as_ref(), &func.attrs) {
        facts.push(quote!(description: #p::Some(#description),));
    }
    let hints: Vec<TokenStream> = [
        ("read_only", options.read_only),
        ("destructive", options.destructive),
        ("idempotent", options.idempotent),
        ("open_world", options.open_world),
    ]
    .into_iter()
    .filter_map(|(key, value)| {
        let key = syn::Ident::new(key, Span::call_site());
        value.map(|value| quote!(#key: #p::Some(#value),))
    })
    .collect();
    if !hints.is_empty() {
        facts.push(quote!(annotations: #p::ToolAnnotations { #(#hints)* ..#p::NO_ANNOTATIONS },));
    }
    let scopes = &options.scopes;
    if !scopes.is_empty() {
        facts.push(quote!(scopes: &[#(#scopes),*],));
    }
    match options.task {
        Task::Forbidden => {}
        Task::Optional => facts.push(quote!(task_support: #p::TaskSupport::Optional,)),
        Task::Required => facts.push(quote!(task_support: #p::TaskSupport::Required,)),
    }
    if options.ask_first.is_some() {
        facts.push(quote!(ask_first: true,));
    }

    let mut schema_args = Vec::new();
    let mut reads = Vec::new();
    let mut checks = Vec::new();
    let mut known = Vec::new();
    let mut headers = Vec::new();
    let mut header_checks = Vec::new();
    let params = Params::expand(
        signature,
        |p| quote!(#p::arg_failure(error)),
        |var, param| {
            let ty = &param.ty;
            let ParamKind::Argument {
                name,
                doc,
                default,
                optional,
                header,
                ..
            } = &param.kind
            else {
                return;
            };
            known.push(name.clone());
            let mark_header = header.as_ref().map(|header| {
                let value = header.value();
                headers.push(quote! {
                    ::ferrymcp::tool::ParamHeader { argument: #name, header: #value }
                });
                // A type whose values cannot be a header (`f64`, `Vec<_>`, a
                // struct) fails here, at the parameter's type.
                let span = type_span(ty);
                header_checks.push(quote_spanned! {span=>
                    let _ = ::ferrymcp::tool::assert_header_argument::<#ty>;
                });
                quote!(#p::InputSchema::header(&mut __schema, #name, #value);)
            });
            let doc = opt_str(doc.clone());
            let required = default.is_none() && !optional;
            // Errors about the argument's type point at the type it is an
            // `Option`/`Vec` of, which is the one lacking a trait.
            let core = argument_core(ty);
            let wrapped = !std::ptr::eq(core, ty);
            let span = type_span(core);
            let p = private(span);
            // The compiler blames an explicit type argument (`required::<T>`)
            // at its own span; respanned, `Option<Query>` is blamed at `Query`.
            let ty = &if wrapped {
                respan(ty.to_token_stream(), span)
            } else {
                ty.to_token_stream()
            };
            // The read, from `args`: the call's map (`&mut __args`), from
            // which it takes the value, or a map it only looks at (`__args`
            // of `check_arguments`, the empty `&__args` of `input_schema`).
            let read_from = |args: TokenStream| match (default, optional) {
                (Some(expr), _) => {
                    quote_spanned!(span=> #p::with_default::<#ty>(#args, #name, || #expr))
                }
                (None, true) => quote_spanned!(span=> #p::optional::<#ty>(#args, #name)),
                (None, false) => quote_spanned!(span=> #p::required::<#ty>(#args, #name)),
            };
            let read = read_from(quote_spanned!(span=> &mut __args));
            let looked_at = read_from(quote_spanned!(span=> &__args));
            let checked = read_from(quote_spanned!(span=> __args));
            // `Option<Query>: ToolArgument` would be reported as the missing
            // `Query: JsonSchema`, without our message: check `Query` first, at
            // the same span, so that the error is about it and hides the other.
            let check = if wrapped {
                quote_spanned!(span=> let _ = |__args: &#p::ArgMap| #p::required::<#core>(__args, #name);)
            } else {
                quote!()
            };
            // `input_schema` repeats the read of `call` (on the empty `__args`),
            // and `check_arguments` does it on the request's map, untouched,
            // before anything else about the argument, so that a type that is
            // not a `ToolArgument`, or a default of the wrong type, fails with
            // the same error in both, which the compiler reports once; the
            // `JsonSchema` error of `InputSchema::arg` is implied by it at the
            // same span and not reported.
            schema_args.push(if default.is_some() {
                quote_spanned! {span=>
                    #check
                    let __default = #p::Result::ok(#looked_at).and_then(#p::route::default_json::<#ty>);
                    #p::InputSchema::arg::<#ty>(&mut __schema, #name, #doc, #required, __default);
                    #mark_header
                }
            } else {
                quote_spanned! {span=>
                    #check
                    let _ = #looked_at;
                    #p::InputSchema::arg::<#ty>(&mut __schema, #name, #doc, #required, #p::None);
                    #mark_header
                }
            });
            checks.push(quote_spanned!(span=> #check #checked?;));
            let fail = quote!(#p::arg_failure(error));
            let read = let_or_return(span, quote!(#var), ty, read, fail);
            reads.push(quote!(#check #read));
        },
    );
    let Params {
        call_args,
        injects,
        bounds,
    } = params;

    let ret = &signature.ret;
    let ret_span = type_span(ret);
    // The output schema's errors point at `T` of `Result<T, E>`.
    let ok_span = result_parts(ret).map_or(ret_span, |(ok, _)| type_span(ok));
    let p_ret = private(ret_span);
    let ok_tag = quote_spanned! {ret_span=>
        (&&#p_ret::route::ReturnTag::<#ret>::new()).ok_tag()
    };
    let schema = quote_spanned! {ok_span=>
        (&&&__tag).output_route().schema(&__tag)
    };

    // The derived schema, or the hand-written one: a path to anything but a
    // `fn() -> Value` fails at the path.
    let input_schema = match &options.input_schema {
        None => quote! {
            let mut __schema = #p::InputSchema::new();
            #[allow(unused_variables)]
            let __args = #p::ArgMap::new();
            #(#schema_args)*
            __schema.finish()
        },
        Some(path) => {
            let span = syn::spanned::Spanned::span(path);
            let p_path = private(span);
            quote_spanned! {span=>
                let __schema: fn() -> #p_path::serde_json::Value = #path;
                __schema()
            }
        }
    };

    let routed = call_and_route(
        fn_ident,
        &call_args,
        signature,
        |span| {
            let p = private(span);
            quote_spanned! {span=>
                (&&&#p::route::OutputTag::of(&__value)).output_route().output(__value)
            }
        },
        |span| {
            let p = private(span);
            quote_spanned! {span=>
                (&&&#p::route::ErrorTag::of(&__error)).error_route().output(__error)
            }
        },
    );
    let boxed = boxed_call(
        fn_ident,
        quote! {
            use #p::route::traits::*;
            #(#reads)*
            if let #p::Err(error) = #p::no_unknown(&__args, &[#(#known),*]) {
                return #p::arg_failure(error);
            }
            #(#injects)*
            #routed
        },
    );

    let header_field = if headers.is_empty() {
        TokenStream::new()
    } else {
        quote!(headers: &[#(#headers),*],)
    };
    let parts = [
        Part {
            sig: quote!(fn meta(&self) -> #p::ToolMeta),
            closure: TokenStream::new(),
            body: quote! {
                #(#header_checks)*
                #p::ToolMeta {
                    name: #name,
                    #(#facts)*
                    #header_field
                    ..#p::TOOL_META
                }
            },
        },
        Part {
            sig: quote!(fn input_schema(&self) -> #p::serde_json::Value),
            closure: quote!(||),
            body: input_schema,
        },
        Part {
            sig: quote!(fn output_schema(&self) -> #p::Option<#p::OutputSchema>),
            closure: quote!(||),
            body: quote! {
                use #p::route::traits::*;
                let __tag = #ok_tag;
                #schema
            },
        },
        Part {
            sig: quote!(fn check_arguments(&self, __args: &#p::ArgMap) -> #p::Result<(), ::std::string::String>),
            closure: quote!(|__args|),
            body: quote! {
                #(#checks)*
                #p::Ok(#p::no_unknown(__args, &[#(#known),*])?)
            },
        },
        Part {
            sig: quote! {
                #[allow(unused_mut)]
                fn call(
                    &self,
                    __scope: #p::CallScope,
                    mut __args: #p::ArgMap,
                ) -> #p::BoxFuture<'static, #p::ToolOutput>
            },
            closure: quote!(|__ferrymcp_self, __scope, mut __args|),
            body: boxed,
        },
    ];
    emit(
        func,
        "tool",
        quote!(#p::ToolFn),
        quote!(#p::MethodTool),
        &bounds,
        &parts,
    )
}
