//! [RFC 3339 §5.6] UTC timestamps as the OrangeCheck texts write them: `2026-04-22T12:00:00Z`.
//!
//! The canonical spelling of [`watchword_token::timestamp`], with this crate's errors:
//! [`format()`] and [`parse`] handle whole seconds, upper-case `T` and `Z`, years 1970–9999,
//! so a parsed text writes back byte for byte. Attestations made by other software may carry
//! fractional seconds; [`is_utc`] accepts those too.
//!
//! [RFC 3339 §5.6]: https://www.rfc-editor.org/rfc/rfc3339#section-5.6

use watchword_token::timestamp as canonical;
pub use watchword_token::timestamp::{is_utc, MAX_TIMESTAMP};
use watchword_token::UnixTime;

use crate::Error;

/// Writes `time` as `YYYY-MM-DDTHH:MM:SSZ`.
///
/// # Errors
///
/// [`Error::TimestampRange`] after [`MAX_TIMESTAMP`].
pub fn format(time: UnixTime) -> Result<String, Error> {
    canonical::format(time).ok_or(Error::TimestampRange { time })
}

/// Reads the canonical spelling [`format()`] writes.
///
/// # Errors
///
/// [`Error::Timestamp`] for anything else: another length, lower-case `t` or `z`, an offset
/// other than `Z`, fractional seconds, an impossible date or time (February 30th, second 60),
/// a year before 1970.
pub fn parse(text: &str) -> Result<UnixTime, Error> {
    canonical::parse(text).ok_or_else(|| Error::Timestamp {
        value: text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_value() {
        assert_eq!(
            format(MAX_TIMESTAMP.plus(1)),
            Err(Error::TimestampRange {
                time: MAX_TIMESTAMP.plus(1)
            })
        );
        assert_eq!(
            parse("2026-02-30T00:00:00Z"),
            Err(Error::Timestamp {
                value: "2026-02-30T00:00:00Z".into()
            })
        );
        assert_eq!(
            parse("2026-04-22T12:00:00Z").and_then(format).as_deref(),
            Ok("2026-04-22T12:00:00Z")
        );
    }
}
