use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::Jt808Error;
use super::lenient::Quirk;
use super::wire::{Reader, bcd_byte, to_bcd_byte};

/// Names of the alarm bits (JT/T 808-2013 table 24, kept by 2019).
const ALARM_NAMES: &[(u32, &str)] = &[
    (0, "emergency"),
    (1, "overspeed"),
    (2, "fatigue_driving"),
    (3, "danger_warning"),
    (4, "gnss_fault"),
    (5, "gnss_antenna_disconnected"),
    (6, "gnss_antenna_short"),
    (7, "power_undervoltage"),
    (8, "power_off"),
    (9, "lcd_fault"),
    (10, "tts_fault"),
    (11, "camera_fault"),
    (12, "ic_card_fault"),
    (13, "overspeed_warning"),
    (14, "fatigue_warning"),
    (18, "driving_overtime_today"),
    (19, "parking_overtime"),
    (20, "area_in_out"),
    (21, "route_in_out"),
    (22, "route_time_abnormal"),
    (23, "route_deviation"),
    (24, "vss_fault"),
    (25, "fuel_abnormal"),
    (26, "vehicle_stolen"),
    (27, "illegal_ignition"),
    (28, "illegal_displacement"),
    (29, "collision_warning"),
    (30, "rollover_warning"),
    (31, "illegal_door_open"),
];

/// Names of the status bits (JT/T 808-2013 table 25; bit 22 from 2019).
const STATUS_NAMES: &[(u32, &str)] = &[
    (0, "acc_on"),
    (1, "located"),
    (2, "south"),
    (3, "west"),
    (4, "out_of_service"),
    (5, "coordinates_encrypted"),
    (10, "oil_cut"),
    (11, "circuit_cut"),
    (12, "doors_locked"),
    (13, "door1_open"),
    (14, "door2_open"),
    (15, "door3_open"),
    (16, "door4_open"),
    (17, "door5_open"),
    (18, "gps_used"),
    (19, "beidou_used"),
    (20, "glonass_used"),
    (21, "galileo_used"),
    (22, "moving"),
];

macro_rules! flag_type {
    ($name:ident, $table:ident, $doc:literal, { $($konst:ident = $bit:literal),* $(,)? }) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub u32);

        impl $name {
            $(
                #[doc = concat!("Bit ", stringify!($bit), ".")]
                pub const $konst: u32 = 1 << $bit;
            )*

            /// Whether every bit of `mask` is set.
            pub fn has(self, mask: u32) -> bool {
                self.0 & mask == mask
            }

            /// Names of the set bits the standard defines.
            pub fn names(self) -> impl Iterator<Item = &'static str> {
                $table.iter().filter(move |(bit, _)| self.0 & (1 << bit) != 0).map(|(_, n)| *n)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct(stringify!($name), 2)?;
                st.serialize_field("raw", &self.0)?;
                st.serialize_field("flags", &self.names().collect::<Vec<_>>())?;
                st.end()
            }
        }
    };
}

flag_type!(AlarmFlags, ALARM_NAMES, "The alarm word of a location report.", {
    EMERGENCY = 0,
    OVERSPEED = 1,
    FATIGUE_DRIVING = 2,
    DANGER_WARNING = 3,
    GNSS_FAULT = 4,
    GNSS_ANTENNA_DISCONNECTED = 5,
    GNSS_ANTENNA_SHORT = 6,
    POWER_UNDERVOLTAGE = 7,
    POWER_OFF = 8,
    AREA_IN_OUT = 20,
    ROUTE_IN_OUT = 21,
    ROUTE_DEVIATION = 23,
    VEHICLE_STOLEN = 26,
    ILLEGAL_DISPLACEMENT = 28,
    COLLISION_WARNING = 29,
    ROLLOVER_WARNING = 30,
});

flag_type!(StatusFlags, STATUS_NAMES, "The status word of a location report.", {
    ACC_ON = 0,
    LOCATED = 1,
    SOUTH = 2,
    WEST = 3,
    OUT_OF_SERVICE = 4,
    COORDINATES_ENCRYPTED = 5,
    GPS_USED = 18,
    BEIDOU_USED = 19,
    GLONASS_USED = 20,
    GALILEO_USED = 21,
});

impl StatusFlags {
    /// Load state from bits 8-9: 0 empty, 1 half, 3 full (2 is reserved).
    pub fn load(self) -> u8 {
        ((self.0 >> 8) & 0x03) as u8
    }
}

/// One additional-information item of a location report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum Extra {
    /// 0x01: odometer, km (wire: DWORD in 0.1 km).
    Mileage {
        /// Kilometres.
        km: f64,
    },
    /// 0x02: fuel, litres (wire: WORD in 0.1 L).
    Fuel {
        /// Litres.
        litres: f64,
    },
    /// 0x03: speed from the driving recorder, km/h (wire: WORD in 0.1 km/h).
    RecorderSpeed {
        /// Kilometres per hour.
        kmh: f64,
    },
    /// 0x25: extended vehicle signal status bits.
    ExtendedSignal {
        /// The raw DWORD.
        raw: u32,
    },
    /// 0x2a: IO status bits (bit 0 deep sleep, bit 1 sleep).
    Io {
        /// The raw WORD.
        raw: u16,
    },
    /// 0x2b: analog inputs (bits 0-15 AD0, bits 16-31 AD1).
    Analog {
        /// AD0.
        ad0: u16,
        /// AD1.
        ad1: u16,
    },
    /// 0x30: wireless network signal strength.
    SignalStrength {
        /// As sent.
        value: u8,
    },
    /// 0x31: GNSS satellites in view/used.
    Satellites {
        /// Count.
        count: u8,
    },
    /// Any other item, or a known id with a length the standard does not give it.
    Raw {
        /// Item id.
        id: u8,
        /// Item value.
        #[serde(serialize_with = "as_hex")]
        value: Vec<u8>,
    },
}

fn as_hex<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    use std::fmt::Write;
    let mut h = String::with_capacity(v.len() * 2);
    for b in v {
        let _ = write!(h, "{b:02x}");
    }
    s.serialize_str(&h)
}

impl Extra {
    fn parse(id: u8, v: &[u8]) -> Self {
        match (id, v) {
            (0x01, &[a, b, c, d]) => Self::Mileage {
                km: f64::from(u32::from_be_bytes([a, b, c, d])) / 10.0,
            },
            (0x02, &[a, b]) => Self::Fuel {
                litres: f64::from(u16::from_be_bytes([a, b])) / 10.0,
            },
            (0x03, &[a, b]) => Self::RecorderSpeed {
                kmh: f64::from(u16::from_be_bytes([a, b])) / 10.0,
            },
            (0x25, &[a, b, c, d]) => Self::ExtendedSignal {
                raw: u32::from_be_bytes([a, b, c, d]),
            },
            (0x2a, &[a, b]) => Self::Io {
                raw: u16::from_be_bytes([a, b]),
            },
            (0x2b, &[a, b, c, d]) => Self::Analog {
                ad1: u16::from_be_bytes([a, b]),
                ad0: u16::from_be_bytes([c, d]),
            },
            (0x30, &[a]) => Self::SignalStrength { value: a },
            (0x31, &[a]) => Self::Satellites { count: a },
            _ => Self::Raw {
                id,
                value: v.to_vec(),
            },
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, Jt808Error> {
        let id = r.u8("additional item id")?;
        let len = r.u8("additional item length")?;
        let value = r.take(usize::from(len), "additional item value")?;
        Ok(Self::parse(id, value))
    }

    /// The item id.
    pub fn id(&self) -> u8 {
        match self {
            Self::Mileage { .. } => 0x01,
            Self::Fuel { .. } => 0x02,
            Self::RecorderSpeed { .. } => 0x03,
            Self::ExtendedSignal { .. } => 0x25,
            Self::Io { .. } => 0x2a,
            Self::Analog { .. } => 0x2b,
            Self::SignalStrength { .. } => 0x30,
            Self::Satellites { .. } => 0x31,
            Self::Raw { id, .. } => *id,
        }
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<(), Jt808Error> {
        let tenths = |v: f64| (v * 10.0).round();
        let value: Vec<u8> = match self {
            Self::Mileage { km } => (tenths(*km) as u32).to_be_bytes().to_vec(),
            Self::Fuel { litres } => (tenths(*litres) as u16).to_be_bytes().to_vec(),
            Self::RecorderSpeed { kmh } => (tenths(*kmh) as u16).to_be_bytes().to_vec(),
            Self::ExtendedSignal { raw } => raw.to_be_bytes().to_vec(),
            Self::Io { raw } => raw.to_be_bytes().to_vec(),
            Self::Analog { ad0, ad1 } => [ad1.to_be_bytes(), ad0.to_be_bytes()].concat(),
            Self::SignalStrength { value } => vec![*value],
            Self::Satellites { count } => vec![*count],
            Self::Raw { value, .. } => value.clone(),
        };
        let len = u8::try_from(value.len()).map_err(|_| Jt808Error::Oversized {
            what: "additional item",
            size: value.len(),
            limit: 255,
        })?;
        out.push(self.id());
        out.push(len);
        out.extend_from_slice(&value);
        Ok(())
    }
}

/// A location report body (0x0200, and each entry of 0x0704).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    /// Alarm word.
    pub alarm: AlarmFlags,
    /// Status word.
    pub status: StatusFlags,
    /// Latitude in degrees, negative south (from the status bit).
    pub lat: f64,
    /// Longitude in degrees, negative west (from the status bit).
    pub lon: f64,
    /// Altitude, metres.
    pub altitude_m: u16,
    /// Speed, km/h.
    pub speed_kmh: f64,
    /// Course, degrees from north.
    pub course: u16,
    /// Fix time in UTC; `None` when the terminal sent all zeros (no clock yet).
    pub time: Option<DateTime<Utc>>,
    /// Additional-information items, in wire order.
    pub extras: Vec<Extra>,
}

/// Terminals report Beijing time (GMT+8).
const BEIJING_OFFSET_S: i32 = 8 * 3600;

impl Location {
    /// Decodes a location body (everything after the header, or one batch entry).
    pub fn decode(body: &[u8]) -> Result<Self, Jt808Error> {
        Self::decode_with(body, None)
    }

    /// Like [`Location::decode`], but a broken trailing additional item (an id without a length,
    /// or a length running past the end of the body) is dropped and noted in `quirks` as
    /// [`Quirk::TruncatedAdditionalItem`] instead of refusing the whole report. The 28-byte basic
    /// block must still be sound: a short block, a coordinate out of range or a time that is not
    /// a calendar time stays an error.
    pub fn decode_lenient(body: &[u8], quirks: &mut Vec<Quirk>) -> Result<Self, Jt808Error> {
        Self::decode_with(body, Some(quirks))
    }

    fn decode_with(body: &[u8], mut quirks: Option<&mut Vec<Quirk>>) -> Result<Self, Jt808Error> {
        let mut r = Reader::new(body);
        let alarm = AlarmFlags(r.u32("location alarm")?);
        let status = StatusFlags(r.u32("location status")?);
        let lat_raw = r.u32("location latitude")?;
        let lon_raw = r.u32("location longitude")?;
        let altitude_m = r.u16("location altitude")?;
        let speed = r.u16("location speed")?;
        let course = r.u16("location course")?;
        let time = decode_time(r.take(6, "location time")?)?;
        let mut lat = f64::from(lat_raw) / 1e6;
        let mut lon = f64::from(lon_raw) / 1e6;
        if lat > 90.0 {
            return Err(Jt808Error::InvalidField {
                field: "latitude",
                reason: format!("{lat} degrees is beyond 90"),
            });
        }
        if lon > 180.0 {
            return Err(Jt808Error::InvalidField {
                field: "longitude",
                reason: format!("{lon} degrees is beyond 180"),
            });
        }
        if status.has(StatusFlags::SOUTH) {
            lat = -lat;
        }
        if status.has(StatusFlags::WEST) {
            lon = -lon;
        }
        let mut extras = Vec::new();
        while r.remaining() > 0 {
            match (Extra::read(&mut r), quirks.as_deref_mut()) {
                (Ok(extra), _) => extras.push(extra),
                (Err(e), None) => return Err(e),
                // Only the last item can run past the end: keep what came before it.
                (Err(_), Some(q)) => {
                    q.push(Quirk::TruncatedAdditionalItem);
                    break;
                }
            }
        }
        Ok(Self {
            alarm,
            status,
            lat,
            lon,
            altitude_m,
            speed_kmh: f64::from(speed) / 10.0,
            course,
            time,
            extras,
        })
    }

    /// Encodes the body. The south/west status bits are set from the signs of `lat` and `lon`.
    pub fn encode(&self) -> Result<Vec<u8>, Jt808Error> {
        let mut out = Vec::with_capacity(28 + self.extras.len() * 6);
        let mut status = self.status.0 & !(StatusFlags::SOUTH | StatusFlags::WEST);
        if self.lat < 0.0 {
            status |= StatusFlags::SOUTH;
        }
        if self.lon < 0.0 {
            status |= StatusFlags::WEST;
        }
        let micro = |v: f64, max: f64, field: &'static str| -> Result<u32, Jt808Error> {
            let a = v.abs();
            if a.is_finite() && a <= max {
                Ok((a * 1e6).round() as u32)
            } else {
                Err(Jt808Error::InvalidField {
                    field,
                    reason: format!("{v} is not within ±{max}"),
                })
            }
        };
        let speed = (self.speed_kmh * 10.0).round();
        if !(0.0..=f64::from(u16::MAX)).contains(&speed) {
            return Err(Jt808Error::InvalidField {
                field: "speed",
                reason: format!("{} km/h does not fit", self.speed_kmh),
            });
        }
        out.extend_from_slice(&self.alarm.0.to_be_bytes());
        out.extend_from_slice(&status.to_be_bytes());
        out.extend_from_slice(&micro(self.lat, 90.0, "latitude")?.to_be_bytes());
        out.extend_from_slice(&micro(self.lon, 180.0, "longitude")?.to_be_bytes());
        out.extend_from_slice(&self.altitude_m.to_be_bytes());
        out.extend_from_slice(&(speed as u16).to_be_bytes());
        out.extend_from_slice(&self.course.to_be_bytes());
        out.extend_from_slice(&encode_time(self.time));
        for e in &self.extras {
            e.write(&mut out)?;
        }
        Ok(out)
    }
}

/// BCD YYMMDDhhmmss in GMT+8 → UTC. All zeros means "no time".
pub fn decode_time(b: &[u8]) -> Result<Option<DateTime<Utc>>, Jt808Error> {
    if b.iter().all(|&x| x == 0) {
        return Ok(None);
    }
    let field = "location time";
    let d = |i: usize| -> Result<u32, Jt808Error> {
        let byte = b.get(i).copied().ok_or(Jt808Error::Truncated {
            what: field,
            needed: 6,
            available: b.len(),
        })?;
        Ok(u32::from(bcd_byte(byte, field)?))
    };
    let (yy, mo, dd, hh, mi, ss) = (d(0)?, d(1)?, d(2)?, d(3)?, d(4)?, d(5)?);
    let bad = || Jt808Error::InvalidField {
        field: "location time",
        reason: format!("20{yy:02}-{mo:02}-{dd:02} {hh:02}:{mi:02}:{ss:02} is not a calendar time"),
    };
    let naive = NaiveDate::from_ymd_opt(2000 + yy as i32, mo, dd)
        .and_then(|date| date.and_hms_opt(hh, mi, ss))
        .ok_or_else(bad)?;
    let tz = FixedOffset::east_opt(BEIJING_OFFSET_S).ok_or_else(bad)?;
    let local = tz.from_local_datetime(&naive).single().ok_or_else(bad)?;
    Ok(Some(local.with_timezone(&Utc)))
}

/// UTC → BCD YYMMDDhhmmss in GMT+8 (all zeros for `None`).
pub fn encode_time(t: Option<DateTime<Utc>>) -> [u8; 6] {
    use chrono::{Datelike, Timelike};
    let Some(t) = t else { return [0; 6] };
    let Some(tz) = FixedOffset::east_opt(BEIJING_OFFSET_S) else {
        return [0; 6];
    };
    let l = t.with_timezone(&tz);
    [
        to_bcd_byte(l.year().rem_euclid(100) as u32),
        to_bcd_byte(l.month()),
        to_bcd_byte(l.day()),
        to_bcd_byte(l.hour()),
        to_bcd_byte(l.minute()),
        to_bcd_byte(l.second()),
    ]
}
