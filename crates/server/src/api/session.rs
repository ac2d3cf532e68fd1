//! Logging in and out. These routes live outside `/api` because they are how a caller gets a
//! credential in the first place.

use axum::Extension;
use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::ClientAddr;
use crate::auth::{Principal, SESSION_COOKIE, SESSION_HOURS, session_cookie};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    pub name: String,
    #[schema(value_type = String)]
    pub role: guomen_domain::Role,
    /// The page for this role.
    pub home: String,
}

/// JSON or an HTML form, so the login page works without JavaScript.
pub struct LoginBody(pub LoginRequest);

impl<S: Send + Sync> FromRequest<S> for LoginBody {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            let axum::Form(f) = axum::Form::<LoginRequest>::from_request(req, state)
                .await
                .map_err(|r| ApiError::bad_request(crate::error::redact_values(&r.body_text())))?;
            Ok(LoginBody(f))
        } else {
            let axum::Json(j) = axum::Json::<LoginRequest>::from_request(req, state).await?;
            Ok(LoginBody(j))
        }
    }
}

pub fn home_for(role: guomen_domain::Role) -> &'static str {
    use guomen_domain::Role::*;
    match role {
        DutyChief | Admin => "/command",
        Inspector => "/counter",
        // A carrier follows its own trains; its bookings are read through the API.
        Carrier => "/trains",
        Analyst | Partner | Device => "/duty-log",
    }
}

/// Logs in with a user name and password; sets the session cookie.
#[utoipa::path(post, path = "/auth/login", tag = "session",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
              (status = 401, body = crate::error::ErrorEnvelope),
              (status = 403, body = crate::error::ErrorEnvelope),
              (status = 429, body = crate::error::ErrorEnvelope),
              (status = 503, body = crate::error::ErrorEnvelope)))]
pub async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: axum::http::HeaderMap,
    LoginBody(body): LoginBody,
) -> ApiResult<Response> {
    // Login CSRF: another site's form must not log the browser into an account of the
    // attacker's choosing. Scripts and tools (no browser headers) may still log in.
    if crate::auth::provenance(&headers) == crate::auth::Provenance::CrossSite {
        return Err(crate::auth::cross_origin());
    }
    let done = state
        .station
        .login(&body.username, body.password, &addr.ip())
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        done.token,
        SESSION_HOURS * 3600
    );
    let who = done.principal;
    let mut resp = Json(LoginResponse {
        name: who.name,
        role: who.role,
        home: home_for(who.role).to_owned(),
    })
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// Ends the session: its token is revoked and the cookie cleared.
#[utoipa::path(post, path = "/auth/logout", tag = "session",
    responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, req: Request) -> ApiResult<Response> {
    if let Some(token) = session_cookie(req.headers()) {
        // Another site must not be able to end the session either.
        crate::auth::check_cookie_origin(req.method(), req.headers())?;
        state.station.logout(&token).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// The authenticated caller, as `GET /api/v1/me` answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub user_id: String,
    pub name: String,
    #[schema(value_type = String)]
    pub role: guomen_domain::Role,
    /// The partner agency, for partner users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The carrier's organisation, for carrier users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// What a device may speak for (`sensor:ID`, `unit:ID`, ... or `*`), for device users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// An inspector's grade: `officer`, `auxiliary` or `nco`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub grade: Option<guomen_domain::Grade>,
}

/// Who am I: the authenticated principal.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    security(("bearer" = [])),
    responses((status = 200, body = Me)))]
pub async fn me(Extension(who): Extension<Principal>) -> Json<Me> {
    Json(Me {
        user_id: who.user_id,
        name: who.name,
        role: who.role,
        agency: who.agency,
        organisation: who.organisation,
        scopes: who.scopes.iter().map(ToString::to_string).collect(),
        grade: who.grade,
    })
}
