//! Fuzz target `sse_frames`: see `ferrymcp::__fuzz::sse_frames` (runtime/src/fuzzing/sse_frames.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrymcp::__fuzz::sse_frames::check(data));
