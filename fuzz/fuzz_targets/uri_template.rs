//! Fuzz target `uri_template`: see `ferrymcp::__fuzz::uri_template` (runtime/src/fuzzing/uri_template.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(
    |data: &[u8]| ferrymcp::__fuzz::uri_template::check_while_fuzzing(data)
);
