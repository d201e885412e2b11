//! The function a `#[resource]` is on: its parameters (placeholders or
//! injected) and its return type.

use crate::common::{check_fn_shape, parse_params, Errors, Param};
use syn::{ItemFn, ReturnType, Type};

/// What the expansion needs of the function.
pub struct ResourceSignature {
    pub params: Vec<Param>,
    pub ret: Type,
}

impl ResourceSignature {
    pub fn parse(func: &ItemFn) -> syn::Result<Self> {
        let sig = &func.sig;
        let mut errors = Errors::default();
        check_fn_shape(sig, "resource", &mut errors);
        let params = parse_params(sig, "resource", &mut errors);
        let ret = match &sig.output {
            ReturnType::Default => {
                errors.push(syn::Error::new_spanned(
                    &sig.ident,
                    "a `#[resource]` function returns what the resource holds: add `-> String` (text), `-> Blob` (binary) or `-> ResourceContents`",
                ));
                syn::parse_quote!(())
            }
            ReturnType::Type(_, ty) => {
                if let Type::ImplTrait(_) = **ty {
                    errors.push(syn::Error::new_spanned(
                        ty,
                        "a `#[resource]` function must return a concrete type, not `impl Trait`",
                    ));
                }
                (**ty).clone()
            }
        };
        errors.finish()?;
        Ok(ResourceSignature { params, ret })
    }
}
