//! The event time format: RFC 3339 UTC with milliseconds, `YYYY-MM-DDTHH:MM:SS.sssZ`.

use super::EventError;

/// Formats milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.sssZ`, the event time
/// format. `None` after the year 9999.
pub fn format_unix_millis(ms: u64) -> Option<String> {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(i64::try_from(days).ok()?);
    if y > 9999 {
        return None;
    }
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    ))
}

/// Days since 1970-01-01 to a (year, month, day) civil date (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Checks `YYYY-MM-DDTHH:MM:SS.sssZ` with a real calendar date.
pub(super) fn check_time(field: &str, s: &str) -> Result<(), EventError> {
    let bad = || EventError::InvalidValue {
        field: field.to_owned(),
        what: "must be RFC 3339 UTC with milliseconds, YYYY-MM-DDTHH:MM:SS.sssZ",
    };
    let b = s.as_bytes();
    if b.len() != 24 {
        return Err(bad());
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'.',
            23 => c == b'Z',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return Err(bad());
        }
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    // Second 60 is a leap second, which RFC 3339 allows.
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_format_and_check() {
        assert_eq!(format_unix_millis(0).unwrap(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_unix_millis(1_767_225_600_123).unwrap(),
            "2026-01-01T00:00:00.123Z"
        );
        assert_eq!(
            format_unix_millis(951_782_400_000).unwrap(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            format_unix_millis(253_402_300_799_999).unwrap(),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(format_unix_millis(253_402_300_800_000), None);
        assert_eq!(format_unix_millis(u64::MAX), None);
        for t in [0, 951_782_400_000, 1_767_225_600_123, 253_402_300_799_999] {
            check_time("time", &format_unix_millis(t).unwrap()).unwrap();
        }
        for bad in [
            "2026-02-29T00:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2026-00-01T00:00:00.000Z",
            "2026-01-00T00:00:00.000Z",
            "2026-01-01T24:00:00.000Z",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.000+00:00",
            "2026-01-01t00:00:00.000Z",
            "2026-01-01T00:00:00.000z",
            "２026-01-01T00:00:00.000Z",
        ] {
            assert!(check_time("time", bad).is_err(), "{bad}");
        }
        check_time("time", "2024-02-29T23:59:60.999Z").unwrap();
    }
}
