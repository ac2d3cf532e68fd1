//! `guomen demo` (a station and a simulated port day in one command) and `guomen sim` (load
//! on a running station).

mod clock;
mod drive;
mod history;
mod load;
mod logs;
mod road;
mod trains;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, FixedOffset, NaiveTime, TimeZone as _, Utc};
use guomen_domain::Role;
use guomen_domain::incident::IncidentKind;
use guomen_server::ServeArgs;
use guomen_server::api::clearance::TodayStats;
use guomen_server::api::journal::JournalPage;
use guomen_server::api::types::{IncidentView, KpiReport, LinkView};
use guomen_server::config::FileConfig;
use guomen_sim::plan::{DAY_S, DAY_START_HOUR};
use guomen_sim::{PlanConfig, day_plan};
use guomen_station::event::Event;
use rand::Rng as _;
use serde_json::json;
use tokio::sync::watch;

pub use load::{SimArgs, sim};

use clock::DemoClock;
use drive::{Clock, PARTNER_AGENCY, RAILWAY_AGENCY, Run, Stats, Target, Tokens};

#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Data directory of the demo station [default: a fresh temporary directory]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Address the station listens on (port 0 picks a free one)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Simulated hours to play, from 06:00 (at most 24)
    #[arg(long, value_name = "H", default_value_t = 24.0)]
    pub hours: f64,
    /// Simulated seconds per wall second (144: a day in 10 minutes)
    #[arg(long, value_name = "X", default_value_t = 144.0)]
    pub speed: f64,
    /// Seed of the simulated day (same seed, same day)
    #[arg(long, value_name = "N", default_value_t = 2024)]
    pub seed: u64,
    /// A summer peak day (10,000+ crossings) instead of an ordinary one (about 6,700)
    #[arg(long)]
    pub peak: bool,
    /// Days to play: today as above, after the `N - 1` days before it (the same hours of
    /// each) played as fast as the station clears their travellers, so a monthly report has
    /// content
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub days: u32,
    /// Exit after the summary instead of keeping the station running until Ctrl-C
    #[arg(long)]
    pub exit: bool,
}

/// The demo's people: name, role, and the agency of a partner user.
const DEMO_USERS: [(&str, Role, Option<&str>); 7] = [
    ("demo-admin", Role::Admin, None),
    ("demo-chief", Role::DutyChief, None),
    ("demo-inspector", Role::Inspector, None),
    ("demo-analyst", Role::Analyst, None),
    ("demo-partner", Role::Partner, Some(PARTNER_AGENCY)),
    ("demo-railway", Role::Partner, Some(RAILWAY_AGENCY)),
    ("demo-device", Role::Device, None),
];

fn password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// Provisions every unit's terminal as the simulated terminals will present it. Provisioning
/// also starts the registration over, so the day's terminals register and get their auth
/// codes even on a data directory used before.
async fn provision_terminals(state: &guomen_server::AppState) -> anyhow::Result<()> {
    let station = &state.station;
    for unit in &station.port().units {
        let Some(terminal_id) = unit.terminal_id.clone() else {
            continue;
        };
        let p = guomen_station::terminals::Provisioning {
            unit_id: unit.id.clone(),
            terminal_id,
            manufacturer: "GMSIM".into(),
            model: "BD-SIM".into(),
            plate: unit.id.clone(),
        };
        station
            .provision_terminal(p, "demo")
            .await
            .map_err(|e| anyhow::anyhow!("cannot provision unit {}'s terminal: {e}", unit.id))?;
    }
    Ok(())
}

/// One device account per unit, named by its id, so each unit reports only for itself.
async fn unit_tokens(
    state: &guomen_server::AppState,
) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    let station = &state.station;
    for unit in &station.port().units {
        let name = unit.id.to_lowercase();
        if guomen_station::users::validate_name(&name).is_err() {
            continue;
        }
        let new = guomen_station::users::NewUser {
            name: name.clone(),
            role: Role::Device,
            password: None,
            agency: None,
            organisation: None,
            // A unit's terminal speaks for its own unit and nothing else.
            scopes: format!("unit:{}", unit.id).parse()?,
            grade: None,
        };
        let token = match station.create_user(new, "demo").await {
            Ok((_, t)) => t,
            Err(_) => {
                let Some(u) = station.user_by_name(&name).await? else {
                    continue;
                };
                station.issue_token(&u.id, "demo", "demo").await?.0
            }
        };
        out.insert(unit.id.clone(), token);
    }
    Ok(out)
}

/// Where the station's JT/T 808 listener is, when it has one (`--jt808-listen off` has none).
fn jt808_addr(running: &guomen_server::serve::Running) -> Option<SocketAddr> {
    running.edges.jt808
}

/// The station's options as `guomen serve` would take them: `--data` and `--listen` from the
/// demo, every other option from its `GUOMEN_*` environment variable or its default.
fn station_args(data: &std::path::Path, listen: SocketAddr) -> anyhow::Result<ServeArgs> {
    use clap::{Args as _, FromArgMatches as _};
    let cmd = ServeArgs::augment_args(clap::Command::new("demo-station"));
    let matches = cmd.try_get_matches_from([
        std::ffi::OsString::from("demo-station"),
        "--data".into(),
        data.as_os_str().to_owned(),
        "--listen".into(),
        listen.to_string().into(),
    ])?;
    Ok(ServeArgs::from_arg_matches(&matches)?)
}

/// 06:00 station-local of `date`, the instant plan second 0 stands for.
fn day_start(date: chrono::NaiveDate, offset: FixedOffset) -> anyhow::Result<DateTime<Utc>> {
    let t = NaiveTime::from_hms_opt(DAY_START_HOUR, 0, 0)
        .ok_or_else(|| anyhow::anyhow!("bad day start hour {DAY_START_HOUR}"))?;
    offset
        .from_local_datetime(&date.and_time(t))
        .single()
        .map(|d| d.with_timezone(&Utc))
        .ok_or_else(|| anyhow::anyhow!("no {DAY_START_HOUR:02}:00 on {date}"))
}

pub async fn demo(args: DemoArgs, file: &FileConfig) -> anyhow::Result<ExitCode> {
    if !(args.speed.is_finite() && args.speed > 0.0 && args.speed <= 100_000.0) {
        anyhow::bail!("--speed must be between 0 and 100000");
    }
    if !(args.hours.is_finite() && args.hours > 0.0 && args.hours <= 24.0) {
        anyhow::bail!("--hours must be more than 0 and at most 24");
    }
    if !(1..=62).contains(&args.days) {
        anyhow::bail!("--days must be between 1 and 62");
    }
    let (data, _temp) = match &args.data {
        Some(d) => (d.clone(), None),
        None => {
            let t = tempfile::Builder::new().prefix("guomen-demo-").tempdir()?;
            (t.path().to_owned(), Some(t))
        }
    };
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create {}", data.display()))?;
    let log_path = logs::init(&data)?;
    let cfg = station_args(&data, args.listen)?.resolve(file)?;

    // The simulated day: 06:00 station-local of today, for `--hours`.
    let port_model = guomen_server::serve::load_port(&cfg)?;
    let offset = port_model
        .info
        .timezone
        .parse::<FixedOffset>()
        .unwrap_or_else(|_| FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!()));
    let date = Utc::now().with_timezone(&offset).date_naive();
    let day0 = day_start(date, offset)?;
    let end_s = ((args.hours * 3600.0).round() as u32).min(DAY_S);
    let sim_clock = Arc::new(DemoClock::new(
        day0,
        day0 + chrono::Duration::seconds(i64::from(end_s)),
        args.speed,
    ));
    // With earlier days the station starts on the first of them, so its journal's time
    // only moves forward.
    let first_day = date - chrono::Days::new(u64::from(args.days - 1));
    if args.days > 1 {
        sim_clock.hold_at(day_start(first_day, offset)? - chrono::Duration::minutes(30));
    }

    let (stop_server, server_stopped) = watch::channel(false);
    let shutdown = {
        let mut rx = server_stopped.clone();
        async move {
            let _ = rx.wait_for(|v| *v).await;
        }
    };
    let running = guomen_server::serve::start_on(cfg, sim_clock.clone(), shutdown).await?;
    let base = format!("http://{}", running.addr);
    let station = running.state.station.clone();

    println!(
        "guomen demo: station of port {} (seed {})",
        station.port().id(),
        args.seed
    );
    println!("data directory: {}", data.display());
    println!("station log (info and above): {}", log_path.display());
    println!("users (name / role / password / API token):");
    let mut tokens = std::collections::BTreeMap::new();
    let mut partners = std::collections::HashMap::new();
    for (name, role, agency) in DEMO_USERS {
        let pw = password();
        let new = guomen_station::users::NewUser {
            name: name.to_string(),
            role,
            password: Some(pw.clone()),
            agency: agency.map(str::to_owned),
            organisation: None,
            // The demo's device is the station's sensor and link gateway.
            scopes: if role == Role::Device {
                "sensor:*,link:*,lane:*,camera:*,duty_point:*".parse()?
            } else {
                Default::default()
            },
            grade: None,
        };
        let (user, token, shown_pw) = match station.create_user(new, "demo").await {
            Ok((u, t)) => (u, t, pw),
            Err(_) => {
                // An existing data directory: keep the user, issue a fresh token.
                let u = station
                    .user_by_name(name)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("cannot create or find user {name}"))?;
                let (t, _) = station.issue_token(&u.id, "demo", "demo").await?;
                (u, t, "(unchanged)".to_owned())
            }
        };
        println!(
            "  {:<15} {:<11} {:<17} {}",
            user.name,
            role.to_string(),
            shown_pw,
            token
        );
        match agency {
            Some(a) => {
                partners.insert(a.to_owned(), token);
            }
            None => {
                tokens.insert(role.to_string(), token);
            }
        }
    }
    let tok = |r: Role| tokens.get(&r.to_string()).cloned().unwrap_or_default();
    let tokens = Tokens {
        admin: tok(Role::Admin),
        chief: tok(Role::DutyChief),
        inspector: tok(Role::Inspector),
        partners,
        device: tok(Role::Device),
        units: {
            provision_terminals(&running.state).await?;
            unit_tokens(&running.state).await?
        },
    };
    println!("command centre: {base}/command");
    println!("guomen listening on {base}");
    let edges = &running.edges;
    for (name, addr) in [
        ("jt808", edges.jt808),
        ("nmea", edges.nmea),
        ("mqtt", edges.mqtt),
    ] {
        if let Some(addr) = addr {
            println!("{name} listening on {addr}");
        }
    }

    let port = std::sync::Arc::new(station.port().clone());
    let plan = Arc::new(day_plan(
        &port,
        PlanConfig {
            seed: args.seed,
            peak: args.peak,
            date,
        },
    ));

    let target = Arc::new(Target::connect(&base, tokens, jt808_addr(&running)).await?);
    let history = if args.days > 1 {
        println!(
            "earlier days: {} day(s) from {first_day}, every traveller cleared as fast as the station answers",
            args.days - 1
        );
        let h = history::play(
            target.clone(),
            sim_clock.clone(),
            port.clone(),
            args.seed,
            args.peak,
            date,
            args.days,
            end_s,
            offset,
        )
        .await?;
        sim_clock.hold_at_start();
        Some(h)
    } else {
        None
    };
    let csv_path = data.join("demo-watchlist.csv");
    std::fs::write(&csv_path, plan.watchlist.csv())
        .with_context(|| format!("cannot write {}", csv_path.display()))?;
    let stats_import = import_watchlist(&target, &plan).await;

    let (stop_tx, stop_rx) = watch::channel(false);
    let clock = Clock::new(sim_clock.clone(), day0, 0, end_s, stop_rx).paced_by(sim_clock.clone());
    let run = Run::new(target.clone(), plan.clone(), &port, clock.clone());
    if let Some(why) = stats_import {
        run.stats.skip("watchlist import", why);
    } else {
        println!(
            "watchlist: {} entries imported from {}",
            plan.watchlist.entries.len(),
            csv_path.display()
        );
    }
    println!(
        "simulating {:.1} h of {} ({} planned crossings, {} scenarios) at up to {}x: at least {:.0} s",
        args.hours,
        date,
        plan.travellers.iter().filter(|t| t.at_s < end_s).count(),
        plan.scenarios.iter().filter(|s| s.at_s < end_s).count(),
        args.speed,
        f64::from(end_s) / args.speed
    );

    let bar = indicatif::ProgressBar::with_draw_target(
        Some(u64::from(end_s)),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    logs::set_bar(Some(bar.clone()));
    // The journal's end before the day: the summary reads what the day added.
    let journal_before = station
        .journal_head()
        .await
        .ok()
        .flatten()
        .map_or(0, |(seq, _)| seq);
    let mqtt = running
        .edges
        .mqtt
        .map(|a| (a, "demo-device".to_owned(), target.tokens.device.clone()));
    let road = Arc::new(road::prepare(&station, &target, args.seed, mqtt).await?);
    println!(
        "road freight: {} appointments booked for the morning at the freight gate",
        road.booked
    );
    let trains = Arc::new(trains::prepare(&station, &run, date, day0).await?);
    println!(
        "trains: {} from the weekly timetable and {} freight trains scheduled for the day",
        trains.timetable, trains.freight
    );
    sim_clock.start_day();
    let started = Instant::now();
    let ticker = {
        let (run, bar) = (run.clone(), bar.clone());
        // Without a terminal (a CI log, a pipe) the bar does not draw: the same line is
        // printed at each tenth of the day instead, so the run still shows its progress.
        let plain = !std::io::IsTerminal::is_terminal(&std::io::stderr());
        let tenth = (u64::from(end_s) / 10).max(1);
        tokio::spawn(async move {
            let mut next_line = tenth;
            loop {
                let now = run.clock.now_s().min(f64::from(run.clock.end_s));
                bar.set_position(now as u64);
                let s = &run.stats;
                let line = format!(
                    "{}  crossings {}  hits {}  incidents {}  dispatches {}",
                    run.sim_time(),
                    Stats::get(&s.crossings),
                    Stats::get(&s.hits),
                    drive_incidents(s),
                    Stats::get(&s.dispatches)
                );
                if plain && now as u64 >= next_line {
                    println!(
                        "  {}% {line}",
                        (now as u64 * 100 / u64::from(end_s).max(1)).min(100)
                    );
                    next_line = (now as u64 / tenth + 1) * tenth;
                }
                bar.set_message(line);
                if run.clock.over() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let interrupted = {
        let run = run.clone();
        tokio::select! {
            _ = async { tokio::join!(run.play(), road::play(run.clone(), road.clone()), trains::play(run.clone(), trains.clone(), day0)) } => false,
            _ = tokio::signal::ctrl_c() => { let _ = stop_tx.send(true); true }
        }
    };
    let _ = stop_tx.send(true);
    sim_clock.stop_day();
    let _ = ticker.await;
    bar.finish_and_clear();
    logs::set_bar(None);
    // Let the station take what the devices sent before the day ended (the terminals going
    // offline among it), so the summary reads the day's whole end.
    let queue = station.device_sender();
    let drained_by = Instant::now() + Duration::from_secs(15);
    while queue.capacity() < queue.max_capacity() && Instant::now() < drained_by {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let verified = matches!(
        station.verify_journal().await,
        Ok(guomen_store::Verification::Intact { .. })
    );
    let summary = summary(
        &run,
        &target,
        started.elapsed(),
        verified,
        args.seed,
        interrupted,
        journal_before,
        history.as_ref(),
    )
    .await;
    // The road lines go before the summary's last line, which stays its JSON form.
    let road_lines = road::summary(&target, &road, offset, date).await;
    let (train_lines, train_json) = trains::summary(&target, &trains, date).await;
    let (head, last) = summary
        .trim_end()
        .rsplit_once('\n')
        .unwrap_or(("", summary.trim_end()));
    println!("{head}");
    for l in road_lines.into_iter().chain(train_lines) {
        println!("{l}");
    }
    let mut last: serde_json::Value = serde_json::from_str(last).unwrap_or_default();
    last["trains"] = train_json;
    println!("{last}");

    if !(args.exit || interrupted) {
        println!(
            "station still running at {base}/command, its clock stopped at {} — Ctrl-C to stop",
            run.sim_time()
        );
        guomen_server::serve::shutdown_signal().await;
    }
    let _ = stop_server.send(true);
    running.task.await.context("server task failed")??;
    Ok(ExitCode::SUCCESS)
}

fn drive_incidents(s: &Stats) -> usize {
    s.incidents.lock().map(|i| i.len()).unwrap_or(0)
}

/// Imports each list of the day's watchlist; the reason when the station cannot.
async fn import_watchlist(target: &Target, plan: &guomen_sim::DayPlan) -> Option<String> {
    if !target.has("/api/v1/watchlists/{list}/import") {
        return Some(
            "the station does not serve POST /api/v1/watchlists/{list}/import (404)".into(),
        );
    }
    for list in guomen_sim::watch::LISTS {
        let resp = target
            .client
            .post(format!(
                "{}/api/v1/watchlists/{list}/import?format=csv",
                target.base
            ))
            .bearer_auth(&target.tokens.admin)
            .header("content-type", "text/csv")
            .body(plan.watchlist.csv_for(list))
            .send()
            .await;
        match resp {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => {
                let s = r.status();
                return Some(format!(
                    "import of {list} answered {s}: {}",
                    r.text().await.unwrap_or_default()
                ));
            }
            Err(e) => return Some(format!("import of {list} failed: {e}")),
        }
    }
    None
}

/// `GET path` as the admin, read as its API type; `None` when the station does not serve it.
async fn api_get<T: serde::de::DeserializeOwned>(
    target: &Target,
    path: &str,
) -> Option<Result<T, String>> {
    let template = path.split('?').next().unwrap_or(path);
    if !target.has(template) {
        return None;
    }
    Some(target.get_as(path, &target.tokens.admin).await)
}

/// The links' day as the station recorded it: every time it marked a link down (a link
/// failure it detected) and whether that link was up again by the end, read from the journal
/// after `after`, cross-checked with `GET /api/v1/links`; and the link-failure incidents it
/// opened (a site or duty point with every link down).
#[derive(Debug, Default)]
struct LinkDay {
    /// (link, of, role) per detected failure, in order.
    failures: Vec<(String, String, String)>,
    recovered: usize,
    /// Links down at the end.
    down_at_end: Vec<String>,
    incidents: usize,
    incidents_closed: usize,
    problems: Vec<String>,
}

async fn link_day(target: &Target, after: u64) -> LinkDay {
    let mut day = LinkDay::default();
    if !target.has("/api/v1/journal") {
        day.problems
            .push("the station does not serve GET /api/v1/journal".into());
        return day;
    }
    // Per link: is it down after its latest change, and did it fail during the day.
    let mut open: std::collections::BTreeMap<String, usize> = Default::default();
    let mut cursor = after;
    loop {
        let page: JournalPage = match target
            .get_as(
                &format!("/api/v1/journal?after={cursor}&limit=1000"),
                &target.tokens.admin,
            )
            .await
        {
            Ok(p) => p,
            Err(e) => {
                day.problems.push(e);
                break;
            }
        };
        for e in &page.events {
            if e.kind != "ops.link_changed" {
                continue;
            }
            match Event::from_journal(&e.kind, &e.payload) {
                Ok(Event::LinkChanged(c)) if !c.up => {
                    open.insert(c.link_id.clone(), day.failures.len());
                    day.failures.push((c.link_id, c.of, c.role));
                }
                Ok(Event::LinkChanged(c)) => {
                    if open.remove(&c.link_id).is_some() {
                        day.recovered += 1;
                    }
                }
                Ok(_) => {}
                Err(err) => day.problems.push(format!("journal seq {}: {err}", e.seq)),
            }
        }
        if page.next_after <= cursor || page.events.is_empty() {
            break;
        }
        cursor = page.next_after;
    }
    if let Some(links) = api_get::<Vec<LinkView>>(target, "/api/v1/links").await {
        match links {
            Ok(links) => {
                day.down_at_end = links
                    .iter()
                    .filter(|l| l.state == "down")
                    .map(|l| l.id.clone())
                    .collect();
                let journal_down: std::collections::BTreeSet<&String> = open.keys().collect();
                let api_down: std::collections::BTreeSet<&String> = day
                    .down_at_end
                    .iter()
                    .filter(|l| day.failures.iter().any(|(f, _, _)| f == *l))
                    .collect();
                if journal_down != api_down {
                    day.problems.push(format!(
                        "links down at the end: journal says {journal_down:?}, GET /api/v1/links says {api_down:?}"
                    ));
                }
            }
            Err(e) => day.problems.push(e),
        }
    }
    if let Some(list) = api_get::<Vec<IncidentView>>(target, "/api/v1/incidents?status=all").await {
        match list {
            Ok(list) => {
                let link: Vec<&IncidentView> = list
                    .iter()
                    .filter(|i| i.kind == IncidentKind::LinkFailure)
                    .collect();
                day.incidents = link.len();
                day.incidents_closed = link.iter().filter(|i| !i.status.is_open()).count();
            }
            Err(e) => day.problems.push(e),
        }
    }
    day
}

/// Refusals the station counted (`/metrics`, families `*_rejected`), by `family/reason`.
async fn refusals(target: &Target) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(resp) = target
        .client
        .get(format!("{}/metrics", target.base))
        .send()
        .await
    else {
        return out;
    };
    let text = resp.text().await.unwrap_or_default();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        // guomen_positions_rejected_total{reason="out_of_order"} 3
        let Some((name, rest)) = line.split_once("_total{reason=\"") else {
            continue;
        };
        let Some(family) = name.strip_prefix("guomen_") else {
            continue;
        };
        if !family.ends_with("_rejected") {
            continue;
        }
        let Some((reason, n)) = rest.split_once("\"} ") else {
            continue;
        };
        if let Ok(n) = n.trim().parse::<u64>()
            && n > 0
        {
            out.insert(format!("{family}/{reason}"), n);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
async fn summary(
    run: &Arc<Run>,
    target: &Target,
    wall: Duration,
    verified: bool,
    seed: u64,
    interrupted: bool,
    journal_before: u64,
    history: Option<&history::History>,
) -> String {
    let s = &run.stats;
    let g = Stats::get;
    let mut out = String::new();
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line(String::new());
    line(format!(
        "summary: simulated {DAY_START_HOUR:02}:00 → {} in {:.1} s{}",
        run.sim_time(),
        wall.as_secs_f64(),
        if interrupted { " (interrupted)" } else { "" }
    ));
    let by_dir = s.by_direction.lock().map(|m| m.clone()).unwrap_or_default();
    line(format!(
        "crossings: {} (entry {}, exit {}); e-gate cleared {}, sent from gate to counter {}",
        g(&s.crossings),
        by_dir.get("entry").copied().unwrap_or(0),
        by_dir.get("exit").copied().unwrap_or(0),
        g(&s.egate_cleared),
        g(&s.sent_to_counter)
    ));
    let mut nat: Vec<(String, u64)> = s
        .by_nationality
        .lock()
        .map(|m| m.clone().into_iter().collect())
        .unwrap_or_default();
    nat.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let top: Vec<String> = nat
        .iter()
        .take(8)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    line(format!(
        "top nationalities: {} ({} nationalities)",
        top.join(", "),
        nat.len()
    ));
    line(format!("watchlist hits: {}", g(&s.hits)));
    let cases = s.cases.lock().map(|c| c.clone()).unwrap_or_default();
    let kinds: Vec<String> = cases
        .by_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    line(format!(
        "cases: {} opened from the day's hits and finds{}, {} closed{}",
        cases.by_kind.values().sum::<u64>(),
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        },
        cases.closed,
        if cases.seizures.is_empty() {
            String::new()
        } else {
            format!("; seized: {}", cases.seizures.join(", "))
        }
    ));
    if let Some(h) = history {
        line(format!(
            "earlier days: {} day(s) ({} → {}) in {:.0} s: {} crossings, {} hits, {} cases{}",
            h.days,
            h.first.map(|d| d.to_string()).unwrap_or_default(),
            h.last.map(|d| d.to_string()).unwrap_or_default(),
            h.wall_s,
            h.crossings,
            h.hits,
            h.cases.by_kind.values().sum::<u64>(),
            match (&h.first_failure, h.failures) {
                (Some(f), n) if n > 0 => format!("; {n} requests failed, first: {f}"),
                _ => String::new(),
            }
        ));
    }
    let month = run.plan.config.date.format("%Y-%m");
    line(format!(
        "reports: {}/stats · {}/api/v1/reports/monthly?month={month}&format=html",
        target.base, target.base
    ));
    line(format!(
        "perimeter and dispatch: {} sensor events, {} partner notifications, {} incidents, {} dispatches, {} resolved, {} closed",
        g(&s.sensor_events),
        g(&s.notifications),
        drive_incidents(s),
        g(&s.dispatches),
        g(&s.resolved),
        g(&s.closed)
    ));
    line(format!(
        "units: {} position reports; links: {} heartbeats",
        g(&s.positions),
        g(&s.heartbeats)
    ));
    let links = link_day(target, journal_before).await;
    let failed: Vec<String> = links
        .failures
        .iter()
        .map(|(l, of, role)| format!("{l} ({role} of {of})"))
        .collect();
    line(format!(
        "links: {} failure(s) detected by the station{}, {} back up by the end; {} link-failure incident(s) (every link of a point down), {} closed",
        links.failures.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(": {}", failed.join(", "))
        },
        links.recovered,
        links.incidents,
        links.incidents_closed
    ));
    for p in &links.problems {
        line(format!("links: cannot count: {p}"));
    }
    if let Some(Ok(t)) = api_get::<TodayStats>(target, "/api/v1/stats/today").await {
        line(format!(
            "station's figures for {}: {} crossings (entry {}, exit {}), {} with hits, {} pending, e-gate share {:.0} %",
            t.date,
            t.crossings,
            t.entry,
            t.exit,
            t.with_hits,
            t.pending,
            t.egate_share * 100.0
        ));
    }
    // The simulated day's response times (a whole day ends at 06:00 the next).
    let kpis_path = format!("/api/v1/kpis?day={}", run.plan.config.date);
    let kpis = match api_get::<KpiReport>(target, &kpis_path).await {
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            line(format!("KPIs: {e}"));
            None
        }
        None => None,
    };
    if let Some(k) = &kpis {
        let p = |name: &str, v: &Option<guomen_server::api::types::Percentiles>| {
            v.map(|p| {
                format!(
                    "{name} p50 {:.1} min, p90 {:.1} min (n={})",
                    p.p50 / 60.0,
                    p.p90 / 60.0,
                    p.count
                )
            })
        };
        let parts: Vec<String> = [
            p("alarm→ack", &k.alarm_to_ack),
            p("ack→dispatch", &k.ack_to_dispatch),
            p("dispatch→on scene", &k.dispatch_to_on_scene),
            p("alarm→resolved", &k.alarm_to_resolved),
        ]
        .into_iter()
        .flatten()
        .collect();
        line(format!(
            "response times on {} ({} incidents): {}",
            k.day,
            k.incidents.len(),
            if parts.is_empty() {
                "none yet".to_owned()
            } else {
                parts.join("; ")
            }
        ));
    }
    let lanes = s.lanes.lock().map(|l| l.clone()).unwrap_or_default();
    if let Some(l) = &lanes {
        line(format!(
            "lanes ({}): peak wait {:.0} min with the recommended openings, {:.0} min without; {} lane(s) opened on recommendation, reinforcement pool called {} time(s); {} tour group(s) announced, {} tour-group lane opening(s); assistance {} requested, {} done",
            l.stream,
            l.peak_wait_with_s / 60.0,
            l.peak_wait_without_s / 60.0,
            l.opened,
            l.reserve_calls,
            l.groups_announced,
            l.group_lanes_opened,
            l.assistance,
            l.assistance_done
        ));
    }
    let refused = refusals(target).await;
    if !refused.is_empty() {
        let list: Vec<String> = refused.iter().map(|(k, n)| format!("{k} {n}")).collect();
        line(format!("refused by the station: {}", list.join(", ")));
    }
    for n in s.notes.lock().map(|n| n.clone()).unwrap_or_default() {
        line(format!("note: {n}"));
    }
    let skipped = s.skipped.lock().map(|m| m.clone()).unwrap_or_default();
    for (part, why) in &skipped {
        line(format!("skipped: {part}: {why}"));
    }
    let errors = s.errors.lock().map(|e| e.clone()).unwrap_or_default();
    if g(&s.failures) > 0 {
        line(format!(
            "{} requests failed; first: {}",
            g(&s.failures),
            errors.first().cloned().unwrap_or_default()
        ));
    }
    line(format!(
        "journal: {}",
        if verified {
            "verified intact"
        } else {
            "NOT verified"
        }
    ));
    let mut top_nat = serde_json::Map::new();
    for (c, n) in nat.iter().take(5) {
        top_nat.insert(c.clone(), json!(n));
    }
    let last = json!({
        "crossings": g(&s.crossings),
        "entry": by_dir.get("entry").copied().unwrap_or(0),
        "exit": by_dir.get("exit").copied().unwrap_or(0),
        "hits": g(&s.hits),
        "incidents": drive_incidents(s),
        "dispatches": g(&s.dispatches),
        "resolved": g(&s.resolved),
        "closed": g(&s.closed),
        "sensor_events": g(&s.sensor_events),
        "positions": g(&s.positions),
        "heartbeats": g(&s.heartbeats),
        "link_failures": links.failures.len(),
        "link_failures_recovered": links.recovered,
        "links_down_at_end": links.down_at_end,
        "link_failure_incidents": links.incidents,
        "link_failure_incidents_closed": links.incidents_closed,
        "refused": refused,
        "lanes": lanes.as_ref().map(|l| json!({
            "stream": l.stream,
            "peak_wait_with_s": l.peak_wait_with_s.round(),
            "peak_wait_without_s": l.peak_wait_without_s.round(),
            "opened": l.opened,
            "reserve_calls": l.reserve_calls,
            "groups_announced": l.groups_announced,
            "group_lanes_opened": l.group_lanes_opened,
            "assistance": l.assistance,
            "assistance_done": l.assistance_done,
        })),
        "cases": json!({
            "opened": cases.by_kind.values().sum::<u64>(),
            "by_kind": cases.by_kind,
            "seizures": cases.seizures,
            "closed": cases.closed,
        }),
        "earlier_days": history.map(|h| json!({
            "days": h.days,
            "crossings": h.crossings,
            "hits": h.hits,
            "cases": h.cases.by_kind.values().sum::<u64>(),
            "failed_requests": h.failures,
        })),
        "top_nationalities": top_nat,
        "kpis": kpis.as_ref().map(|k| json!({
            "day": k.day,
            "incidents": k.incidents.len(),
            "alarm_to_ack": k.alarm_to_ack,
            "ack_to_dispatch": k.ack_to_dispatch,
            "dispatch_to_on_scene": k.dispatch_to_on_scene,
            "alarm_to_resolved": k.alarm_to_resolved,
        })),
        "skipped": skipped.keys().collect::<Vec<_>>(),
        "failed_requests": g(&s.failures),
        "requests": g(&s.requests),
        "journal_verified": verified,
        "seed": seed,
        "simulated_s": (run.clock.now_s().min(f64::from(run.clock.end_s)) - f64::from(run.clock.start_s)).round(),
        "wall_s": (wall.as_secs_f64() * 10.0).round() / 10.0,
    });
    out.push_str(&last.to_string());
    out
}
