//! Users and tokens: shared by the API and the CLI, so both journal the same facts.

use chrono::Utc;
use guomen_domain::Role;
use guomen_domain::event::kind;
use guomen_store::{Change, NewEvent, Projection, Store, TokenRecord, UserRecord};
use serde_json::json;

use crate::auth::{hash_password, new_id, new_token, validate_password};
use crate::error::ApiError;

pub fn validate_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::unprocessable(format!(
            "user name `{}` is invalid: use 1 to 64 of a-z, 0-9, `.`, `_`, `-`",
            name.chars().take(80).collect::<String>()
        )))
    }
}

async fn hash_blocking(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(format!("hashing task failed: {e}")))?
}

fn token_change(user: &UserRecord, label: &str, actor: &str) -> (Change, String, TokenRecord) {
    let (token, hash) = new_token();
    let record = TokenRecord {
        id: new_id(),
        user_id: user.id.clone(),
        hash,
        label: label.to_owned(),
        created: Utc::now(),
        revoked: false,
    };
    let change = Change::event(NewEvent::new(
        kind::TOKEN_ISSUED,
        actor,
        json!({"token_id": record.id, "user_id": user.id, "user": user.name, "label": label}),
    ))
    .with(Projection::PutToken(record.clone()));
    (change, token, record)
}

/// Creates a user and a first API token; returns the user and the token (shown once).
pub async fn create_user(
    store: &dyn Store,
    name: &str,
    role: Role,
    password: Option<String>,
    actor: &str,
) -> Result<(UserRecord, String), ApiError> {
    validate_name(name)?;
    let password_hash = match password {
        Some(p) => {
            validate_password(&p)?;
            hash_blocking(p).await?
        }
        None => String::new(),
    };
    if store.user_by_name(name).await?.is_some() {
        return Err(ApiError::conflict(format!("user `{name}` already exists")));
    }
    let user = UserRecord {
        id: new_id(),
        name: name.to_owned(),
        role,
        password_hash,
        disabled: false,
        created: Utc::now(),
    };
    let created = Change::event(NewEvent::new(
        kind::USER_CREATED,
        actor,
        json!({"user_id": user.id, "name": user.name, "role": role, "has_password": !user.password_hash.is_empty()}),
    ))
    .with(Projection::PutUser(user.clone()));
    let (tok, token, _) = token_change(&user, "created with user", actor);
    store.append(vec![created, tok]).await?;
    Ok((user, token))
}

pub async fn issue_token(
    store: &dyn Store,
    user: &UserRecord,
    label: &str,
    actor: &str,
) -> Result<(String, TokenRecord), ApiError> {
    let (change, token, record) = token_change(user, label, actor);
    store.append(vec![change]).await?;
    Ok((token, record))
}

pub async fn set_role(
    store: &dyn Store,
    user_id: &str,
    role: Role,
    actor: &str,
) -> Result<UserRecord, ApiError> {
    let Some(mut user) = store.user_by_id(user_id).await? else {
        return Err(ApiError::not_found(format!("no user with id `{user_id}`")));
    };
    let from = user.role;
    user.role = role;
    let change = Change::event(NewEvent::new(
        kind::USER_ROLE_CHANGED,
        actor,
        json!({"user_id": user.id, "name": user.name, "from": from, "to": role}),
    ))
    .with(Projection::PutUser(user.clone()));
    store.append(vec![change]).await?;
    Ok(user)
}

pub async fn set_password(
    store: &dyn Store,
    user_id: &str,
    password: String,
    actor: &str,
) -> Result<UserRecord, ApiError> {
    validate_password(&password)?;
    let Some(mut user) = store.user_by_id(user_id).await? else {
        return Err(ApiError::not_found(format!("no user with id `{user_id}`")));
    };
    user.password_hash = hash_blocking(password).await?;
    let change = Change::event(NewEvent::new(
        kind::USER_PASSWORD_SET,
        actor,
        json!({"user_id": user.id, "name": user.name}),
    ))
    .with(Projection::PutUser(user.clone()));
    store.append(vec![change]).await?;
    Ok(user)
}

pub async fn revoke_token(store: &dyn Store, token_id: &str, actor: &str) -> Result<(), ApiError> {
    let change = Change::event(NewEvent::new(
        kind::TOKEN_REVOKED,
        actor,
        json!({"token_id": token_id}),
    ))
    .with(Projection::RevokeToken {
        token_id: token_id.to_owned(),
    });
    store.append(vec![change]).await?;
    Ok(())
}
