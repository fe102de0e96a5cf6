//! Access-log parsers (CLF, ALB, W3C, HAProxy, Envoy, Zeek): never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use logsleuth::fuzzing;

fuzz_target!(|data: &[u8]| fuzzing::format("text", data));
