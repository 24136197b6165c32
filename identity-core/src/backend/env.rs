//! Reading configuration from the environment.

pub use crate::env::non_empty_var;
