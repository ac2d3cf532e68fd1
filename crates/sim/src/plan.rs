//! The port day: who crosses when, where and how, and what goes wrong.

use chrono::{Datelike, Duration, NaiveDate};
use guomen_port::{Channel, Direction, DocumentKind, LaneKind, Port};
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::document::{Passport, document_number};
use crate::field::{self, Patrol, Scenario};
use crate::names::{self, Culture, Sex};
use crate::nations::{NATIONS, Nation, nation};
use crate::watch::{WatchEntry, Watchlist};

/// The plan starts at this local hour and covers 24 hours.
pub const DAY_START_HOUR: u32 = 6;
pub const DAY_S: u32 = 86_400;

/// Relative traffic per local hour: quiet nights, a morning and an afternoon peak.
pub const HOURLY: [f64; 24] = [
    0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 1.0, 2.5, 5.0, 7.5, 8.0, 7.0, 5.5, 6.0, 7.5, 8.0, 7.0, 5.0,
    3.5, 2.5, 1.8, 1.2, 0.8, 0.5,
];

/// 2,440,800 persons a year.
pub const NORMAL_DAY: f64 = 6_687.0;
/// A summer peak day.
pub const PEAK_DAY: f64 = 10_400.0;

#[derive(Debug, Clone, Copy)]
pub struct PlanConfig {
    pub seed: u64,
    pub peak: bool,
    /// The local date the plan starts on (at [`DAY_START_HOUR`]).
    pub date: NaiveDate,
}

/// Why a traveller is in the plan, and what the station should find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    Clear,
    /// On the wanted list (entry id).
    Wanted(String),
    /// Refused before, back with a new name spelling and a new passport (entry id).
    RefusedReturning(String),
    /// Presents a passport reported lost or stolen (entry id).
    LostStolen(String),
    /// The passport has expired.
    Expired,
}

impl Expect {
    pub fn is_hit(&self) -> bool {
        matches!(
            self,
            Expect::Wanted(_) | Expect::RefusedReturning(_) | Expect::LostStolen(_)
        )
    }
}

/// How the traveller came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    Individual,
    /// A freight driver.
    Driver,
    TourGroup(String),
    Train(String),
    Crew(String),
}

#[derive(Debug, Clone)]
pub struct Traveller {
    pub id: u32,
    /// Seconds into the plan.
    pub at_s: u32,
    pub direction: Direction,
    pub site_id: String,
    pub lane_id: String,
    pub lane_kind: LaneKind,
    pub passport: Passport,
    pub mrz: [String; 2],
    /// Enrolled for the e-gates.
    pub enrolled: bool,
    pub party: Party,
    pub expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrainKind {
    Passenger,
    ChinaEuropeFreight,
}

#[derive(Debug, Clone)]
pub struct Train {
    pub number: String,
    pub kind: TrainKind,
    pub direction: Direction,
    pub route: String,
    /// Arrival at the port, seconds into the plan.
    pub at_s: u32,
    /// Ids of the travellers on board (passengers or crew).
    pub persons: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct TourGroup {
    pub id: String,
    pub nationality: &'static str,
    pub direction: Direction,
    pub at_s: u32,
    pub members: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct DayPlan {
    pub config: PlanConfig,
    /// Sorted by `at_s`.
    pub travellers: Vec<Traveller>,
    pub trains: Vec<Train>,
    pub groups: Vec<TourGroup>,
    pub watchlist: Watchlist,
    pub patrols: Vec<Patrol>,
    /// Sorted by `at_s`.
    pub scenarios: Vec<Scenario>,
    /// Every link that sends heartbeats.
    pub links: Vec<String>,
}

impl DayPlan {
    /// The local hour of a time in the plan.
    pub fn local_hour(at_s: u32) -> u32 {
        (DAY_START_HOUR + at_s / 3600) % 24
    }

    /// Whether a link is silent (its failure scenario started and it has not come back).
    pub fn link_silent(&self, link_id: &str, at_s: u32) -> bool {
        self.scenarios.iter().any(|s| {
            let mut silent = false;
            for (off, step) in &s.steps {
                let t = s.at_s + off;
                match step {
                    field::Step::LinkDown { link_id: l } if l == link_id && t <= at_s => {
                        silent = true
                    }
                    field::Step::LinkUp { link_id: l } if l == link_id && t <= at_s => {
                        silent = false
                    }
                    _ => {}
                }
            }
            silent
        })
    }
}

/// A random time in the plan drawn from the hourly profile.
fn profile_time<R: Rng>(rng: &mut R) -> u32 {
    let total: f64 = HOURLY.iter().sum();
    let mut x = rng.gen_range(0.0..total);
    let mut hour = 0;
    for (h, w) in HOURLY.iter().enumerate() {
        if x < *w {
            hour = h as u32;
            break;
        }
        x -= w;
    }
    ((hour + 24 - DAY_START_HOUR) % 24) * 3600 + rng.gen_range(0..3600)
}

fn draw_nation<R: Rng>(rng: &mut R) -> &'static Nation {
    let total = crate::nations::total_weight();
    let mut x = rng.gen_range(0.0..total);
    for n in &NATIONS {
        if x < n.weight {
            return n;
        }
        x -= n.weight;
    }
    &NATIONS[0]
}

fn mn(code: &str) -> &'static Nation {
    nation(code).unwrap_or(&NATIONS[0])
}

struct Builder<'p> {
    port: &'p Port,
    rng: StdRng,
    date: NaiveDate,
    next_id: u32,
    out: Vec<Traveller>,
}

fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    let mut a = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a.max(0) as u32
}

impl Builder<'_> {
    /// A passport of someone a list names (a name no traveller of the crowd has).
    fn listed(&mut self, nat: &'static Nation, min_age: u32, max_age: u32) -> Passport {
        let mut p = self.passport(nat, min_age, max_age);
        p.name = names::generate_listed(&mut self.rng, nat.culture, p.sex);
        p
    }

    fn passport(&mut self, nat: &'static Nation, min_age: u32, max_age: u32) -> Passport {
        let sex = if self.rng.gen_bool(0.55) {
            Sex::Male
        } else {
            Sex::Female
        };
        let age_days = self
            .rng
            .gen_range(i64::from(min_age) * 365..=i64::from(max_age) * 365 + 364);
        let birth = self.date - Duration::days(age_days);
        let expiry = self.date + Duration::days(self.rng.gen_range(60..3600));
        Passport {
            issuing: nat.code,
            nationality: nat.code,
            number: document_number(&mut self.rng, nat.code),
            name: names::generate(&mut self.rng, nat.culture, sex),
            sex,
            birth,
            expiry,
        }
    }

    /// The lanes a traveller may use at a site, preferring an e-gate they are eligible for.
    fn lane(
        &mut self,
        site: &str,
        dir: Direction,
        p: &Passport,
        enrolled: bool,
        channel: Option<Channel>,
    ) -> Option<(String, LaneKind)> {
        let opens = |l: &guomen_port::Lane| l.direction == dir || l.direction == Direction::Both;
        let port = self.port;
        if let Some(ch) = channel {
            let lanes: Vec<&guomen_port::Lane> = port
                .lanes_of_site(site)
                .filter(|l| l.channel == Some(ch) && opens(l))
                .collect();
            if let Some(l) = lanes.choose(&mut self.rng) {
                return Some((l.id.clone(), l.kind));
            }
        }
        let age = age_on(p.birth, self.date);
        let eligible: Vec<&guomen_port::Lane> = port
            .lanes_of_site(site)
            .filter(|l| l.kind == LaneKind::Egate && opens(l))
            .filter(|l| {
                let r = &l.rules;
                (r.nationalities.is_empty() || r.nationalities.iter().any(|n| n == p.nationality))
                    && r.min_age.is_none_or(|m| age >= u32::from(m))
                    && (!r.requires_enrolment || enrolled)
                    && (r.documents.is_empty() || r.documents.contains(&DocumentKind::Passport))
            })
            .collect();
        // Most eligible travellers take the gate; some prefer the counter.
        if !eligible.is_empty() && self.rng.gen_bool(0.8) {
            let l = eligible.choose(&mut self.rng)?;
            return Some((l.id.clone(), l.kind));
        }
        let kinds: &[LaneKind] = if site.contains("freight") {
            &[LaneKind::Freight]
        } else {
            &[LaneKind::ManualCounter]
        };
        let counters: Vec<&guomen_port::Lane> = port
            .lanes_of_site(site)
            .filter(|l| kinds.contains(&l.kind) && opens(l))
            .collect();
        let l = counters.choose(&mut self.rng)?;
        Some((l.id.clone(), l.kind))
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        at_s: u32,
        site: &str,
        dir: Direction,
        p: Passport,
        party: Party,
        channel: Option<Channel>,
        expect: Expect,
    ) -> Option<u32> {
        let enrolled =
            p.nationality == "MNG" && age_on(p.birth, self.date) >= 18 && self.rng.gen_bool(0.25);
        let (lane_id, lane_kind) = self.lane(site, dir, &p, enrolled, channel)?;
        self.next_id += 1;
        let id = self.next_id;
        self.out.push(Traveller {
            id,
            at_s: at_s.min(DAY_S - 1),
            direction: dir,
            site_id: site.to_owned(),
            lane_id,
            lane_kind,
            mrz: p.mrz(),
            passport: p,
            enrolled,
            party,
            expect,
        });
        Some(id)
    }
}

fn dir<R: Rng>(rng: &mut R) -> Direction {
    if rng.gen_bool(0.5) {
        Direction::Entry
    } else {
        Direction::Exit
    }
}

/// The whole day for a seed.
pub fn day_plan(port: &Port, config: PlanConfig) -> DayPlan {
    let mut b = Builder {
        port,
        rng: StdRng::seed_from_u64(config.seed),
        date: config.date,
        next_id: 0,
        out: Vec::new(),
    };
    let scale = if config.peak { PEAK_DAY } else { NORMAL_DAY };
    let total = (scale * b.rng.gen_range(0.97..1.03)).round() as usize;

    // Passenger trains: the port's weekly timetable for the day (number, direction, site,
    // route, local arrival minute of day), with a typical load per service.
    let weekday = match config.date.weekday() {
        chrono::Weekday::Mon => guomen_port::Weekday::Mon,
        chrono::Weekday::Tue => guomen_port::Weekday::Tue,
        chrono::Weekday::Wed => guomen_port::Weekday::Wed,
        chrono::Weekday::Thu => guomen_port::Weekday::Thu,
        chrono::Weekday::Fri => guomen_port::Weekday::Fri,
        chrono::Weekday::Sat => guomen_port::Weekday::Sat,
        chrono::Weekday::Sun => guomen_port::Weekday::Sun,
    };
    let timetable: Vec<(String, Direction, String, String, u32, usize)> = port
        .train_services
        .iter()
        .filter(|s| s.kind == guomen_port::TrainKind::Passenger && s.runs_on(weekday))
        .filter_map(|s| {
            let (h, m) = s.arrival_hm()?;
            let route = format!(
                "{} – {}",
                s.origin.as_deref().unwrap_or("?"),
                s.destination.as_deref().unwrap_or("?")
            );
            let pax = match s.number.as_str() {
                "K686" => 180,
                "K23" | "K24" => 140,
                _ => 160,
            };
            Some((
                s.number.clone(),
                s.direction,
                s.site.clone(),
                route,
                h * 60 + m,
                pax,
            ))
        })
        .collect();
    let mut trains = Vec::new();
    let at_of_minute = |m: u32| ((m / 60 + 24 - DAY_START_HOUR) % 24) * 3600 + (m % 60) * 60;
    let scale_f = scale / NORMAL_DAY;
    for (number, d, site, route, minute, pax) in timetable {
        let at = at_of_minute(minute);
        let mut persons = Vec::new();
        let n = (pax as f64 * scale_f) as usize;
        for i in 0..n {
            let nat = match b.rng.gen_range(0..100) {
                0..=54 => mn("MNG"),
                55..=84 => mn("CHN"),
                85..=94 => mn("RUS"),
                _ => draw_nation(&mut b.rng),
            };
            let p = b.passport(nat, 1, 80);
            let channel = (number == "K686" && i == 0).then_some(Channel::OnBoardVerification);
            let t = at + 300 + (i as u32 * 2400 / n.max(1) as u32);
            if let Some(id) = b.push(
                t,
                &site,
                d,
                p,
                Party::Train(number.clone()),
                channel,
                Expect::Clear,
            ) {
                persons.push(id);
            }
        }
        trains.push(Train {
            number,
            kind: TrainKind::Passenger,
            direction: d,
            route,
            at_s: at,
            persons,
        });
    }
    // China–Europe freight trains: 1,052 a year; crews of two or three.
    let freight = b.rng.gen_range(2..=4);
    for _ in 0..freight {
        let number = format!("X8{:03}", b.rng.gen_range(0..1000));
        let d = dir(&mut b.rng);
        let at = b.rng.gen_range(0..DAY_S - 3600);
        let crew_nat = if d == Direction::Exit {
            mn("CHN")
        } else {
            mn("MNG")
        };
        let mut persons = Vec::new();
        for k in 0..b.rng.gen_range(2..=3) {
            let p = b.passport(crew_nat, 25, 60);
            if let Some(id) = b.push(
                at + 120 + k * 40,
                "rail-freight",
                d,
                p,
                Party::Crew(number.clone()),
                Some(Channel::ChinaEuropeFreight),
                Expect::Clear,
            ) {
                persons.push(id);
            }
        }
        trains.push(Train {
            number,
            kind: TrainKind::ChinaEuropeFreight,
            direction: d,
            route: "Chongqing – Erenhot – Moscow".into(),
            at_s: at,
            persons,
        });
    }
    // Tour groups arrive together and pass the tour-group channel.
    let mut groups = Vec::new();
    let n_groups = if config.peak {
        b.rng.gen_range(14..=20)
    } else {
        b.rng.gen_range(6..=10)
    };
    for g in 0..n_groups {
        let (nat, d) = if b.rng.gen_bool(0.6) {
            (mn("CHN"), Direction::Exit)
        } else if b.rng.gen_bool(0.5) {
            (mn("MNG"), Direction::Entry)
        } else {
            (mn("RUS"), Direction::Entry)
        };
        let at = profile_time(&mut b.rng);
        let size = b.rng.gen_range(15..=35);
        let mut members = Vec::new();
        for k in 0..size {
            let p = b.passport(nat, 8, 75);
            let gid = format!("TG-{}-{:02}", nat.code, g + 1);
            if let Some(id) = b.push(
                at + k * 25,
                "road-passenger",
                d,
                p,
                Party::TourGroup(gid),
                Some(Channel::TourGroup),
                Expect::Clear,
            ) {
                members.push(id);
            }
        }
        groups.push(TourGroup {
            id: format!("TG-{}-{:02}", nat.code, g + 1),
            nationality: nat.code,
            direction: d,
            at_s: at,
            members,
        });
    }
    // Everyone else: road passengers, truck drivers, a few by air.
    let so_far = b.out.len();
    for _ in so_far..total {
        let at = profile_time(&mut b.rng);
        let r = b.rng.gen_range(0..100);
        let (site, party) = match r {
            0..=79 => ("road-passenger", Party::Individual),
            80..=97 => ("road-freight", Party::Driver),
            _ => ("airport", Party::Individual),
        };
        let nat = if party == Party::Driver {
            if b.rng.gen_bool(0.6) {
                mn("MNG")
            } else {
                mn("CHN")
            }
        } else {
            draw_nation(&mut b.rng)
        };
        let p = b.passport(nat, 1, 85);
        let d = dir(&mut b.rng);
        b.push(at, site, d, p, party, None, Expect::Clear);
    }

    // Persons of interest and the lists that name them.
    let mut watch = Watchlist::default();
    let early = |rng: &mut StdRng| rng.gen_range(900..6300); // 06:15–07:45
    let poi_nats = ["MNG", "RUS", "CHN", "KAZ", "MNG"];
    for (i, code) in poi_nats.iter().take(3).enumerate() {
        let nat = mn(code);
        let p = b.listed(nat, 22, 60);
        let id = format!("sim:w-{:04}", i + 1);
        watch.entries.push(WatchEntry::from_passport(
            &id,
            "wanted",
            &p,
            &[],
            "wanted: fraud case (simulated)",
            "",
        ));
        // Two of the three come through today; the first early in the day.
        if i < 2 {
            let at = if i == 0 {
                early(&mut b.rng)
            } else {
                profile_time(&mut b.rng)
            };
            b.push(
                at,
                "road-passenger",
                Direction::Entry,
                p,
                Party::Individual,
                None,
                Expect::Wanted(id),
            );
        }
    }
    for i in 0..3 {
        let nat = mn(poi_nats[i + 2]);
        let old = b.listed(nat, 25, 55);
        let id = format!("sim:r-{:04}", i + 1);
        watch.entries.push(WatchEntry::from_passport(
            &id,
            "refused_entry",
            &old,
            &[],
            "refused entry: previous overstay and false statements (simulated)",
            "",
        ));
        if i < 2 {
            // Back under a changed identity: another spelling, a new passport, same birth date
            // and nationality.
            let mut new = old.clone();
            new.name = names::variant(&old.name, nat.culture);
            new.number = document_number(&mut b.rng, nat.code);
            new.expiry = config.date + Duration::days(b.rng.gen_range(1000..3000));
            let at = if i == 0 {
                early(&mut b.rng)
            } else {
                profile_time(&mut b.rng)
            };
            b.push(
                at,
                "road-passenger",
                Direction::Entry,
                new,
                Party::Individual,
                None,
                Expect::RefusedReturning(id),
            );
        }
    }
    for i in 0..4 {
        let nat = draw_nation(&mut b.rng);
        let p = b.listed(nat, 20, 70);
        let id = format!("sim:l-{:04}", i + 1);
        watch.entries.push(WatchEntry::from_passport(
            &id,
            "lost_stolen_document",
            &p,
            &[],
            "reported stolen (simulated)",
            "",
        ));
        if i < 2 {
            let at = profile_time(&mut b.rng);
            let d = dir(&mut b.rng);
            b.push(
                at,
                "road-passenger",
                d,
                p,
                Party::Individual,
                None,
                Expect::LostStolen(id),
            );
        }
    }
    for i in 0..3 {
        let nat = draw_nation(&mut b.rng);
        let mut p = b.passport(nat, 20, 70);
        p.expiry = config.date - Duration::days(b.rng.gen_range(1..400));
        let at = if i == 0 {
            early(&mut b.rng)
        } else {
            profile_time(&mut b.rng)
        };
        let d = dir(&mut b.rng);
        b.push(
            at,
            "road-passenger",
            d,
            p,
            Party::Individual,
            None,
            Expect::Expired,
        );
    }
    // Entries nobody presents today, so the lists have a realistic bulk.
    for i in 0..60 {
        let nat = draw_nation(&mut b.rng);
        let p = b.listed(nat, 18, 80);
        let list = ["wanted", "refused_entry", "lost_stolen_document", "alert"][i % 4];
        let id = format!("sim:x-{:04}", i + 1);
        let alias = names::variant(&p.name, nat.culture).latin();
        watch.entries.push(WatchEntry::from_passport(
            &id,
            list,
            &p,
            &[alias],
            "simulated list entry",
            "",
        ));
    }

    let mut travellers = b.out;
    travellers.sort_by_key(|t| (t.at_s, t.id));

    let mut rng = StdRng::seed_from_u64(config.seed ^ 0x5eed_f1e1d);
    let patrols = field::patrols(port, &mut rng);
    let mut scenarios = Vec::new();
    let at_814 = rng.gen_range(1200..2400);
    if let Some(s) = field::marker_814(port, &mut rng, at_814) {
        scenarios.push(s);
    }
    if let Some(k686) = trains.iter().find(|t| t.number == "K686") {
        scenarios.push(field::medical(port, "K686", k686.at_s.saturating_sub(420)));
    }
    let mut nuisance_at: Vec<u32> = vec![rng.gen_range(300..900)];
    let n_nuisance = rng.gen_range(4..=7);
    while nuisance_at.len() < n_nuisance {
        nuisance_at.push(rng.gen_range(7200..DAY_S - 600));
    }
    scenarios.extend(field::nuisance(port, &mut rng, n_nuisance, &nuisance_at));
    let at_link = rng.gen_range(4200..5400);
    if let Some(s) = field::link_failure(port, &mut rng, at_link, 2400) {
        scenarios.push(s);
    }
    scenarios.sort_by_key(|s| s.at_s);

    DayPlan {
        config,
        travellers,
        trains,
        groups,
        watchlist: watch,
        patrols,
        scenarios,
        links: port.links.iter().map(|l| l.id.clone()).collect(),
    }
}

/// The culture of a nationality code (Latin for codes outside the table).
pub fn culture_of(code: &str) -> Culture {
    nation(code).map_or(Culture::Latin, |n| n.culture)
}
