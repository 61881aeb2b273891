//! Calendar arithmetic for UTC timestamps: the TC3 credential scope needs the UTC date and
//! the result's `expiration` needs RFC 3339. Small enough not to justify a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now. A clock before 1970 reads as 0.
pub fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// (year, month 1..=12, day 1..=31) of the UTC day containing `unix_seconds`.
/// Howard Hinnant's `civil_from_days`, valid for the whole proleptic Gregorian calendar.
fn civil_from_unix(unix_seconds: i64) -> (i64, u32, u32) {
    let days = unix_seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD` in UTC, as the TC3 credential scope wants it.
pub fn utc_date(unix_seconds: i64) -> String {
    let (y, m, d) = civil_from_unix(unix_seconds);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the form STS uses for `Expiration`.
pub fn rfc3339(unix_seconds: i64) -> String {
    let secs = unix_seconds.rem_euclid(86_400);
    format!("{}T{:02}:{:02}:{:02}Z", utc_date(unix_seconds), secs / 3_600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_known_instants() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
        // 2000-02-29 is a leap day of a century year divisible by 400.
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(-1), "1969-12-31");
    }

    #[test]
    fn rfc3339_matches_the_seed_example() {
        // The seed document's expiredTime 1565168075 is 2019-08-07T08:54:35Z.
        assert_eq!(rfc3339(1_565_168_075), "2019-08-07T08:54:35Z");
        assert_eq!(rfc3339(86_399), "1970-01-01T23:59:59Z");
    }
}
