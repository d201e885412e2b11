//! The function a `#[prompt]` is on, as [`crate::param`] parses it: its
//! parameters are arguments or injected, and it must return its messages.

use crate::param::{ArgKey, Site};

pub const SITE: Site = Site {
    attribute: "prompt",
    arg_keys: &[ArgKey::Default, ArgKey::Rename],
    noun: "parameter",
    plain_name_why: "",
    generic_why: "its parameter and return types must be concrete",
    receiver: None,
    blocking: false,
    cfg_why: "",
    read_from: "a `#[prompt]` parameter is read from the request",
    not_read_from: "the request",
    slice_as_vec: false,
    missing_return: Some("a `#[prompt]` function returns its messages: add `-> String` (one user message) or `-> Vec<PromptMessage>`"),
    impl_trait_return: "a `#[prompt]` function must return a concrete type, not `impl Trait`",
};
