//! Reading a port from TOML and GeoJSON text (pure: the caller supplies the text).
//!
//! The TOML is walked with `toml_edit` (the parser `toml` itself uses) rather than through
//! serde: serde stops at the first missing field or wrong type, while a port check must report
//! every problem, each with its line. Items that cannot be read are left out of the model but
//! their ids are remembered, so that references to them do not cause a second, misleading error.

use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike};

use crate::error::{ErrorKind, LineIndex, PortError};
use crate::model::*;

/// Loads and validates a port from the text of its TOML file and of its GeoJSON file.
///
/// `toml_name` and `geojson_name` only label error messages. Returns every problem found
/// (syntax, schema and [`crate::validate`] rules), sorted by file and line.
pub fn load_str(
    toml_text: &str,
    toml_name: &str,
    geojson_text: &str,
    geojson_name: &str,
) -> Result<Port, Vec<PortError>> {
    let port = parse(toml_text, toml_name, geojson_text, geojson_name)?;
    let errors = crate::validate(&port);
    if errors.is_empty() {
        Ok(port)
    } else {
        Err(errors)
    }
}

/// Reads the model without validating it. Fails only when the TOML is not well-formed; every
/// other problem is kept in the port and reported by [`crate::validate`].
pub(crate) fn parse(
    toml_text: &str,
    toml_name: &str,
    geojson_text: &str,
    geojson_name: &str,
) -> Result<Port, Vec<PortError>> {
    let index = LineIndex::new(toml_text);
    let doc = match ImDocument::parse(toml_text) {
        Ok(doc) => doc,
        Err(e) => {
            let (line, col) = match e.span() {
                Some(span) => (Some(index.line(span.start)), Some(index.column(span.start))),
                None => (None, None),
            };
            let message = e.message().trim().replace('\n', "; ");
            return Err(vec![
                PortError::new(toml_name, line, ErrorKind::Syntax, message).with_column(col),
            ]);
        }
    };
    let mut cx = Cx {
        file: toml_name,
        index,
        errors: Vec::new(),
        incomplete: Vec::new(),
    };
    let mut builder = Builder::default();
    read_document(&mut cx, doc.as_table(), &mut builder);

    let geo = crate::geojson_read::read(geojson_text, geojson_name);
    let info = builder.info.unwrap_or_else(|| PortInfo {
        id: String::new(),
        name: Name {
            zh: String::new(),
            en: String::new(),
        },
        origin: LonLat { lon: 0.0, lat: 0.0 },
        timezone: String::new(),
        country: String::new(),
        neighbour: String::new(),
        geometry: geojson_name.to_owned(),
        line: 1,
    });
    let mut load_problems = cx.errors;
    load_problems.extend(geo.problems);
    Ok(Port {
        toml_name: toml_name.to_owned(),
        geojson_name: geojson_name.to_owned(),
        info,
        sites: builder.sites,
        duty_points: builder.duty_points,
        lanes: builder.lanes,
        lane_kinds: builder.lane_kinds,
        holiday_windows: builder.holiday_windows,
        trains: builder.trains.unwrap_or_default(),
        train_services: builder.train_services,
        zones: builder.zones,
        border_line: builder.border_line,
        markers: builder.markers,
        sensors: builder.sensors,
        cameras: builder.cameras,
        units: builder.units,
        links: builder.links,
        features: geo.features,
        duplicate_features: geo.duplicates,
        load_problems,
        incomplete: cx.incomplete,
        unreadable_features: geo.unreadable,
        border_line_declared: builder.border_line_declared,
        geometry_loaded: geo.loaded,
    })
}

#[derive(Default)]
struct Builder {
    info: Option<PortInfo>,
    sites: Vec<Site>,
    duty_points: Vec<DutyPoint>,
    lanes: Vec<Lane>,
    lane_kinds: Vec<LaneKindFlow>,
    holiday_windows: Vec<HolidayWindow>,
    trains: Option<TrainSettings>,
    train_services: Vec<TrainService>,
    zones: Vec<Zone>,
    border_line: Option<BorderLine>,
    border_line_declared: bool,
    markers: Vec<Marker>,
    sensors: Vec<Sensor>,
    cameras: Vec<Camera>,
    units: Vec<Unit>,
    links: Vec<Link>,
}

/// Reading context: where errors go and how spans become lines.
struct Cx<'a> {
    file: &'a str,
    index: LineIndex,
    errors: Vec<PortError>,
    incomplete: Vec<Incomplete>,
}

impl Cx<'_> {
    fn line(&self, span: Option<Range<usize>>) -> Option<usize> {
        span.map(|s| self.index.line(s.start))
    }

    fn schema(&mut self, line: Option<usize>, message: String) {
        self.errors
            .push(PortError::new(self.file, line, ErrorKind::Schema, message));
    }
}

/// The sections a port file may have: `(name, is an array of tables)`.
const SECTIONS: &[(&str, bool)] = &[
    ("port", false),
    ("site", true),
    ("duty_point", true),
    ("lane", true),
    ("lane_kind", true),
    ("holiday_window", true),
    ("trains", false),
    ("train_service", true),
    ("zone", true),
    ("border_line", false),
    ("marker", true),
    ("sensor", true),
    ("camera", true),
    ("unit", true),
    ("link", true),
];

fn read_document(cx: &mut Cx<'_>, root: &toml_edit::Table, b: &mut Builder) {
    for (key, item) in root.iter() {
        let key_line = cx.line(root.key(key).and_then(|k| k.span()));
        let Some(&(name, many)) = SECTIONS.iter().find(|(n, _)| *n == key) else {
            let known: Vec<String> = SECTIONS
                .iter()
                .map(|(n, many)| {
                    if *many {
                        format!("[[{n}]]")
                    } else {
                        format!("[{n}]")
                    }
                })
                .collect();
            cx.schema(
                key_line,
                format!(
                    "unknown section `{key}` (expected one of {})",
                    known.join(", ")
                ),
            );
            continue;
        };
        if many {
            let Some(tables) = tables_of(item) else {
                cx.schema(
                    key_line,
                    format!("`{name}` must be an array of tables, written [[{name}]]"),
                );
                continue;
            };
            for (n, (table, span)) in tables.into_iter().enumerate() {
                let line = cx.line(span).or(key_line).unwrap_or(1);
                let mut f = Fields::new(table, name, n + 1, line);
                read_item(cx, name, &mut f, b);
                f.finish(cx);
            }
        } else {
            let Some(table) = item.as_table_like() else {
                cx.schema(
                    key_line,
                    format!("`{name}` must be a table, written [{name}]"),
                );
                continue;
            };
            let line = cx.line(item.span()).or(key_line).unwrap_or(1);
            let mut f = Fields::new(table, name, 1, line);
            read_item(cx, name, &mut f, b);
            f.finish(cx);
        }
    }
}

/// A table of an array-of-tables section, with where it starts.
type SpannedTable<'a> = (&'a dyn TableLike, Option<Range<usize>>);

/// The tables of an `[[x]]` section, also accepting `x = [{...}, {...}]`.
fn tables_of(item: &Item) -> Option<Vec<SpannedTable<'_>>> {
    if let Some(aot) = item.as_array_of_tables() {
        return Some(
            aot.iter()
                .map(|t| (t as &dyn TableLike, t.span()))
                .collect(),
        );
    }
    let array = item.as_array()?;
    array
        .iter()
        .map(|v| v.as_inline_table().map(|t| (t as &dyn TableLike, t.span())))
        .collect()
}

fn read_item(cx: &mut Cx<'_>, section: &str, f: &mut Fields<'_>, b: &mut Builder) {
    let line = f.line;
    match section {
        "port" => {
            let id = f.string(cx, "id");
            let name = f.name(cx, "name");
            let origin = f.lonlat(cx, "origin");
            let timezone = f.string(cx, "timezone");
            let country = f.string(cx, "country");
            let neighbour = f.string(cx, "neighbour");
            let geometry = f.string(cx, "geometry");
            b.info = Some(PortInfo {
                id: id.unwrap_or_default(),
                name: name.unwrap_or_else(|| Name {
                    zh: String::new(),
                    en: String::new(),
                }),
                origin: origin.unwrap_or(LonLat { lon: 0.0, lat: 0.0 }),
                timezone: timezone.unwrap_or_default(),
                country: country.unwrap_or_default(),
                neighbour: neighbour.unwrap_or_default(),
                geometry: geometry.unwrap_or_default(),
                line,
            });
        }
        "site" => {
            let id = f.id(cx);
            let name = f.name(cx, "name");
            let kind = f.choice(cx, "kind", SiteKind::parse, SiteKind::choices);
            let feature = f.string(cx, "feature");
            let agencies = f.opt_strings(cx, "agencies");
            let slot_capacity = match f.opt_int(cx, "slot_capacity") {
                Some(Some(v)) if v < 0 => {
                    cx.schema(
                        Some(line),
                        format!("site: `slot_capacity` must not be negative, got {v}"),
                    );
                    None
                }
                Some(v) => Some(v.map(|v| v.unsigned_abs())),
                None => None,
            };
            match (id, name, kind, feature, slot_capacity, agencies) {
                (
                    Some(id),
                    Some(name),
                    Some(kind),
                    Some(feature),
                    Some(slot_capacity),
                    Some(agencies),
                ) => b.sites.push(Site {
                    id,
                    name,
                    kind,
                    feature,
                    slot_capacity,
                    agencies: agencies.unwrap_or_default(),
                    line,
                }),
                (id, ..) => incomplete(cx, section, id, line),
            }
        }
        "duty_point" => {
            let id = f.id(cx);
            let site = f.string(cx, "site");
            let name = f.name(cx, "name");
            let feature = f.string(cx, "feature");
            match (id, site, name, feature) {
                (Some(id), Some(site), Some(name), Some(feature)) => {
                    b.duty_points.push(DutyPoint {
                        id,
                        site,
                        name,
                        feature,
                        line,
                    })
                }
                (id, ..) => incomplete(cx, section, id, line),
            }
        }
        "lane" => {
            let id = f.id(cx);
            let site = f.string(cx, "site");
            let name = f.opt_name(cx, "name");
            let kind = f.choice(cx, "kind", LaneKind::parse, LaneKind::choices);
            let channel = f.opt_choice(cx, "channel", Channel::parse, Channel::choices);
            let direction = f.choice(cx, "direction", Direction::parse, Direction::choices);
            let nationalities = f.opt_strings(cx, "nationalities");
            let min_age = f.opt_age(cx, "min_age");
            let requires_enrolment = f.opt_bool(cx, "requires_enrolment");
            let documents =
                f.opt_choices(cx, "documents", DocumentKind::parse, DocumentKind::choices);
            let feature = f.opt_string(cx, "feature");
            match (id, site, kind, direction) {
                (Some(id), Some(site), Some(kind), Some(direction)) => b.lanes.push(Lane {
                    id,
                    site,
                    name: name.flatten(),
                    kind,
                    channel: channel.flatten(),
                    direction,
                    rules: Eligibility {
                        nationalities: nationalities.flatten().unwrap_or_default(),
                        min_age: min_age.flatten(),
                        requires_enrolment: requires_enrolment.flatten().unwrap_or(false),
                        documents: documents.flatten().unwrap_or_default(),
                    },
                    feature: feature.flatten(),
                    line,
                }),
                (id, ..) => incomplete(cx, section, id, line),
            }
        }
        "lane_kind" => {
            let kind = f.choice(cx, "kind", LaneKind::parse, LaneKind::choices);
            let service_s = f.opt_int(cx, "service_s");
            let wait_target_s = f.opt_int(cx, "wait_target_s");
            let Some(kind) = kind else { return };
            let defaults = default_lane_flow(kind);
            let positive = |cx: &mut Cx<'_>, key: &str, v: Option<Option<i32>>, d: u32| match v {
                Some(Some(v)) if v > 0 => v as u32,
                Some(Some(v)) => {
                    cx.schema(
                        Some(line),
                        format!(
                            "lane_kind {}: `{key}` must be a positive number of seconds, found {v}",
                            kind.as_str()
                        ),
                    );
                    d
                }
                _ => d,
            };
            let service_s = positive(cx, "service_s", service_s, defaults.service_s);
            let wait_target_s =
                positive(cx, "wait_target_s", wait_target_s, defaults.wait_target_s);
            if b.lane_kinds.iter().any(|k| k.kind == kind) {
                cx.schema(
                    Some(line),
                    format!("lane_kind {} is declared twice", kind.as_str()),
                );
            } else {
                b.lane_kinds.push(LaneKindFlow {
                    kind,
                    service_s,
                    wait_target_s,
                    line,
                });
            }
        }
        "holiday_window" => {
            let name = f.name(cx, "name");
            let start = f.string(cx, "start");
            let end = f.string(cx, "end");
            let (Some(name), Some(start), Some(end)) = (name, start, end) else {
                return;
            };
            let mut ok = true;
            for (key, v) in [("start", &start), ("end", &end)] {
                if !iso_date(v) {
                    cx.schema(
                        Some(line),
                        format!("holiday_window: `{key}` must be a date YYYY-MM-DD, found {v:?}"),
                    );
                    ok = false;
                }
            }
            if ok && end < start {
                cx.schema(
                    Some(line),
                    format!("holiday_window: `end` {end} is before `start` {start}"),
                );
                ok = false;
            }
            if ok {
                b.holiday_windows.push(HolidayWindow {
                    name,
                    start,
                    end,
                    line,
                });
            }
        }
        "trains" => {
            let d = TrainSettings::default();
            let target = |cx: &mut Cx<'_>, f: &mut Fields<'_>, key: &'static str, d: u32| match f
                .opt_int(cx, key)
            {
                Some(Some(v)) if v > 0 => v as u32,
                Some(Some(v)) => {
                    cx.schema(
                        Some(line),
                        format!("trains: `{key}` must be a positive number of seconds, found {v}"),
                    );
                    d
                }
                _ => d,
            };
            let passenger_target_s = target(cx, f, "passenger_target_s", d.passenger_target_s);
            let freight_target_s = target(cx, f, "freight_target_s", d.freight_target_s);
            b.trains = Some(TrainSettings {
                passenger_target_s,
                freight_target_s,
                line,
            });
        }
        "train_service" => {
            let number = f.string(cx, "number");
            if let Some(n) = &number {
                f.label = Some(n.clone());
            }
            let kind = f.choice(cx, "kind", TrainKind::parse, TrainKind::choices);
            let direction = f.choice(cx, "direction", Direction::parse, Direction::choices);
            let site = f.string(cx, "site");
            let days = f.opt_choices(cx, "days", Weekday::parse, Weekday::choices);
            let arrival = f.string(cx, "arrival");
            let origin = f.opt_string(cx, "origin");
            let destination = f.opt_string(cx, "destination");
            let carrier = f.opt_string(cx, "carrier");
            let label = number.clone().unwrap_or_default();
            let arrival = arrival.filter(|a| {
                let ok = TrainService::read_hm(a).is_some();
                if !ok {
                    cx.schema(
                        Some(line),
                        format!("train_service \"{label}\": `arrival` must be HH:MM, found {a:?}"),
                    );
                }
                ok
            });
            let direction = direction.filter(|d| {
                if *d == Direction::Both {
                    cx.schema(
                        Some(line),
                        format!("train_service \"{label}\": `direction` must be entry or exit"),
                    );
                }
                *d != Direction::Both
            });
            if let (
                Some(number),
                Some(kind),
                Some(direction),
                Some(site),
                Some(days),
                Some(arrival),
            ) = (number, kind, direction, site, days, arrival)
            {
                b.train_services.push(TrainService {
                    number,
                    kind,
                    direction,
                    site,
                    days: days.unwrap_or_default(),
                    arrival,
                    origin: origin.flatten(),
                    destination: destination.flatten(),
                    carrier: carrier.flatten(),
                    line,
                });
            }
        }
        "zone" => {
            let id = f.id(cx);
            let kind = f.choice(cx, "kind", ZoneKind::parse, ZoneKind::choices);
            let priority = f.opt_int(cx, "priority");
            let name = f.name(cx, "name");
            let feature = f.string(cx, "feature");
            match (id, kind, priority, name, feature) {
                (Some(id), Some(kind), Some(priority), Some(name), Some(feature)) => {
                    b.zones.push(Zone {
                        id,
                        kind,
                        priority: priority.unwrap_or(0),
                        name,
                        feature,
                        line,
                    })
                }
                (id, ..) => incomplete(cx, section, id, line),
            }
        }
        "border_line" => {
            b.border_line_declared = true;
            let id = f.id(cx);
            let name = f.name(cx, "name");
            let feature = f.string(cx, "feature");
            match (id, name, feature) {
                (Some(id), Some(name), Some(feature)) => {
                    b.border_line = Some(BorderLine {
                        id,
                        name,
                        feature,
                        line,
                    })
                }
                (id, ..) => incomplete(cx, section, id, line),
            }
        }
        "marker" => {
            let id = f.id(cx);
            let number = f.string(cx, "number");
            let feature = f.string(cx, "feature");
            match (id, number, feature) {
                (Some(id), Some(number), Some(feature)) => b.markers.push(Marker {
                    id,
                    number,
                    feature,
                    line,
                }),
                (id, ..) => incomplete(cx, section, id, line),
            }
        }
        "sensor" => {
            let id = f.id(cx);
            let kind = f.choice(cx, "kind", SensorKind::parse, SensorKind::choices);
            let duty_point = f.string(cx, "duty_point");
            let feature = f.string(cx, "feature");
            let maintenance = f.opt_bool(cx, "maintenance");
            match (id, kind, duty_point, feature, maintenance) {
                (Some(id), Some(kind), Some(duty_point), Some(feature), Some(maintenance)) => {
                    b.sensors.push(Sensor {
                        id,
                        kind,
                        duty_point,
                        feature,
                        maintenance: maintenance.unwrap_or(false),
                        line,
                    })
                }
                (id, ..) => incomplete(cx, section, id, line),
            }
        }
        "camera" => {
            let id = f.id(cx);
            let kind = f.choice(cx, "kind", CameraKind::parse, CameraKind::choices);
            let duty_point = f.string(cx, "duty_point");
            let feature = f.string(cx, "feature");
            let maintenance = f.opt_bool(cx, "maintenance");
            let lane = f.opt_string(cx, "lane");
            let direction = f.opt_choice(cx, "direction", Direction::parse, Direction::choices);
            match (id, kind, duty_point, feature, maintenance, lane, direction) {
                (
                    Some(id),
                    Some(kind),
                    Some(duty_point),
                    Some(feature),
                    Some(maintenance),
                    Some(lane),
                    Some(direction),
                ) => b.cameras.push(Camera {
                    id,
                    kind,
                    duty_point,
                    feature,
                    maintenance: maintenance.unwrap_or(false),
                    lane,
                    direction,
                    line,
                }),
                (id, ..) => incomplete(cx, section, id, line),
            }
        }
        "unit" => {
            let id = f.id(cx);
            let name = f.name(cx, "name");
            let kind = f.choice(cx, "kind", UnitKind::parse, UnitKind::choices);
            let duty_point = f.string(cx, "duty_point");
            let terminal_id = f.opt_string(cx, "terminal_id");
            let call_sign = f.string(cx, "call_sign");
            match (id, name, kind, duty_point, terminal_id, call_sign) {
                (
                    Some(id),
                    Some(name),
                    Some(kind),
                    Some(duty_point),
                    Some(terminal_id),
                    Some(call_sign),
                ) => b.units.push(Unit {
                    id,
                    name,
                    kind,
                    duty_point,
                    terminal_id,
                    call_sign,
                    line,
                }),
                (id, ..) => incomplete(cx, section, id, line),
            }
        }
        "link" => {
            let id = f.id(cx);
            let of = f.string(cx, "of");
            let role = f.choice(cx, "role", LinkRole::parse, LinkRole::choices);
            let medium = f.choice(cx, "medium", LinkMedium::parse, LinkMedium::choices);
            match (id, of, role, medium) {
                (Some(id), Some(of), Some(role), Some(medium)) => b.links.push(Link {
                    id,
                    of,
                    role,
                    medium,
                    line,
                }),
                (id, ..) => incomplete(cx, section, id, line),
            }
        }
        // `SECTIONS` lists exactly the names handled above.
        _ => {}
    }
}

fn incomplete(cx: &mut Cx<'_>, section: &str, id: Option<String>, line: usize) {
    cx.incomplete.push(Incomplete {
        section: section.to_owned(),
        id,
        line,
    });
}

/// Field access on one TOML table, recording which keys were read so that the rest can be
/// reported as unknown. Every accessor reports its own problem and returns `None` for it;
/// `opt_*` accessors return `Some(None)` for an absent key.
struct Fields<'t> {
    table: &'t dyn TableLike,
    section: &'t str,
    ordinal: usize,
    line: usize,
    label: Option<String>,
    used: Vec<&'static str>,
}

impl<'t> Fields<'t> {
    fn new(table: &'t dyn TableLike, section: &'t str, ordinal: usize, line: usize) -> Self {
        Fields {
            table,
            section,
            ordinal,
            line,
            label: None,
            used: Vec::new(),
        }
    }

    /// How to name this item in a message: by id once known, else by position.
    fn what(&self) -> String {
        match &self.label {
            Some(id) => format!("{} \"{id}\"", self.section),
            None if self.section == "port" || self.section == "border_line" => {
                format!("[{}]", self.section)
            }
            None => format!("[[{}]] #{}", self.section, self.ordinal),
        }
    }

    fn get(&mut self, cx: &Cx<'_>, key: &'static str) -> Option<(&'t Item, Option<usize>)> {
        self.used.push(key);
        let (k, item) = self.table.get_key_value(key)?;
        let line = cx.line(item.span()).or_else(|| cx.line(k.span()));
        Some((item, line))
    }

    fn missing(&self, cx: &mut Cx<'_>, key: &str) {
        let what = self.what();
        cx.schema(Some(self.line), format!("{what}: missing field `{key}`"));
    }

    fn wrong_type(&self, cx: &mut Cx<'_>, line: Option<usize>, key: &str, want: &str, item: &Item) {
        let what = self.what();
        cx.schema(
            line.or(Some(self.line)),
            format!(
                "{what}: field `{key}` must be {want}, found {}",
                item.type_name()
            ),
        );
    }

    fn id(&mut self, cx: &mut Cx<'_>) -> Option<String> {
        let id = self.string(cx, "id")?;
        self.label = Some(id.clone());
        Some(id)
    }

    fn string(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<String> {
        match self.opt_string(cx, key) {
            Some(Some(s)) => Some(s),
            Some(None) => {
                self.missing(cx, key);
                None
            }
            None => None,
        }
    }

    fn opt_string(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Option<String>> {
        let Some((item, line)) = self.get(cx, key) else {
            return Some(None);
        };
        match item.as_str() {
            Some(s) => Some(Some(s.to_owned())),
            None => {
                self.wrong_type(cx, line, key, "a string", item);
                None
            }
        }
    }

    fn opt_bool(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Option<bool>> {
        let Some((item, line)) = self.get(cx, key) else {
            return Some(None);
        };
        match item.as_bool() {
            Some(v) => Some(Some(v)),
            None => {
                self.wrong_type(cx, line, key, "true or false", item);
                None
            }
        }
    }

    fn opt_int(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Option<i32>> {
        let Some((item, line)) = self.get(cx, key) else {
            return Some(None);
        };
        match item.as_integer().map(i32::try_from) {
            Some(Ok(v)) => Some(Some(v)),
            Some(Err(_)) => {
                let what = self.what();
                cx.schema(
                    line,
                    format!("{what}: field `{key}` is out of range for a 32-bit integer"),
                );
                None
            }
            None => {
                self.wrong_type(cx, line, key, "an integer", item);
                None
            }
        }
    }

    fn opt_age(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Option<u8>> {
        let Some((item, line)) = self.get(cx, key) else {
            return Some(None);
        };
        match item.as_integer() {
            Some(v) => match u8::try_from(v) {
                Ok(age) if age <= 120 => Some(Some(age)),
                _ => {
                    let what = self.what();
                    cx.schema(
                        line,
                        format!("{what}: field `{key}` must be an age from 0 to 120, found {v}"),
                    );
                    None
                }
            },
            None => {
                self.wrong_type(cx, line, key, "an integer", item);
                None
            }
        }
    }

    fn number(
        &mut self,
        cx: &mut Cx<'_>,
        table: &dyn TableLike,
        key: &str,
        outer: &str,
        line: Option<usize>,
    ) -> Option<f64> {
        let Some((k, item)) = table.get_key_value(key) else {
            let what = self.what();
            cx.schema(line, format!("{what}: field `{outer}` lacks `{key}`"));
            return None;
        };
        let at = cx.line(item.span()).or_else(|| cx.line(k.span())).or(line);
        // Integers are accepted: `lon = 112` is a fine longitude.
        match (item.as_float(), item.as_integer()) {
            (Some(v), _) => Some(v),
            (None, Some(v)) => Some(v as f64),
            _ => {
                let what = self.what();
                cx.schema(
                    at,
                    format!(
                        "{what}: `{outer}.{key}` must be a number, found {}",
                        item.type_name()
                    ),
                );
                None
            }
        }
    }

    fn lonlat(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<LonLat> {
        let Some((item, line)) = self.get(cx, key) else {
            self.missing(cx, key);
            return None;
        };
        let Some(t) = item.as_table_like() else {
            self.wrong_type(cx, line, key, "a table { lon = .., lat = .. }", item);
            return None;
        };
        let lon = self.number(cx, t, "lon", key, line);
        let lat = self.number(cx, t, "lat", key, line);
        self.unknown_in(cx, t, key, &["lon", "lat"], line);
        Some(LonLat {
            lon: lon?,
            lat: lat?,
        })
    }

    fn opt_name(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Option<Name>> {
        let Some((item, line)) = self.get(cx, key) else {
            return Some(None);
        };
        let Some(t) = item.as_table_like() else {
            self.wrong_type(cx, line, key, "a table { zh = \"..\", en = \"..\" }", item);
            return None;
        };
        let part = |cx: &mut Cx<'_>, lang: &str| -> Option<String> {
            let Some((k, v)) = t.get_key_value(lang) else {
                let what = self.what();
                cx.schema(line, format!("{what}: field `{key}` lacks `{lang}`"));
                return None;
            };
            let at = cx.line(v.span()).or_else(|| cx.line(k.span())).or(line);
            match v.as_str() {
                Some(s) => Some(s.to_owned()),
                None => {
                    let what = self.what();
                    cx.schema(
                        at,
                        format!(
                            "{what}: `{key}.{lang}` must be a string, found {}",
                            v.type_name()
                        ),
                    );
                    None
                }
            }
        };
        let zh = part(cx, "zh");
        let en = part(cx, "en");
        self.unknown_in(cx, t, key, &["zh", "en"], line);
        Some(Some(Name { zh: zh?, en: en? }))
    }

    fn name(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Name> {
        match self.opt_name(cx, key) {
            Some(Some(n)) => Some(n),
            Some(None) => {
                self.missing(cx, key);
                None
            }
            None => None,
        }
    }

    fn choice<T>(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
        parse: fn(&str) -> Option<T>,
        choices: fn() -> String,
    ) -> Option<T> {
        match self.opt_choice(cx, key, parse, choices) {
            Some(Some(v)) => Some(v),
            Some(None) => {
                self.missing(cx, key);
                None
            }
            None => None,
        }
    }

    fn opt_choice<T>(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
        parse: fn(&str) -> Option<T>,
        choices: fn() -> String,
    ) -> Option<Option<T>> {
        let Some((item, line)) = self.get(cx, key) else {
            return Some(None);
        };
        let Some(s) = item.as_str() else {
            self.wrong_type(cx, line, key, "a string", item);
            return None;
        };
        match parse(s) {
            Some(v) => Some(Some(v)),
            None => {
                let what = self.what();
                cx.schema(
                    line,
                    format!(
                        "{what}: unknown {key} \"{s}\" (expected one of {})",
                        choices()
                    ),
                );
                None
            }
        }
    }

    fn opt_strings(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Option<Vec<String>>> {
        let Some((item, line)) = self.get(cx, key) else {
            return Some(None);
        };
        let Some(array) = item.as_array() else {
            self.wrong_type(cx, line, key, "an array of strings", item);
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for v in array.iter() {
            match v.as_str() {
                Some(s) => out.push(s.to_owned()),
                None => {
                    let what = self.what();
                    let at = cx.line(v.span()).or(line);
                    cx.schema(
                        at,
                        format!(
                            "{what}: `{key}` must hold only strings, found {}",
                            v.type_name()
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(Some(out))
    }

    fn opt_choices<T>(
        &mut self,
        cx: &mut Cx<'_>,
        key: &'static str,
        parse: fn(&str) -> Option<T>,
        choices: fn() -> String,
    ) -> Option<Option<Vec<T>>> {
        let line = self
            .table
            .get(key)
            .and_then(|i| cx.line(i.span()))
            .or(Some(self.line));
        let strings = self.opt_strings(cx, key)?;
        let Some(strings) = strings else {
            return Some(None);
        };
        let mut out = Vec::new();
        let mut ok = true;
        for s in strings {
            match parse(&s) {
                Some(v) => out.push(v),
                None => {
                    let what = self.what();
                    cx.schema(
                        line,
                        format!(
                            "{what}: unknown entry \"{s}\" in `{key}` (expected {})",
                            choices()
                        ),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(Some(out))
    }

    fn unknown_in(
        &self,
        cx: &mut Cx<'_>,
        table: &dyn TableLike,
        outer: &str,
        allowed: &[&str],
        line: Option<usize>,
    ) {
        for (k, _) in table.iter() {
            if !allowed.contains(&k) {
                let at = table
                    .get_key_value(k)
                    .and_then(|(key, _)| cx.line(key.span()))
                    .or(line);
                let what = self.what();
                cx.schema(
                    at,
                    format!(
                        "{what}: unknown field `{outer}.{k}` (expected {})",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    /// Reports keys that no accessor asked for.
    fn finish(self, cx: &mut Cx<'_>) {
        for (k, _) in self.table.iter() {
            if !self.used.contains(&k) {
                let at = self
                    .table
                    .get_key_value(k)
                    .and_then(|(key, _)| cx.line(key.span()))
                    .or(Some(self.line));
                let what = self.what();
                let mut known = self.used.clone();
                known.dedup();
                cx.schema(
                    at,
                    format!(
                        "{what}: unknown field `{k}` (expected {})",
                        known.join(", ")
                    ),
                );
            }
        }
    }
}

/// `YYYY-MM-DD` with a month 1..=12 and a day 1..=31.
fn iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let month: u8 = s[5..7].parse().unwrap_or(0);
    let day: u8 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}
