//! Zones, geofences, linkage tracking and unit recommendation over a local metric projection: pure, no I/O
