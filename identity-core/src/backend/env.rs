//! Reading configuration from the environment.

/// The value of the environment variable `name`, or `None` when it is unset,
/// not valid Unicode, or blank: an exported but empty variable configures
/// nothing, rather than an empty credential.
pub fn non_empty_var(name: &str) -> Option<String> {
    crate::env::non_empty_var(name)
}
