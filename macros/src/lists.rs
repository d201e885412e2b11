//! `tools![a, b::c]`, `resources![..]` and `prompts![..]`: a `ToolList`,
//! `ResourceList` or `PromptList` of the types `#[tool]`, `#[resource]` and
//! `#[prompt]` generated.

use crate::common::{catalog_private, hidden_type_name, private};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Path, Token};

#[derive(Clone, Copy)]
pub enum Kind {
    Tool,
    Resource,
    Prompt,
}

impl Kind {
    /// The `kind` part of the hidden type's name.
    pub fn type_kind(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::Resource => "resource",
            Kind::Prompt => "prompt",
        }
    }
}

pub fn expand(input: TokenStream, kind: Kind) -> TokenStream {
    let call_site = proc_macro2::Span::call_site();
    let (macro_name, attribute, example, list) = match kind {
        Kind::Tool => {
            let p = private(call_site);
            (
                "tools!",
                "#[tool]",
                "tools![add, math::mul]",
                quote!(#p::ToolList),
            )
        }
        Kind::Resource => (
            "resources!",
            "#[resource]",
            "resources![readme, user_profile]",
            {
                let p = catalog_private(call_site);
                quote!(#p::ResourceList)
            },
        ),
        Kind::Prompt => ("prompts!", "#[prompt]", "prompts![summarize, review]", {
            let p = catalog_private(call_site);
            quote!(#p::PromptList)
        }),
    };
    let paths = match Punctuated::<Path, Token![,]>::parse_terminated.parse2(input) {
        Ok(paths) => paths,
        Err(mut e) => {
            e.combine(syn::Error::new(
                e.span(),
                format!("`{macro_name}` takes the names of `{attribute}` functions, separated by commas: `{example}`"),
            ));
            return e.to_compile_error();
        }
    };
    let pushes = paths.into_iter().map(|mut path| {
        let span = path
            .segments
            .last()
            .map(|s| s.ident.span())
            .unwrap_or_else(proc_macro2::Span::call_site);
        if let Some(last) = path.segments.last_mut() {
            last.ident = hidden_type_name(kind.type_kind(), &last.ident);
        }
        quote_spanned!(span=> .with(#path))
    });
    quote! {
        #list::new() #(#pushes)*
    }
}
