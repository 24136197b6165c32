//! Timestamps: [`Timestamp`], an instant (from the `jiff` crate, re-exported
//! so you need not depend on it), and the one way this SDK reads and writes
//! them on the wire.
//!
//! ```
//! use identity_core::time::{self, Timestamp};
//!
//! let at: Timestamp = "2024-06-01T12:00:00Z".parse().unwrap();
//! assert_eq!(time::format(at), "2024-06-01T12:00:00.000Z");
//! // Workfront's own shape parses to the same kind of instant.
//! assert!(time::parse("2024-06-01T05:00:00:000-0700") == Some(at));
//! ```

pub use jiff::Timestamp;

/// Workfront writes `2024-01-15T10:00:00:000-0700`: milliseconds after a
/// colon and an offset without one.
const WORKFRONT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S:%3f%z";

/// Parses a timestamp as the APIs send it: RFC 3339 / ISO 8601 with an
/// offset (`2024-01-15T10:00:00Z`, `...10:00:00.123+02:00`) or Workfront's
/// `2024-01-15T10:00:00:000-0700`. `None` when it is neither: a record with
/// an odd date is still a record.
pub fn parse(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    text.parse::<Timestamp>().ok().or_else(|| {
        jiff::fmt::strtime::parse(WORKFRONT_FORMAT, text)
            .and_then(|parsed| parsed.to_timestamp())
            .ok()
    })
}

/// Formats an instant as RFC 3339 in UTC with milliseconds
/// (`2024-01-15T10:00:00.000Z`): a fixed width, so such strings also sort
/// chronologically as text.
pub fn format(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants_with_milliseconds() {
        let at = Timestamp::from_millisecond(1_705_312_800_123).unwrap();
        assert_eq!(format(at), "2024-01-15T10:00:00.123Z");
        assert_eq!(format(Timestamp::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = Timestamp::from_second(951_782_400).unwrap();
        assert_eq!(format(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn parses_rfc3339_and_workfront_shapes() {
        let at = parse("2024-01-15T10:00:00.123Z").unwrap();
        assert_eq!(parse(&format(at)), Some(at));
        assert_eq!(parse("2024-01-15T03:00:00:123-0700"), Some(at));
        assert_eq!(parse("2024-01-15T12:00:00.123+02:00"), Some(at));
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse(""), None);
    }
}
