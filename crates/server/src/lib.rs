//! guomen's server: the only crate that knows HTTP (and, later, SSE, MQTT and TCP listeners).
//!
//! Architecture invariant: handlers talk to the store only through [`guomen_store::Store`] and
//! to engines through their pure APIs; every `/api` route is in [`access::ACCESS`].

pub mod access;
pub mod api;
pub mod app;
pub mod auth;
pub mod clearance;
pub mod config;
pub mod device;
pub mod edges;
pub mod error;
pub mod json;
pub mod metrics;
pub mod ops;
pub mod pages;
pub mod redact;
pub mod serve;
pub mod state;
pub mod test_app;
pub mod users;

pub use config::{FileConfig, ServeArgs, ServeConfig, StoreArgs};
pub use state::AppState;
