//! Watchlist file importers (guomen CSV, OFAC SDN legacy CSV, UN consolidated XML): pure parsers over readers
