//! The Workiva list-page decoder on arbitrary bytes: an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use workiva_client::wire::{ListEnvelope, WorkivaUser};

fuzz_target!(|data: &[u8]| {
    if let Err(err) = identity_core::backend::http::decode_json::<ListEnvelope<WorkivaUser>>(data, Some(200)) {
        // The error keeps only a short excerpt of what it could not decode.
        // Bounded: a 300-byte message and a 160-byte excerpt, which Debug
        // escaping may widen to 6 characters a byte.
        assert!(err.to_string().len() < 2048);
    }
});
