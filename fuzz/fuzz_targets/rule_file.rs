//! Rule files (TOML): any text compiles or gives an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use logsleuth::fuzzing;

fuzz_target!(|data: &[u8]| fuzzing::rule_file(data));
