//! The function a `#[tool]` is on, as [`crate::param`] parses it: what a tool
//! allows of its parameters, and how its messages word it.

use crate::param::{ArgKey, Site};

pub const SITE: Site = Site {
    attribute: "tool",
    arg_keys: &[ArgKey::Default, ArgKey::Rename, ArgKey::Header],
    noun: "argument",
    plain_name_why: ", so it can be a named argument",
    generic_why: "its argument and return types must be concrete to derive their JSON Schemas",
    receiver: None,
    blocking: true,
    cfg_why: ": the tool's schema would change with it",
    read_from: "a tool argument is read from the client's JSON",
    not_read_from: "the client's arguments",
    slice_as_vec: true,
    missing_return: None,
    impl_trait_return: "a `#[tool]` function must return a concrete type, not `impl Trait`, so its output schema can be derived",
};
