//! Wire protocols at guomen's edges: JT/T 808, NMEA 0183, sensor payloads: pure codecs, no I/O.
//!
//! - [`jt808`]: the binary protocol of Chinese road-transport GNSS terminals (BeiDou units).
//! - [`nmea`]: NMEA 0183 sentences from any GNSS receiver.
//! - [`jt808_line_to_json`], [`nmea_line_to_json`]: one input line to one JSON object, for
//!   `guomen proto decode`.

mod json;
pub mod jt808;
pub mod nmea;

pub use json::{jt808_line_to_json, nmea_line_to_json};
