//! The function a `#[prompt]` is on: its parameters (arguments or injected)
//! and its return type.

use crate::common::{check_fn_shape, parse_params, Errors, Param};
use syn::{ItemFn, ReturnType, Type};

/// What the expansion needs of the function.
pub struct PromptSignature {
    pub params: Vec<Param>,
    pub ret: Type,
}

impl PromptSignature {
    pub fn parse(func: &ItemFn) -> syn::Result<Self> {
        let sig = &func.sig;
        let mut errors = Errors::default();
        check_fn_shape(sig, "prompt", &mut errors);
        let params = parse_params(sig, "prompt", &mut errors);
        let ret = match &sig.output {
            ReturnType::Default => {
                errors.push(syn::Error::new_spanned(
                    &sig.ident,
                    "a `#[prompt]` function returns its messages: add `-> String` (one user message) or `-> Vec<PromptMessage>`",
                ));
                syn::parse_quote!(())
            }
            ReturnType::Type(_, ty) => {
                if let Type::ImplTrait(_) = **ty {
                    errors.push(syn::Error::new_spanned(
                        ty,
                        "a `#[prompt]` function must return a concrete type, not `impl Trait`",
                    ));
                }
                (**ty).clone()
            }
        };
        errors.finish()?;
        Ok(PromptSignature { params, ret })
    }
}
