//! The kinds of fact the journal records. A kind is a dotted string so that the journal stays
//! readable with plain SQL; payloads are JSON objects whose shape each kind documents.

/// Kinds written by the foundation. Later capabilities add theirs beside these.
pub mod kind {
    pub const USER_CREATED: &str = "user.created";
    pub const USER_ROLE_CHANGED: &str = "user.role_changed";
    pub const USER_PASSWORD_SET: &str = "user.password_set";
    pub const USER_DISABLED: &str = "user.disabled";
    pub const TOKEN_ISSUED: &str = "token.issued";
    pub const TOKEN_REVOKED: &str = "token.revoked";
    pub const LOGIN_SUCCEEDED: &str = "auth.login_succeeded";
    pub const LOGIN_FAILED: &str = "auth.login_failed";
    pub const LOGOUT: &str = "auth.logout";
    pub const DUTY_LOG_WRITTEN: &str = "duty_log.written";
    pub const STATION_STARTED: &str = "station.started";
    pub const STATION_STOPPED: &str = "station.stopped";
    pub const WATCHLIST_UPSERTED: &str = "watchlist.upserted";
    pub const WATCHLIST_REMOVED: &str = "watchlist.removed";
    pub const WATCHLIST_IMPORTED: &str = "watchlist.imported";
}
