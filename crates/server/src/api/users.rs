use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use guomen_domain::{Role, Scopes};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::AppState;
use guomen_station::users::NewUser as NewStationUser;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub name: String,
    #[schema(value_type = String, example = "inspector")]
    pub role: Role,
    pub disabled: bool,
    pub created: DateTime<Utc>,
    /// The partner agency, for partner users.
    pub agency: Option<String>,
    /// The carrier's organisation, for carrier users.
    pub organisation: Option<String>,
    /// What a device may speak for, for device users.
    pub scopes: Vec<String>,
    /// An inspector's grade: `officer`, `auxiliary` or `nco`.
    #[schema(value_type = Option<String>)]
    pub grade: Option<guomen_domain::Grade>,
}

impl From<guomen_store::UserRecord> for UserView {
    fn from(u: guomen_store::UserRecord) -> Self {
        // The password hash stays behind: it is the one field not copied.
        UserView {
            id: u.id,
            name: u.name,
            role: u.role,
            disabled: u.disabled,
            created: u.created,
            agency: u.agency,
            organisation: u.organisation,
            scopes: u.scopes.iter().map(ToString::to_string).collect(),
            grade: u.grade,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    #[schema(value_type = String, example = "duty_chief")]
    pub role: Role,
    /// Optional: a user without a password can only use API tokens (devices, partners' systems).
    pub password: Option<String>,
    /// The partner agency (`customs`, `railway`, `military border unit`...); required for
    /// partners, who see only what concerns their agency.
    #[serde(default)]
    pub agency: Option<String>,
    /// The carrier's organisation (a railway operator, logistics firm or travel agency);
    /// required for carriers, who see and change only their organisation's own.
    #[serde(default)]
    pub organisation: Option<String>,
    /// For device users: what the device may speak for, each `KIND:ID` (kinds `sensor`,
    /// `unit`, `link`, `lane`, `camera`, `duty_point`; `KIND:*` or `*` for all). A device
    /// without any may do nothing as a device.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// For inspector users: `officer` (the default), `auxiliary` or `nco`. An auxiliary's
    /// refuse or detain waits for an officer's countersignature.
    #[serde(default)]
    pub grade: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserCreated {
    pub user: UserView,
    /// The new API token. It is shown only now; the station keeps only its hash.
    pub token: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    #[schema(value_type = String, example = "analyst")]
    pub role: Role,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. `fence controller north`.
    pub label: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenIssued {
    pub id: String,
    /// Shown only now; the station keeps only its hash.
    pub token: String,
}

/// Lists users (no secrets).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<UserView>)))]
pub async fn list_users(State(state): State<AppState>) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(
        state
            .station
            .users()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates a user and their first API token.
#[utoipa::path(post, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])),
    request_body = NewUser,
    responses((status = 201, body = UserCreated), (status = 409, body = crate::error::ErrorEnvelope)))]
pub async fn create_user(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserCreated>)> {
    let new = NewStationUser {
        name: body.name,
        role: body.role,
        password: body.password,
        agency: body.agency,
        organisation: body.organisation,
        scopes: body
            .scopes
            .iter()
            .map(|s| s.parse())
            .collect::<Result<Vec<_>, _>>()
            .map(Scopes::new)
            .map_err(|e| ApiError::unprocessable(e.to_string()))?,
        grade: body
            .grade
            .map(|g| g.parse::<guomen_domain::Grade>())
            .transpose()
            .map_err(ApiError::unprocessable)?,
    };
    let (user, token) = state.station.create_user(new, &who.actor()).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserCreated {
            user: user.into(),
            token,
        }),
    ))
}

/// Changes a user's role (journaled with old and new role).
#[utoipa::path(put, path = "/api/v1/users/{id}/role", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "user id")),
    request_body = RoleChange,
    responses((status = 200, body = UserView), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn set_role(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleChange>,
) -> ApiResult<Json<UserView>> {
    let user = state.station.set_role(&id, body.role, &who.actor()).await?;
    Ok(Json(user.into()))
}

/// Issues a new API token for a user.
#[utoipa::path(post, path = "/api/v1/users/{id}/tokens", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "user id")),
    request_body = NewToken,
    responses((status = 201, body = TokenIssued), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn issue_token(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<TokenIssued>)> {
    let (token, record) = state
        .station
        .issue_token(&id, &body.label, &who.actor())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenIssued {
            id: record.id,
            token,
        }),
    ))
}

/// Revokes a token at once: the next request with it is refused.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "users",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "token id")),
    responses((status = 204)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.station.revoke_token(&id, &who.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}
