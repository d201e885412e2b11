//! Fuzz target `stdio_lines`: see `ferrymcp::__fuzz::stdio_lines` (runtime/src/fuzzing/stdio_lines.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrymcp::__fuzz::stdio_lines::check(data));
