//! Text the station makes for people, as a code with parameters, so that each reader sees it
//! in their own language.
//!
//! The engines write an English sentence for logs and old readers *and* a [`Text`] next to it
//! (`title` / `title_text`, `reason` / `reason_text`...). A page renders `code` through its
//! dictionary (`crates/server/assets/i18n.json`, where every code in [`codes::ALL`] has a
//! Chinese and an English entry, `{name}` marking each parameter) and falls back to the
//! English sentence when it does not know the code.
//!
//! Parameters are plain values (ids, numbers rounded for people), never sentences in one
//! language. The pages name a few by their key: `zone`/`toward` (zone ids) and `site`/`of`
//! (site or duty point ids) by the port's names, `list`, `direction`, `status` (unit status),
//! `unit_kind` and `sensor_kind` by their labels, `eta_s` and `distance_m` as a duration and a
//! distance, and `reason`, when it is itself a code, by that code's text with the same
//! parameters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A message as a code with parameters: `{"code": "...", "params": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Text {
    pub code: String,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

impl Text {
    /// A message without parameters.
    pub fn new(code: &str) -> Text {
        Text {
            code: code.to_owned(),
            params: BTreeMap::new(),
        }
    }

    /// The same message with one more parameter.
    pub fn with(mut self, key: &str, value: impl ToString) -> Text {
        self.params.insert(key.to_owned(), value.to_string());
        self
    }

    /// A parameter's value.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }
}

/// Every code the engines produce, with the parameters each takes. The pages' dictionary has
/// an entry for each (a test checks it), and each engine's tests check that what it writes is
/// listed here.
pub mod codes {
    // ----- incident titles (command engine; partner notifications by the station) -----
    /// `list`, `site`, `lane`, `direction`.
    pub const TITLE_WATCHLIST_HIT: &str = "ops.title.watchlist_hit";
    /// `sensor_kind`, `sensor`, `zone`.
    pub const TITLE_ALARM_IN_ZONE: &str = "ops.title.alarm_in_zone";
    /// `sensor_kind`, `sensor`.
    pub const TITLE_ALARM: &str = "ops.title.alarm";
    /// `of` (a site or duty point).
    pub const TITLE_LINK_FAILURE: &str = "ops.title.link_failure";
    /// `agency`, `text` (the partner's own words, as given).
    pub const TITLE_PARTNER: &str = "ops.title.partner";
    /// `train`, `person`, `carriage` (a person taken ill on board, by manifest id).
    pub const TITLE_ILL_ON_BOARD: &str = "ops.title.ill_on_board";

    // ----- priority reasons -----
    /// `zone`.
    pub const PRIORITY_IN_ZONE: &str = "ops.priority.in_zone";
    pub const PRIORITY_OUTSIDE: &str = "ops.priority.outside";
    /// `zone`, `toward`, `distance_m`, `eta_s`.
    pub const PRIORITY_IN_ZONE_TOWARD: &str = "ops.priority.in_zone_toward";
    /// `toward`, `distance_m`, `eta_s`.
    pub const PRIORITY_OUTSIDE_TOWARD: &str = "ops.priority.outside_toward";
    /// `zone`.
    pub const PRIORITY_IN_ZONE_PARTNER: &str = "ops.priority.in_zone_partner";
    pub const PRIORITY_OUTSIDE_PARTNER: &str = "ops.priority.outside_partner";
    pub const PRIORITY_SET_BY_REPORTER: &str = "ops.priority.set_by_reporter";
    pub const PRIORITY_ALL_LINKS_DOWN: &str = "ops.priority.all_links_down";
    /// `reason` (a nuisance code) and that code's parameters.
    pub const PRIORITY_NUISANCE: &str = "ops.priority.nuisance";

    // ----- nuisance reasons -----
    pub const NUISANCE_MAINTENANCE: &str = "ops.nuisance.maintenance";
    /// `window_s`.
    pub const NUISANCE_ISOLATED: &str = "ops.nuisance.isolated";

    // ----- dispatch orders to terminals -----
    pub const DOWNLINK_NO_TERMINAL: &str = "ops.downlink.no_terminal";
    pub const DOWNLINK_QUEUED: &str = "ops.downlink.queued";
    pub const DOWNLINK_NOT_CONNECTED: &str = "ops.downlink.not_connected";

    // ----- closest-unit recommendation -----
    /// `distance_m`, `unit_kind`, `speed_kmh`, `fix_age_s`, `eta_s`.
    pub const PICK_ETA: &str = "geo.pick.eta";
    pub const EXCLUDE_DUPLICATE: &str = "geo.exclude.duplicate";
    /// `status`.
    pub const EXCLUDE_UNAVAILABLE: &str = "geo.exclude.unavailable";
    pub const EXCLUDE_NO_FIX: &str = "geo.exclude.no_fix";
    /// `lon`, `lat`.
    pub const EXCLUDE_INVALID_FIX: &str = "geo.exclude.invalid_fix";
    pub const EXCLUDE_FIX_NO_TIME: &str = "geo.exclude.fix_no_time";
    /// `fix_age_s`, `limit_s`.
    pub const EXCLUDE_STALE: &str = "geo.exclude.stale";
    /// `ahead_s`.
    pub const EXCLUDE_FUTURE: &str = "geo.exclude.future";
    /// `speed_mps`, `min_mps`.
    pub const EXCLUDE_NO_SPEED: &str = "geo.exclude.no_speed";
    /// `max`, `eta_s`.
    pub const EXCLUDE_NOT_FASTEST: &str = "geo.exclude.not_fastest";

    // ----- lane recommendations (station flow) -----
    /// `size`, `nationality`, `at`, `reason` (a `flow.why.*` code) and its parameters.
    pub const FLOW_REC_GROUP: &str = "flow.rec.group";
    /// `plate`, `size`, `nationality`, `at`, `reason` and its parameters.
    pub const FLOW_REC_GROUP_BUS: &str = "flow.rec.group_bus";
    /// `plate`, `size`, `nationality`, `at` (when seen), `reason` and its parameters.
    pub const FLOW_REC_GROUP_SEEN: &str = "flow.rec.group_seen";
    /// `wait_min`, `lane`, `target_min`, `reason` and its parameters.
    pub const FLOW_REC_WAIT: &str = "flow.rec.wait";
    /// `minutes`.
    pub const FLOW_REC_IDLE: &str = "flow.rec.idle";
    /// `person`.
    pub const FLOW_WHY_FREE: &str = "flow.why.free";
    /// `person`.
    pub const FLOW_WHY_NO_LANE: &str = "flow.why.no_lane";
    /// `n`, `persons`.
    pub const FLOW_WHY_RESERVE: &str = "flow.why.reserve";
    pub const FLOW_WHY_NOBODY: &str = "flow.why.nobody";

    // ----- special channels (clearance: the channel a traveller belongs in) -----
    /// `lane` (the advised lane id).
    pub const CHANNEL_STUDENTS: &str = "clr.channel.students";
    /// `lane`.
    pub const CHANNEL_HOLIDAY: &str = "clr.channel.citizens_holiday_return";
    /// `lane`.
    pub const CHANNEL_RESCUE: &str = "clr.channel.cross_border_rescue";
    /// `lane`.
    pub const CHANNEL_EGATE: &str = "clr.channel.egate";
    /// `lane`: not eligible for this special channel or e-gate; go to a counter.
    pub const CHANNEL_COUNTER: &str = "clr.channel.counter";

    /// Every code above.
    pub const ALL: &[&str] = &[
        TITLE_WATCHLIST_HIT,
        TITLE_ALARM_IN_ZONE,
        TITLE_ALARM,
        TITLE_LINK_FAILURE,
        TITLE_PARTNER,
        TITLE_ILL_ON_BOARD,
        PRIORITY_IN_ZONE,
        PRIORITY_OUTSIDE,
        PRIORITY_IN_ZONE_TOWARD,
        PRIORITY_OUTSIDE_TOWARD,
        PRIORITY_IN_ZONE_PARTNER,
        PRIORITY_OUTSIDE_PARTNER,
        PRIORITY_SET_BY_REPORTER,
        PRIORITY_ALL_LINKS_DOWN,
        PRIORITY_NUISANCE,
        NUISANCE_MAINTENANCE,
        NUISANCE_ISOLATED,
        DOWNLINK_NO_TERMINAL,
        DOWNLINK_QUEUED,
        DOWNLINK_NOT_CONNECTED,
        PICK_ETA,
        EXCLUDE_DUPLICATE,
        EXCLUDE_UNAVAILABLE,
        EXCLUDE_NO_FIX,
        EXCLUDE_INVALID_FIX,
        EXCLUDE_FIX_NO_TIME,
        EXCLUDE_STALE,
        EXCLUDE_FUTURE,
        EXCLUDE_NO_SPEED,
        EXCLUDE_NOT_FASTEST,
        FLOW_REC_GROUP,
        FLOW_REC_GROUP_BUS,
        FLOW_REC_GROUP_SEEN,
        FLOW_REC_WAIT,
        FLOW_REC_IDLE,
        FLOW_WHY_FREE,
        FLOW_WHY_NO_LANE,
        FLOW_WHY_RESERVE,
        FLOW_WHY_NOBODY,
        CHANNEL_STUDENTS,
        CHANNEL_HOLIDAY,
        CHANNEL_RESCUE,
        CHANNEL_EGATE,
        CHANNEL_COUNTER,
    ];

    /// The parameters a code takes (for the dictionary check: each `{name}` of an entry must
    /// be one of them). Codes that pass a nested code's parameters on list those too.
    pub fn params(code: &str) -> &'static [&'static str] {
        match code {
            TITLE_WATCHLIST_HIT => &["list", "site", "lane", "direction"],
            TITLE_ALARM_IN_ZONE => &["sensor_kind", "sensor", "zone"],
            TITLE_ALARM => &["sensor_kind", "sensor"],
            TITLE_LINK_FAILURE => &["of"],
            TITLE_PARTNER => &["agency", "text"],
            TITLE_ILL_ON_BOARD => &["train", "person", "carriage"],
            PRIORITY_IN_ZONE | PRIORITY_IN_ZONE_PARTNER => &["zone"],
            PRIORITY_IN_ZONE_TOWARD => &["zone", "toward", "distance_m", "eta_s"],
            PRIORITY_OUTSIDE_TOWARD => &["toward", "distance_m", "eta_s"],
            PRIORITY_NUISANCE => &["reason", "window_s"],
            NUISANCE_ISOLATED => &["window_s"],
            PICK_ETA => &["distance_m", "unit_kind", "speed_kmh", "fix_age_s", "eta_s"],
            EXCLUDE_UNAVAILABLE => &["status"],
            EXCLUDE_INVALID_FIX => &["lon", "lat"],
            EXCLUDE_STALE => &["fix_age_s", "limit_s"],
            EXCLUDE_FUTURE => &["ahead_s"],
            EXCLUDE_NO_SPEED => &["speed_mps", "min_mps"],
            EXCLUDE_NOT_FASTEST => &["max", "eta_s"],
            FLOW_REC_GROUP => &[
                "size",
                "nationality",
                "at",
                "reason",
                "person",
                "n",
                "persons",
            ],
            FLOW_REC_GROUP_BUS | FLOW_REC_GROUP_SEEN => &[
                "plate",
                "size",
                "nationality",
                "at",
                "reason",
                "person",
                "n",
                "persons",
            ],
            FLOW_REC_WAIT => &[
                "wait_min",
                "lane",
                "target_min",
                "reason",
                "person",
                "n",
                "persons",
            ],
            FLOW_REC_IDLE => &["minutes"],
            FLOW_WHY_FREE | FLOW_WHY_NO_LANE => &["person"],
            FLOW_WHY_RESERVE => &["n", "persons"],
            CHANNEL_STUDENTS | CHANNEL_HOLIDAY | CHANNEL_RESCUE | CHANNEL_EGATE
            | CHANNEL_COUNTER => &["lane"],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_params_and_reads_without_params() {
        let t = Text::new(codes::EXCLUDE_STALE)
            .with("fix_age_s", 300)
            .with("limit_s", 120);
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "geo.exclude.stale", "params": {"fix_age_s": "300", "limit_s": "120"}})
        );
        assert_eq!(serde_json::from_value::<Text>(v).unwrap(), t);
        let bare: Text = serde_json::from_str(r#"{"code": "ops.priority.outside"}"#).unwrap();
        assert_eq!(bare, Text::new(codes::PRIORITY_OUTSIDE));
        assert_eq!(t.param("limit_s"), Some("120"));
    }

    #[test]
    fn codes_are_unique_and_their_params_are_listed() {
        let mut seen = std::collections::BTreeSet::new();
        for c in codes::ALL {
            assert!(seen.insert(*c), "{c} twice");
            assert!(
                ["ops.", "geo.", "flow.", "clr."]
                    .iter()
                    .any(|p| c.starts_with(p)),
                "{c}"
            );
        }
    }
}
