//! The port model: one TOML file plus GeoJSON geometry, validated with file and line
