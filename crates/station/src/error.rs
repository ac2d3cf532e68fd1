//! Errors of the station's use cases, split by audience.
//!
//! [`StationError::Refused`] is the caller's fault: the request is refused, nothing changed,
//! and the message (with a stable `code` and optional `details`) is for the person who made
//! it. [`StationError::Store`] and [`StationError::Internal`] are not the caller's fault: the
//! operator reads them in the logs; the caller is told the station could not do it. The edges
//! map these onto their protocols (the server onto HTTP statuses and the JSON envelope).

use guomen_store::StoreError;
use serde_json::Value;

/// Why a request was refused; each edge maps it to its own status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The request is malformed.
    BadRequest,
    /// No valid credential.
    Unauthenticated,
    /// The principal may not do this.
    Forbidden,
    /// What the request names does not exist.
    NotFound,
    /// The request contradicts the current state (a duplicate, an illegal transition).
    Conflict,
    /// The request is well-formed but its content is not acceptable.
    Invalid,
    /// Too many attempts: try again after `retry_after_s`.
    RateLimited { retry_after_s: u64 },
    /// The station is not ready for it yet (still loading); try again.
    NotReady,
    /// The station is saturated (every password-hashing slot taken); try again after
    /// `retry_after_s`.
    Busy { retry_after_s: u64 },
}

#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// The caller's fault; nothing changed.
    #[error("{message}")]
    Refused {
        refusal: Refusal,
        /// Stable, machine-readable: `not_found`, `conflict`, `invalid`, ...
        code: &'static str,
        message: String,
        details: Option<Value>,
    },
    /// The store failed or refused the write.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something inside the station failed (a task panicked, a hash could not be made).
    #[error("internal error: {0}")]
    Internal(String),
}

pub type StationResult<T> = Result<T, StationError>;

impl StationError {
    pub fn refused(refusal: Refusal, code: &'static str, message: impl Into<String>) -> Self {
        StationError::Refused {
            refusal,
            code,
            message: message.into(),
            details: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::refused(Refusal::BadRequest, "bad_request", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::refused(Refusal::Unauthenticated, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::refused(Refusal::Forbidden, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::refused(Refusal::NotFound, "not_found", message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::refused(Refusal::Conflict, "conflict", message)
    }
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::refused(Refusal::Invalid, "invalid", message)
    }
    pub fn too_many_requests(message: impl Into<String>, retry_after_s: u64) -> Self {
        Self::refused(
            Refusal::RateLimited {
                retry_after_s: retry_after_s.max(1),
            },
            "too_many_requests",
            message,
        )
    }
    pub fn busy(message: impl Into<String>, retry_after_s: u64) -> Self {
        Self::refused(
            Refusal::Busy {
                retry_after_s: retry_after_s.max(1),
            },
            "busy",
            message,
        )
    }
    pub fn not_ready(message: impl Into<String>) -> Self {
        Self::refused(Refusal::NotReady, "not_ready", message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        StationError::Internal(message.into())
    }

    /// The same refusal with a different stable code.
    pub fn with_code(mut self, new_code: &'static str) -> Self {
        if let StationError::Refused { code, .. } = &mut self {
            *code = new_code;
        }
        self
    }

    /// The same refusal with machine-readable details (ignored on internal errors).
    pub fn with_details(mut self, value: Value) -> Self {
        if let StationError::Refused { details, .. } = &mut self {
            *details = Some(value);
        }
        self
    }

    /// True when the caller is at fault.
    pub fn is_refusal(&self) -> bool {
        matches!(self, StationError::Refused { .. })
    }
}
