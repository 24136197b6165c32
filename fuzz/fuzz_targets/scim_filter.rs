//! SCIM filter building: whatever the value, the literal decodes back to it,
//! so a value cannot escape its quotes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|value: &str| {
    let filter = workiva_client::scim::filter::eq("userName", value);
    let literal: String = serde_json::from_str(&filter["userName eq ".len()..]).expect("a JSON string literal");
    assert_eq!(literal, value);
});
