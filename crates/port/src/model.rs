//! The typed port model, as loaded from TOML plus GeoJSON.
//!
//! Items refer to geometry by GeoJSON feature id; the features themselves are kept as they
//! were in the file (rings are not closed for you) so that [`crate::validate`] can tell an
//! open ring from a closed one. Every item remembers the 1-based TOML line it was declared on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A name in Chinese and in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name {
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
}

/// A WGS 84 position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LonLat {
    /// Longitude in degrees east.
    pub lon: f64,
    /// Latitude in degrees north.
    pub lat: f64,
}

/// Declares the string form of a unit-only enum once, for serde, parsing and display.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The string used in port files and in the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// Parses the string used in port files.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted strings, for error messages.
            pub(crate) fn choices() -> String {
                [$($text),+].join(" | ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// What a duty site (执勤现场) handles.
    SiteKind {
        /// International passenger trains.
        RailPassenger = "rail_passenger",
        /// Freight trains, including China–Europe trains.
        RailFreight = "rail_freight",
        /// Road passengers (cars, buses, pedestrians).
        RoadPassenger = "road_passenger",
        /// Road freight (trucks).
        RoadFreight = "road_freight",
        /// International airport.
        Airport = "airport",
        /// Patrol of the border line and the restricted port area.
        BorderPatrol = "border_patrol",
    }
}

string_enum! {
    /// The kind of an inspection lane.
    LaneKind {
        /// A staffed counter.
        ManualCounter = "manual_counter",
        /// A self-service gate (自助通道).
        Egate = "egate",
        /// A special channel for a group of travellers; see [`Channel`].
        SpecialChannel = "special_channel",
        /// A vehicle lane (drivers and passengers stay in the vehicle).
        Vehicle = "vehicle",
        /// A freight lane (trucks or trains with crew).
        Freight = "freight",
    }
}

string_enum! {
    /// The special channels the station runs.
    Channel {
        /// 留学生专用通道: students studying abroad.
        Students = "students",
        /// 中国公民节日回国专用通道: Chinese citizens returning for the holidays.
        CitizensHolidayReturn = "citizens_holiday_return",
        /// 旅游专用通道: tour groups.
        TourGroup = "tour_group",
        /// 跨境救助爱心通道: cross-border rescue and medical emergencies.
        CrossBorderRescue = "cross_border_rescue",
        /// 鲜活产品绿色通道: perishable goods.
        GreenChannelPerishables = "green_channel_perishables",
        /// 中欧班列专门窗口: the China–Europe freight train dedicated window.
        ChinaEuropeFreight = "china_europe_freight",
        /// 车上验证: on-board verification for the seriously ill.
        OnBoardVerification = "on_board_verification",
        /// 诚信通关: trusted traders.
        TrustedTrader = "trusted_trader",
    }
}

string_enum! {
    /// The kind of a train run.
    TrainKind {
        /// A passenger service on the timetable.
        Passenger = "passenger",
        /// A freight train (China–Europe and others) with its crew.
        Freight = "freight",
    }
}

string_enum! {
    /// A day of the week, for the timetable.
    Weekday {
        Mon = "mon",
        Tue = "tue",
        Wed = "wed",
        Thu = "thu",
        Fri = "fri",
        Sat = "sat",
        Sun = "sun",
    }
}

string_enum! {
    /// Which way a lane is open.
    Direction {
        /// Into the home country.
        Entry = "entry",
        /// Out of the home country.
        Exit = "exit",
        /// Either way.
        Both = "both",
    }
}

string_enum! {
    /// Travel document kinds a lane accepts.
    DocumentKind {
        /// Ordinary, service or diplomatic passport.
        Passport = "passport",
        /// Travel permit (e.g. for Hong Kong, Macao and Taiwan residents).
        TravelPermit = "travel_permit",
        /// Border-area pass under a bilateral agreement.
        BorderPass = "border_pass",
        /// Crew document of a train, vehicle or aircraft crew member.
        CrewCard = "crew_card",
        /// Emergency travel document issued by a consulate.
        EmergencyTravelDocument = "emergency_travel_document",
        /// Permit of a vehicle for international road transport.
        VehiclePermit = "vehicle_permit",
    }
}

string_enum! {
    /// What a zone is.
    ZoneKind {
        /// 口岸限定区域: the restricted port area.
        RestrictedArea = "restricted_area",
        /// A strip along the border line.
        BorderStrip = "border_strip",
        /// An inspection hall.
        Hall = "hall",
        /// A freight or vehicle yard.
        Yard = "yard",
        /// Anything else (an airport apron, a car park...).
        Other = "other",
    }
}

string_enum! {
    /// Perimeter sensor technologies.
    SensorKind {
        /// Vibration cable on a fence.
        FenceVibration = "fence_vibration",
        /// Active infrared beam pair.
        InfraredBeam = "infrared_beam",
        /// Microwave barrier.
        Microwave = "microwave",
        /// Ground surveillance radar.
        Radar = "radar",
        /// Video content analytics on a camera stream.
        VideoAnalytics = "video_analytics",
    }
}

string_enum! {
    /// Camera kinds.
    CameraKind {
        /// Fixed view.
        Fixed = "fixed",
        /// Pan-tilt-zoom.
        Ptz = "ptz",
        /// Thermal imaging.
        Thermal = "thermal",
        /// Automatic number-plate recognition at a road gate: a provisioned device that
        /// reports plate reads for its lane.
        Anpr = "anpr",
    }
}

string_enum! {
    /// Field units (处突分队, patrols).
    UnitKind {
        /// 处突分队: rapid-response team.
        RapidResponseTeam = "rapid_response_team",
        /// Vehicle patrol.
        PatrolVehicle = "patrol_vehicle",
        /// Foot patrol.
        FootPatrol = "foot_patrol",
        /// Dog handler team.
        K9Team = "k9_team",
        /// Medical or rescue team.
        MedicalTeam = "medical_team",
    }
}

string_enum! {
    /// Whether a link is the main or the standby path to the command centre.
    LinkRole {
        /// The main path.
        Primary = "primary",
        /// The standby path.
        Backup = "backup",
    }
}

string_enum! {
    /// The transmission medium of a network link.
    LinkMedium {
        /// Optical fibre.
        Fibre = "fibre",
        /// Microwave radio relay.
        Microwave = "microwave",
        /// 4G cellular.
        Cellular4g = "4g",
        /// 5G cellular.
        Cellular5g = "5g",
        /// Satellite.
        Satellite = "satellite",
        /// Copper (DSL, leased line).
        Copper = "copper",
    }
}

/// The `[port]` table: identity and reference data.
#[derive(Debug, Clone, Serialize)]
pub struct PortInfo {
    /// Port id, e.g. `erenhot`.
    pub id: String,
    /// Port name.
    pub name: Name,
    /// Reference point of the port (map centre, local projection origin).
    pub origin: LonLat,
    /// Local UTC offset, `±HH:MM`.
    pub timezone: String,
    /// ISO 3166-1 alpha-3 (ICAO 9303) code of the home country, e.g. `CHN`.
    pub country: String,
    /// Code of the neighbouring country across the border, e.g. `MNG`.
    pub neighbour: String,
    /// Geometry file named by the TOML, relative to it.
    pub geometry: String,
    /// 1-based TOML line of `[port]`.
    #[serde(skip)]
    pub line: usize,
}

/// A duty site (执勤现场).
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    /// Unique id.
    pub id: String,
    /// Name.
    pub name: Name,
    /// What the site handles.
    pub kind: SiteKind,
    /// GeoJSON feature (Polygon or Point).
    pub feature: String,
    /// Road sites: appointment slots per direction and hour (the duty chief may change one
    /// slot's capacity at run time). `None`: the site takes no appointments.
    pub slot_capacity: Option<u32>,
    /// Rail sites: the partner agencies at the platform whose part must be done before a
    /// train is released (customs, railway, quarantine...). Empty: none.
    pub agencies: Vec<String>,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// `[trains]`: the target from a train's arrival to its release, per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrainSettings {
    /// Seconds for a passenger train (the station sets it).
    pub passenger_target_s: u32,
    /// Seconds for a freight train (the seed's 20 minutes).
    pub freight_target_s: u32,
    /// 1-based TOML line (0 when the file has no `[trains]`).
    #[serde(skip)]
    pub line: usize,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            passenger_target_s: 45 * 60,
            freight_target_s: 20 * 60,
            line: 0,
        }
    }
}

impl TrainSettings {
    /// The target of a train of this kind, in seconds.
    pub fn target_s(&self, kind: TrainKind) -> u32 {
        match kind {
            TrainKind::Passenger => self.passenger_target_s,
            TrainKind::Freight => self.freight_target_s,
        }
    }
}

/// `[[train_service]]`: a service of the weekly timetable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrainService {
    /// Train number, e.g. `K3`.
    pub number: String,
    pub kind: TrainKind,
    /// `entry` or `exit` (never `both`).
    pub direction: Direction,
    /// Id of the rail [`Site`] where it stops for clearance.
    pub site: String,
    /// Days it arrives; empty means every day.
    pub days: Vec<Weekday>,
    /// Arrival at the port, station-local `HH:MM`.
    pub arrival: String,
    pub origin: Option<String>,
    pub destination: Option<String>,
    /// The carrier organisation that sends its manifests.
    pub carrier: Option<String>,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

impl TrainService {
    /// Whether the service arrives on `day`.
    pub fn runs_on(&self, day: Weekday) -> bool {
        self.days.is_empty() || self.days.contains(&day)
    }

    /// The arrival as `(hour, minute)`, when it reads.
    pub fn arrival_hm(&self) -> Option<(u32, u32)> {
        Self::read_hm(&self.arrival)
    }

    pub(crate) fn read_hm(text: &str) -> Option<(u32, u32)> {
        let (h, m) = text.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some((h, m))
    }
}

/// A duty point (执勤点) of a site.
#[derive(Debug, Clone, Serialize)]
pub struct DutyPoint {
    /// Unique id.
    pub id: String,
    /// Id of the [`Site`] it belongs to.
    pub site: String,
    /// Name.
    pub name: Name,
    /// GeoJSON Point feature.
    pub feature: String,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// Who may use a lane.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    /// Nationalities allowed (ICAO 9303 codes); empty means any.
    pub nationalities: Vec<String>,
    /// Minimum age in years, if any.
    pub min_age: Option<u8>,
    /// Whether the traveller must have enrolled (biometrics) beforehand, as for e-gates.
    pub requires_enrolment: bool,
    /// Document kinds accepted; empty means any.
    pub documents: Vec<DocumentKind>,
}

/// An inspection lane.
#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    /// Unique id.
    pub id: String,
    /// Id of the [`Site`] it belongs to.
    pub site: String,
    /// Name, if the lane has one (special channels do).
    pub name: Option<Name>,
    /// Kind.
    pub kind: LaneKind,
    /// The special channel, for `special_channel` lanes.
    pub channel: Option<Channel>,
    /// Which way the lane is open.
    pub direction: Direction,
    /// Who may use it.
    pub rules: Eligibility,
    /// Optional GeoJSON Point feature.
    pub feature: Option<String>,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// A zone (restricted area, border strip, hall, yard...).
#[derive(Debug, Clone, Serialize)]
pub struct Zone {
    /// Unique id.
    pub id: String,
    /// Kind.
    pub kind: ZoneKind,
    /// Higher wins where zones overlap (alarm routing, geofences).
    pub priority: i32,
    /// Name.
    pub name: Name,
    /// GeoJSON Polygon feature.
    pub feature: String,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// The border line (边境线) the station guards.
#[derive(Debug, Clone, Serialize)]
pub struct BorderLine {
    /// Unique id.
    pub id: String,
    /// Name.
    pub name: Name,
    /// GeoJSON LineString feature.
    pub feature: String,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// A boundary marker (界碑).
#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    /// Unique id.
    pub id: String,
    /// The marker's number as painted on it, e.g. `814`.
    pub number: String,
    /// GeoJSON Point feature.
    pub feature: String,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// A perimeter sensor.
#[derive(Debug, Clone, Serialize)]
pub struct Sensor {
    /// Unique id.
    pub id: String,
    /// Technology.
    pub kind: SensorKind,
    /// Id of the [`DutyPoint`] that answers its alarms.
    pub duty_point: String,
    /// GeoJSON Point or LineString feature.
    pub feature: String,
    /// Under maintenance: alarms are expected to be unreliable.
    pub maintenance: bool,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// A camera.
#[derive(Debug, Clone, Serialize)]
pub struct Camera {
    /// Unique id.
    pub id: String,
    /// Kind.
    pub kind: CameraKind,
    /// Id of the [`DutyPoint`] that watches it.
    pub duty_point: String,
    /// GeoJSON Point feature.
    pub feature: String,
    /// Under maintenance.
    pub maintenance: bool,
    /// The lane it reads (required for `anpr` cameras).
    pub lane: Option<String>,
    /// Which way the traffic it reads goes (`anpr`; the lane's direction when absent).
    pub direction: Option<Direction>,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// A field unit.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    /// Unique id.
    pub id: String,
    /// Name.
    pub name: Name,
    /// Kind.
    pub kind: UnitKind,
    /// Id of its home [`DutyPoint`].
    pub duty_point: String,
    /// GNSS terminal id: the JT/T 808 terminal phone number (12 digits in JT/T 808-2013,
    /// 20 in JT/T 808-2019). `None` is a validation error.
    pub terminal_id: Option<String>,
    /// Radio call sign.
    pub call_sign: String,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// A network link from a site or duty point to the command centre.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Unique id.
    pub id: String,
    /// Id of the [`Site`] or [`DutyPoint`] it serves.
    pub of: String,
    /// Primary or backup.
    pub role: LinkRole,
    /// Medium.
    pub medium: LinkMedium,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// A geometry as written in the GeoJSON file. Positions are `[lon, lat]`; rings are kept as
/// written (not closed for you).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Geometry {
    /// A single position.
    Point([f64; 2]),
    /// A polyline.
    LineString(Vec<[f64; 2]>),
    /// Exterior ring first, then holes.
    Polygon(Vec<Vec<[f64; 2]>>),
    /// A geometry type the port model does not use, by its GeoJSON type name.
    Other(String),
}

impl Geometry {
    /// The GeoJSON type name.
    pub fn type_name(&self) -> &str {
        match self {
            Geometry::Point(_) => "Point",
            Geometry::LineString(_) => "LineString",
            Geometry::Polygon(_) => "Polygon",
            Geometry::Other(t) => t,
        }
    }
}

/// A GeoJSON feature that items refer to.
#[derive(Debug, Clone, Serialize)]
pub struct Feature {
    /// Feature id (`id` member or `properties.id`).
    pub id: String,
    /// Its geometry; `None` for a feature with a null geometry.
    pub geometry: Option<Geometry>,
    /// 1-based line in the GeoJSON file where its id appears, if found.
    #[serde(skip)]
    pub line: Option<usize>,
}

/// Flow settings of one lane kind (`[[lane_kind]]`): what the station assumes before it has
/// observed anything, and the wait it should not let a queue pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaneKindFlow {
    pub kind: LaneKind,
    /// Mean service time per traveller (or vehicle) at one staffed position, in seconds.
    pub service_s: u32,
    /// The wait, in seconds, past which the station recommends opening another lane.
    pub wait_target_s: u32,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

/// A holiday window (`[[holiday_window]]`) in which the citizens' holiday return channel
/// (中国公民节日回国专用通道) takes the port's own nationals coming home. Dates are
/// station-local `YYYY-MM-DD`, both days included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HolidayWindow {
    pub name: Name,
    pub start: String,
    pub end: String,
    /// 1-based TOML line.
    #[serde(skip)]
    pub line: usize,
}

impl HolidayWindow {
    /// Whether the station-local day `date` (`YYYY-MM-DD`) falls in the window.
    pub fn covers(&self, date: &str) -> bool {
        // ISO dates of the same width order as text.
        self.start.as_str() <= date && date <= self.end.as_str()
    }
}

/// The built-in flow defaults of a lane kind, for kinds the port file does not list.
pub fn default_lane_flow(kind: LaneKind) -> LaneKindFlow {
    let service_s = match kind {
        LaneKind::ManualCounter => 90,
        LaneKind::Egate => 20,
        LaneKind::SpecialChannel => 120,
        LaneKind::Vehicle => 180,
        LaneKind::Freight => 600,
    };
    LaneKindFlow {
        kind,
        service_s,
        wait_target_s: 1800,
        line: 0,
    }
}

/// A port: everything one station guards and runs.
///
/// Build one with [`crate::load_str`], [`crate::load_file`] or [`crate::erenhot`]; those return
/// only ports that passed [`crate::validate`].
#[derive(Debug, Clone, Serialize)]
pub struct Port {
    /// The TOML file name (for error messages).
    pub toml_name: String,
    /// The GeoJSON file name (for error messages).
    pub geojson_name: String,
    /// `[port]`.
    pub info: PortInfo,
    /// `[[site]]`.
    pub sites: Vec<Site>,
    /// `[[duty_point]]`.
    pub duty_points: Vec<DutyPoint>,
    /// `[[lane]]`.
    pub lanes: Vec<Lane>,
    /// `[[lane_kind]]`: service time and wait target per lane kind.
    pub lane_kinds: Vec<LaneKindFlow>,
    /// `[[holiday_window]]`: when the citizens' holiday return channel is for its citizens.
    pub holiday_windows: Vec<HolidayWindow>,
    /// `[trains]`: clearance targets per train kind.
    pub trains: TrainSettings,
    /// `[[train_service]]`: the weekly passenger timetable.
    pub train_services: Vec<TrainService>,
    /// `[[zone]]`.
    pub zones: Vec<Zone>,
    /// `[border_line]`, if declared (its absence is a validation error).
    pub border_line: Option<BorderLine>,
    /// `[[marker]]`.
    pub markers: Vec<Marker>,
    /// `[[sensor]]`.
    pub sensors: Vec<Sensor>,
    /// `[[camera]]`.
    pub cameras: Vec<Camera>,
    /// `[[unit]]`.
    pub units: Vec<Unit>,
    /// `[[link]]`.
    pub links: Vec<Link>,
    /// GeoJSON features by id. When the file repeats an id, the first one is kept here and
    /// the repeat is reported as a duplicate.
    pub features: BTreeMap<String, Feature>,
    /// Features whose id repeats an earlier one, kept for validation.
    #[serde(skip)]
    pub(crate) duplicate_features: Vec<Feature>,
    /// Problems found while reading (schema errors in the TOML, unreadable features in the
    /// GeoJSON); [`crate::validate`] reports them first.
    #[serde(skip)]
    pub(crate) load_problems: Vec<crate::PortError>,
    /// TOML items that could not be read: their ids count as declared so that references to
    /// them are not reported a second time.
    #[serde(skip)]
    pub(crate) incomplete: Vec<Incomplete>,
    /// Ids of GeoJSON features that could not be read (already reported); references to them
    /// are not reported again.
    #[serde(skip)]
    pub(crate) unreadable_features: std::collections::BTreeSet<String>,
    /// True when the TOML has a `[border_line]` table, even one that could not be read.
    #[serde(skip)]
    pub(crate) border_line_declared: bool,
    /// False when the GeoJSON could not be read at all; feature references are then not checked.
    #[serde(skip)]
    pub(crate) geometry_loaded: bool,
}

/// A TOML item left out of the model because a field could not be read.
#[derive(Debug, Clone)]
pub(crate) struct Incomplete {
    pub(crate) section: String,
    pub(crate) id: Option<String>,
    pub(crate) line: usize,
}
