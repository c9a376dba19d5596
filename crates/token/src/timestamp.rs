//! [RFC 3339 §5.6] UTC timestamps in their canonical spelling: `2026-04-22T12:00:00Z`, for the
//! texts and JSON answers of every surface.
//!
//! [`format()`] and [`parse`] handle the one canonical spelling (whole seconds, upper-case `T`
//! and `Z`, years 1970–9999), so a parsed text writes back byte for byte. Texts made by other
//! software may carry fractional seconds; [`is_utc`] accepts those too.
//!
//! [RFC 3339 §5.6]: https://www.rfc-editor.org/rfc/rfc3339#section-5.6

use crate::UnixTime;

/// The last second [`format()`] can write: `9999-12-31T23:59:59Z`.
pub const MAX_TIMESTAMP: UnixTime = UnixTime(253_402_300_799);

const SECONDS_PER_DAY: u64 = 86_400;

/// Writes `time` as `YYYY-MM-DDTHH:MM:SSZ`; `None` after [`MAX_TIMESTAMP`].
pub fn format(time: UnixTime) -> Option<String> {
    if time > MAX_TIMESTAMP {
        return None;
    }
    let days = time.0 / SECONDS_PER_DAY;
    let second_of_day = time.0 % SECONDS_PER_DAY;
    let (year, month, day) = civil_from_days(days);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    ))
}

/// Reads the canonical spelling [`format()`] writes; `None` for anything else: another
/// length, lower-case `t` or `z`, an offset other than `Z`, fractional seconds, an impossible
/// date or time (February 30th, second 60), a year before 1970.
pub fn parse(text: &str) -> Option<UnixTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 20 || bytes[19] != b'Z' {
        return None;
    }
    date_time(&bytes[..19])
}

/// Returns whether `text` is an RFC 3339 date-time in UTC written with `Z`, with or without
/// fractional seconds (`2026-04-22T12:00:00Z`, `2026-04-22T12:00:00.123Z`).
pub fn is_utc(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some((&b'Z', rest)) = bytes.split_last() else {
        return false;
    };
    if rest.len() < 19 || date_time(&rest[..19]).is_none() {
        return false;
    }
    match &rest[19..] {
        [] => true,
        [b'.', digits @ ..] => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Reads `YYYY-MM-DDTHH:MM:SS` (exactly 19 bytes).
fn date_time(bytes: &[u8]) -> Option<UnixTime> {
    let shape = b"dddd-dd-ddTdd:dd:dd";
    let well_shaped = bytes.len() == shape.len()
        && bytes.iter().zip(shape).all(|(byte, want)| match want {
            b'd' => byte.is_ascii_digit(),
            literal => byte == literal,
        });
    if !well_shaped {
        return None;
    }
    let number = |range: core::ops::Range<usize>| {
        bytes[range]
            .iter()
            .fold(0u64, |acc, digit| acc * 10 + u64::from(digit - b'0'))
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let (hour, minute, second) = (number(11..13), number(14..16), number(17..19));
    if year < 1970
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(UnixTime(
        days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second,
    ))
}

fn is_leap(year: u64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date from 1970 on, counting in 400-year eras
/// of 146 097 days from a year that starts in March (so the leap day ends the year).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year % 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719 468 days from 0000-03-01 to 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        for (seconds, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_776_859_200, "2026-04-22T12:00:00Z"),
            (1_893_456_000, "2030-01-01T00:00:00Z"),
            (MAX_TIMESTAMP.0, "9999-12-31T23:59:59Z"),
        ] {
            assert_eq!(format(UnixTime(seconds)).as_deref(), Some(text));
            assert_eq!(parse(text), Some(UnixTime(seconds)), "{text}");
            assert!(is_utc(text));
        }
        assert!(format(MAX_TIMESTAMP.plus(1)).is_none());
    }

    #[test]
    fn every_day_round_trips() {
        // Every day of 1970–2500 and a few around the end of the range.
        let days = (0..194_000).chain(2_932_800..2_932_897);
        for day in days {
            let time = UnixTime(day * SECONDS_PER_DAY + 86_399);
            let text = format(time).expect("in range");
            assert_eq!(parse(&text), Some(time), "{text}");
        }
    }

    #[test]
    fn refuses_other_spellings() {
        for text in [
            "2026-04-22T12:00:00",
            "2026-04-22t12:00:00Z",
            "2026-04-22T12:00:00z",
            "2026-04-22 12:00:00Z",
            "2026-04-22T12:00:00+00:00",
            "2026-04-22T12:00:00.000Z",
            "2026-4-22T12:00:00Z",
            "2026-02-29T12:00:00Z",
            "2100-02-29T12:00:00Z",
            "2026-04-31T12:00:00Z",
            "2026-13-01T12:00:00Z",
            "2026-00-01T12:00:00Z",
            "2026-04-00T12:00:00Z",
            "2026-04-22T24:00:00Z",
            "2026-04-22T12:60:00Z",
            "2026-04-22T12:00:60Z",
            "1969-12-31T23:59:59Z",
            "+026-04-22T12:00:00Z",
            "",
        ] {
            assert!(parse(text).is_none(), "{text}");
        }
        assert!(parse("2024-02-29T00:00:00Z").is_some());
        assert!(parse("2000-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn utc_with_fraction() {
        assert!(is_utc("2026-04-22T12:00:00.123Z"));
        assert!(is_utc("2026-04-22T12:00:00.1Z"));
        for text in [
            "2026-04-22T12:00:00.Z",
            "2026-04-22T12:00:00,1Z",
            "2026-04-22T12:00:00.1",
            "2026-04-22T12:00:00.1+01:00",
            "2026-04-22T12:00:00.1aZ",
            "Z",
        ] {
            assert!(!is_utc(text), "{text}");
        }
    }
}
