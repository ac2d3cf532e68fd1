//! Authentication: Argon2id passwords, random API tokens stored only as SHA-256 hashes,
//! browser sessions as tokens in a secure HTTP-only cookie, and a login throttle.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use guomen_domain::Role;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::access;
use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "guomen_session";
const TOKEN_PREFIX: &str = "gmn_";

/// The authenticated caller of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Principal {
    pub user_id: String,
    pub name: String,
    #[schema(value_type = String)]
    pub role: Role,
    #[serde(skip)]
    pub token_id: String,
}

impl Principal {
    /// The journal's `actor` for what this principal does.
    pub fn actor(&self) -> String {
        match self.role {
            Role::Device => format!("device:{}", self.name),
            _ => format!("user:{}", self.name),
        }
    }
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("password hashing failed: {e}")))
}

/// Constant work whether or not the user exists, so timing does not reveal user names.
pub fn verify_password(password: &str, phc: &str) -> bool {
    // A throwaway hash with the same parameters, for unknown users and token-only principals.
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("guomen-dummy-password").unwrap_or_default());
    let (target, real) = match PasswordHash::new(phc) {
        Ok(h) => (h, true),
        Err(_) => match PasswordHash::new(dummy) {
            Ok(h) => (h, false),
            Err(_) => return false,
        },
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &target)
        .is_ok();
    ok && real
}

pub fn validate_password(password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if n < 8 {
        return Err(ApiError::unprocessable(
            "password must have at least 8 characters",
        ));
    }
    if n > 256 {
        return Err(ApiError::unprocessable(
            "password must have at most 256 characters",
        ));
    }
    Ok(())
}

/// A new random token (shown once) and the hash under which it is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_id() -> String {
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Slows down guessing: after a few failures for a user name or a client address, every
/// further attempt must wait, doubling up to a ceiling. A success clears the key.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    state: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    const FREE_FAILURES: u32 = 3;
    const MAX_DELAY: Duration = Duration::from_secs(60);

    fn delay_for(failures: u32) -> Duration {
        if failures < Self::FREE_FAILURES {
            return Duration::ZERO;
        }
        let exp = (failures - Self::FREE_FAILURES).min(10);
        (Duration::from_secs(1) * 2u32.pow(exp)).min(Self::MAX_DELAY)
    }

    /// Seconds to wait before this key may try again, if any.
    pub fn wait(&self, keys: &[&str]) -> Option<u64> {
        let map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .filter_map(|k| map.get(*k))
            .filter_map(|(failures, last)| {
                let until = *last + Self::delay_for(*failures);
                until
                    .checked_duration_since(Instant::now())
                    .map(|d| d.as_secs() + 1)
            })
            .max()
    }

    pub fn failed(&self, keys: &[&str]) -> u32 {
        let mut map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            // Bound memory under a spray of random names: forget the oldest half.
            let mut ages: Vec<Instant> = map.values().map(|(_, t)| *t).collect();
            ages.sort();
            let cut = ages[ages.len() / 2];
            map.retain(|_, (_, t)| *t > cut);
        }
        let mut worst = 0;
        for k in keys {
            let e = map.entry((*k).to_owned()).or_insert((0, Instant::now()));
            e.0 += 1;
            e.1 = Instant::now();
            worst = worst.max(e.0);
        }
        worst
    }

    pub fn succeeded(&self, keys: &[&str]) {
        let mut map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for k in keys {
            map.remove(*k);
        }
    }
}

fn bearer_or_cookie(req: &Request) -> Option<String> {
    if let Some(v) = req.headers().get(header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        let t = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))?;
        return Some(t.trim().to_owned());
    }
    for v in req.headers().get_all(header::COOKIE) {
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

/// Resolves a presented token to a principal: unknown, revoked, or a disabled user → `None`.
pub async fn principal_for_token(
    state: &AppState,
    token: &str,
) -> Result<Option<Principal>, ApiError> {
    if token.is_empty() || token.len() > 512 {
        return Ok(None);
    }
    let Some(tok) = state.store.token_by_hash(&token_hash(token)).await? else {
        return Ok(None);
    };
    if tok.revoked {
        return Ok(None);
    }
    if tok.label == "session"
        && chrono::Utc::now() - tok.created
            > chrono::Duration::hours(crate::api::session::SESSION_HOURS)
    {
        return Ok(None);
    }
    let Some(user) = state.store.user_by_id(&tok.user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    Ok(Some(Principal {
        user_id: user.id,
        name: user.name,
        role: user.role,
        token_id: tok.id,
    }))
}

/// The auth layer on every `/api` route: 401 without a valid credential, 403 when the role is
/// not in [`access::ACCESS`] for the matched route.
pub async fn require_role(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(token) = bearer_or_cookie(&req) else {
        return Err(ApiError::unauthorized(
            "authentication required: send `Authorization: Bearer TOKEN` or log in",
        ));
    };
    let Some(principal) = principal_for_token(&state, &token).await? else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(!verify_password("", ""));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(token_hash(&a), ha);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() > 40);
        assert_eq!(ha.len(), 64);
    }

    #[test]
    fn throttle_delays_after_free_failures_and_clears_on_success() {
        let t = LoginThrottle::default();
        for _ in 0..LoginThrottle::FREE_FAILURES - 1 {
            t.failed(&["user:a"]);
        }
        assert_eq!(t.wait(&["user:a"]), None);
        t.failed(&["user:a"]);
        assert!(t.wait(&["user:a"]).is_some());
        assert_eq!(t.wait(&["user:b"]), None);
        t.succeeded(&["user:a"]);
        assert_eq!(t.wait(&["user:a"]), None);
    }
}
