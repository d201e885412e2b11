//! `tools![a, b::c]`, `resources![..]` and `prompts![..]`: a `ToolList`,
//! `ResourceList` or `PromptList` of the types `#[tool]`, `#[resource]` and
//! `#[prompt]` generated, each of the function's own name (so an imported
//! function brings its tool with it).
//!
//! Each also takes methods, after the instance they run on:
//! `tools![add; repo => Repo::search, Repo::reindex]` (sections separated by
//! `;`). Each method names the hidden associated function the attribute
//! added next to it (`__ferrymcp_tool_search`); a method without the
//! attribute finds, instead, a stand-in from a trait declared in the
//! expansion (inherent items win over trait items), so the error names the
//! method and says how to make it an item of the list.

use crate::common::{catalog_private, hidden_method_name, private};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Path, Token};

#[derive(Clone, Copy)]
pub enum Kind {
    Tool,
    Resource,
    Prompt,
}

impl Kind {
    /// `tool`, `resource` or `prompt`.
    fn type_kind(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::Resource => "resource",
            Kind::Prompt => "prompt",
        }
    }

    /// `tools`, `resources` or `prompts`.
    fn list(self) -> &'static str {
        match self {
            Kind::Tool => "tools",
            Kind::Resource => "resources",
            Kind::Prompt => "prompts",
        }
    }

    /// A method's name in the examples of messages.
    fn example_method(self) -> &'static str {
        match self {
            Kind::Tool => "search",
            Kind::Resource => "readme",
            Kind::Prompt => "review",
        }
    }
}

/// One `;`-separated part of the list: functions, or methods on an instance.
enum Section {
    Functions(Vec<Path>),
    Methods { state: Expr, methods: Vec<Path> },
}

pub fn expand(input: TokenStream, kind: Kind) -> TokenStream {
    let call_site = Span::call_site();
    let (macro_name, attribute, example, list) = match kind {
        Kind::Tool => {
            let p = private(call_site);
            (
                "tools!",
                "#[tool]",
                "tools![add, math::mul; repo => Repo::search, Repo::reindex]",
                quote!(#p::ToolList),
            )
        }
        Kind::Resource => (
            "resources!",
            "#[resource]",
            "resources![readme, user_profile; docs => Docs::page]",
            {
                let p = catalog_private(call_site);
                quote!(#p::ResourceList)
            },
        ),
        Kind::Prompt => (
            "prompts!",
            "#[prompt]",
            "prompts![summarize, review; style => Style::review]",
            {
                let p = catalog_private(call_site);
                quote!(#p::PromptList)
            },
        ),
    };
    let sections = match parse(input, kind) {
        Ok(sections) => sections,
        Err(mut e) => {
            e.combine(syn::Error::new(
                e.span(),
                format!("`{macro_name}` takes the names of `{attribute}` functions, separated by commas: `{example}`"),
            ));
            return e.to_compile_error();
        }
    };
    let mut states = Vec::new();
    let mut items = 0usize;
    let mut trait_names: Vec<String> = Vec::new();
    let mut fallbacks = Vec::new();
    let mut fallback_names: Vec<String> = Vec::new();
    let mut pushes = Vec::new();
    for section in sections {
        match section {
            Section::Functions(paths) => {
                for path in paths {
                    let (lookup, push) = function_lookup(kind, items, &path, &mut trait_names);
                    items += 1;
                    fallbacks.push(lookup);
                    pushes.push(push);
                }
            }
            Section::Methods { state, methods } => {
                let var = format_ident!("__ferrymcp_state_{}", states.len());
                let span = state.span();
                let p_state = private(span);
                states.push(quote_spanned!(span=> let #var = #p_state::share(#state);));
                for mut path in methods {
                    let span = last_span(&path);
                    let Some(last) = path.segments.last_mut() else {
                        continue;
                    };
                    let method = last.ident.clone();
                    let hidden = hidden_method_name(kind.type_kind(), &method);
                    last.ident = hidden.clone();
                    let plain = method.to_string();
                    if !fallback_names.contains(&plain) {
                        fallback_names.push(plain.clone());
                        let ty: Vec<String> = path
                            .segments
                            .iter()
                            .rev()
                            .skip(1)
                            .map(|s| s.to_token_stream().to_string().replace(' ', ""))
                            .collect::<Vec<_>>()
                            .into_iter()
                            .rev()
                            .collect();
                        let ty = ty.join("::");
                        fallbacks.push(method_fallback(kind, &ty, &plain, &hidden));
                    }
                    let p_span = private(span);
                    pushes.push(quote_spanned! {span=>
                        .with(#path(#p_span::Arc::clone(&#var)))
                    });
                }
            }
        }
    }
    quote! {
        {
            #(#states)*
            #(#fallbacks)*
            #list::new() #(#pushes)*
        }
    }
}

/// The stand-in for method `method` of `ty`: an associated function of the
/// same name as the hidden one, from a trait implemented for every type, whose
/// call requires a trait nothing implements, with the message for it.
fn method_fallback(kind: Kind, ty: &str, method: &str, hidden: &syn::Ident) -> TokenStream {
    let p = private(Span::call_site());
    let plain = method.trim_start_matches("r#");
    let noun = kind.type_kind();
    let is_item = format_ident!("{}_is_a_{}_method", plain, noun);
    let stand_in = format_ident!("{}_is_not_a_{}_method", plain, noun);
    let hidden = syn::Ident::new(&hidden.to_string(), Span::call_site());
    let message = format!("`{ty}::{method}` is not a `#[{noun}]` method");
    let label = format!("not a `#[{noun}]` method");
    let note = match kind {
        Kind::Tool => format!(
            "annotate it with `#[tool]` in `impl {ty}`: `#[tool] async fn {method}(&self, ..)` (a plain `fn` runs on the blocking pool)"
        ),
        Kind::Resource => format!(
            "annotate it with `#[resource(uri = \"...\")]` in `impl {ty}`: `#[resource(uri = \"...\")] async fn {method}(&self, ..)`"
        ),
        Kind::Prompt => format!(
            "annotate it with `#[prompt]` in `impl {ty}`: `#[prompt] async fn {method}(&self, ..)`"
        ),
    };
    quote! {
        #[allow(non_camel_case_types, dead_code)]
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        trait #is_item {}
        #[allow(non_camel_case_types, dead_code)]
        trait #stand_in {
            fn #hidden(_: #p::Arc<Self>) -> #p::NotAnItem
            where
                Self: #is_item,
            {
                #p::NotAnItem
            }
        }
        impl<__T: ?::core::marker::Sized> #stand_in for __T {}
    }
}

/// How `tools![x]` finds the type `#[tool]` generated for `x`, or says that
/// `x` is not a `#[tool]` function. In a block of the expansion,
/// `use x as __ferrymcp_item_N;` imports whatever `x` names, wherever it is
/// declared (a module, an enclosing block, an import); a glob import of a
/// module of the expansion supplies a stand-in type of that name, which the
/// explicit import shadows in the type namespace when `x` has a type there.
/// A local trait with the message, implemented for the types the macros
/// generate, then accepts the one and refuses the other; the stand-in
/// (`NotAnItem`) implements the list's trait, so no other error follows.
/// Returns the items and the `.with(..)` of the entry.
fn function_lookup(
    kind: Kind,
    index: usize,
    path: &Path,
    trait_names: &mut Vec<String>,
) -> (TokenStream, TokenStream) {
    let p = private(Span::call_site());
    let span = last_span(path);
    let alias = syn::Ident::new(&format!("__ferrymcp_item_{index}"), span);
    let fallback = format_ident!("__ferrymcp_fallback_{}", index);
    let shown = path.to_token_stream().to_string().replace(' ', "");
    let plain = path
        .segments
        .last()
        .map(|s| s.ident.to_string().trim_start_matches("r#").to_string())
        .unwrap_or_default();
    // Named for the help line ("the trait `add_is_a_tool` is not
    // implemented"); a second `add` of another module gets a number.
    let mut name = format!("{}_is_a_{}", plain, kind.type_kind());
    if trait_names.contains(&name) {
        name = format!("{name}_{index}");
    }
    trait_names.push(name.clone());
    let check = syn::Ident::new(&name, span);
    let (marker, attribute, how) = match kind {
        Kind::Tool => (
            quote!(#p::ToolKind),
            "#[tool]",
            format!("add `#[tool]` above `async fn {plain}` (a plain `fn {plain}` becomes a tool that runs on the blocking pool); a `#[tool]` method goes after its instance: `tools![state => Type::{plain}]`"),
        ),
        Kind::Resource => (
            quote!(#p::ResourceKind),
            "#[resource]",
            format!("add `#[resource(uri = \"...\")]` above `async fn {plain}`; a `#[resource]` method goes after its instance: `resources![state => Type::{plain}]`"),
        ),
        Kind::Prompt => (
            quote!(#p::PromptKind),
            "#[prompt]",
            format!("add `#[prompt]` above `async fn {plain}`; a `#[prompt]` method goes after its instance: `prompts![state => Type::{plain}]`"),
        ),
    };
    let message = format!("`{shown}` is not a `{attribute}` function");
    let label = format!("not a `{attribute}` function");
    let lookup = quote! {
        #[allow(non_snake_case)]
        mod #fallback {
            #[allow(non_camel_case_types)]
            pub type #alias = #p::NotAnItem;
        }
        #[allow(unused_imports)]
        use #fallback::*;
        #[allow(unused_imports)]
        use #path as #alias;
        #[allow(non_camel_case_types)]
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #how)]
        trait #check: ::core::marker::Sized {
            fn item(self) -> Self {
                self
            }
        }
        impl<__T: #p::Generated<#marker>> #check for __T {}
    };
    let push = quote_spanned!(span=> .with(#check::item(#alias {})));
    (lookup, push)
}

fn last_span(path: &Path) -> Span {
    path.segments
        .last()
        .map(|s| s.ident.span())
        .unwrap_or_else(Span::call_site)
}

/// Splits the input at top-level `;` and parses each section.
fn parse(input: TokenStream, kind: Kind) -> syn::Result<Vec<Section>> {
    let mut chunks: Vec<Vec<TokenTree>> = vec![Vec::new()];
    for token in input {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ';' => chunks.push(Vec::new()),
            _ => chunks.last_mut().expect("one chunk at least").push(token),
        }
    }
    let mut sections = Vec::new();
    for chunk in chunks {
        if chunk.is_empty() {
            continue;
        }
        let arrow = chunk.windows(2).position(|w| match (&w[0], &w[1]) {
            (TokenTree::Punct(a), TokenTree::Punct(b)) => {
                a.as_char() == '='
                    && a.spacing() == proc_macro2::Spacing::Joint
                    && b.as_char() == '>'
            }
            _ => false,
        });
        let paths = |tokens: &[TokenTree]| {
            Punctuated::<Path, Token![,]>::parse_terminated
                .parse2(tokens.iter().cloned().collect())
                .map(|p| p.into_iter().collect::<Vec<_>>())
        };
        match arrow {
            None => sections.push(Section::Functions(paths(&chunk)?)),
            Some(at) => {
                let state_tokens: TokenStream = chunk[..at].iter().cloned().collect();
                if state_tokens.is_empty() {
                    return Err(syn::Error::new_spanned(
                        &chunk[at],
                        format!("`=>` comes after the instance the methods run on: `{}![repo => Repo::{}]`", kind.list(), kind.example_method()),
                    ));
                }
                let state: Expr = syn::parse2(state_tokens)?;
                let methods = paths(&chunk[at + 2..])?;
                for method in &methods {
                    if method.segments.len() < 2 {
                        return Err(syn::Error::new_spanned(
                            method,
                            format!(
                                "after `=>` come `#[{noun}]` methods, named with their type: `Type::{}`; a free `#[{noun}]` function goes before, in its own section: `{list}![{}; state => Type::method]`",
                                method.to_token_stream(),
                                method.to_token_stream(),
                                noun = kind.type_kind(),
                                list = kind.list(),
                            ),
                        ));
                    }
                }
                if methods.is_empty() {
                    return Err(syn::Error::new_spanned(
                        &chunk[at + 1],
                        format!(
                            "name the `#[{}]` methods after `=>`: `{}![repo => Repo::{}]`",
                            kind.type_kind(),
                            kind.list(),
                            kind.example_method()
                        ),
                    ));
                }
                sections.push(Section::Methods { state, methods });
            }
        }
    }
    Ok(sections)
}
