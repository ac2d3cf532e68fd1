//! Frames shared by the decode bench and the lenient-cost example: standard 0x0200 reports
//! as a terminal sends them, with the usual additional items.

use chrono::{TimeZone, Utc};
use guomen_proto::jt808::{self, AlarmFlags, Envelope, Extra, Location, Message, StatusFlags};

/// `n` encoded location reports from 10,000 terminals.
pub fn jt808_frames(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let loc = Location {
                alarm: AlarmFlags(0),
                status: StatusFlags(
                    StatusFlags::ACC_ON | StatusFlags::LOCATED | StatusFlags::BEIDOU_USED,
                ),
                lat: 43.65 + (i as f64) * 1e-5,
                lon: 111.97 + (i as f64) * 1e-5,
                altitude_m: 964,
                speed_kmh: (i % 900) as f64 / 10.0,
                course: (i % 360) as u16,
                time: Utc.with_ymd_and_hms(2025, 6, 30, 17, 5, 9).single(),
                extras: vec![
                    Extra::Mileage { km: 1234.5 },
                    Extra::SignalStrength { value: 27 },
                    Extra::Satellites { count: 14 },
                    Extra::Io { raw: 0 },
                ],
            };
            jt808::encode(
                &Envelope::v2013(format!("1391234{:04}", i % 10_000), i as u16),
                &Message::Location(loc),
            )
            .expect("encodable")
        })
        .collect()
}
