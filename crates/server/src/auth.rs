//! The auth layer of `/api`: the bearer token or the session cookie, resolved by the station,
//! then the route's roles from the access table.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

pub use guomen_station::Principal;
pub use guomen_station::auth::SESSION_HOURS;

use crate::access;
use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "guomen_session";

/// The session token from the cookie header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    for v in headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for pair in v.split(';') {
            if let Some((k, val)) = pair.trim().split_once('=')
                && k == SESSION_COOKIE
            {
                return Some(val.to_owned());
            }
        }
    }
    None
}

/// The bearer token, else the session cookie.
pub fn bearer_or_cookie(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        let t = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))?;
        return Some(t.trim().to_owned());
    }
    session_cookie(headers)
}

/// The auth layer on every `/api` route: 401 without a valid credential, 403 when the role is
/// not in [`access::ACCESS`] for the matched route.
pub async fn require_role(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(token) = bearer_or_cookie(req.headers()) else {
        return Err(ApiError::unauthorized(
            "authentication required: send `Authorization: Bearer TOKEN` or log in",
        ));
    };
    let Some(principal) = state.station.authenticate(&token).await? else {
        return Err(ApiError::unauthorized(
            "unknown, revoked or expired credential",
        ));
    };
    let path = matched.as_ref().map(|m| m.as_str()).unwrap_or("");
    let method = req.method().as_str().to_owned();
    let Some(roles) = access::allowed_roles(&method, path) else {
        tracing::error!(%method, %path, "route missing from the access table; denied");
        return Err(ApiError::forbidden("this route has no access rule"));
    };
    if !roles.contains(&principal.role) {
        return Err(ApiError::forbidden(format!(
            "role `{}` may not {method} {path}",
            principal.role
        )));
    }
    req.extensions_mut().insert(principal);
    Ok(next.run(req).await)
}
