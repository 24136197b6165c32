//! The SCIM ListResponse decoder on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use workiva_client::scim::models::{ListResponse, ScimUser};

fuzz_target!(|data: &[u8]| {
    if let Err(err) = identity_core::transport::decode_json::<ListResponse<ScimUser>>(data, Some(200)) {
        assert!(err.to_string().len() < 1024);
    }
});
