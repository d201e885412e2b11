//! Compile-fail tests of `#[tool]` and `tools![]`: each case in `ui/` is one
//! mistake a user can make, and its `.stderr` pins the error they see. The
//! cases in `ui-pass/` are forms that must keep compiling (and running).
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p
//! ferrymcp-tests --test ui`, then read every changed `.stderr` as a user would.
//! The output depends on the exact rustc version.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    t.pass("ui-pass/*.rs");
}
