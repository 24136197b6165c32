//! The base-URL policy: `https`, or plain `http` only to a loopback host.

use url::{Host, Url};

use crate::error::{Error, Result};

/// Checks a base URL against the transport policy: `https`, or `http` only
/// to a loopback host (`127.0.0.0/8`, `::1`, `localhost`); no credentials in
/// the URL. Returns [`Error::RefusedByPolicy`] naming the rule.
pub fn check_base_url(url: &Url) -> Result<()> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::refused(
            "base URL must not carry credentials (user:password@); configure them separately",
        ));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::refused(format!(
            "plain http is only allowed to a loopback host (127.0.0.0/8, ::1, localhost); \
             use https for {}",
            url.host_str().unwrap_or("")
        ))),
        other => Err(Error::refused(format!(
            "base URL scheme {other:?} is not allowed: use https"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Parses and checks a base URL given as text (from configuration).
pub fn parse_base_url(text: &str) -> Result<Url> {
    let url = Url::parse(text.trim())
        .map_err(|e| Error::config(format!("invalid base URL {text:?}: {e}")))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::config(format!("invalid base URL {text:?}: no host")));
    }
    check_base_url(&url)?;
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_policy() {
        for ok in [
            "https://api.example.com",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://[::1]:3000/x",
            "http://localhost:1234",
            "http://LOCALHOST.",
        ] {
            assert!(parse_base_url(ok).is_ok(), "{ok}");
        }
        for (bad, kind) in [
            ("http://api.example.com", crate::ErrorKind::RefusedByPolicy),
            ("http://10.0.0.1", crate::ErrorKind::RefusedByPolicy),
            (
                "http://localhost.evil.com",
                crate::ErrorKind::RefusedByPolicy,
            ),
            ("ftp://127.0.0.1", crate::ErrorKind::RefusedByPolicy),
            (
                "https://user:pw@api.example.com",
                crate::ErrorKind::RefusedByPolicy,
            ),
            ("not a url", crate::ErrorKind::Config),
        ] {
            let err = parse_base_url(bad).unwrap_err();
            assert_eq!(err.kind(), kind, "{bad}: {err}");
        }
        let err = parse_base_url("http://api.example.com")
            .unwrap_err()
            .to_string();
        assert!(err.contains("loopback"), "{err}");
    }
}
