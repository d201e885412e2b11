//! The function a `#[resource]` is on, as [`crate::param`] parses it: its
//! parameters are placeholders or injected, and it must return something.

use crate::param::{ArgKey, Site};

pub const SITE: Site = Site {
    attribute: "resource",
    // `default` is parsed so that `valid` can say why it does not apply.
    arg_keys: &[ArgKey::Default, ArgKey::Rename],
    noun: "parameter",
    plain_name_why: "",
    generic_why: "its parameter and return types must be concrete",
    receiver: None,
    blocking: false,
    cfg_why: "",
    read_from: "a `#[resource]` parameter is read from the request",
    not_read_from: "the request",
    slice_as_vec: false,
    missing_return: Some("a `#[resource]` function returns what the resource holds: add `-> String` (text), `-> Blob` (binary) or `-> ResourceContents`"),
    impl_trait_return: "a `#[resource]` function must return a concrete type, not `impl Trait`",
};
