//! Fuzz target `request_state`: see `ferrymcp::__fuzz::request_state` (runtime/src/fuzzing/request_state.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(
    |data: &[u8]| ferrymcp::__fuzz::request_state::check_while_fuzzing(data)
);
