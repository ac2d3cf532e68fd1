//! Wire protocols at guomen's edges: JT/T 808, NMEA 0183, sensor payloads: pure codecs, no I/O
