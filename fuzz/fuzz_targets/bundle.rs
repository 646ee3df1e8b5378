#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubectl_etcd_triage::fuzzing::bundle(data));
