//! Fuzz target `authorization`: see `ferrymcp::__fuzz::authorization` (runtime/src/fuzzing/authorization.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrymcp::__fuzz::authorization::check(data));
