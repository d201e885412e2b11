//! Generates the tool type and its `ToolFn` implementation.

use super::ast::{doc_line, join_doc, type_span, ParamKind, ToolSignature};
use super::attr::{Task, ToolOptions};
use super::fallback::clean_function;
use crate::tools::tool_type_name;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;

pub fn expand(func: &ItemFn, options: &ToolOptions, signature: &ToolSignature) -> TokenStream {
    let function = clean_function(func);
    let fn_ident = &func.sig.ident;
    let vis = &func.vis;
    let tool_type = tool_type_name(fn_ident);
    let p = quote!(::ferrymcp::__private);

    let name = match &options.name {
        Some(name) => name.value(),
        None => fn_ident.to_string().trim_start_matches("r#").to_string(),
    };
    let description = options.description.as_ref().map(|d| d.value()).or_else(|| {
        let lines: Vec<String> = func
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .filter_map(doc_line)
            .collect();
        let joined = join_doc(&lines);
        (!joined.is_empty()).then_some(joined)
    });
    let opt_str = |s: Option<String>| match s {
        Some(s) => quote!(#p::Some(#s)),
        None => quote!(#p::None),
    };
    let opt_bool = |b: Option<bool>| match b {
        Some(b) => quote!(#p::Some(#b)),
        None => quote!(#p::None),
    };
    let title = opt_str(options.title.as_ref().map(|t| t.value()));
    let description = opt_str(description);
    let read_only = opt_bool(options.read_only);
    let destructive = opt_bool(options.destructive);
    let idempotent = opt_bool(options.idempotent);
    let open_world = opt_bool(options.open_world);
    let task = match options.task {
        Task::Forbidden => quote!(#p::TaskSupport::Forbidden),
        Task::Optional => quote!(#p::TaskSupport::Optional),
        Task::Required => quote!(#p::TaskSupport::Required),
    };

    let mut schema_args = Vec::new();
    let mut reads = Vec::new();
    let mut injects = Vec::new();
    let mut bounds = Vec::new();
    let mut call_args = Vec::new();
    let mut known = Vec::new();
    for (i, param) in signature.params.iter().enumerate() {
        let ty = &param.ty;
        let span = type_span(ty);
        let var = format_ident!("__ferrymcp_arg{}", i);
        call_args.push(quote!(#var));
        match &param.kind {
            ParamKind::Argument {
                name,
                doc,
                default,
                optional,
            } => {
                known.push(name.clone());
                let doc = opt_str(doc.clone());
                let required = default.is_none() && !optional;
                let default_json = match default {
                    Some(expr) => quote!(#p::default_json::<#ty>(#expr)),
                    None => quote!(#p::None),
                };
                schema_args.push(quote_spanned! {span=>
                    #p::InputSchema::arg::<#ty>(&mut __schema, #name, #doc, #required, #default_json);
                });
                let read = match (default, optional) {
                    (Some(expr), _) => {
                        quote_spanned!(span=> #p::with_default::<#ty>(&mut __args, #name, || #expr))
                    }
                    (None, true) => quote_spanned!(span=> #p::optional::<#ty>(&mut __args, #name)),
                    (None, false) => quote_spanned!(span=> #p::required::<#ty>(&mut __args, #name)),
                };
                reads.push(quote! {
                    let #var: #ty = match #read {
                        #p::Ok(value) => value,
                        #p::Err(error) => return #p::arg_failure(error),
                    };
                });
            }
            ParamKind::Injected => {
                bounds.push(quote_spanned!(span=> #ty: #p::Inject<__L>));
                injects.push(quote_spanned! {span=>
                    let #var: #ty = match <#ty as #p::Inject<__L>>::inject(&__scope) {
                        #p::Ok(value) => value,
                        #p::Err(error) => return #p::arg_failure(error),
                    };
                });
            }
        }
    }
    let ret = &signature.ret;
    let ret_span = type_span(ret);
    let fn_span = fn_ident.span();
    let call = quote_spanned! {fn_span=>
        #fn_ident(#(#call_args),*)
    };
    let convert = quote_spanned! {ret_span=>
        match (&&#p::route::ReturnTag::<#ret>::new()).split(__ret) {
            #p::Ok(__value) => {
                let __tag = #p::route::OutputTag::of(&__value);
                (&&&__tag).output_route().output(__value)
            }
            #p::Err(__error) => {
                let __tag = #p::route::ErrorTag::of(&__error);
                (&&&__tag).error_route().output(__error)
            }
        }
    };
    let boxed = quote_spanned! {fn_span=>
        #p::Box::pin(async move {
            #[allow(unused_imports)]
            use #p::route::{SplitPlain as _, SplitResult as _, ViaContent as _, ViaStructured as _, ViaUnsupported as _, ViaToolError as _, ViaDisplayError as _, ViaUnsupportedError as _};
            #(#reads)*
            if let #p::Err(error) = #p::no_unknown(&__args, &[#(#known),*]) {
                return #p::arg_failure(error);
            }
            #(#injects)*
            let __ret: #ret = #call.await;
            #convert
        })
    };

    quote! {
        #function

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #tool_type;

        impl<__L: ::core::marker::Send + ::core::marker::Sync + 'static> #p::ToolFn<__L> for #tool_type
        where
            #(#bounds,)*
        {
            fn meta(&self) -> #p::ToolMeta {
                #p::ToolMeta {
                    name: #name,
                    title: #title,
                    description: #description,
                    annotations: #p::ToolAnnotations {
                        read_only: #read_only,
                        destructive: #destructive,
                        idempotent: #idempotent,
                        open_world: #open_world,
                    },
                    task_support: #task,
                }
            }

            fn input_schema(&self) -> #p::serde_json::Value {
                let mut __schema = #p::InputSchema::new();
                #(#schema_args)*
                __schema.finish()
            }

            fn output_schema(&self) -> #p::Option<#p::OutputSchema> {
                #[allow(unused_imports)]
                use #p::route::{SplitPlain as _, SplitResult as _, ViaContent as _, ViaStructured as _, ViaUnsupported as _};
                let __tag = (&&#p::route::ReturnTag::<#ret>::new()).ok_tag();
                (&&&__tag).output_route().schema(&__tag)
            }

            #[allow(unused_mut)]
            fn call(
                &self,
                __scope: #p::CallScope,
                mut __args: #p::ArgMap,
            ) -> #p::BoxFuture<'static, #p::ToolOutput> {
                let _ = &__scope;
                #boxed
            }
        }
    }
}
