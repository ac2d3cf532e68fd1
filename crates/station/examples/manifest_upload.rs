//! The whole manifest upload as the station does it — PAXLST parse, one screening batch,
//! the append (journal + projections, SQLite fsync), the answer — for P persons against N
//! synthetic watchlist entries. Prints the median and each run.
//!
//! `cargo run --release -p guomen-station --example manifest_upload -- 1000000 1000 5`

use std::time::Instant;

use chrono::{NaiveDate, Utc};
use guomen_clearance::Direction;
use guomen_domain::Role;
use guomen_paxlst::{Document, Message, Person, Transport};
use guomen_station::store::{StoreTarget, open_station};
use guomen_station::trains::{ManifestInput, NewTrain, TrainKind};
use guomen_station::users::NewUser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let entries = args.first().copied().unwrap_or(1_000_000);
    let persons = args.get(1).copied().unwrap_or(1000);
    let runs = args.get(2).copied().unwrap_or(5).max(1);

    let dir = tempfile::tempdir()?;
    let station = open_station(&StoreTarget::Sqlite(dir.path().to_path_buf())).await?;
    station.start().await?;
    let t0 = Instant::now();
    let list =
        guomen_watchlist::synth::generate(entries, 7, guomen_domain::watchlist::ListKind::Wanted);
    // A tenth of the travellers are listed people, so the batch has hits to store.
    let listed: Vec<_> = list
        .iter()
        .step_by((entries / (persons / 10).max(1)).max(1))
        .take(persons / 10)
        .cloned()
        .collect();
    station.bench_load_watchlist(list).await;
    eprintln!(
        "index of {entries} entries built in {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    let (_, token) = station
        .create_user(
            NewUser {
                name: "chief".into(),
                role: Role::DutyChief,
                password: None,
                agency: None,
                organisation: None,
                scopes: Default::default(),
                grade: None,
            },
            "system",
        )
        .await?;
    let chief = station
        .authenticate(&token)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no principal"))?;

    let mut people: Vec<Person> = (0..persons)
        .map(|i| Person {
            surname: format!("TRAVELLER{i}"),
            given_names: format!("GIVEN{}", i % 89),
            sex: Some(if i % 2 == 0 { "F".into() } else { "M".into() }),
            birth_date: NaiveDate::from_ymd_opt(
                1950 + (i % 60) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            ),
            nationality: Some("MNG".into()),
            carriage: Some(format!("{:02}", 1 + i / 60)),
            seat: Some(format!("{:03}", i % 60)),
            documents: vec![Document {
                kind: "P".into(),
                number: format!("E{i:08}"),
                expiry: NaiveDate::from_ymd_opt(2031, 1, 1),
                issuing_state: Some("MNG".into()),
            }],
            ..Person::default()
        })
        .collect();
    for (p, e) in people.iter_mut().zip(&listed) {
        p.surname = e.names.first().cloned().unwrap_or_default();
        p.given_names.clear();
    }
    let text = guomen_paxlst::write(
        &Message {
            transport: Transport {
                journey: Some("K24".into()),
                ..Transport::default()
            },
            persons: people,
            ..Message::default()
        },
        "RAIL",
        "GUOMEN",
        "1",
    );
    let mut times = Vec::new();
    for run in 0..runs {
        let train = station
            .create_train(
                &chief,
                NewTrain {
                    number: format!("K{run}"),
                    kind: TrainKind::Passenger,
                    direction: Direction::Entry,
                    site_id: "rail-passenger".into(),
                    scheduled_arrival: Utc::now(),
                    origin: None,
                    destination: None,
                    carrier: None,
                },
            )
            .await?;
        let t = Instant::now();
        let answer = station
            .upload_manifest(&chief, &train.id, ManifestInput::Edifact(text.clone()))
            .await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let hits = answer.hits.unwrap_or_default();
        let mut hit_persons: Vec<&str> = hits.iter().map(|h| h.person_id.as_str()).collect();
        hit_persons.sort_unstable();
        hit_persons.dedup();
        eprintln!(
            "run {run}: {} persons, {} hits on {} persons ({} listed), {ms:.0} ms",
            answer.persons,
            hits.len(),
            hit_persons.len(),
            listed.len()
        );
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "manifest upload, {persons} persons against {entries} entries: median {:.0} ms (min {:.0}, max {:.0}, {runs} runs)",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    station.close().await;
    Ok(())
}
