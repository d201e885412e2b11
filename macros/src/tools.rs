//! `tools![a, b::c]`: a `ToolList` of the types `#[tool]` generated.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Path, Token};

/// The name of the type `#[tool]` generates for a function named `name`.
pub fn tool_type_name(name: &syn::Ident) -> syn::Ident {
    let plain = name.to_string();
    let plain = plain.trim_start_matches("r#");
    format_ident!("__ferrymcp_tool_{}", plain, span = name.span())
}

pub fn expand(input: TokenStream) -> TokenStream {
    let paths = match Punctuated::<Path, Token![,]>::parse_terminated.parse2(input) {
        Ok(paths) => paths,
        Err(e) => {
            let mut e = e;
            e.combine(syn::Error::new(
                e.span(),
                "`tools!` takes the names of `#[tool]` functions, separated by commas: `tools![add, math::mul]`",
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
            last.ident = tool_type_name(&last.ident);
        }
        quote_spanned!(span=> .with(#path))
    });
    quote! {
        ::ferrymcp::__private::ToolList::new() #(#pushes)*
    }
}
