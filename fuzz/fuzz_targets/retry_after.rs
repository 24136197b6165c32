//! `Retry-After` parsing on arbitrary text: a duration or `None`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = identity_core::backend::classify::parse_retry_after(text, std::time::SystemTime::now());
    }
});
