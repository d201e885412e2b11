//! Fuzz target `param_headers`: see `ferrymcp::__fuzz::param_headers` (runtime/src/fuzzing/param_headers.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(
    |data: &[u8]| ferrymcp::__fuzz::param_headers::check_while_fuzzing(data)
);
