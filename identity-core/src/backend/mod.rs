//! The toolkit for **backend authors**: what a vendor client is built from.
//!
//! Users of the SDK never need this module; they use the clients, the traits
//! and the model at the crate root. A new backend takes from here:
//!
//! * [`http`]: [`HttpClient`](http::HttpClient), the one way requests leave
//!   the process (base-URL policy, retries, rate limit, one token refresh on a
//!   401, secret-free tracing), with [`Request`](http::Request) to build them;
//! * [`classify`]: HTTP error answers to [`Error`](crate::Error) kinds, with a
//!   hook for a vendor's error bodies;
//! * [`url`]: the base-URL policy (`https`, or `http` only to loopback);
//! * [`token`]: [`TokenCache`](token::TokenCache), single-flight and
//!   refreshed before expiry, in front of any [`TokenSource`](crate::TokenSource);
//! * [`oauth`]: the OAuth 2.0 client-credentials grant;
//! * [`paginate`]: cursor and offset page streams that prefetch, stay in
//!   order, and stop with an error rather than loop or lose items;
//! * [`env`](mod@env): reading configuration variables.
//!
//! The parts depend on each other one way: `url` and `classify` on nothing
//! here, `token` on [`auth`](crate::auth), `http` on those three, `oauth` on
//! `http`. None of them names a vendor.

pub mod classify;
pub mod env;
pub mod http;
pub mod oauth;
pub mod paginate;
pub mod token;
pub mod url;
