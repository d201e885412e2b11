//! What every attribute macro of ferrymcp does the same way: the stages
//! ([`Stages`]: parse, validate, expand, fallback), option values, doc
//! comments, which types are injected, and the generated code they share
//! (the hidden type and impl, reads, injection, the call and the routing of
//! its result). The parameters themselves are [`crate::param`]'s.
//!
//! `#[tool]`, `#[resource]` and `#[prompt]` agree on these, so that a parameter
//! that is injected into a tool is injected into a resource or a prompt too.

use crate::param::{Signature, Site};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, ExprLit, GenericArgument, ItemFn, Lit, LitStr, Meta, PathArguments, Type,
};

/// Types injected without `#[inject]`, by the last segment of their path.
const INJECTED: &[&str] = &["Ctx", "Lifespan", "Extension", "Headers", "AccessToken"];

/// Types injected as `Option<_>` too.
const INJECTED_OPTIONAL: &[&str] = &["Extension", "Headers", "AccessToken"];

/// Errors collected across an attribute and a function, reported together.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

// --- option values: `key = "..."`, `key = true`, bare `key` ---

/// The name of an option (`name` in `name = "x"`), or "" for a path.
pub fn meta_key(meta: &Meta) -> String {
    meta.path()
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_default()
}

/// The value of `key = value`.
pub fn value(meta: &Meta) -> Option<&Expr> {
    match meta {
        Meta::NameValue(nv) => Some(&nv.value),
        _ => None,
    }
}

/// The string literal of `key = "..."`.
pub fn string(meta: &Meta) -> syn::Result<LitStr> {
    let key = meta_key(meta);
    match value(meta) {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => Ok(s.clone()),
        Some(other) => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` takes a string literal: `{key} = \"...\"`"),
        )),
        None => Err(syn::Error::new_spanned(
            meta,
            format!("`{key}` takes a string literal: `{key} = \"...\"`"),
        )),
    }
}

/// `key`, `key = true` or `key = false`.
pub fn flag(meta: &Meta) -> syn::Result<bool> {
    let key = meta_key(meta);
    match meta {
        Meta::Path(_) => Ok(true),
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            }) => Ok(b.value),
            other => Err(syn::Error::new_spanned(
                other,
                format!("`{key}` takes `true` or `false`, or stands alone for `true`"),
            )),
        },
        Meta::List(list) => Err(syn::Error::new_spanned(
            list,
            format!("`{key}` takes `true` or `false`, or stands alone for `true`"),
        )),
    }
}

/// What [`parse_options`] saw besides the options it handed on.
pub struct OptionsSeen {
    /// The keys given, once each, in order.
    pub keys: Vec<String>,
    /// Whether any key was unknown (reported already).
    pub unknown: bool,
}

/// Parses `#[attribute(key = value, ..)]`: each key given once, each handed to
/// `apply`, which returns `None` for a key it does not know. Errors go to
/// `errors`, all of them; only a list that does not parse at all is returned.
pub fn parse_options(
    attr: TokenStream,
    attribute: &str,
    valid: &str,
    errors: &mut Errors,
    mut apply: impl FnMut(&str, &Meta) -> Option<syn::Result<()>>,
) -> syn::Result<OptionsSeen> {
    use syn::parse::Parser;
    let metas =
        syn::punctuated::Punctuated::<Meta, syn::Token![,]>::parse_terminated.parse2(attr)?;
    let mut seen = OptionsSeen {
        keys: Vec::new(),
        unknown: false,
    };
    for meta in metas {
        let key = meta_key(&meta);
        if key.is_empty() {
            seen.unknown = true;
            errors.push(syn::Error::new_spanned(
                meta.path(),
                format!("unknown `#[{attribute}]` option; valid options: {valid}"),
            ));
            continue;
        }
        if seen.keys.contains(&key) {
            errors.push(syn::Error::new_spanned(
                meta.path(),
                format!("`{key}` is given twice"),
            ));
            continue;
        }
        seen.keys.push(key.clone());
        match apply(&key, &meta) {
            Some(Ok(())) => {}
            Some(Err(e)) => errors.push(e),
            None => {
                seen.unknown = true;
                errors.push(syn::Error::new_spanned(
                    meta.path(),
                    format!("unknown `#[{attribute}]` option `{key}`; valid options: {valid}"),
                ));
            }
        }
    }
    Ok(seen)
}

// --- doc comments ---

/// The `#[doc = "..."]` text of an attribute.
pub fn doc_line(attr: &Attribute) -> Option<String> {
    match &attr.meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// Joins doc comment lines: one leading space trimmed from each, outer blank
/// lines dropped.
pub fn join_doc(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// The doc comment of an item, `None` when it has none.
pub fn doc_of(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(doc_line)
        .collect();
    let joined = join_doc(&lines);
    (!joined.is_empty()).then_some(joined)
}

// --- types ---

pub fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

/// Whether the type is written `Option<_>`.
pub fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Option")
}

/// The `T` of a type written `Option<T>`.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    type_argument(ty, &["Option"])
}

/// The one type argument of a type written `Name<T>`, for `Name` one of `names`.
pub fn type_argument<'a>(ty: &'a Type, names: &[&str]) -> Option<&'a Type> {
    let segment = last_segment(ty)?;
    if !names.iter().any(|name| segment.ident == name) {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match (args.args.len(), args.args.first()) {
        (1, Some(GenericArgument::Type(inner))) => Some(inner),
        _ => None,
    }
}

/// Whether the framework supplies a parameter of this type without `#[inject]`.
pub fn is_injected_type(ty: &Type) -> bool {
    let Some(segment) = last_segment(ty) else {
        return false;
    };
    if INJECTED.iter().any(|name| segment.ident == name) {
        return true;
    }
    // `Option<Extension<T>>`, `Option<Headers>` and `Option<AccessToken>` are injected too.
    if segment.ident == "Option" {
        if let PathArguments::AngleBracketed(args) = &segment.arguments {
            if let Some(GenericArgument::Type(inner)) = args.args.first() {
                return last_segment(inner)
                    .is_some_and(|s| INJECTED_OPTIONAL.iter().any(|name| s.ident == name));
            }
        }
    }
    false
}

/// A type as written, without spaces (`Lifespan<Db>`), for messages.
pub fn type_key(ty: &Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "")
}

/// The first reference in a type (`&str`, `Option<&str>`, `Vec<&[u8]>`).
pub fn find_reference(ty: &Type) -> Option<&syn::TypeReference> {
    match ty {
        Type::Reference(r) => Some(r),
        Type::Paren(p) => find_reference(&p.elem),
        Type::Group(g) => find_reference(&g.elem),
        Type::Array(a) => find_reference(&a.elem),
        Type::Slice(s) => find_reference(&s.elem),
        Type::Tuple(t) => t.elems.iter().find_map(find_reference),
        Type::Path(p) => p
            .path
            .segments
            .iter()
            .find_map(|segment| match &segment.arguments {
                PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                    GenericArgument::Type(t) => find_reference(t),
                    _ => None,
                }),
                _ => None,
            }),
        _ => None,
    }
}

/// The `T` and `E` of a return type written `Result<T, E>` (any path ending in
/// `Result` with two type arguments).
pub fn result_parts(ty: &Type) -> Option<(&Type, &Type)> {
    let segment = last_segment(ty)?;
    if segment.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    match (types.next(), types.next(), types.next()) {
        (Some(ok), Some(err), None) => Some((ok, err)),
        _ => None,
    }
}

/// Spans for generated code that should point at a parameter's type.
pub fn type_span(ty: &Type) -> Span {
    ty.span()
}

/// `tokens`, every one of them spanned at `span`.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// `::ferrymcp::__private_v0_1_0` (the name carries the version, see
/// [`ferrymcp_rules::PRIVATE_MODULE`]), spanned at `span`: the paths of
/// generated code that may fail to compile are spanned at the user's token
/// they depend on.
pub fn private(span: Span) -> TokenStream {
    let module = syn::Ident::new(ferrymcp_rules::PRIVATE_MODULE, span);
    quote_spanned!(span=> ::ferrymcp::#module)
}

/// What `#[resource]` and `#[prompt]` expand to: `private(span)::catalog`.
pub fn catalog_private(span: Span) -> TokenStream {
    let p = private(span);
    quote_spanned!(span=> #p::catalog)
}

// --- the stages ---

/// The stages of an attribute macro on an `async fn`, as thiserror stages
/// its derive: parse the attribute and the function, validate them together,
/// expand; on any error, the fallback.
pub struct Stages<O> {
    /// What the function's parameters may be, and the words of its messages.
    pub site: &'static Site,
    /// Parses the attribute's options.
    pub options: fn(TokenStream) -> syn::Result<O>,
    /// The checks across options, and between options and the function.
    pub validate: fn(&O, &Signature) -> syn::Result<()>,
    /// The function and what the macro generates for it.
    pub expand: fn(&ItemFn, &O, &Signature) -> TokenStream,
    /// The function (minus the parameter attributes the compiler would
    /// reject) and a placeholder of what the macro generates, so that one
    /// mistake gives one error and the list macros still resolve.
    pub fallback: fn(&ItemFn) -> TokenStream,
}

impl<O> Stages<O> {
    /// Runs the stages. Every error of the attribute and of the function is
    /// reported, next to the fallback; an item that is not a function is
    /// emitted unchanged next to its error (as tokio-macros does), so the
    /// rest of the crate still sees it.
    pub fn run(&self, attr: TokenStream, item: TokenStream) -> TokenStream {
        let func: ItemFn = match syn::parse2(item.clone()) {
            Ok(func) => func,
            Err(_) => {
                let mut out = not_a_function(item.clone(), self.site.attribute).to_compile_error();
                out.extend(item);
                return out;
            }
        };
        let options = (self.options)(attr);
        let signature = Signature::parse(&func, self.site);
        let checked = match (options, signature) {
            (Ok(options), Ok(signature)) => {
                (self.validate)(&options, &signature).map(|()| (options, signature))
            }
            (options, signature) => Err(combine(
                [options.err(), signature.err()].into_iter().flatten(),
            )),
        };
        match checked {
            Ok((options, signature)) => (self.expand)(&func, &options, &signature),
            Err(e) => {
                let mut out = e.to_compile_error();
                out.extend((self.fallback)(&func));
                out
            }
        }
    }
}

// --- the function ---

/// The error for an attribute macro on an item that is not a function, at the
/// item's keyword (`struct`, `impl`, ...) when there is one.
pub fn not_a_function(item: TokenStream, attribute: &str) -> syn::Error {
    let (what, span) = match syn::parse2::<syn::Item>(item) {
        Ok(syn::Item::Struct(i)) => ("a struct", i.struct_token.span),
        Ok(syn::Item::Enum(i)) => ("an enum", i.enum_token.span),
        Ok(syn::Item::Union(i)) => ("a union", i.union_token.span),
        Ok(syn::Item::Impl(i)) => ("an `impl` block", i.impl_token.span),
        Ok(syn::Item::Trait(i)) => ("a trait", i.trait_token.span),
        Ok(syn::Item::Mod(i)) => ("a module", i.mod_token.span),
        Ok(syn::Item::Const(i)) => ("a constant", i.const_token.span),
        Ok(syn::Item::Static(i)) => ("a static", i.static_token.span),
        Ok(syn::Item::Type(i)) => ("a type alias", i.type_token.span),
        Ok(syn::Item::Use(i)) => ("a `use`", i.use_token.span),
        Ok(other) => ("this item", other.span()),
        Err(_) => ("this item", Span::call_site()),
    };
    syn::Error::new(
        span,
        format!("`#[{attribute}]` goes on an `async fn`, not on {what}"),
    )
}

/// One part of what an attribute macro generates for a function: a method
/// of the item's trait, or, for a `&self` method, an argument of the
/// `Method*::new` that binds the parts to the instance (see [`emit`]).
pub struct Part {
    /// The trait method's signature: `fn meta(&self) -> ToolMeta`.
    pub sig: TokenStream,
    /// How a method item takes it: empty for the value of `body`, or the
    /// head of a closure (`|__scope, mut __args|`) whose body is `body`.
    pub closure: TokenStream,
    pub body: TokenStream,
}

/// The item an attribute macro generates, given its parts: for a free
/// function, a hidden type (see [`hidden_type_name`]) that implements
/// `trait_path<__L>` under `bounds`; for a `&self` method, a hidden
/// associated function that builds a `method_type<Self, __L>` from the
/// instance and the parts. The function itself comes first, minus the
/// parameter attributes only the macros understand.
pub fn emit(
    func: &ItemFn,
    kind: &str,
    trait_path: TokenStream,
    method_type: TokenStream,
    bounds: &[TokenStream],
    parts: &[Part],
) -> TokenStream {
    let function = crate::param::clean_function(func);
    let p = private(Span::call_site());
    let vis = &func.vis;
    let ident = &func.sig.ident;
    if func.sig.receiver().is_some() {
        let hidden = hidden_method_name(kind, ident);
        let args = parts.iter().map(|part| {
            let Part { closure, body, .. } = part;
            quote!(#closure { #body })
        });
        // `Self` in an anonymous constant compiles for a concrete type only:
        // on a method of a generic `impl` (`impl<T> Repo<T>`) this is the
        // one error, "generic `Self` types are currently not permitted in
        // anonymous constants", at the method's name, with a note at the
        // `impl`.
        let concrete_self = quote_spanned!(ident.span()=> Self);
        return quote! {
            #function

            #[doc(hidden)]
            #[allow(non_snake_case, unused_mut, clippy::type_complexity, clippy::redundant_closure)]
            #vis fn #hidden<__L: ::core::marker::Send + ::core::marker::Sync + 'static>(
                __ferrymcp_state: #p::Arc<Self>,
            ) -> #method_type<Self, __L>
            where
                Self: ::core::marker::Send + ::core::marker::Sync + 'static,
                #(#bounds,)*
            {
                let _: [(); { let _ = ::core::marker::PhantomData::<#concrete_self>; 0 }];
                #method_type::new(__ferrymcp_state, #(#args),*)
            }
        };
    }
    let methods = parts
        .iter()
        .map(|Part { sig, body, .. }| quote!(#sig { #body }));
    let hidden_type = hidden_type_name(ident);
    let kind = kind_marker(kind);
    quote! {
        #function

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #hidden_type {}

        impl #p::Generated<#p::#kind> for #hidden_type {}

        // A default is read through `|| default`, which may be a closure clippy would drop.
        #[allow(clippy::redundant_closure)]
        impl<__L: ::core::marker::Send + ::core::marker::Sync + 'static> #trait_path<__L> for #hidden_type
        where
            #(#bounds,)*
        {
            #(#methods)*
        }
    }
}

/// What an attribute macro emits when the attribute or the function is
/// wrong: the function, and a stand-in of what the list macros name (a
/// hidden type whose trait methods are `stubs`, or a method's hidden
/// associated function), so that one mistake gives one error and the list
/// macro that names the function still resolves.
pub fn emit_fallback(
    func: &ItemFn,
    kind: &str,
    trait_path: TokenStream,
    method_type: TokenStream,
    stubs: &[TokenStream],
) -> TokenStream {
    let unreachable = format!("this {kind} failed to compile");
    if func.sig.receiver().is_some() {
        let function = crate::param::clean_function(func);
        let p = private(Span::call_site());
        let vis = &func.vis;
        let hidden = hidden_method_name(kind, &func.sig.ident);
        return quote! {
            #function

            #[doc(hidden)]
            #[allow(non_snake_case, unused_variables)]
            #vis fn #hidden<__L>(__ferrymcp_state: #p::Arc<Self>) -> #method_type<Self, __L> {
                ::core::unreachable!(#unreachable)
            }
        };
    }
    let parts: Vec<Part> = stubs
        .iter()
        .map(|sig| Part {
            sig: sig.clone(),
            closure: TokenStream::new(),
            body: quote!(::core::unreachable!(#unreachable)),
        })
        .collect();
    emit(func, kind, trait_path, method_type, &[], &parts)
}

/// The name of what a function serves: `name = ".."`, or the function's own.
pub fn name_or_fn(name: Option<&LitStr>, fn_ident: &syn::Ident) -> String {
    match name {
        Some(name) => name.value(),
        None => fn_ident.to_string().trim_start_matches("r#").to_string(),
    }
}

/// Its description: `description = ".."`, or the function's doc comment.
pub fn description_or_doc(description: Option<&LitStr>, attrs: &[Attribute]) -> Option<String> {
    description.map(LitStr::value).or_else(|| doc_of(attrs))
}

/// The marker type of `kind` (`tool`, `resource`, `prompt`) in the hidden
/// module: `ToolKind`, `ResourceKind`, `PromptKind`.
pub fn kind_marker(kind: &str) -> syn::Ident {
    let marker = match kind {
        "resource" => "ResourceKind",
        "prompt" => "PromptKind",
        _ => "ToolKind",
    };
    syn::Ident::new(marker, Span::call_site())
}

/// The name of the hidden type generated for a function: the function's own
/// name. The type lives in the type namespace and the function in the value
/// namespace, so both are one name: `use m::add;` imports the tool with the
/// function, and `tools![add]` finds it.
pub fn hidden_type_name(name: &syn::Ident) -> syn::Ident {
    name.clone()
}

/// The name of the hidden associated function `#[tool]` adds next to a
/// method (`__ferrymcp_tool_<method>`).
pub fn hidden_method_name(kind: &str, name: &syn::Ident) -> syn::Ident {
    let plain = name.to_string();
    let plain = plain.trim_start_matches("r#");
    quote::format_ident!("__ferrymcp_{}_{}", kind, plain, span = name.span())
}

/// One `name = function` of `complete(..)`.
pub struct CompleteEntry {
    /// The argument or placeholder name.
    pub name: String,
    pub name_span: Span,
    /// The completion function (a path, or any expression of a function).
    pub function: Expr,
}

/// Parses `complete(arg = function, "other-arg" = function, ..)`.
pub fn parse_complete(meta: &Meta) -> syn::Result<Vec<CompleteEntry>> {
    const EXPECTED: &str =
        "`complete` takes `name = function` pairs: `complete(city = complete_city, country = complete_country)`";
    let Meta::List(list) = meta else {
        return Err(syn::Error::new_spanned(meta, EXPECTED));
    };
    let parser = |input: syn::parse::ParseStream| {
        let mut entries: Vec<CompleteEntry> = Vec::new();
        while !input.is_empty() {
            let (name, name_span) = if input.peek(LitStr) {
                let lit: LitStr = input.parse()?;
                (lit.value(), lit.span())
            } else {
                let ident: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
                let plain = ident.to_string();
                (plain.trim_start_matches("r#").to_string(), ident.span())
            };
            input.parse::<syn::Token![=]>()?;
            let function: Expr = input.parse()?;
            if entries.iter().any(|e| e.name == name) {
                return Err(syn::Error::new(
                    name_span,
                    format!("`{name}` has two completion functions"),
                ));
            }
            entries.push(CompleteEntry {
                name,
                name_span,
                function,
            });
            if input.is_empty() {
                break;
            }
            input.parse::<syn::Token![,]>()?;
        }
        Ok(entries)
    };
    syn::parse::Parser::parse2(parser, list.tokens.clone()).map_err(|e| {
        let mut e = e;
        e.combine(syn::Error::new(e.span(), EXPECTED));
        e
    })
}

/// `names` as "`a`, `b`" for messages, or `none` when empty.
pub fn list_names<'a>(names: impl IntoIterator<Item = &'a str>, wrap: (&str, &str)) -> String {
    let names: Vec<String> = names
        .into_iter()
        .map(|n| format!("`{}{n}{}`", wrap.0, wrap.1))
        .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The errors of the attribute and of the function, as one.
pub fn combine(errors: impl IntoIterator<Item = syn::Error>) -> syn::Error {
    let mut all = Errors::default();
    for e in errors {
        all.push(e);
    }
    all.0
        .unwrap_or_else(|| syn::Error::new(Span::call_site(), "invalid attribute"))
}

// --- generated code shared by the attribute macros ---

/// `let #var: #ty = <injected from the scope>;`, spanned at the type; on an
/// error the generated function returns `fail(p)` (`p` the hidden module's
/// path; the `InjectError` is `error`). Returns the statement and the bound
/// it needs on the lifespan `__L`.
pub fn injected_param(
    var: &syn::Ident,
    ty: &Type,
    fail: impl Fn(&TokenStream) -> TokenStream,
) -> (TokenStream, TokenStream) {
    let span = type_span(ty);
    let p = private(span);
    let failure = fail(&p);
    // Bounded on the lifespan (`__L: Supplies<T>`, not `T: Inject<__L>`) so
    // the list macro takes `__L` from the server, and a mismatch is reported
    // against the server's lifespan type.
    let bound = quote_spanned!(span=> __L: #p::route::Supplies<#ty>);
    let supplied = quote_spanned!(span=> <__L as #p::route::Supplies<#ty>>::supply(&__scope));
    let stmt = let_or_return(span, quote!(#var), ty, supplied, failure);
    (stmt, bound)
}

/// `let #binding: #ty = match #value { Ok(value) => value, Err(error) =>
/// return #fail };`, every token spanned at `span` (the user's type whose
/// read it is): how generated code reads an argument or an injected
/// parameter, returning early with `fail` (which names the error `error`).
pub fn let_or_return(
    span: Span,
    binding: TokenStream,
    ty: impl ToTokens,
    value: TokenStream,
    fail: TokenStream,
) -> TokenStream {
    let p = private(span);
    let fail = respan(fail, span);
    quote_spanned! {span=>
        let #binding: #ty = match #value {
            #p::Ok(value) => value,
            #p::Err(error) => return #fail,
        };
    }
}

/// The parameters of a function, expanded: the variables the function is
/// called with, the statements that inject the injected ones (returning
/// `fail(p)` on an error, see [`injected_param`]) and the bounds they need.
pub struct Params {
    pub call_args: Vec<syn::Ident>,
    pub injects: Vec<TokenStream>,
    pub bounds: Vec<TokenStream>,
}

impl Params {
    /// Expands the parameters; `argument` is called for each one read from
    /// the request, with the variable to read it into.
    pub fn expand(
        signature: &Signature,
        fail: impl Fn(&TokenStream) -> TokenStream,
        mut argument: impl FnMut(&syn::Ident, &crate::param::Param),
    ) -> Params {
        let mut params = Params {
            call_args: Vec::new(),
            injects: Vec::new(),
            bounds: Vec::new(),
        };
        for (i, param) in signature.params.iter().enumerate() {
            let var = quote::format_ident!("__ferrymcp_arg{}", i);
            match &param.kind {
                crate::param::ParamKind::Argument { .. } => argument(&var, param),
                crate::param::ParamKind::Injected => {
                    let (stmt, bound) = injected_param(&var, &param.ty, &fail);
                    params.injects.push(stmt);
                    params.bounds.push(bound);
                }
            }
            params.call_args.push(var);
        }
        params
    }
}

/// The call of the user's function and the routing of what it returns:
/// `ok` turns the success value `__value` into the output, `err` the error
/// `__error`, each spanned at the span it is given (the success type's, the
/// error type's), so that a type no route takes is blamed where it is
/// written. The route traits must be in scope.
pub fn call_and_route(
    fn_ident: &syn::Ident,
    args: &[syn::Ident],
    signature: &Signature,
    ok: impl FnOnce(Span) -> TokenStream,
    err: impl FnOnce(Span) -> TokenStream,
) -> TokenStream {
    let ret = &signature.ret;
    let ret_span = type_span(ret);
    // For `Result<T, E>`, errors about `T` point at `T` and about `E` at `E`.
    let (ok_span, err_span) = match result_parts(ret) {
        Some((ok, err)) => (type_span(ok), type_span(err)),
        None => (ret_span, ret_span),
    };
    let p_ret = private(ret_span);
    let p = private(Span::call_site());
    let split = quote_spanned! {ret_span=>
        (&&#p_ret::route::ReturnTag::<#ret>::new()).split(__ret)
    };
    let ok_output = ok(ok_span);
    let err_output = err(err_span);
    let span = fn_ident.span();
    // A method is called on the instance the tool holds (`__ferrymcp_self`,
    // an `Arc<Self>`); a plain `fn` runs on the blocking pool.
    let call = if signature.method {
        quote_spanned! {span=> Self::#fn_ident(&__ferrymcp_self, #(#args),*) }
    } else {
        quote_spanned! {span=> #fn_ident(#(#args),*) }
    };
    let call = if signature.blocking {
        let p_fn = private(span);
        quote_spanned! {span=> #p_fn::blocking(move || #call) }
    } else {
        call
    };
    quote! {
        let __ret: #ret = #call.await;
        match #split {
            #p::Ok(__value) => #ok_output,
            #p::Err(__error) => #err_output,
        }
    }
}

/// The boxed future of a generated `ResourceFn::read` / `PromptFn::get`, and
/// the bounds it needs on the lifespan: `read` gives the statement that reads
/// each parameter taken from the request into its variable; injected ones
/// are injected; `ok` turns the success value `__value` into the output
/// (spanned at the span it is given); errors go through the catalog's error
/// routes into a `CatalogError`.
pub fn catalog_call(
    fn_ident: &syn::Ident,
    signature: &Signature,
    mut read: impl FnMut(&syn::Ident, &crate::param::Param) -> TokenStream,
    ok: impl FnOnce(Span) -> TokenStream,
) -> (TokenStream, Vec<TokenStream>) {
    let mut reads = Vec::new();
    let Params {
        call_args,
        injects,
        bounds,
    } = Params::expand(
        signature,
        |p| quote!(#p::Err(#p::catalog::inject_failure(error))),
        |var, param| reads.push(read(var, param)),
    );
    let (p, pc) = (
        private(Span::call_site()),
        catalog_private(Span::call_site()),
    );
    let routed = call_and_route(fn_ident, &call_args, signature, ok, |span| {
        let p = private(span);
        quote_spanned! {span=>
            #p::Err((&&&#p::route::ErrorTag::of(&__error)).catalog_error_route().failure(__error))
        }
    });
    let boxed = boxed_call(
        fn_ident,
        quote! {
            #(#reads)*
            #(#injects)*
            #[allow(unused_imports)]
            use #p::route::{SplitPlain as _, SplitResult as _};
            #[allow(unused_imports)]
            use #pc::{ViaKnownError as _, ViaDisplayError as _, ViaUnsupportedError as _};
            #routed
        },
    );
    (boxed, bounds)
}

/// The `complete` part of a generated `ResourceFn` / `PromptFn`: `None`
/// when no argument has a completion function (the trait's default), except
/// on a method, whose item takes `no_completion` then.
pub fn complete_part(entries: &[CompleteEntry], method: bool) -> Option<Part> {
    let p = catalog_private(Span::call_site());
    if entries.is_empty() {
        return method.then(|| Part {
            sig: TokenStream::new(),
            closure: TokenStream::new(),
            body: quote!(#p::no_completion),
        });
    }
    let arms = entries.iter().map(|entry| {
        let name = &entry.name;
        let function = &entry.function;
        let span = function.span();
        let p_fn = catalog_private(span);
        let run = quote_spanned! {span=>
            #p_fn::complete_with(#function, __value, __context)
        };
        quote!(#name => #p::Some(#run),)
    });
    Some(Part {
        sig: quote! {
            fn complete(
                &self,
                __argument: &str,
                __value: #p::String,
                __context: #p::CompletionContext,
            ) -> #p::Option<#p::BoxFuture<'static, #p::Completion>>
        },
        closure: quote!(|__argument, __value, __context|),
        body: quote! {
            match __argument {
                #(#arms)*
                _ => #p::None,
            }
        },
    })
}

/// `Some(value)` / `None` for generated metadata (`Some("text")`, `Some(true)`).
pub fn opt_str<T: ToTokens>(value: Option<T>) -> TokenStream {
    let p = private(Span::call_site());
    match value {
        Some(v) => quote::quote!(#p::Some(#v)),
        None => quote::quote!(#p::None),
    }
}

/// The boxed future of a generated `call`/`read`/`get`, around `body`.
/// Spanned at the function's name, where a future that is not `Send` is reported.
pub fn boxed_call(fn_ident: &syn::Ident, body: TokenStream) -> TokenStream {
    let p_fn = private(fn_ident.span());
    quote_spanned! {fn_ident.span()=>
        #p_fn::Box::pin(async move { #body })
    }
}
