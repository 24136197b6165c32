//! The SCIM ListResponse decoder on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use workiva_client::scim::wire::{ListResponse, ScimUser};

fuzz_target!(|data: &[u8]| {
    if let Err(err) = identity_core::backend::http::decode_json::<ListResponse<ScimUser>>(data, Some(200)) {
        // Bounded: a 300-byte message and a 160-byte excerpt, which Debug
        // escaping may widen to 6 characters a byte.
        assert!(err.to_string().len() < 2048);
    }
});
