//! The HTTP API, versioned under `/api/v1`. Handlers are thin: they check input, call the
//! engines and the store, and shape the answer.

pub mod cases;
pub mod clearance;
pub mod duty_log;
pub mod flow;
pub mod journal;
pub mod ops;
pub mod port;
pub mod replication;
pub mod road;
pub mod session;
pub mod stats;
pub mod system;
pub mod trains;
pub mod types;
pub mod users;

use axum::extract::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::net::SocketAddr;

/// The client's address when the server knows it (not in in-process tests).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

impl ClientAddr {
    pub fn ip(&self) -> String {
        self.0
            .map(|a| a.ip().to_string())
            .unwrap_or_else(|| "local".into())
    }
}
