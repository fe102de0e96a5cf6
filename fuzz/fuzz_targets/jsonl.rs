//! JSON-lines parser (with OTel batches and ES response lines): never a panic, every line accounted for.
#![no_main]
use libfuzzer_sys::fuzz_target;
use logsleuth::fuzzing;

fuzz_target!(|data: &[u8]| fuzzing::jsonl(data));
