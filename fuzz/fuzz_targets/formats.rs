//! Every registered input format: the first byte picks the format, the
//! rest is its input. Never a panic; the record accounting adds up.
#![no_main]
use libfuzzer_sys::fuzz_target;
use logsleuth::fuzzing;

fuzz_target!(|data: &[u8]| fuzzing::any_format(data));
