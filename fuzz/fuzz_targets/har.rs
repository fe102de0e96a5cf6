//! HAR parser: any bytes give events or counted skips, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use logsleuth::fuzzing;

fuzz_target!(|data: &[u8]| fuzzing::format("har", data));
