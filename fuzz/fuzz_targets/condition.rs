//! The condition-expression parser: any text parses or gives an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use logsleuth::fuzzing;

fuzz_target!(|data: &[u8]| fuzzing::condition(data));
