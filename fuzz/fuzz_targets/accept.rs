//! Fuzz target `accept`: see `ferrymcp::__fuzz::accept` (runtime/src/fuzzing/accept.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrymcp::__fuzz::accept::check(data));
