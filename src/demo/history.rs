//! `guomen demo --days N`: the N − 1 days before today, played before today's day so that a
//! monthly report has content. Each earlier day plays the same hours as today (`--hours`), and
//! is its own seeded plan with its own lists
//! (imported as that day's), and only its travellers are played: every one cleared through
//! the API on the station's clock held at the traveller's time, as fast as the station
//! clears them, with the cases their hits call for. The field (units, sensors, links) plays
//! only on today's day.

use std::sync::Arc;
use std::time::Instant;

use chrono::{FixedOffset, NaiveDate};
use guomen_port::Port;
use guomen_sim::plan::DAY_S;
use guomen_sim::{PlanConfig, day_plan};
use tokio::sync::watch;

use super::clock::DemoClock;
use super::drive::{CaseDay, Clock, Run, Stats, Target};

/// Travellers read at once, at most (the counters and gates of a busy minute).
const BATCH: usize = 16;
/// Seconds from a counter's read to its decision in the earlier days where the port names
/// none: the port's own service time for its counters is used, so the earlier days leave
/// the lanes' estimates where a fresh station starts them.
const COUNTER_SERVICE_S: u32 = 90;

/// Runs the futures concurrently and returns their outputs in order.
async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for (n, f) in futures.enumerate() {
        set.spawn(async move { (n, f.await) });
    }
    let mut out: Vec<(usize, F::Output)> = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            out.push(r);
        }
    }
    out.sort_by_key(|(n, _)| *n);
    out.into_iter().map(|(_, o)| o).collect()
}

/// What the earlier days did, for the summary.
#[derive(Debug, Default)]
pub struct History {
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    pub days: usize,
    pub crossings: u64,
    pub hits: u64,
    pub cases: CaseDay,
    pub failures: u64,
    pub first_failure: Option<String>,
    pub wall_s: f64,
}

/// The seed of the earlier day `back` days before today: different days, same for a seed.
fn seed_of(seed: u64, back: u64) -> u64 {
    seed ^ back.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Plays the `days - 1` days before `today`, oldest first.
#[allow(clippy::too_many_arguments)]
pub async fn play(
    target: Arc<Target>,
    clock: Arc<DemoClock>,
    port: Arc<Port>,
    seed: u64,
    peak: bool,
    today: NaiveDate,
    days: u32,
    end_s: u32,
    offset: FixedOffset,
) -> anyhow::Result<History> {
    let mut out = History::default();
    let counter_service_s = port
        .lane_kinds
        .iter()
        .find(|k| k.kind == guomen_port::LaneKind::ManualCounter)
        .map_or(COUNTER_SERVICE_S, |k| k.service_s);
    let started = Instant::now();
    let (_keep, stop) = watch::channel(false);
    for back in (1..u64::from(days)).rev() {
        let date = today - chrono::Days::new(back);
        let plan = Arc::new(day_plan(
            &port,
            PlanConfig {
                seed: seed_of(seed, back),
                peak,
                date,
            },
        ));
        if let Some(why) = super::import_watchlist(&target, &plan).await {
            anyhow::bail!("the lists of {date} cannot be imported: {why}");
        }
        let day0 = super::day_start(date, offset)?;
        let day_clock = Clock::new(clock.clone(), day0, 0, DAY_S, stop.clone());
        let run = Run::for_earlier_day(target.clone(), plan.clone(), &port, day_clock);
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(plan.travellers.len() as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(format!(
            "{date}: clearing {} travellers",
            plan.travellers.len()
        ));
        super::logs::set_bar(Some(bar.clone()));
        // Travellers in batches that arrive within a minute of each other: the batch's
        // documents are read at its first arrival, and the inspectors decide the port's
        // counter service time later, so the lanes observe the service times the port
        // expects (the station keeps them for its wait estimates on the days that follow).
        let travellers: Vec<usize> = (0..plan.travellers.len())
            .filter(|&i| plan.travellers[i].at_s < end_s.min(DAY_S))
            .collect();
        let mut next = 0;
        while next < travellers.len() {
            let first = plan.travellers[travellers[next]].at_s;
            let mut end = next;
            while end < travellers.len()
                && end - next < BATCH
                && plan.travellers[travellers[end]].at_s < first + 60
            {
                end += 1;
            }
            let batch = &travellers[next..end];
            clock.hold_at(day0 + chrono::Duration::seconds(i64::from(first)));
            let read: Vec<_> = futures_join(batch.iter().map(|&i| {
                let run = run.clone();
                async move { (i, run.begin_inspection(i).await) }
            }))
            .await;
            let read_at = guomen_station::Clock::now(clock.as_ref());
            clock.hold_at(read_at + chrono::Duration::seconds(i64::from(counter_service_s)));
            futures_join(read.into_iter().filter_map(|(i, v)| {
                let run = run.clone();
                v.map(|v| async move { run.finish_inspection(i, v).await })
            }))
            .await;
            next = end;
            bar.set_position(next as u64);
        }
        bar.finish_and_clear();
        super::logs::set_bar(None);
        let s = &run.stats;
        out.crossings += Stats::get(&s.crossings);
        out.hits += Stats::get(&s.hits);
        out.failures += Stats::get(&s.failures);
        if out.first_failure.is_none() {
            out.first_failure = s.errors.lock().ok().and_then(|e| e.first().cloned());
        }
        if let Ok(c) = s.cases.lock() {
            for (k, n) in &c.by_kind {
                *out.cases.by_kind.entry(k.clone()).or_default() += n;
            }
            out.cases.seizures.extend(c.seizures.iter().cloned());
            out.cases.closed += c.closed;
        }
        println!(
            "  {date}: {} crossings, {} hits, {} cases",
            Stats::get(&s.crossings),
            Stats::get(&s.hits),
            s.cases
                .lock()
                .map(|c| c.by_kind.values().sum::<u64>())
                .unwrap_or(0)
        );
        out.first.get_or_insert(date);
        out.last = Some(date);
        out.days += 1;
    }
    out.wall_s = started.elapsed().as_secs_f64();
    Ok(out)
}
