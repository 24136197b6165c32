//! The Workfront search-page decoder on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use workfront_client::wire::{Envelope, WorkfrontUser};

fuzz_target!(|data: &[u8]| {
    if let Err(err) = identity_core::backend::http::decode_json::<Envelope<Vec<WorkfrontUser>>>(data, Some(200)) {
        // Bounded: a 300-byte message and a 160-byte excerpt, which Debug
        // escaping may widen to 6 characters a byte.
        assert!(err.to_string().len() < 2048);
    }
});
