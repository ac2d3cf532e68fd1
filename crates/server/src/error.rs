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
    "overloaded",
    "busy",
    "cross_origin",
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
        // The store's own words can name files and database hosts: the operator reads them
        // in the log above; the caller gets a sentence of its own.
        let message = match &e {
            StoreError::Unavailable(m) if m == guomen_station::WRITE_QUEUE_FULL => {
                "the station is busy writing; try again shortly".to_owned()
            }
            StoreError::Unavailable(_) | StoreError::Locked(_) | StoreError::Closed => {
                "the data store is unavailable; try again shortly".to_owned()
            }
            StoreError::Corrupt(_) => {
                "the data store is damaged; the operator's log has the details".to_owned()
            }
            // The caller's own write: what is wrong with it is theirs to read.
            StoreError::Conflict(_) | StoreError::Invalid(_) => e.to_string(),
        };
        let mut err = ApiError::new(status, code, message);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            err.retry_after_s = Some(1);
        }
        err
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
                    Refusal::NotReady | Refusal::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
                };
                let mut err = ApiError::new(status, code, message);
                err.details = details;
                if let Refusal::RateLimited { retry_after_s } | Refusal::Busy { retry_after_s } =
                    refusal
                {
                    err.retry_after_s = Some(retry_after_s);
                }
                err
            }
            StationError::Store(s) => s.into(),
            StationError::Internal(m) => {
                // Internal messages may quote paths or data: they stay in the operator's log.
                tracing::error!(error = %m, "internal error");
                ApiError::internal(
                    "something went wrong inside the station; the operator's log has the details",
                )
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
        ApiError::new(status, code, redact_values(&r.body_text()))
    }
}

/// A parser's error message without the values it quotes: serde says `invalid type: string
/// "P<UTOERIKSSON<<ANNA..."` or ``invalid value: integer `850101` ``, which would echo a
/// document, a birth date or a password back. Field names and positions stay; quoted strings
/// become `"…"` and backquoted tokens that are not plain identifiers become `` `…` ``.
pub fn redact_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '`' => {
                let mut inner = String::new();
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == c {
                        closed = true;
                        break;
                    }
                    inner.push(d);
                }
                let identifier = c == '`'
                    && !inner.is_empty()
                    && inner.len() <= 64
                    && inner
                        .chars()
                        .all(|x| x.is_ascii_lowercase() || x == '_' || x.is_ascii_digit())
                    && inner.starts_with(|x: char| x.is_ascii_lowercase() || x == '_');
                out.push(c);
                out.push_str(if identifier { &inner } else { "…" });
                if closed {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_messages_lose_the_values_they_quote() {
        let m = redact_values(
            "document.mrz: invalid type: string \"P<UTOERIKSSON<<ANNA\", expected a sequence at line 1 column 40",
        );
        assert!(!m.contains("ERIKSSON"), "{m}");
        assert!(
            m.contains("document.mrz") && m.contains("line 1 column 40"),
            "{m}"
        );
        let m = redact_values("password: invalid type: integer `85010112`, expected a string");
        assert!(!m.contains("85010112"), "{m}");
        let m = redact_values("unknown field `passwrod`, expected `username` or `password`");
        assert!(m.contains("`passwrod`") && m.contains("`username`"), "{m}");
        let m = redact_values("unknown variant `Zhang San 1985-01-01`, expected `clear`");
        assert!(!m.contains("Zhang") && m.contains("`clear`"), "{m}");
    }
}
