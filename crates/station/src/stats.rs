//! Statistics: crossings grouped over any period from the counts the store keeps as the
//! journal grows, a recount from the journal that proves them, and the region's totals an
//! analyst enters for shares and ranks.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike, Utc};
use guomen_domain::Role;
use guomen_port::Port;
use guomen_store::stats::{hit_key, order_groups};
use guomen_store::{Change, CountRow, CrossingKey, Projection, StatsDim, StoreError};
use serde::{Deserialize, Serialize};

use crate::event::{CrossingRecorded, Event, EventKind, RegionTotalsSet, StatsRebuilt};
use crate::{Principal, Station, StationError, StationResult};

/// The collection of the region's totals, one document per year.
pub const REGION_TOTALS: &str = "region_totals";

/// The longest period one question may span.
const MAX_PERIOD_DAYS: i64 = 366 * 50;

/// Crossings over a period, grouped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossingStats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: StatsDim,
    pub total: u64,
    pub groups: Vec<CountRow>,
}

/// A year's totals of the region the station belongs to: the region's crossings and its
/// stations' (this one among them, by the name the analyst gives it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionTotals {
    pub year: i32,
    pub crossings: u64,
    pub stations: Vec<StationTotal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationTotal {
    pub name: String,
    pub crossings: u64,
}

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rebuilt {
    pub through_seq: u64,
    pub crossings: u64,
    pub keys: u64,
}

/// What a crossing is counted under: its lane's kind and channel (from the event, or the
/// port model for journals written before they were recorded) and the station-local day and
/// hour of its journal time.
pub fn crossing_key(
    port: &Port,
    offset: FixedOffset,
    c: &CrossingRecorded,
    time: DateTime<Utc>,
) -> CrossingKey {
    let local = time.with_timezone(&offset);
    let lane = port.lane(&c.lane_id);
    let lane_kind = if c.lane_kind.is_empty() {
        lane.map(|l| l.kind.as_str().to_owned()).unwrap_or_default()
    } else {
        c.lane_kind.clone()
    };
    let channel = if c.channel.is_empty() && c.lane_kind.is_empty() {
        lane.and_then(|l| l.channel)
            .map(|ch| ch.as_str().to_owned())
            .unwrap_or_default()
    } else {
        c.channel.clone()
    };
    CrossingKey {
        day: local.date_naive(),
        hour: u8::try_from(local.hour()).unwrap_or(0),
        site_id: c.site_id.clone(),
        direction: c.direction.clone(),
        lane_kind,
        channel,
        conveyance: if c.conveyance.is_empty() {
            "person".to_owned()
        } else {
            c.conveyance.clone()
        },
        nationality: c.nationality.clone(),
        decision: c.decision.clone(),
        hit: c.hit,
    }
}

fn may_read_stats(who: &Principal) -> StationResult<()> {
    match who.role {
        Role::Admin | Role::DutyChief | Role::Inspector | Role::Analyst => Ok(()),
        Role::Partner | Role::Carrier | Role::Device => Err(StationError::forbidden(
            "statistics are for the station's staff and analysts",
        )),
    }
}

impl Station {
    /// The count to add with a crossing recorded now.
    pub(crate) fn count_of(&self, c: &CrossingRecorded, time: DateTime<Utc>) -> Projection {
        Projection::CountCrossing(crossing_key(&self.port, self.utc_offset(), c, time))
    }

    /// Crossings over the station-local days `from..=to` (default: this year so far),
    /// grouped by `by`, from the counts the store keeps.
    pub async fn crossing_stats(
        &self,
        who: &Principal,
        by: StatsDim,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> StationResult<CrossingStats> {
        may_read_stats(who)?;
        let today = self.today();
        let to = to.unwrap_or(today);
        let from = from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
        if from > to {
            return Err(StationError::unprocessable(format!(
                "`from` ({from}) is after `to` ({to})"
            )));
        }
        if (to - from).num_days() > MAX_PERIOD_DAYS {
            return Err(StationError::unprocessable(
                "a period may span at most 50 years",
            ));
        }
        let groups = self.store.crossing_counts(by, from, to).await?;
        Ok(CrossingStats {
            from,
            to,
            group_by: by,
            total: groups.iter().map(|g| g.count).sum(),
            groups,
        })
    }

    /// Counts crossings straight from the journal (every `crossing.recorded` event), keyed
    /// as the store keys them; through the returned seq. Slow by design: it is the proof the
    /// kept counts are checked against, and what a rebuild writes.
    pub async fn recount_crossings(&self) -> StationResult<(u64, HashMap<CrossingKey, u64>)> {
        let kinds = [EventKind::CrossingRecorded.as_str()];
        let offset = self.utc_offset();
        let mut counts: HashMap<CrossingKey, u64> = HashMap::new();
        let mut after = 0u64;
        let mut through = self.store.head().await?.map(|(seq, _)| seq).unwrap_or(0);
        loop {
            let rows = self.store.journal(after, 1000, Some(&kinds)).await?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            for row in &rows {
                if row.seq > through {
                    // Appended since the head was read: the next head covers it.
                    through = row.seq;
                }
                let Ok(Event::CrossingRecorded(c)) = Event::from_journal(&row.kind, &row.payload)
                else {
                    return Err(StationError::internal(format!(
                        "journal seq {}: a crossing.recorded event does not read",
                        row.seq
                    )));
                };
                *counts
                    .entry(crossing_key(&self.port, offset, &c, row.time))
                    .or_default() += 1;
            }
        }
        Ok((through, counts))
    }

    /// Groups a recount like [`Station::crossing_stats`] does, for checking the kept counts.
    pub fn group_recount(
        counts: &HashMap<CrossingKey, u64>,
        by: StatsDim,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<CountRow> {
        let mut groups: HashMap<String, u64> = HashMap::new();
        for (k, n) in counts {
            if k.day >= from && k.day <= to {
                *groups.entry(by.key_of(k)).or_default() += n;
            }
        }
        let mut rows: Vec<CountRow> = groups
            .into_iter()
            .map(|(key, count)| CountRow { key, count })
            .collect();
        order_groups(by, &mut rows);
        rows
    }

    /// Replaces the kept counts with a recount from the journal. Journaled; retried when
    /// crossings arrive while it counts.
    pub async fn rebuild_stats(&self, actor: &str) -> StationResult<Rebuilt> {
        for _ in 0..5 {
            let (through_seq, counts) = self.recount_crossings().await?;
            let crossings = counts.values().sum();
            let keys = counts.len() as u64;
            let event = Event::StatsRebuilt(StatsRebuilt {
                through_seq,
                crossings,
                keys,
            });
            let change = Change::event(event.to_new(actor, self.now())).with(
                Projection::ReplaceCrossingCounts {
                    through_seq,
                    counts: counts.into_iter().collect(),
                },
            );
            match self.append(vec![change]).await {
                Ok(_) => {
                    return Ok(Rebuilt {
                        through_seq,
                        crossings,
                        keys,
                    });
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StationError::conflict(
            "the journal kept moving while the statistics were rebuilt; try again",
        ))
    }

    /// At start-up: a journal with crossings but no counts (a data directory from before the
    /// counts were kept) is counted once.
    pub(crate) async fn ensure_counts(&self) -> StationResult<()> {
        let first = self
            .store
            .journal(0, 1, Some(&[EventKind::CrossingRecorded.as_str()]))
            .await?;
        let Some(first) = first.first() else {
            return Ok(());
        };
        let day = self.local_day(first.time);
        let counted = self
            .store
            .crossing_counts(StatsDim::Day, NaiveDate::MIN, NaiveDate::MAX)
            .await?;
        if counted.is_empty() {
            tracing::info!(since = %day, "counting the journal's crossings for the statistics");
            self.rebuild_stats(crate::SYSTEM).await?;
        }
        Ok(())
    }

    /// Enters the region's totals for a year (an analyst's or administrator's work).
    pub async fn set_region_totals(
        &self,
        who: &Principal,
        totals: RegionTotals,
    ) -> StationResult<RegionTotals> {
        if !matches!(who.role, Role::Admin | Role::Analyst) {
            return Err(StationError::forbidden(
                "the region's totals are entered by an analyst",
            ));
        }
        if !(1990..=2200).contains(&totals.year) {
            return Err(StationError::unprocessable(format!(
                "year {} is out of range",
                totals.year
            )));
        }
        let mut names = std::collections::HashSet::new();
        for s in &totals.stations {
            let n = s.name.trim();
            if n.is_empty() || n.chars().count() > 120 {
                return Err(StationError::unprocessable(
                    "each station needs a `name` of 1 to 120 characters",
                ));
            }
            if !names.insert(n.to_owned()) {
                return Err(StationError::unprocessable(format!(
                    "station `{n}` is listed twice"
                )));
            }
            if s.crossings > totals.crossings {
                return Err(StationError::unprocessable(format!(
                    "station `{n}` has more crossings ({}) than the region ({})",
                    s.crossings, totals.crossings
                )));
            }
        }
        let sum: u64 = totals.stations.iter().map(|s| s.crossings).sum();
        if sum > totals.crossings {
            return Err(StationError::unprocessable(format!(
                "the stations' crossings add up to {sum}, more than the region's {}",
                totals.crossings
            )));
        }
        let body = serde_json::to_value(&totals)
            .map_err(|e| StationError::internal(format!("region totals: {e}")))?;
        let event = Event::RegionTotalsSet(RegionTotalsSet {
            year: totals.year,
            crossings: totals.crossings,
            stations: totals.stations.len() as u64,
        });
        let change =
            Change::event(event.to_new(&who.actor(), self.now())).with(Projection::PutDoc {
                collection: REGION_TOTALS.to_owned(),
                id: totals.year.to_string(),
                body,
            });
        self.append(vec![change]).await?;
        Ok(totals)
    }

    /// The region's totals for a year, if entered.
    pub async fn region_totals(
        &self,
        who: &Principal,
        year: i32,
    ) -> StationResult<Option<RegionTotals>> {
        may_read_stats(who)?;
        let Some(doc) = self.store.doc(REGION_TOTALS, &year.to_string()).await? else {
            return Ok(None);
        };
        serde_json::from_value(doc.body)
            .map(Some)
            .map_err(|e| StationError::internal(format!("stored region totals for {year}: {e}")))
    }
}

/// Which period a report covers: a station-local calendar year or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportPeriod {
    Year(i32),
    Month(i32, u32),
}

impl ReportPeriod {
    /// The period's first and last station-local days; an error naming the period when the
    /// calendar has no such year or month.
    pub fn days(self) -> StationResult<(NaiveDate, NaiveDate)> {
        let out = match self {
            ReportPeriod::Year(y) => {
                NaiveDate::from_ymd_opt(y, 1, 1).zip(NaiveDate::from_ymd_opt(y, 12, 31))
            }
            ReportPeriod::Month(y, m) => NaiveDate::from_ymd_opt(y, m, 1).and_then(|first| {
                let next = if m == 12 {
                    NaiveDate::from_ymd_opt(y + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(y, m + 1, 1)
                }?;
                Some((first, next.pred_opt()?))
            }),
        };
        // Years the counts can hold: four digits, as `month` keys are written.
        match out {
            Some((from, to)) if (1..=9999).contains(&from.year()) => Ok((from, to)),
            _ => Err(StationError::unprocessable(match self {
                ReportPeriod::Year(y) => format!("year {y} is out of range"),
                ReportPeriod::Month(y, m) => format!("month {y}-{m:02} is out of range"),
            })),
        }
    }
}

impl std::str::FromStr for ReportPeriod {
    type Err = StationError;

    /// `2026` or `2026-12`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            StationError::unprocessable(format!(
                "`{}` is not a period; expected YYYY or YYYY-MM",
                s.chars().take(20).collect::<String>()
            ))
        };
        let period = match s.split_once('-') {
            None if s.len() == 4 => ReportPeriod::Year(s.parse().map_err(|_| bad())?),
            Some((y, m)) if y.len() == 4 && m.len() == 2 => {
                ReportPeriod::Month(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?)
            }
            _ => return Err(bad()),
        };
        period.days()?;
        Ok(period)
    }
}

/// A year's or a month's report, computed from the counts the journal keeps and the
/// journaled cases, trains and vehicles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodReport {
    pub year: i32,
    /// The month of a monthly report; `None` for a year's.
    pub month: Option<u32>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Person-crossings (人次).
    pub crossings: u64,
    pub entries: u64,
    pub exits: u64,
    /// Nationalities of the travellers (countries and regions).
    pub countries: u64,
    /// This station's share of the region's crossings, when the region's totals for the
    /// year are entered (a year's report only: the region's totals are yearly).
    pub region_share: Option<f64>,
    /// This station's rank among the region's stations by crossings, when entered.
    pub region_rank: Option<u64>,
    /// Cases of kind `fugitive`: wanted persons caught at the port.
    pub fugitives_caught: u64,
    /// Cases of kind `changed_identity`: persons refused for entering under a changed one.
    pub refused_changed_identity: u64,
    /// Crossings decided with a watchlist hit.
    pub hits: u64,
    pub by_decision: Vec<CountRow>,
    pub by_month: Vec<CountRow>,
    /// Day by day, for a month's report (empty in a year's).
    pub by_day: Vec<CountRow>,
    pub top_nationalities: Vec<CountRow>,
    pub cases: CaseTotals,
    /// Seizures summed by category, item and unit.
    pub seizures: Vec<SeizureTotal>,
    pub trains: TrainTotals,
    pub green_channel_vehicles: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseTotals {
    pub total: u64,
    pub by_kind: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeizureTotal {
    pub category: String,
    pub item: String,
    pub quantity: f64,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainTotals {
    pub count: u64,
    pub mean_clearance_s: Option<f64>,
    pub p90_clearance_s: Option<f64>,
}

impl Station {
    /// The annual report for `year` (station-local calendar year).
    pub async fn annual_report(&self, who: &Principal, year: i32) -> StationResult<PeriodReport> {
        self.period_report(who, ReportPeriod::Year(year)).await
    }

    /// The report of a station-local year or month.
    pub async fn period_report(
        &self,
        who: &Principal,
        period: ReportPeriod,
    ) -> StationResult<PeriodReport> {
        may_read_stats(who)?;
        let (from, to) = period.days()?;
        let by = |dim| self.store.crossing_counts(dim, from, to);
        let directions = by(StatsDim::Direction).await?;
        let crossings: u64 = directions.iter().map(|r| r.count).sum();
        let nationalities = by(StatsDim::Nationality).await?;
        let hits = by(StatsDim::Hit).await?;
        let year = from.year();
        let region = match period {
            ReportPeriod::Year(_) => self.store.doc(REGION_TOTALS, &year.to_string()).await?,
            ReportPeriod::Month(..) => None,
        };
        let (region_share, region_rank) = match region {
            Some(doc) => {
                let totals: RegionTotals = serde_json::from_value(doc.body).map_err(|e| {
                    StationError::internal(format!("stored region totals for {year}: {e}"))
                })?;
                let share =
                    (totals.crossings > 0).then(|| crossings as f64 / totals.crossings as f64);
                let rank = 1 + totals
                    .stations
                    .iter()
                    .filter(|s| s.crossings > crossings)
                    .count() as u64;
                (share, Some(rank))
            }
            None => (None, None),
        };
        let cases = self.cases_in(from, to).await?;
        let mut by_kind = std::collections::BTreeMap::new();
        let mut seizures: Vec<SeizureTotal> = Vec::new();
        for c in &cases {
            *by_kind.entry(c.kind.as_str().to_owned()).or_insert(0) += 1;
            for s in &c.seizures {
                match seizures.iter_mut().find(|t| {
                    t.category == s.category.as_str() && t.item == s.item && t.unit == s.unit
                }) {
                    Some(t) => t.quantity += s.quantity,
                    None => seizures.push(SeizureTotal {
                        category: s.category.as_str().to_owned(),
                        item: s.item.clone(),
                        quantity: s.quantity,
                        unit: s.unit.clone(),
                    }),
                }
            }
        }
        let kind_count = |k: &str| by_kind.get(k).copied().unwrap_or(0);
        let mut top_nationalities = nationalities.clone();
        top_nationalities.truncate(10);
        Ok(PeriodReport {
            year,
            month: match period {
                ReportPeriod::Month(_, m) => Some(m),
                ReportPeriod::Year(_) => None,
            },
            from,
            to,
            crossings,
            entries: count_in(&directions, "entry"),
            exits: count_in(&directions, "exit"),
            countries: nationalities.len() as u64,
            region_share,
            region_rank,
            fugitives_caught: kind_count("fugitive"),
            refused_changed_identity: kind_count("changed_identity"),
            hits: count_in(&hits, hit_key(true)),
            by_decision: by(StatsDim::Decision).await?,
            by_month: by(StatsDim::Month).await?,
            by_day: match period {
                ReportPeriod::Month(..) => by(StatsDim::Day).await?,
                ReportPeriod::Year(_) => Vec::new(),
            },
            top_nationalities,
            cases: CaseTotals {
                total: cases.len() as u64,
                by_kind,
            },
            seizures,
            trains: self.train_totals(from, to).await?,
            green_channel_vehicles: self.green_vehicles(from, to).await?,
        })
    }

    /// Reads the journal's events of `kind` whose station-local day is within `from..=to`;
    /// these kinds are a few thousand a year, never the crossings.
    async fn events_in(
        &self,
        kind: EventKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StationResult<Vec<Event>> {
        let kinds = [kind.as_str()];
        let mut out = Vec::new();
        let mut after = 0u64;
        loop {
            let rows = self.store.journal(after, 1000, Some(&kinds)).await?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            for row in rows {
                if !(from..=to).contains(&self.local_day(row.time)) {
                    continue;
                }
                match Event::from_journal(&row.kind, &row.payload) {
                    Ok(e) => out.push(e),
                    Err(e) => {
                        return Err(StationError::internal(format!(
                            "journal seq {}: {e}",
                            row.seq
                        )));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Trains released in the period, with their clearance times (arrival to release).
    async fn train_totals(&self, from: NaiveDate, to: NaiveDate) -> StationResult<TrainTotals> {
        let mut durations: Vec<f64> = self
            .events_in(EventKind::TrainReleased, from, to)
            .await?
            .into_iter()
            .filter_map(|e| match e {
                Event::TrainReleased(r) => Some(r.duration_s.max(0) as f64),
                _ => None,
            })
            .collect();
        durations.sort_by(f64::total_cmp);
        let count = durations.len();
        let mean = (count > 0).then(|| durations.iter().sum::<f64>() / count as f64);
        // Nearest rank: the smallest duration at or above 90 % of the trains.
        let p90 = (count > 0).then(|| durations[(count * 9).div_ceil(10).max(1) - 1]);
        Ok(TrainTotals {
            count: count as u64,
            mean_clearance_s: mean,
            p90_clearance_s: p90,
        })
    }

    /// Green-channel vehicles released in the period.
    async fn green_vehicles(&self, from: NaiveDate, to: NaiveDate) -> StationResult<u64> {
        Ok(self
            .events_in(EventKind::RoadVehicleReleased, from, to)
            .await?
            .iter()
            .filter(|e| matches!(e, Event::RoadVehicleReleased(v) if v.channel == crate::road::Channel::Green))
            .count() as u64)
    }

    /// Cases opened in the period.
    async fn cases_in(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StationResult<Vec<crate::cases::Case>> {
        let mut out = Vec::new();
        for doc in self.store.docs(crate::cases::CASES).await? {
            let case: crate::cases::Case = serde_json::from_value(doc.body)
                .map_err(|e| StationError::internal(format!("stored case `{}`: {e}", doc.id)))?;
            if (from..=to).contains(&self.local_day(case.opened_at)) {
                out.push(case);
            }
        }
        Ok(out)
    }
}

/// The count of one group among a grouping's rows (0 when the group has none).
pub(crate) fn count_in(rows: &[CountRow], key: &str) -> u64 {
    rows.iter().filter(|r| r.key == key).map(|r| r.count).sum()
}

#[cfg(test)]
mod tests {
    use super::ReportPeriod;

    #[test]
    fn report_periods_parse_and_refuse_what_the_calendar_lacks() {
        let days = |s: &str| {
            s.parse::<ReportPeriod>()
                .and_then(|p| p.days())
                .map(|(f, t)| (f.to_string(), t.to_string()))
        };
        assert_eq!(
            days("2026").unwrap(),
            ("2026-01-01".into(), "2026-12-31".into())
        );
        assert_eq!(
            days("2024-02").unwrap(),
            ("2024-02-01".into(), "2024-02-29".into())
        );
        assert_eq!(
            days("2026-12").unwrap(),
            ("2026-12-01".into(), "2026-12-31".into())
        );
        for bad in [
            "",
            "26",
            "2026-13",
            "2026-00",
            "2026-1",
            "20261",
            "abcd",
            "2026-ab",
            "0000",
            "2026-12-01",
        ] {
            assert!(bad.parse::<ReportPeriod>().is_err(), "{bad:?} accepted");
        }
    }
}
