//! The webhook delivery parser on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = workfront_client::events::parse_delivery(data);
});
