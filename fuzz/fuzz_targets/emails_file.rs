//! The emails-file parser: accepts only valid addresses, or names a bad line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match identity_examples::emails_file::parse_email_list(text) {
        Ok(emails) => {
            for email in emails {
                assert!(identity_core::validate_email(&email).is_ok());
            }
        }
        Err(err) => assert!(err.line >= 1),
    }
});
