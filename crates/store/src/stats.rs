//! Crossing statistics the store keeps as the journal grows.
//!
//! Every crossing adds one, for each dimension reports group on, to the count of its value on
//! its day and in its month, and one to the count of its day and hour, in the same transaction
//! as the crossing itself. A question over a period reads whole months from the monthly counts
//! and only the ragged ends from the daily ones: a year grouped by nationality is twelve
//! months of about a hundred values whatever the traffic, ten years ten times that.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a crossing is counted under. `day` and `hour` are station-local.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CrossingKey {
    pub day: NaiveDate,
    /// 0–23, station-local.
    pub hour: u8,
    pub site_id: String,
    pub direction: String,
    pub lane_kind: String,
    /// The lane's special channel, empty for none.
    pub channel: String,
    /// `person`, `train` or `vehicle` (a vehicle's driver crosses, not the vehicle).
    pub conveyance: String,
    pub nationality: String,
    pub decision: String,
    /// Whether the traveller hit a watchlist.
    pub hit: bool,
}

/// A dimension to group crossings by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatsDim {
    Nationality,
    Site,
    Direction,
    LaneKind,
    Channel,
    Conveyance,
    Decision,
    Hit,
    Hour,
    Day,
    Month,
}

impl StatsDim {
    pub const ALL: [StatsDim; 11] = [
        StatsDim::Nationality,
        StatsDim::Site,
        StatsDim::Direction,
        StatsDim::LaneKind,
        StatsDim::Channel,
        StatsDim::Conveyance,
        StatsDim::Decision,
        StatsDim::Hit,
        StatsDim::Hour,
        StatsDim::Day,
        StatsDim::Month,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatsDim::Nationality => "nationality",
            StatsDim::Site => "site",
            StatsDim::Direction => "direction",
            StatsDim::LaneKind => "lane_kind",
            StatsDim::Channel => "channel",
            StatsDim::Conveyance => "conveyance",
            StatsDim::Decision => "decision",
            StatsDim::Hit => "hit",
            StatsDim::Hour => "hour",
            StatsDim::Day => "day",
            StatsDim::Month => "month",
        }
    }

    /// Whether the daily and monthly tables count this dimension's values (`hour`, `day`
    /// and `month` are answered from the hourly table instead).
    pub fn counted_per_value(self) -> bool {
        !matches!(self, StatsDim::Hour | StatsDim::Day | StatsDim::Month)
    }

    /// The group's key for a crossing counted under `key`.
    pub fn key_of(self, key: &CrossingKey) -> String {
        match self {
            StatsDim::Nationality => key.nationality.clone(),
            StatsDim::Site => key.site_id.clone(),
            StatsDim::Direction => key.direction.clone(),
            StatsDim::LaneKind => key.lane_kind.clone(),
            StatsDim::Channel => key.channel.clone(),
            StatsDim::Conveyance => key.conveyance.clone(),
            StatsDim::Decision => key.decision.clone(),
            StatsDim::Hit => hit_key(key.hit).to_owned(),
            StatsDim::Hour => format!("{:02}", key.hour),
            StatsDim::Day => key.day.format("%Y-%m-%d").to_string(),
            StatsDim::Month => key.day.format("%Y-%m").to_string(),
        }
    }
}

/// How the `hit` dimension reads: `hit` or `none`.
pub fn hit_key(hit: bool) -> &'static str {
    if hit { "hit" } else { "none" }
}

impl fmt::Display for StatsDim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown grouping `{0}`; expected one of {list}", list = StatsDim::ALL.map(StatsDim::as_str).join(", "))]
pub struct UnknownDim(pub String);

impl FromStr for StatsDim {
    type Err = UnknownDim;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StatsDim::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownDim(s.chars().take(40).collect()))
    }
}

/// One group of an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountRow {
    pub key: String,
    pub count: u64,
}

/// A closed range of station-local days cut where the monthly table can answer: whole
/// calendar months in `months` (first days of the first and last month), the days before
/// and after them in `days`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodParts {
    pub days: Vec<(NaiveDate, NaiveDate)>,
    pub months: Option<(NaiveDate, NaiveDate)>,
}

/// Cuts `from..=to` into whole months and ragged ends. An empty period (`to < from`) has
/// no parts.
pub fn split_period(from: NaiveDate, to: NaiveDate) -> PeriodParts {
    let mut parts = PeriodParts {
        days: Vec::new(),
        months: None,
    };
    if to < from {
        return parts;
    }
    let first_whole = if from.day() == 1 {
        from
    } else {
        first_of_next_month(from)
    };
    // The first day of the month after the last whole month.
    let after_whole = if last_of_month(to) == to {
        first_of_next_month(to)
    } else {
        to.with_day(1).unwrap_or(to)
    };
    if first_whole >= after_whole {
        parts.days.push((from, to));
        return parts;
    }
    if from < first_whole {
        parts
            .days
            .push((from, first_whole.pred_opt().unwrap_or(first_whole)));
    }
    let last_whole = after_whole
        .checked_sub_months(Months::new(1))
        .unwrap_or(first_whole);
    parts.months = Some((first_whole, last_whole));
    if after_whole <= to {
        parts.days.push((after_whole, to));
    }
    parts
}

fn first_of_next_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1)
        .and_then(|f| f.checked_add_months(Months::new(1)))
        .unwrap_or(NaiveDate::MAX)
}

fn last_of_month(d: NaiveDate) -> NaiveDate {
    first_of_next_month(d).pred_opt().unwrap_or(d)
}

/// The month key the monthly table stores: `YYYY-MM`.
pub fn month_key(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

/// The day key the daily and hourly tables store: `YYYY-MM-DD`.
pub fn day_key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Sorts groups by count, largest first, then by key, as every answer is ordered (hours,
/// days and months in time order instead).
pub fn order_groups(dim: StatsDim, rows: &mut [CountRow]) {
    match dim {
        StatsDim::Hour | StatsDim::Day | StatsDim::Month => rows.sort_by(|a, b| a.key.cmp(&b.key)),
        _ => rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key))),
    }
}

/// What a set of counted crossings adds to each table: per dimension value and day, per
/// dimension value and month, per day and hour. A rebuild writes these sums once each
/// instead of one write per crossing key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marginals {
    /// (dimension, `YYYY-MM-DD`, value) → count.
    pub day: std::collections::HashMap<(StatsDim, String, String), u64>,
    /// (dimension, `YYYY-MM`, value) → count.
    pub month: std::collections::HashMap<(StatsDim, String, String), u64>,
    /// (`YYYY-MM-DD`, hour) → count.
    pub hour: std::collections::HashMap<(String, u8), u64>,
}

/// Sums counted crossings into the tables' rows.
pub fn marginals<'a>(counts: impl IntoIterator<Item = &'a (CrossingKey, u64)>) -> Marginals {
    let mut m = Marginals::default();
    for (key, n) in counts {
        let (day, month) = (day_key(key.day), month_key(key.day));
        for dim in StatsDim::ALL {
            if !dim.counted_per_value() {
                continue;
            }
            let value = dim.key_of(key);
            *m.day.entry((dim, day.clone(), value.clone())).or_default() += n;
            *m.month.entry((dim, month.clone(), value)).or_default() += n;
        }
        *m.hour.entry((day, key.hour)).or_default() += n;
    }
    m
}

/// Synthetic traffic for benchmarks: `per_day` crossings a day from `first` for `days` days,
/// over 91 nationalities (a few dominate, as at a land border), three sites, both
/// directions, counters, e-gates and special channels, trains and vehicles' drivers, and
/// the rare refusal and hit. Deterministic for a seed; aggregated as the store keeps it.
#[cfg(feature = "contract")]
pub fn synthetic_counts(
    first: NaiveDate,
    days: u32,
    per_day: u32,
    seed: u64,
) -> std::collections::HashMap<CrossingKey, u64> {
    let mut state = seed | 1;
    let mut next = move || {
        // xorshift64*: enough spread for a benchmark, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let nationalities: Vec<String> = (0..91)
        .map(|i| match i {
            0 => "MNG".to_owned(),
            1 => "CHN".to_owned(),
            2 => "RUS".to_owned(),
            _ => format!("X{i:02}"),
        })
        .collect();
    let mut out = std::collections::HashMap::new();
    for d in 0..days {
        let day = first + chrono::Days::new(u64::from(d));
        for _ in 0..per_day {
            let r = next();
            // Roughly Zipf: half Mongolian, a quarter Chinese, the rest spread thin.
            let nat = match r % 100 {
                0..=49 => 0,
                50..=74 => 1,
                75..=84 => 2,
                _ => 3 + (r >> 8) as usize % 88,
            };
            let site = ["road-passenger", "rail-passenger", "airport"][(r >> 16) as usize % 3];
            let (lane_kind, channel) = match (r >> 20) % 10 {
                0..=5 => ("manual_counter", ""),
                6..=8 => ("egate", ""),
                _ => ("special_channel", "tour_group"),
            };
            let conveyance = match (r >> 24) % 20 {
                0..=15 => "person",
                16..=18 => "train",
                _ => "vehicle",
            };
            let decision = match (r >> 30) % 1000 {
                0..=989 => "clear",
                990..=996 => "secondary",
                997..=998 => "refuse",
                _ => "detain",
            };
            let key = CrossingKey {
                day,
                hour: ((r >> 40) % 24) as u8,
                site_id: site.to_owned(),
                direction: if (r >> 45) & 1 == 0 { "entry" } else { "exit" }.to_owned(),
                lane_kind: lane_kind.to_owned(),
                channel: channel.to_owned(),
                conveyance: conveyance.to_owned(),
                nationality: nationalities[nat].clone(),
                decision: decision.to_owned(),
                hit: (r >> 50) % 500 == 0,
            };
            *out.entry(key).or_insert(0) += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_split_into_whole_months_and_ragged_ends() {
        let cases = [
            // from, to, days, months
            (
                "2026-01-01",
                "2026-12-31",
                vec![],
                Some(("2026-01-01", "2026-12-01")),
            ),
            (
                "2026-01-15",
                "2026-03-10",
                vec![("2026-01-15", "2026-01-31"), ("2026-03-01", "2026-03-10")],
                Some(("2026-02-01", "2026-02-01")),
            ),
            (
                "2026-02-03",
                "2026-02-20",
                vec![("2026-02-03", "2026-02-20")],
                None,
            ),
            (
                "2026-02-01",
                "2026-02-27",
                vec![("2026-02-01", "2026-02-27")],
                None,
            ),
            (
                "2026-02-01",
                "2026-02-28",
                vec![],
                Some(("2026-02-01", "2026-02-01")),
            ),
            (
                "2025-12-31",
                "2026-01-31",
                vec![("2025-12-31", "2025-12-31")],
                Some(("2026-01-01", "2026-01-01")),
            ),
            ("2026-05-02", "2026-05-01", vec![], None),
        ];
        for (from, to, days, months) in cases {
            let got = split_period(d(from), d(to));
            let want = PeriodParts {
                days: days.into_iter().map(|(a, b)| (d(a), d(b))).collect(),
                months: months.map(|(a, b)| (d(a), d(b))),
            };
            assert_eq!(got, want, "{from}..={to}");
        }
    }

    #[test]
    fn every_day_of_a_period_is_in_exactly_one_part() {
        let start = d("2023-11-20");
        for len in [0i64, 1, 9, 40, 70, 400] {
            for shift in [0i64, 11, 12] {
                let from = start + chrono::Duration::days(shift);
                let to = from + chrono::Duration::days(len);
                let parts = split_period(from, to);
                let mut covered = Vec::new();
                for (a, b) in &parts.days {
                    covered.extend(a.iter_days().take_while(|x| x <= b));
                }
                if let Some((a, b)) = parts.months {
                    covered.extend(a.iter_days().take_while(|x| *x <= last_of_month(b)));
                }
                covered.sort();
                let want: Vec<_> = from.iter_days().take_while(|x| *x <= to).collect();
                assert_eq!(covered, want, "{from}..={to}");
            }
        }
    }

    #[test]
    fn groupings_read_back_from_their_names() {
        for d in StatsDim::ALL {
            assert_eq!(d.as_str().parse::<StatsDim>(), Ok(d));
        }
        let err = "weekday".parse::<StatsDim>().unwrap_err().to_string();
        assert!(
            err.contains("nationality") && err.contains("month"),
            "{err}"
        );
    }
}
