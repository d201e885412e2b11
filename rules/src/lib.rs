//! The rules that `ferrymcp-macros` checks at compile time and the
//! `ferrymcp` runtime checks again at run time, written once so the two
//! cannot drift apart: tool names, HTTP header names (tokens), URI
//! templates, and the name of the module the macros expand to.
//!
//! Each rule answers with a value (`bool`, a fault) rather than a message:
//! the macros and the runtime word their errors for their own readers.
//!
//! Not public API: used by `ferrymcp` and `ferrymcp-macros` only.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod uri_template;

/// The name of the hidden module of `ferrymcp` that the macros' generated
/// code names (`::ferrymcp::__private_v0_1_0::..`). It carries the version,
/// so a `ferrymcp-macros` paired with another version of `ferrymcp` fails to
/// compile with an unresolved path that names the version it expected.
pub const PRIVATE_MODULE: &str = "__private_v0_1_0";

/// The name [`PRIVATE_MODULE`] must have for `version` (`0.1.0` gives
/// `__private_v0_1_0`).
pub fn private_module_for(version: &str) -> String {
    let tail: String = version
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("__private_v{tail}")
}

/// Tool names: 1 to 128 characters of `A-Z a-z 0-9 _ - .`.
pub fn valid_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

/// The characters besides letters and digits an HTTP token may hold (RFC 9110).
pub const TOKEN_SPECIALS: &str = "!#$%&'*+-.^_`|~";

/// Whether `c` may stand in an HTTP token (RFC 9110 `tchar`).
pub fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || TOKEN_SPECIALS.contains(c)
}

/// The first character of `name` that cannot stand in an HTTP token.
pub fn first_non_token_char(name: &str) -> Option<char> {
    name.chars().find(|c| !is_token_char(*c))
}

/// Whether `name` can follow `Mcp-Param-` (SEP-2243 `x-mcp-header`): one or
/// more token characters, so no space, `:` or control character.
pub fn valid_header_name(name: &str) -> bool {
    !name.is_empty() && first_non_token_char(name).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_private_module_is_named_after_this_version() {
        assert_eq!(
            PRIVATE_MODULE,
            private_module_for(env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(private_module_for("1.2.3-rc.1"), "__private_v1_2_3_rc_1");
    }

    #[test]
    fn tool_names() {
        for ok in ["a", "get_weather", "v1.search-all", &"x".repeat(128)] {
            assert!(valid_tool_name(ok), "{ok}");
        }
        for bad in ["", "two words", "é", "a/b", &"x".repeat(129)] {
            assert!(!valid_tool_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn header_names_are_http_tokens() {
        for ok in ["Region", "X-Tenant_1", "a.b~c", "!#$%&'*+-.^_`|~"] {
            assert!(valid_header_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Two Words",
            "a:b",
            "tab\t",
            "é",
            "line\n",
            "\"q\"",
            "(x)",
        ] {
            assert!(!valid_header_name(bad), "{bad:?}");
        }
        assert_eq!(first_non_token_char("ab c"), Some(' '));
    }
}
