//! Incident lifecycle (filled in with the perimeter and dispatch capability).
