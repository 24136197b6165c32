//! Reading configuration from the environment.

/// The value of the environment variable `name`, or `None` when it is unset,
/// not valid Unicode, or blank: an exported but empty variable configures
/// nothing, rather than an empty credential.
pub(crate) fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
