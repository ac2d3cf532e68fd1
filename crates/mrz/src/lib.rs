//! ICAO Doc 9303 machine-readable zone parser: pure, no I/O
