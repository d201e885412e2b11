//! The one parameter model of `#[tool]`, `#[resource]` and `#[prompt]`: the
//! function's shape, each parameter (`#[arg(..)]` parsed once, with the keys
//! the macro allows; `#[inject]`; the doc comment) and the return type.
//!
//! What differs between the macros is data, in a [`Site`]: the `#[arg]` keys
//! each allows and the words of its messages. Checks that need more than one
//! parameter at a time (two arguments of one name, one type injected twice,
//! one header twice) are [`check_params`], run in each macro's validate stage.

use crate::common::{
    doc_line, find_reference, is_injected_type, is_option, join_doc, type_argument, type_key,
    Errors,
};
use proc_macro2::Span;
use quote::ToTokens;
use syn::{
    Attribute, Expr, FnArg, ItemFn, LitStr, Meta, Pat, ReturnType, Signature as FnSignature, Type,
};

/// A key of `#[arg(..)]`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ArgKey {
    /// `default = expr`: the value when the argument is absent.
    Default,
    /// `rename = "name"`: the name on the wire.
    Rename,
    /// `header = "Name"`: mirrored in the `Mcp-Param-Name` header (tools only).
    Header,
}

impl ArgKey {
    fn name(self) -> &'static str {
        match self {
            ArgKey::Default => "default",
            ArgKey::Rename => "rename",
            ArgKey::Header => "header",
        }
    }
}

/// What one attribute macro allows of its function, and how its messages
/// word it.
pub struct Site {
    /// The attribute's name: `tool`, `resource`, `prompt`.
    pub attribute: &'static str,
    /// The `#[arg(..)]` keys it allows, in the order its messages list them.
    pub arg_keys: &'static [ArgKey],
    /// What a parameter read from the request is called in messages.
    pub noun: &'static str,
    /// After "a `#[x]` parameter must be a plain name (`name: Type`)".
    pub plain_name_why: &'static str,
    /// After "a `#[x]` function cannot be generic: ".
    pub generic_why: &'static str,
    /// The error for a `self` parameter, or `None` where `&self` methods
    /// are allowed (`#[tool]`).
    pub receiver: Option<&'static str>,
    /// Whether a plain (non-`async`) `fn` is allowed: it runs on the
    /// blocking pool.
    pub blocking: bool,
    /// After "`#[cfg]` on a `#[x]` parameter is not supported".
    pub cfg_why: &'static str,
    /// Where an argument is read from: "a tool argument is read from the client's JSON".
    pub read_from: &'static str,
    /// What an injected parameter is not read from.
    pub not_read_from: &'static str,
    /// Whether a borrowed slice `&[T]` is answered with `Vec<T>` (a JSON array).
    pub slice_as_vec: bool,
    /// The error for a function without a return type, when it needs one.
    pub missing_return: Option<&'static str>,
    /// The error for `-> impl Trait`.
    pub impl_trait_return: &'static str,
}

/// One parameter of the function.
pub struct Param {
    pub ty: Type,
    pub kind: ParamKind,
}

pub enum ParamKind {
    /// Read from the request: a tool or prompt argument, a template placeholder.
    Argument {
        /// The name on the wire (the parameter's name, or `#[arg(rename)]`).
        name: String,
        /// Where the name is written (the rename literal, or the parameter).
        name_span: Span,
        /// The doc comment.
        doc: Option<String>,
        /// `#[arg(default = ...)]`.
        default: Option<Box<Expr>>,
        /// Whether the type is written `Option<_>` (absent means `None`).
        optional: bool,
        /// `#[arg(header = "...")]`: the `x-mcp-header` name, checked.
        header: Option<LitStr>,
    },
    /// Supplied from the call scope.
    Injected,
}

/// What the expansion needs of the function.
pub struct Signature {
    pub params: Vec<Param>,
    pub ret: Type,
    /// A `&self` method of an `impl` block (where the site allows them).
    pub method: bool,
    /// A plain `fn` (where the site allows them): run on the blocking pool.
    pub blocking: bool,
}

impl Signature {
    /// Parses the function `site`'s attribute is on, every error collected.
    pub fn parse(func: &ItemFn, site: &Site) -> syn::Result<Self> {
        let sig = &func.sig;
        let mut errors = Errors::default();
        check_fn_shape(sig, site, &mut errors);
        let mut params = Vec::new();
        let mut method = false;
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(receiver) => match check_receiver(receiver, site) {
                    Ok(()) => method = true,
                    Err(e) => errors.push(e),
                },
                FnArg::Typed(pat_type) => {
                    match parse_param(&pat_type.attrs, &pat_type.pat, &pat_type.ty, site) {
                        Ok(param) => params.push(param),
                        Err(e) => errors.push(e),
                    }
                }
            }
        }
        let ret = match &sig.output {
            ReturnType::Default => {
                if let Some(message) = site.missing_return {
                    errors.push(syn::Error::new_spanned(&sig.ident, message));
                }
                syn::parse_quote!(())
            }
            ReturnType::Type(_, ty) => {
                if let Type::ImplTrait(_) = **ty {
                    errors.push(syn::Error::new_spanned(ty, site.impl_trait_return));
                }
                (**ty).clone()
            }
        };
        errors.finish()?;
        Ok(Signature {
            params,
            ret,
            method,
            blocking: sig.asyncness.is_none(),
        })
    }

    /// The names of the parameters read from the request, in order.
    pub fn argument_names(&self) -> impl Iterator<Item = (&str, Span)> {
        self.params.iter().filter_map(|p| match &p.kind {
            ParamKind::Argument {
                name, name_span, ..
            } => Some((name.as_str(), *name_span)),
            ParamKind::Injected => None,
        })
    }
}

/// A method's receiver: `&self` where the site allows methods; anything else
/// is an error that says why.
fn check_receiver(receiver: &syn::Receiver, site: &Site) -> syn::Result<()> {
    let attribute = site.attribute;
    let Some(message) = site.receiver else {
        let problem = if receiver.colon_token.is_some() {
            format!(
                "a `#[{attribute}]` method takes `&self`, not `self: {}`: the server holds the instance in an `Arc` and lends it to each call",
                type_key(&receiver.ty)
            )
        } else if receiver.mutability.is_some() && receiver.reference.is_some() {
            format!("a `#[{attribute}]` method takes `&self`, not `&mut self`: one instance serves every call, and calls run at the same time; keep what changes behind a `Mutex` or an atomic")
        } else if receiver.reference.is_none() {
            format!("a `#[{attribute}]` method takes `&self`, not `self` by value: one instance serves every call, so no call can consume it")
        } else {
            return Ok(());
        };
        return Err(syn::Error::new_spanned(receiver, problem));
    };
    Err(syn::Error::new_spanned(receiver, message))
}

/// Checks what any annotated function must be: async (unless the site runs
/// plain functions on the blocking pool), safe, Rust ABI, not generic, not
/// variadic.
fn check_fn_shape(sig: &FnSignature, site: &Site, errors: &mut Errors) {
    let attribute = site.attribute;
    if sig.asyncness.is_none() && !site.blocking {
        errors.push(syn::Error::new_spanned(
            sig.fn_token,
            format!(
                "a `#[{attribute}]` function must be async: write `async fn {}`",
                sig.ident
            ),
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(syn::Error::new_spanned(
            unsafety,
            format!("a `#[{attribute}]` function cannot be `unsafe`"),
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new_spanned(
            abi,
            format!("a `#[{attribute}]` function cannot have an `extern` ABI"),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            format!(
                "a `#[{attribute}]` function cannot be generic: {}",
                site.generic_why
            ),
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(
            variadic,
            format!("a `#[{attribute}]` function cannot be variadic"),
        ));
    }
}

/// What `#[arg(..)]` says, keys checked against those `site` allows.
#[derive(Default)]
struct ArgOptions {
    default: Option<Box<Expr>>,
    rename: Option<LitStr>,
    header: Option<LitStr>,
}

impl ArgOptions {
    fn is_empty(&self) -> bool {
        self.default.is_none() && self.rename.is_none() && self.header.is_none()
    }

    fn parse_into(&mut self, attr: &Attribute, site: &Site) -> syn::Result<()> {
        attr.parse_nested_meta(|meta| {
            let key = site
                .arg_keys
                .iter()
                .copied()
                .find(|k| meta.path.is_ident(k.name()));
            match key {
                Some(ArgKey::Default) => {
                    self.default = Some(Box::new(meta.value()?.parse::<Expr>()?));
                }
                Some(ArgKey::Rename) => self.rename = Some(meta.value()?.parse::<LitStr>()?),
                Some(ArgKey::Header) => {
                    let lit = meta.value()?.parse::<LitStr>().map_err(|e| {
                        syn::Error::new(
                            e.span(),
                            "`header` takes the header name as a string literal: `#[arg(header = \"Region\")]` (sent as `Mcp-Param-Region`)",
                        )
                    })?;
                    check_header_name(&lit)?;
                    self.header = Some(lit);
                }
                None => {
                    let key = meta.path.to_token_stream().to_string().replace(' ', "");
                    let valid: Vec<&str> = site.arg_keys.iter().map(|k| k.name()).collect();
                    return Err(meta.error(format!(
                        "unknown `#[arg]` option `{key}`; valid options: {}",
                        valid.join(", ")
                    )));
                }
            }
            Ok(())
        })
    }
}

fn parse_param(attrs: &[Attribute], pat: &Pat, ty: &Type, site: &Site) -> syn::Result<Param> {
    let attribute = site.attribute;
    let ident = match pat {
        Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => &p.ident,
        other => {
            return Err(syn::Error::new_spanned(
                other,
                format!(
                    "a `#[{attribute}]` parameter must be a plain name (`name: Type`){}",
                    site.plain_name_why
                ),
            ))
        }
    };
    if let Type::ImplTrait(_) = ty {
        return Err(syn::Error::new_spanned(
            ty,
            format!("a `#[{attribute}]` parameter cannot be `impl Trait`: use a concrete type"),
        ));
    }
    let mut doc_lines = Vec::new();
    let mut inject = false;
    let mut arg = ArgOptions::default();
    for attr in attrs {
        if attr.path().is_ident("doc") {
            if let Some(line) = doc_line(attr) {
                doc_lines.push(line);
            }
        } else if attr.path().is_ident("inject") {
            if !matches!(attr.meta, Meta::Path(_)) {
                return Err(syn::Error::new_spanned(
                    attr,
                    "`#[inject]` takes no options",
                ));
            }
            inject = true;
        } else if attr.path().is_ident("arg") {
            arg.parse_into(attr, site)?;
        } else if attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr") {
            return Err(syn::Error::new_spanned(
                attr,
                format!(
                    "`#[cfg]` on a `#[{attribute}]` parameter is not supported{}",
                    site.cfg_why
                ),
            ));
        }
    }
    if inject || is_injected_type(ty) {
        if !arg.is_empty() {
            return Err(syn::Error::new_spanned(
                ty,
                format!(
                    "an injected parameter takes no `#[arg(..)]`: it is not read from {}",
                    site.not_read_from
                ),
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
            Type::Slice(slice) if site.slice_as_vec => {
                format!("`Vec<{}>`", type_key(&slice.elem))
            }
            other => format!("`{}`", type_key(other)),
        };
        return Err(syn::Error::new_spanned(
            reference.and_token,
            format!(
                "{}, so it cannot borrow: take {owned} instead",
                site.read_from
            ),
        ));
    }
    let (name, name_span) = match &arg.rename {
        Some(lit) => (lit.value(), lit.span()),
        None => (
            ident.to_string().trim_start_matches("r#").to_string(),
            ident.span(),
        ),
    };
    let doc = (!doc_lines.is_empty()).then(|| join_doc(&doc_lines));
    Ok(Param {
        ty: ty.clone(),
        kind: ParamKind::Argument {
            name,
            name_span,
            doc,
            default: arg.default,
            optional: is_option(ty),
            header: arg.header,
        },
    })
}

/// `#[arg(header = "..")]` names the header `Mcp-Param-{name}`: the name must
/// be an HTTP token (RFC 9110), which SEP-2243 requires of `x-mcp-header`,
/// and which the runtime checks of a hand-written schema's annotations.
fn check_header_name(lit: &LitStr) -> syn::Result<()> {
    let value = lit.value();
    if value.is_empty() {
        return Err(syn::Error::new_spanned(
            lit,
            "the header name cannot be empty: write the part after `Mcp-Param-`, e.g. `#[arg(header = \"Region\")]`",
        ));
    }
    match ferrymcp_rules::first_non_token_char(&value) {
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
                format!(
                    "invalid header name {value:?}: it contains {what}; a header name (sent as `Mcp-Param-{{name}}`) has only letters, digits and {}",
                    ferrymcp_rules::TOKEN_SPECIALS
                ),
            ))
        }
    }
}

/// The checks across parameters: one type injected twice, two arguments of
/// one name, two arguments mirrored in one header (header names are
/// case-insensitive).
pub fn check_params(signature: &Signature, site: &Site, errors: &mut Errors) {
    let mut injected_seen: Vec<String> = Vec::new();
    let mut names_seen: Vec<&str> = Vec::new();
    // (lower-cased header name, argument, header name) of every
    // `#[arg(header)]` so far.
    let mut headers_seen: Vec<(String, &str, String)> = Vec::new();
    for param in &signature.params {
        match &param.kind {
            ParamKind::Injected => {
                let key = type_key(&param.ty);
                if injected_seen.contains(&key) {
                    errors.push(syn::Error::new_spanned(
                        &param.ty,
                        format!("`{key}` is injected twice; one parameter of this type is enough"),
                    ));
                }
                injected_seen.push(key);
            }
            ParamKind::Argument {
                name,
                name_span,
                header,
                ..
            } => {
                if names_seen.contains(&name.as_str()) {
                    errors.push(syn::Error::new(
                        *name_span,
                        format!("two {}s are named `{name}`", site.noun),
                    ));
                }
                names_seen.push(name);
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
                        None => headers_seen.push((key, name, value)),
                    }
                }
            }
        }
    }
}

/// The function without the parameter attributes only the macros understand.
pub fn clean_function(func: &ItemFn) -> ItemFn {
    let mut func = func.clone();
    for input in &mut func.sig.inputs {
        if let FnArg::Typed(pat_type) = input {
            pat_type.attrs.retain(|a| {
                !(a.path().is_ident("doc")
                    || a.path().is_ident("arg")
                    || a.path().is_ident("inject"))
            });
        }
    }
    func
}

/// The type an argument's type is an `Option` or `Vec` of (through any
/// number of them), or the type itself: whether that type is a `ToolArgument`
/// decides whether the whole is, so it is checked on its own to report the
/// error on it, with `ToolArgument`'s message.
pub fn argument_core(ty: &Type) -> &Type {
    match type_argument(ty, &["Option", "Vec"]) {
        Some(inner) => argument_core(inner),
        None => ty,
    }
}
