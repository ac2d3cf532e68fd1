//! The national store on PostgreSQL: idempotent inserts whatever the order and however often,
//! chain breaks and holes raised naming station and seq, statistics. Each case in a schema of
//! its own; skipped with the reason where PostgreSQL does not answer.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use guomen_centre::{Centre, GroupBy, synth};
use guomen_testkit::pg::{self, Schema};
use guomen_testkit::{Failed, Trial};

fn main() {
    let trials = vec![
        trial(
            "duplicates_and_reordering_store_each_event_once",
            duplicates,
        ),
        trial("a_tampered_event_is_refused_and_raised", tampered),
        trial(
            "a_broken_link_is_raised_naming_station_and_seq",
            broken_link,
        ),
        trial("a_lasting_hole_is_raised", hole),
        trial("statistics_group_by_every_key", stats),
    ];
    guomen_testkit::run(pg::gate(trials))
}

type Case = fn(Centre) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>>;

fn trial(name: &'static str, case: Case) -> Trial {
    Trial::test(name, move || {
        let schema = Schema::fresh("centre");
        pg::runtime()?.block_on(async {
            let centre = Centre::connect_in(&pg::url(), Some(schema.name()))
                .await
                .map_err(|e| Failed::from(format!("{e:#}")))?;
            case(centre).await.map_err(Failed::from)
        })
    })
}

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap()
}

fn e(r: anyhow::Result<impl Sized>) -> Result<(), String> {
    r.map(|_| ()).map_err(|e| format!("{e:#}"))
}

fn duplicates(
    c: Centre,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>> {
    Box::pin(async move {
        // Crosses a month boundary: two partitions.
        let j = synth::journal("s1", 7200, start());
        let mut late = j[4000..].to_vec();
        late.reverse();
        let first = c.ingest(late).await.map_err(|e| e.to_string())?;
        assert_eq!(first.new, 3200);
        let again = c
            .ingest(j[3990..4010].to_vec())
            .await
            .map_err(|e| e.to_string())?;
        assert_eq!((again.new, again.duplicates), (10, 10));
        let st = c.stations().await.map_err(|e| e.to_string())?;
        assert_eq!(st[0].verified_seq, 0, "seq 1 is still missing");
        e(c.ingest(j.clone()).await)?;
        let st = c.stations().await.map_err(|e| e.to_string())?;
        assert_eq!((st[0].last_seq, st[0].verified_seq), (7200, 7200));
        assert!(st[0].chain_ok);
        let held = c.chain_of("s1").await.map_err(|e| e.to_string())?;
        let want: Vec<(u64, String)> = j.iter().map(|x| (x.seq, x.hash.clone())).collect();
        assert_eq!(held, want);
        assert!(c.alarms(10).await.map_err(|e| e.to_string())?.is_empty());
        Ok(())
    })
}

fn tampered(c: Centre) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>> {
    Box::pin(async move {
        let mut j = synth::journal("s2", 10, start());
        j[4].payload = Some(serde_json::json!({"id": "d5", "text": "edited"}));
        let out = c.ingest(j).await.map_err(|e| e.to_string())?;
        assert_eq!((out.new, out.refused), (9, 1));
        let alarms = c.alarms(10).await.map_err(|e| e.to_string())?;
        assert!(
            alarms
                .iter()
                .any(|a| a.station_id == "s2" && a.seq == 5 && a.reason.contains("hash")),
            "{alarms:?}"
        );
        let st = c.stations().await.map_err(|e| e.to_string())?;
        assert!(!st[0].chain_ok);
        assert_eq!(st[0].break_seq, Some(5));
        Ok(())
    })
}

fn broken_link(
    c: Centre,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>> {
    Box::pin(async move {
        // A station whose seq 6 was re-chained onto another history: each event's own hash
        // holds, the link to seq 5 does not.
        let a = synth::journal("s3", 5, start());
        let b = synth::journal("s3", 8, start() + chrono::Duration::hours(1));
        let mut j = a.clone();
        j.extend(b[5..].iter().cloned());
        e(c.ingest(j).await)?;
        let st = c.stations().await.map_err(|e| e.to_string())?;
        assert!(!st[0].chain_ok);
        assert_eq!((st[0].verified_seq, st[0].break_seq), (5, Some(6)));
        let alarms = c.alarms(10).await.map_err(|e| e.to_string())?;
        assert!(
            alarms
                .iter()
                .any(|a| a.station_id == "s3" && a.seq == 6 && a.reason.contains("chain broken")),
            "{alarms:?}"
        );
        Ok(())
    })
}

fn hole(c: Centre) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>> {
    Box::pin(async move {
        let j = synth::journal("s4", 10, start());
        let mut with_hole = j.clone();
        with_hole.remove(3);
        e(c.ingest(with_hole).await)?;
        e(c.check_gaps(Duration::from_secs(3600)).await)?;
        assert!(
            c.alarms(10).await.map_err(|e| e.to_string())?.is_empty(),
            "not yet"
        );
        e(c.check_gaps(Duration::ZERO).await)?;
        let alarms = c.alarms(10).await.map_err(|e| e.to_string())?;
        assert!(
            alarms
                .iter()
                .any(|a| a.station_id == "s4" && a.seq == 4 && a.reason.contains("missing")),
            "{alarms:?}"
        );
        Ok(())
    })
}

fn stats(c: Centre) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>> {
    Box::pin(async move {
        e(c.ingest(synth::journal("s5", 300, start())).await)?;
        e(c.ingest(synth::journal("s6", 150, start())).await)?;
        let s = c
            .crossing_stats(None, None, GroupBy::Station)
            .await
            .map_err(|e| e.to_string())?;
        assert_eq!(s.total, 150);
        assert_eq!(
            s.groups.iter().find(|g| g.key == "s5").map(|g| g.count),
            Some(100)
        );
        for g in [
            GroupBy::Nationality,
            GroupBy::Site,
            GroupBy::Direction,
            GroupBy::Day,
            GroupBy::Month,
        ] {
            let s = c
                .crossing_stats(None, None, g)
                .await
                .map_err(|e| e.to_string())?;
            assert_eq!(s.total, 150, "{g:?}");
        }
        // Beijing time: 23:00 UTC on 30 November is already 1 December.
        let by_month = c
            .crossing_stats(None, None, GroupBy::Month)
            .await
            .map_err(|e| e.to_string())?;
        assert_eq!(by_month.groups[0].key, "2026-12");
        let windowed = c
            .crossing_stats(
                Some(start()),
                Some(start() + chrono::Duration::seconds(30)),
                GroupBy::Station,
            )
            .await
            .map_err(|e| e.to_string())?;
        // Seqs 1..=29 fall in the window, a crossing every third: 9 per station.
        assert_eq!(windowed.total, 18, "{windowed:?}");
        Ok(())
    })
}
