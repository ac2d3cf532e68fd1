//! Unit status (filled in with the perimeter and dispatch capability).
