//! The function a `#[tool]` is on: its parameters (arguments or injected) and
//! its return type, checked for what a tool cannot be.

pub use crate::common::{doc_line, join_doc, result_parts, type_span};

use crate::common::{find_reference, is_injected_type, is_option, last_segment, type_key, Errors};
use quote::ToTokens;
use syn::{
    Attribute, Expr, FnArg, GenericArgument, ItemFn, LitStr, Pat, PathArguments, ReturnType, Type,
};

/// One parameter of the tool function.
pub struct Param {
    pub ty: Type,
    pub kind: ParamKind,
}

pub enum ParamKind {
    /// Read from the client's arguments.
    Argument {
        /// The name in the input schema.
        name: String,
        /// The doc comment, for the schema's description.
        doc: Option<String>,
        /// `#[arg(default = ...)]`.
        default: Option<Box<Expr>>,
        /// Whether the type is `Option<_>` (absent means `None`).
        optional: bool,
        /// `#[arg(header = "...")]`: the `x-mcp-header` name, checked.
        header: Option<LitStr>,
    },
    /// Supplied from the call scope.
    Injected,
}

/// What the expansion needs of the function.
pub struct ToolSignature {
    pub params: Vec<Param>,
    pub ret: Type,
}

impl ToolSignature {
    pub fn parse(func: &ItemFn) -> syn::Result<Self> {
        let sig = &func.sig;
        let mut errors = Errors::default();
        if sig.asyncness.is_none() {
            errors.push(syn::Error::new_spanned(
                sig.fn_token,
                format!(
                    "a `#[tool]` function must be async: write `async fn {}`",
                    sig.ident
                ),
            ));
        }
        if let Some(unsafety) = &sig.unsafety {
            errors.push(syn::Error::new_spanned(
                unsafety,
                "a `#[tool]` function cannot be `unsafe`",
            ));
        }
        if let Some(abi) = &sig.abi {
            errors.push(syn::Error::new_spanned(
                abi,
                "a `#[tool]` function cannot have an `extern` ABI",
            ));
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            errors.push(syn::Error::new_spanned(
                &sig.generics,
                "a `#[tool]` function cannot be generic: its argument and return types must be concrete to derive their JSON Schemas",
            ));
        }
        if let Some(variadic) = &sig.variadic {
            errors.push(syn::Error::new_spanned(
                variadic,
                "a `#[tool]` function cannot be variadic",
            ));
        }
        let mut params = Vec::new();
        let mut injected_seen: Vec<String> = Vec::new();
        let mut names_seen: Vec<String> = Vec::new();
        // (lower-cased header name, argument, header name) of every
        // `#[arg(header)]` so far.
        let mut headers_seen: Vec<(String, String, String)> = Vec::new();
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(receiver) => errors.push(syn::Error::new_spanned(
                    receiver,
                    "`#[tool]` goes on free functions, not methods: move the tool out of the `impl` block and pass what it needs as parameters or through `Lifespan<T>`",
                )),
                FnArg::Typed(pat_type) => {
                    match parse_param(&pat_type.attrs, &pat_type.pat, &pat_type.ty) {
                        Ok(param) => {
                            match &param.kind {
                                ParamKind::Injected => {
                                    let key = type_key(&param.ty);
                                    if injected_seen.contains(&key) {
                                        errors.push(syn::Error::new_spanned(
                                            &pat_type.ty,
                                            format!("`{key}` is injected twice; one parameter of this type is enough"),
                                        ));
                                    }
                                    injected_seen.push(key);
                                }
                                ParamKind::Argument { name, header, .. } => {
                                    if names_seen.contains(name) {
                                        errors.push(syn::Error::new_spanned(
                                            &pat_type.pat,
                                            format!("two arguments are named `{name}`"),
                                        ));
                                    }
                                    names_seen.push(name.clone());
                                    if let Some(header) = header {
                                        let value = header.value();
                                        let key = value.to_ascii_lowercase();
                                        match headers_seen.iter().find(|(k, _, _)| *k == key) {
                                            Some((_, other, first)) => errors.push(syn::Error::new_spanned(
                                                header,
                                                format!(
                                                    "`Mcp-Param-{value}` is the same header as `Mcp-Param-{first}` of argument `{other}` (header names are case-insensitive); give each header argument its own name"
                                                ),
                                            )),
                                            None => headers_seen.push((key, name.clone(), value)),
                                        }
                                    }
                                }
                            }
                            params.push(param);
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
        }
        let ret = match &sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => {
                if let Type::ImplTrait(_) = **ty {
                    errors.push(syn::Error::new_spanned(
                        ty,
                        "a `#[tool]` function must return a concrete type, not `impl Trait`, so its output schema can be derived",
                    ));
                }
                (**ty).clone()
            }
        };
        errors.finish()?;
        Ok(ToolSignature { params, ret })
    }
}

fn parse_param(attrs: &[Attribute], pat: &Pat, ty: &Type) -> syn::Result<Param> {
    let ident = match pat {
        Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => &p.ident,
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "a `#[tool]` parameter must be a plain name (`name: Type`), so it can be a named argument",
            ))
        }
    };
    if let Type::ImplTrait(_) = ty {
        return Err(syn::Error::new_spanned(
            ty,
            "a `#[tool]` parameter cannot be `impl Trait`: use a concrete type",
        ));
    }
    let mut doc_lines = Vec::new();
    let mut inject = false;
    let mut default = None;
    let mut rename = None;
    let mut header: Option<LitStr> = None;
    for attr in attrs {
        if attr.path().is_ident("doc") {
            if let Some(line) = doc_line(attr) {
                doc_lines.push(line);
            }
        } else if attr.path().is_ident("inject") {
            if !matches!(attr.meta, syn::Meta::Path(_)) {
                return Err(syn::Error::new_spanned(
                    attr,
                    "`#[inject]` takes no options",
                ));
            }
            inject = true;
        } else if attr.path().is_ident("arg") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") {
                    default = Some(Box::new(meta.value()?.parse::<Expr>()?));
                    Ok(())
                } else if meta.path.is_ident("rename") {
                    rename = Some(meta.value()?.parse::<syn::LitStr>()?.value());
                    Ok(())
                } else if meta.path.is_ident("header") {
                    let value = meta.value()?;
                    let lit = value.parse::<LitStr>().map_err(|e| {
                        syn::Error::new(
                            e.span(),
                            "`header` takes the header name as a string literal: `#[arg(header = \"Region\")]` (sent as `Mcp-Param-Region`)",
                        )
                    })?;
                    check_header_name(&lit)?;
                    header = Some(lit);
                    Ok(())
                } else {
                    let key = meta.path.to_token_stream().to_string().replace(' ', "");
                    Err(meta.error(format!(
                        "unknown `#[arg]` option `{key}`; valid options: default, rename, header"
                    )))
                }
            })?;
        } else if attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr") {
            return Err(syn::Error::new_spanned(
                attr,
                "`#[cfg]` on a `#[tool]` parameter is not supported: the tool's schema would change with it",
            ));
        }
    }
    if inject || is_injected_type(ty) {
        if default.is_some() || rename.is_some() || header.is_some() {
            return Err(syn::Error::new_spanned(
                ty,
                "an injected parameter takes no `#[arg(..)]`: it is not read from the client's arguments",
            ));
        }
        return Ok(Param {
            ty: ty.clone(),
            kind: ParamKind::Injected,
        });
    }
    if let Some(reference) = find_reference(ty) {
        let owned = match &*reference.elem {
            Type::Path(p) if p.path.is_ident("str") => "`String`".to_string(),
            Type::Slice(slice) => format!("`Vec<{}>`", type_key(&slice.elem)),
            other => format!("`{}`", type_key(other)),
        };
        return Err(syn::Error::new_spanned(
            reference.and_token,
            format!("a tool argument is read from the client's JSON, so it cannot borrow: take {owned} instead"),
        ));
    }
    let plain = ident.to_string();
    let name = rename.unwrap_or_else(|| plain.trim_start_matches("r#").to_string());
    let doc = if doc_lines.is_empty() {
        None
    } else {
        Some(join_doc(&doc_lines))
    };
    Ok(Param {
        kind: ParamKind::Argument {
            name,
            doc,
            optional: is_option(ty),
            default,
            header,
        },
        ty: ty.clone(),
    })
}

/// `#[arg(header = "..")]` names the header `Mcp-Param-{name}`: the name must
/// be an HTTP token (RFC 9110), which SEP-2243 requires of `x-mcp-header`.
fn check_header_name(lit: &LitStr) -> syn::Result<()> {
    let value = lit.value();
    if value.is_empty() {
        return Err(syn::Error::new_spanned(
            lit,
            "the header name cannot be empty: write the part after `Mcp-Param-`, e.g. `#[arg(header = \"Region\")]`",
        ));
    }
    let bad = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(*c)));
    match bad {
        None => Ok(()),
        Some(c) => {
            let what = match c {
                ' ' => "a space".to_string(),
                ':' => "`:`".to_string(),
                c if c.is_control() => format!("the control character {c:?}"),
                c if !c.is_ascii() => format!("the non-ASCII character {c:?}"),
                c => format!("`{c}`"),
            };
            Err(syn::Error::new_spanned(
                lit,
                format!("invalid header name {value:?}: it contains {what}; a header name (sent as `Mcp-Param-{{name}}`) has only letters, digits and !#$%&'*+-.^_`|~"),
            ))
        }
    }
}

/// The error for `#[tool]` on an item that is not a function, at the item's
/// keyword (`struct`, `impl`, ...) when there is one.
pub fn not_a_function(item: proc_macro2::TokenStream) -> syn::Error {
    crate::common::not_a_function(item, "tool")
}

/// The type an argument's type is an `Option` or `Vec` of (through any
/// number of them), or the type itself: whether that type is a `ToolArgument`
/// decides whether the whole is, so it is checked on its own to report the
/// error on it, with `ToolArgument`'s message.
pub fn argument_core(ty: &Type) -> &Type {
    let Some(segment) = last_segment(ty) else {
        return ty;
    };
    if segment.ident != "Option" && segment.ident != "Vec" {
        return ty;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return ty;
    };
    match (args.args.len(), args.args.first()) {
        (1, Some(GenericArgument::Type(inner))) => argument_core(inner),
        _ => ty,
    }
}
