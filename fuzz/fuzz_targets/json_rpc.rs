//! Fuzz target `json_rpc`: see `ferrymcp::__fuzz::json_rpc` (runtime/src/fuzzing/json_rpc.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrymcp::__fuzz::json_rpc::check_while_fuzzing(data));
