//! Format detection followed by the parser it picks: the path every input takes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use logsleuth::fuzzing;

fuzz_target!(|data: &[u8]| fuzzing::detect(data));
