//! guomen's server: the only crate that knows HTTP, SSE, MQTT and TCP. It maps each protocol
//! onto the station's use cases (`guomen-station`) and holds no domain logic of its own.
//!
//! Architecture invariant: handlers parse, call the station, map the answer; they never reach
//! the store. Every `/api` route is in [`access::ACCESS`].

pub mod access;
pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod edges;
pub mod error;
pub mod http;
pub mod json;
pub mod limits;
pub mod national;
pub mod pages;
pub mod report;
pub mod serve;
pub mod state;
pub mod stream;
/// The in-process `TestApp` for tests: not part of the production library.
#[cfg(any(test, feature = "test-app"))]
pub mod test_app;
pub mod tls;

pub use config::{FileConfig, ServeArgs, ServeConfig, StoreArgs};
pub use state::AppState;
