//! Multi-script name screening engine: pure, no I/O
