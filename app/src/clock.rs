//! Points in time as Charter stores, compares and shows them: UTC milliseconds since the Unix
//! epoch, stamped by the server's clock.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The server's clock. Only the server stamps events; browsers never supply times.
    #[cfg(feature = "ssr")]
    pub fn now() -> Self {
        Self::at(OffsetDateTime::now_utc())
    }

    fn at(at: OffsetDateTime) -> Self {
        Self(i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
    }

    pub fn datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// An instant written as RFC 3339 (`2026-11-23T04:00:00Z`) or a day (`2026-11-23`, its
    /// first instant in UTC), as an operator types it on the command line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let at = OffsetDateTime::parse(text, &Rfc3339).or_else(|_| {
            time::Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
                .map(|day| day.midnight().assume_utc())
        });
        match at {
            Ok(at) => Ok(Self::at(at)),
            Err(_) => Err(format!(
                "`{text}` is not a date (2026-11-23) or an RFC 3339 time (2026-11-23T04:00:00Z)"
            )),
        }
    }

    /// `2026-11-23T04:00:00Z`, for `<time datetime>`, feeds and JSON.
    pub fn rfc3339(self) -> String {
        self.datetime()
            .replace_millisecond(0)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .format(&Rfc3339)
            .unwrap_or_default()
    }

    /// `2026-11-23T04:00:00.123Z`: to the millisecond, as stored, for exports that must give
    /// every event its exact time.
    pub fn rfc3339_millis(self) -> String {
        let seconds = self.rfc3339();
        let whole = seconds.strip_suffix('Z').unwrap_or(&seconds);
        format!("{whole}.{:03}Z", self.0.rem_euclid(1000))
    }

    pub fn plus_days(self, days: i64) -> Self {
        Self(
            self.0
                .saturating_add(days.saturating_mul(Duration::DAY.whole_milliseconds() as i64)),
        )
    }

    /// `self` moved `by` into the future.
    pub fn plus(self, by: std::time::Duration) -> Self {
        Self(
            self.0
                .saturating_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX)),
        )
    }

    /// Whole days from `self` until `later`, rounded up, so "in 1 day" until the moment passes.
    pub fn days_until(self, later: Timestamp) -> i64 {
        let day = Duration::DAY.whole_milliseconds() as i64;
        let diff = later.0.saturating_sub(self.0);
        if diff <= 0 { 0 } else { (diff + day - 1) / day }
    }
}

/// The days a filter form chose: from the first instant of `from` to the last of `to`, either
/// open. Dates are the `YYYY-MM-DD` a date field sends, read in UTC like every stored time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayRange {
    pub from: Option<Timestamp>,
    /// The first instant after the range.
    pub until: Option<Timestamp>,
}

impl DayRange {
    /// Reads the two fields of a filter form; an empty field leaves its end open.
    pub fn parse(from: &str, to: &str) -> Result<Self, String> {
        let day = |text: &str, field: &str| -> Result<Option<Timestamp>, String> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            time::Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
                .map(|day| Some(Timestamp::at(day.midnight().assume_utc())))
                .map_err(|_| format!("the {field} date `{text}` is not a date like 2026-11-23"))
        };
        let range = DayRange {
            from: day(from, "from")?,
            until: day(to, "to")?.map(|last| last.plus_days(1)),
        };
        if let (Some(from), Some(until)) = (range.from, range.until)
            && from >= until
        {
            return Err("the from date must not be later than the to date".to_owned());
        }
        Ok(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_ranges_include_both_days() {
        let range = DayRange::parse("1970-01-02", "1970-01-02").unwrap();
        assert_eq!(range.from, Some(Timestamp::from_millis(86_400_000)));
        assert_eq!(range.until, Some(Timestamp::from_millis(2 * 86_400_000)));
        assert_eq!(DayRange::parse("", " "), Ok(DayRange::default()));
        assert!(DayRange::parse("1970-01-03", "1970-01-02").is_err());
        assert!(DayRange::parse("yesterday", "").is_err());
        assert!(DayRange::parse("", "2026-02-30").is_err());
    }

    #[test]
    fn days_and_rfc3339_times_parse() {
        assert_eq!(
            Timestamp::parse("1970-01-02").map(Timestamp::as_millis),
            Ok(86_400_000)
        );
        assert_eq!(
            Timestamp::parse("1970-01-01T00:00:01Z").map(Timestamp::as_millis),
            Ok(1_000)
        );
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(Timestamp::parse("2026-13-01").is_err());
    }

    #[test]
    fn formats_as_rfc3339_utc() {
        assert_eq!(Timestamp::from_millis(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp::from_millis(1_795_000_000_123).rfc3339(),
            "2026-11-18T11:06:40Z"
        );
        assert_eq!(
            Timestamp::from_millis(1_795_000_000_123).rfc3339_millis(),
            "2026-11-18T11:06:40.123Z"
        );
        assert_eq!(
            Timestamp::from_millis(0).rfc3339_millis(),
            "1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn counts_days_rounding_up() {
        let start = Timestamp::from_millis(0);
        assert_eq!(start.days_until(start), 0);
        assert_eq!(start.days_until(Timestamp::from_millis(1)), 1);
        assert_eq!(start.days_until(start.plus_days(30)), 30);
        assert_eq!(start.plus_days(2).days_until(start), 0);
    }
}
