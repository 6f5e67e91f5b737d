//! Dates as people in the region read them: the time in Warsaw (CET/CEST, by the EU rule) and a
//! month laid out in weeks from Monday, for the server-rendered calendars.

use time::{Date, Duration, Month, OffsetDateTime, UtcOffset, Weekday};

/// The offset of Polish time at the instant `at`: summer time (UTC+2) from 01:00 UTC on the last
/// Sunday of March to 01:00 UTC on the last Sunday of October, UTC+1 otherwise (EU directive
/// 2000/84/EC). Computed here so the platform needs no time-zone database.
pub fn warsaw_offset(at: OffsetDateTime) -> UtcOffset {
    let utc = at.to_offset(UtcOffset::UTC);
    let switch = |month: Month| {
        last_sunday(utc.year(), month)
            .with_hms(1, 0, 0)
            .expect("01:00 is a valid time")
            .assume_utc()
    };
    let summer = utc >= switch(Month::March) && utc < switch(Month::October);
    UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).expect("a whole-hour offset")
}

/// `at` in Polish time.
pub fn in_warsaw(at: OffsetDateTime) -> OffsetDateTime {
    at.to_offset(warsaw_offset(at))
}

fn last_sunday(year: i32, month: Month) -> Date {
    let last =
        Date::from_calendar_date(year, month, month.length(year)).expect("a month's last day");
    last - Duration::days(i64::from(last.weekday().number_days_from_sunday()))
}

/// One month of a calendar: its weeks, Monday first; days of the neighbouring months are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthGrid {
    pub first: Date,
    pub weeks: Vec<[Option<Date>; 7]>,
}

impl MonthGrid {
    pub fn of(year: i32, month: Month) -> Option<Self> {
        let first = Date::from_calendar_date(year, month, 1).ok()?;
        let lead = usize::from(first.weekday().number_days_from_monday());
        let days = usize::from(month.length(year));
        let mut weeks = Vec::new();
        let mut week = [None; 7];
        for i in 0..lead + days {
            if i >= lead {
                week[i % 7] = Some(first + Duration::days((i - lead) as i64));
            }
            if i % 7 == 6 {
                weeks.push(week);
                week = [None; 7];
            }
        }
        if week.iter().any(Option::is_some) {
            weeks.push(week);
        }
        Some(MonthGrid { first, weeks })
    }

    /// The month `d` is in.
    pub fn of_date(d: Date) -> Self {
        Self::of(d.year(), d.month()).expect("a date's own month")
    }

    /// The day after the month's last.
    pub fn end(&self) -> Date {
        self.first + Duration::days(i64::from(self.first.month().length(self.first.year())))
    }

    pub fn previous(&self) -> Date {
        self.first
            .previous_day()
            .map_or(self.first, |d| d.replace_day(1).unwrap_or(d))
    }

    pub fn next(&self) -> Date {
        self.end()
    }
}

/// Month names in the nominative ("grudzień 2026" above a calendar).
pub const MONTH_NAMES: [&str; 12] = [
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "maj",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
];

/// Weekday names, Monday first: (abbreviation, full name).
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("pn", "poniedziałek"),
    ("wt", "wtorek"),
    ("śr", "środa"),
    ("cz", "czwartek"),
    ("pt", "piątek"),
    ("sb", "sobota"),
    ("nd", "niedziela"),
];

/// The full Polish name of `d`'s weekday.
pub fn weekday_name(d: Date) -> &'static str {
    let i = match d.weekday() {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    };
    WEEKDAYS[i].1
}

/// "2026-12" → the first of that month; anything else is `None`.
pub fn parse_month(s: &str) -> Option<Date> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, 1).ok()
}

/// "2026-12-24" → that date (ISO 8601, as `<input type="date">` sends it).
pub fn parse_date(s: &str) -> Option<Date> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// The dates a form's field accepts: from 1 January of `from_year` to 31 December of the year
/// `years_ahead` after today. Every record's date has one, so a typo (year 1, year 9999) is
/// refused instead of growing a yearly report by two thousand rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from_year: i32,
    pub years_ahead: i32,
}

impl Span {
    /// Something that happened (a resolution, a publication, a check): since Polish local
    /// government (1990), up to a year ahead (entered in advance).
    pub const RECORD: Span = Span {
        from_year: 1990,
        years_ahead: 1,
    };
    /// Something planned (a deadline, a loan, the next check): up to five years ahead.
    pub const PLAN: Span = Span {
        from_year: 1990,
        years_ahead: 5,
    };
    /// A contract's term (a lease): up to thirty years ahead.
    pub const TERM: Span = Span {
        from_year: 1990,
        years_ahead: 30,
    };

    /// The first and the last day accepted when today is `today`.
    pub fn bounds(self, today: Date) -> (Date, Date) {
        let first =
            Date::from_calendar_date(self.from_year, Month::January, 1).unwrap_or(Date::MIN);
        let last = Date::from_calendar_date(today.year() + self.years_ahead, Month::December, 31)
            .unwrap_or(Date::MAX);
        (first, last)
    }
}

/// A date typed into a form's field, as every form reads one: empty is `Ok(None)`; otherwise an
/// ISO date within `span` of `today`, or the one Polish message, naming the field by `what`
/// ("datę uchwały", "początek najmu").
pub fn form_date(raw: &str, what: &str, span: Span, today: Date) -> Result<Option<Date>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let (first, last) = span.bounds(today);
    match parse_date(raw) {
        Some(d) if (first..=last).contains(&d) => Ok(Some(d)),
        _ => Err(date_message(what, span, today)),
    }
}

/// [`form_date`] of a field that must be filled: empty gets the same message.
pub fn required_date(raw: &str, what: &str, span: Span, today: Date) -> Result<Date, String> {
    form_date(raw, what, span, today)?.ok_or_else(|| date_message(what, span, today))
}

fn date_message(what: &str, span: Span, today: Date) -> String {
    let (first, last) = span.bounds(today);
    format!("Podaj {what} w formacie RRRR-MM-DD, między {first} a {last}.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn polish_time_follows_the_eu_rule() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        let at = |t: OffsetDateTime| warsaw_offset(t).whole_hours();
        assert_eq!(at(datetime!(2026-03-29 00:59 UTC)), 1);
        assert_eq!(at(datetime!(2026-03-29 01:00 UTC)), 2);
        assert_eq!(at(datetime!(2026-10-25 00:59 UTC)), 2);
        assert_eq!(at(datetime!(2026-10-25 01:00 UTC)), 1);
        assert_eq!(at(datetime!(2026-12-03 12:00 UTC)), 1);
        // 23:30 UTC on 31 December is already New Year's Day in Toruń.
        assert_eq!(
            in_warsaw(datetime!(2026-12-31 23:30 UTC)).date(),
            date!(2027 - 01 - 01)
        );
        assert_eq!(
            in_warsaw(datetime!(2026-07-01 22:30 UTC)).date(),
            date!(2026 - 07 - 02)
        );
        assert_eq!(
            in_warsaw(datetime!(2026-07-01 21:59 UTC)).date(),
            date!(2026 - 07 - 01)
        );
    }

    #[test]
    fn a_month_is_laid_out_from_monday() {
        // December 2026 starts on a Tuesday and ends on a Thursday.
        let m = MonthGrid::of(2026, Month::December).unwrap();
        assert_eq!(m.weeks.len(), 5);
        assert_eq!(m.weeks[0][0], None);
        assert_eq!(m.weeks[0][1], Some(date!(2026 - 12 - 01)));
        assert_eq!(m.weeks[4][3], Some(date!(2026 - 12 - 31)));
        assert_eq!(m.weeks[4][4], None);
        assert_eq!(m.end(), date!(2027 - 01 - 01));
        assert_eq!(m.previous(), date!(2026 - 11 - 01));
        // February 2027 starts on a Monday: exactly four weeks.
        let f = MonthGrid::of(2027, Month::February).unwrap();
        assert_eq!(f.weeks.len(), 4);
        assert!(f.weeks.iter().all(|w| w.iter().all(Option::is_some)));
        // A leap February and a month of six weeks (August 2027 starts on a Sunday).
        assert_eq!(
            MonthGrid::of(2028, Month::February).unwrap().end(),
            date!(2028 - 03 - 01)
        );
        assert_eq!(MonthGrid::of(2027, Month::August).unwrap().weeks.len(), 6);
        assert_eq!(weekday_name(date!(2026 - 12 - 03)), "czwartek");
    }

    #[test]
    fn form_dates_hold_a_plausible_span() {
        let today = date!(2026 - 12 - 07);
        let msg = "Podaj datę uchwały w formacie RRRR-MM-DD, między 1990-01-01 a 2027-12-31.";
        for (raw, want) in [
            ("", Ok(None)),
            ("2024-05-31", Ok(Some(date!(2024 - 05 - 31)))),
            ("1990-01-01", Ok(Some(date!(1990 - 01 - 01)))),
            ("2027-12-31", Ok(Some(date!(2027 - 12 - 31)))),
            ("0001-01-01", Err(msg.to_owned())),
            ("1989-12-31", Err(msg.to_owned())),
            ("2028-01-01", Err(msg.to_owned())),
            ("9999-12-31", Err(msg.to_owned())),
            ("31.05.2024", Err(msg.to_owned())),
        ] {
            assert_eq!(
                form_date(raw, "datę uchwały", Span::RECORD, today),
                want,
                "{raw}"
            );
        }
        assert!(required_date("", "datę", Span::PLAN, today).is_err());
        assert_eq!(Span::TERM.bounds(today).1, date!(2056 - 12 - 31));
    }

    #[test]
    fn dates_and_months_are_read_strictly() {
        assert_eq!(parse_date("2026-12-24"), Some(date!(2026 - 12 - 24)));
        assert_eq!(parse_month("2026-02"), Some(date!(2026 - 02 - 01)));
        for bad in [
            "",
            "2026-02-30",
            "2026-2-01",
            "26-02-01",
            "2026-02-01-01",
            "2026-13-01",
            "dziś",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        for bad in ["", "2026-13", "2026-1", "2026", "2026-01-01"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }
}

/// A period a figure by day is summed over. Days are dates in Poland; both ends count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// 1 January of today's year until today.
    ThisYear,
    /// The last `n` days, today among them.
    LastDays(u16),
    /// A whole calendar year.
    Year(i32),
    /// From one day to another.
    Between(Date, Date),
}

impl Period {
    /// The first and the last day of the period, as of `today`.
    pub fn days(self, today: Date) -> (Date, Date) {
        let year = |y: i32| {
            (
                Date::from_calendar_date(y, time::Month::January, 1).unwrap_or(Date::MIN),
                Date::from_calendar_date(y, time::Month::December, 31).unwrap_or(Date::MAX),
            )
        };
        match self {
            Period::ThisYear => (year(today.year()).0, today),
            Period::LastDays(n) => (today - time::Duration::days(i64::from(n.max(1)) - 1), today),
            Period::Year(y) => year(y),
            Period::Between(from, until) => (from, until),
        }
    }
}
