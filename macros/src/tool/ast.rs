//! The function a `#[tool]` is on: its parameters (arguments or injected) and
//! its return type, checked for what a tool cannot be.

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, FnArg, GenericArgument, ItemFn, Pat, PathArguments, ReturnType, Type};

/// Types injected without `#[inject]`, by the last segment of their path.
const INJECTED: &[&str] = &["Ctx", "Lifespan", "Extension", "Headers", "AccessToken"];

/// Types injected as `Option<_>` too.
const INJECTED_OPTIONAL: &[&str] = &["Extension", "Headers", "AccessToken"];

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
                                ParamKind::Argument { name, .. } => {
                                    if names_seen.contains(name) {
                                        errors.push(syn::Error::new_spanned(
                                            &pat_type.pat,
                                            format!("two arguments are named `{name}`"),
                                        ));
                                    }
                                    names_seen.push(name.clone());
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
                } else {
                    let key = meta.path.to_token_stream().to_string().replace(' ', "");
                    Err(meta.error(format!(
                        "unknown `#[arg]` option `{key}`; valid options: default, rename"
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
        if default.is_some() || rename.is_some() {
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
        },
        ty: ty.clone(),
    })
}

/// The error for `#[tool]` on an item that is not a function, at the item's
/// keyword (`struct`, `impl`, ...) when there is one.
pub fn not_a_function(item: proc_macro2::TokenStream) -> syn::Error {
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
        Err(_) => ("this item", proc_macro2::Span::call_site()),
    };
    syn::Error::new(
        span,
        format!("`#[tool]` goes on an `async fn`, not on {what}"),
    )
}

/// The `#[doc = "..."]` text of an attribute.
pub fn doc_line(attr: &Attribute) -> Option<String> {
    match &attr.meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
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

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
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

/// The first reference in a type (`&str`, `Option<&str>`, `Vec<&[u8]>`).
fn find_reference(ty: &Type) -> Option<&syn::TypeReference> {
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

fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Option")
}

fn is_injected_type(ty: &Type) -> bool {
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

fn type_key(ty: &Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "")
}

/// Errors collected across the signature, reported together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
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
pub fn type_span(ty: &Type) -> proc_macro2::Span {
    ty.span()
}
