//! Kibana Discover CSV parser: never a panic, every row accounted for.
#![no_main]
use libfuzzer_sys::fuzz_target;
use logsleuth::fuzzing;

fuzz_target!(|data: &[u8]| fuzzing::format("csv", data));
