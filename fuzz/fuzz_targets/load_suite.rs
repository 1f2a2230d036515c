//! Fuzz target: any bytes as a suite file. libFuzzer reports any panic, so a clean run shows
//! that loading returned the suite or its errors for every input it tried.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `load_str` takes text, and `load_file` rejects invalid UTF-8 before calling it, so the
    // bytes are decoded here with U+FFFD for invalid sequences.
    let text = String::from_utf8_lossy(data);
    let _ = gatecheck::suite::load_str(Path::new("fuzz.yaml"), &text);
});
