//! The one JSON error envelope. Every error the server answers — from a handler, an extractor,
//! the auth layer, a timeout or an unknown route — has this shape:
//!
//! ```json
//! {"error": {"code": "not_found", "message": "no incident 42", "details": null}}
//! ```

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guomen_station::{Refusal, StationError};
use guomen_store::StoreError;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `unauthorized`, `forbidden`, `invalid_body`.
    pub code: String,
    /// A sentence for people: what is wrong.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
    pub retry_after_s: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Every `code` an envelope can carry (from here and from the station's refusals). The pages
/// show each in the reader's language (`error.CODE` in `assets/i18n.json`, checked by a
/// test) and the message only for a code they do not know; add a new code here.
pub const CODES: &[&str] = &[
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "conflict",
    "invalid",
    "invalid_body",
    "malformed_json",
    "expected_json",
    "body_too_large",
    "body_unreadable",
    "method_not_allowed",
    "unsupported_media_type",
    "too_many_requests",
    "timeout",
    "store_unavailable",
    "store_corrupt",
    "not_ready",
    "internal",
];

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after_s: None,
        }
    }
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }
    pub fn too_many_requests(message: impl Into<String>, retry_after_s: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message);
        e.retry_after_s = Some(retry_after_s.max(1));
        e
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let (status, code) = match &e {
            StoreError::Unavailable(_) | StoreError::Locked(_) | StoreError::Closed => {
                (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable")
            }
            StoreError::Corrupt(_) => (StatusCode::INTERNAL_SERVER_ERROR, "store_corrupt"),
            StoreError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            StoreError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        };
        if status.is_server_error() {
            tracing::error!(error = %e, "store error");
        }
        ApiError::new(status, code, e.to_string())
    }
}

impl From<StationError> for ApiError {
    fn from(e: StationError) -> Self {
        match e {
            StationError::Refused {
                refusal,
                code,
                message,
                details,
            } => {
                let status = match refusal {
                    Refusal::BadRequest => StatusCode::BAD_REQUEST,
                    Refusal::Unauthenticated => StatusCode::UNAUTHORIZED,
                    Refusal::Forbidden => StatusCode::FORBIDDEN,
                    Refusal::NotFound => StatusCode::NOT_FOUND,
                    Refusal::Conflict => StatusCode::CONFLICT,
                    Refusal::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
                    Refusal::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                    Refusal::NotReady => StatusCode::SERVICE_UNAVAILABLE,
                };
                let mut err = ApiError::new(status, code, message);
                err.details = details;
                if let Refusal::RateLimited { retry_after_s } = refusal {
                    err.retry_after_s = Some(retry_after_s);
                }
                err
            }
            StationError::Store(s) => s.into(),
            StationError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                ApiError::internal(m)
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let (status, code) = match &r {
            JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
            JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            JsonRejection::MissingJsonContentType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "expected_json")
            }
            JsonRejection::BytesRejection(b) => {
                let s = b.status();
                if s == StatusCode::PAYLOAD_TOO_LARGE {
                    (s, "body_too_large")
                } else {
                    // A body that does not arrive in time surfaces here as a failed read.
                    (StatusCode::REQUEST_TIMEOUT, "body_unreadable")
                }
            }
            _ => (StatusCode::BAD_REQUEST, "bad_request"),
        };
        ApiError::new(status, code, r.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message,
                details: self.details,
            },
        };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after_s
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// Gives an envelope to error responses produced below the handlers (timeouts, body limits,
/// unknown methods) that come without one.
pub async fn envelope_bare_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // Pages answer their own HTML errors (a 403 page), which are already formed.
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if is_json {
        return resp;
    }
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ if status.is_server_error() => "internal",
        _ => "bad_request",
    };
    let reason = status.canonical_reason().unwrap_or("error");
    let (parts, _) = resp.into_parts();
    let mut out = ApiError::new(status, code, reason.to_lowercase()).into_response();
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}
