//! Logging in and out. These routes live outside `/api` because they are how a caller gets a
//! credential in the first place.

use axum::Extension;
use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use guomen_domain::event::kind;
use guomen_store::{Change, NewEvent};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::api::ClientAddr;
use crate::auth::{self, Principal, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::users;

/// How long a browser session lasts: one long shift.
pub const SESSION_HOURS: i64 = 14;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
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
                .map_err(|r| ApiError::bad_request(r.body_text()))?;
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
        Analyst | Partner | Device => "/duty-log",
    }
}

/// Logs in with a user name and password; sets the session cookie.
#[utoipa::path(post, path = "/auth/login", tag = "session",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
              (status = 401, body = crate::error::ErrorEnvelope),
              (status = 429, body = crate::error::ErrorEnvelope)))]
pub async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    LoginBody(body): LoginBody,
) -> ApiResult<Response> {
    let name = body.username.trim().to_owned();
    let ip = addr.ip();
    let user_key = format!("user:{}", name.chars().take(64).collect::<String>());
    let ip_key = format!("ip:{ip}");
    let keys = [user_key.as_str(), ip_key.as_str()];
    if let Some(wait) = state.throttle.wait(&keys) {
        return Err(ApiError::too_many_requests(
            format!("too many failed logins; try again in {wait} s"),
            wait,
        ));
    }
    let user = if users::validate_name(&name).is_ok() {
        state.store.user_by_name(&name).await?
    } else {
        None
    };
    let hash = user
        .as_ref()
        .filter(|u| !u.disabled)
        .map(|u| u.password_hash.clone())
        .unwrap_or_default();
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let Some(user) = user.filter(|_| ok) else {
        let failures = state.throttle.failed(&keys);
        let shown: String = name.chars().take(64).collect();
        state
            .append(vec![Change::event(NewEvent::new(
                kind::LOGIN_FAILED,
                "system",
                json!({"username": shown, "client": ip, "consecutive_failures": failures}),
            ))])
            .await?;
        return Err(ApiError::unauthorized("wrong user name or password"));
    };
    state.throttle.succeeded(&keys);
    let (token, _) = users::issue_token(
        state.store.as_ref(),
        &user,
        "session",
        &format!("user:{}", user.name),
    )
    .await?;
    state
        .append(vec![Change::event(NewEvent::new(
            kind::LOGIN_SUCCEEDED,
            format!("user:{}", user.name),
            json!({"user_id": user.id, "client": ip}),
        ))])
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        SESSION_HOURS * 3600
    );
    let mut resp = Json(LoginResponse {
        name: user.name,
        role: user.role,
        home: home_for(user.role).to_owned(),
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
    let token = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned());
    if let Some(token) = token
        && let Some(p) = auth::principal_for_token(&state, &token).await?
    {
        users::revoke_token(state.store.as_ref(), &p.token_id, &p.actor()).await?;
        state
            .append(vec![Change::event(NewEvent::new(
                kind::LOGOUT,
                p.actor(),
                json!({"user_id": p.user_id, "at": Utc::now()}),
            ))])
            .await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// Who am I: the authenticated principal.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    security(("bearer" = [])),
    responses((status = 200, body = Principal)))]
pub async fn me(Extension(who): Extension<Principal>) -> Json<Principal> {
    Json(who)
}
