//! Authentication: Argon2id passwords, random API tokens stored only as SHA-256 hashes,
//! sessions as tokens of their own label, and a login throttle (on wall time: it protects
//! the process, not the station's operations).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use guomen_domain::{Role, ScopeKind, Scopes};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::event::{Event, LoginFailed, LoginSucceeded, Logout};
use crate::{Station, StationError, StationResult};

const TOKEN_PREFIX: &str = "gmn_";

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user_id: String,
    pub name: String,
    pub role: Role,
    /// The partner agency (or the station unit) the user belongs to, if any: a partner sees
    /// only what concerns its own agency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// The carrier's organisation: a carrier sees and changes only its organisation's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// What a device may speak for; empty for everyone else.
    #[serde(skip_serializing_if = "Scopes::is_empty")]
    pub scopes: Scopes,
    #[serde(skip)]
    pub token_id: String,
}

impl Principal {
    /// Whether this principal's inputs may concern `kind:id`: a device only within its
    /// scopes (none without any); people act by role, which the routes check.
    pub fn speaks_for(&self, kind: ScopeKind, id: &str) -> bool {
        self.role != Role::Device || self.scopes.covers(kind, id)
    }

    /// The journal's `actor` for what this principal does.
    pub fn actor(&self) -> String {
        match self.role {
            Role::Device => format!("device:{}", self.name),
            _ => format!("user:{}", self.name),
        }
    }
}

pub fn hash_password(password: &str) -> Result<String, StationError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StationError::internal(format!("password hashing failed: {e}")))
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

pub fn validate_password(password: &str) -> Result<(), StationError> {
    let n = password.chars().count();
    if n < 8 {
        return Err(StationError::unprocessable(
            "password must have at least 8 characters",
        ));
    }
    if n > 256 {
        return Err(StationError::unprocessable(
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

/// How long a browser session lasts: one long shift (wall time).
pub const SESSION_HOURS: i64 = 14;

/// The token label of browser sessions.
pub const SESSION_LABEL: &str = "session";

/// A successful login: the session token (shown once) and who logged in.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub token: String,
    pub principal: Principal,
}

impl Station {
    /// Resolves a presented token to a principal: unknown, revoked or expired tokens and
    /// disabled users → `None`.
    pub async fn authenticate(&self, token: &str) -> StationResult<Option<Principal>> {
        if token.is_empty() || token.len() > 512 {
            return Ok(None);
        }
        let Some(tok) = self.store.token_by_hash(&token_hash(token)).await? else {
            return Ok(None);
        };
        if tok.revoked {
            return Ok(None);
        }
        if tok.label == SESSION_LABEL
            && chrono::Utc::now() - tok.created > chrono::Duration::hours(SESSION_HOURS)
        {
            return Ok(None);
        }
        let Some(user) = self.store.user_by_id(&tok.user_id).await? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        Ok(Some(Principal {
            user_id: user.id,
            name: user.name,
            role: user.role,
            agency: user.agency,
            organisation: user.organisation,
            scopes: user.scopes,
            token_id: tok.id,
        }))
    }

    /// Whether a principal still holds: its token is live and its user's role unchanged
    /// (long-lived streams re-check this).
    pub async fn still_valid(&self, who: &Principal) -> StationResult<bool> {
        let Some(user) = self.store.user_by_id(&who.user_id).await? else {
            return Ok(false);
        };
        if user.disabled
            || user.role != who.role
            || user.agency != who.agency
            || user.organisation != who.organisation
            || user.scopes != who.scopes
        {
            return Ok(false);
        }
        Ok(self
            .store
            .token_by_id(&who.token_id)
            .await?
            .is_some_and(|t| !t.revoked))
    }

    /// Logs in with a user name and password from `client` (an address, for the throttle and
    /// the journal). Failures are throttled per name and per client and journaled.
    pub async fn login(
        &self,
        name: &str,
        password: String,
        client: &str,
    ) -> StationResult<LoggedIn> {
        let name = name.trim().to_owned();
        let user_key = format!("user:{}", name.chars().take(64).collect::<String>());
        let ip_key = format!("ip:{client}");
        let keys = [user_key.as_str(), ip_key.as_str()];
        if let Some(wait) = self.throttle.wait(&keys) {
            return Err(StationError::too_many_requests(
                format!("too many failed logins; try again in {wait} s"),
                wait,
            ));
        }
        let user = if crate::users::validate_name(&name).is_ok() {
            self.store.user_by_name(&name).await?
        } else {
            None
        };
        let hash = user
            .as_ref()
            .filter(|u| !u.disabled)
            .map(|u| u.password_hash.clone())
            .unwrap_or_default();
        let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        let Some(user) = user.filter(|_| ok) else {
            let failures = self.throttle.failed(&keys);
            let shown: String = name.chars().take(64).collect();
            self.record(
                crate::SYSTEM,
                &[Event::LoginFailed(LoginFailed {
                    username: shown,
                    client: client.to_owned(),
                    consecutive_failures: failures,
                })],
            )
            .await?;
            return Err(StationError::unauthorized("wrong user name or password"));
        };
        self.throttle.succeeded(&keys);
        let actor = format!("user:{}", user.name);
        let (token, record) = self.issue_token(&user.id, SESSION_LABEL, &actor).await?;
        self.record(
            &actor,
            &[Event::LoginSucceeded(LoginSucceeded {
                user_id: user.id.clone(),
                client: client.to_owned(),
            })],
        )
        .await?;
        Ok(LoggedIn {
            token,
            principal: Principal {
                user_id: user.id,
                name: user.name,
                role: user.role,
                agency: user.agency,
                organisation: user.organisation,
                scopes: user.scopes,
                token_id: record.id,
            },
        })
    }

    /// Ends a session: its token is revoked and the logout journaled. An unknown token is
    /// not an error (the session is over either way).
    pub async fn logout(&self, token: &str) -> StationResult<()> {
        if let Some(p) = self.authenticate(token).await? {
            self.revoke_token(&p.token_id, &p.actor()).await?;
            let now = self.now();
            self.record(
                &p.actor(),
                &[Event::Logout(Logout {
                    user_id: p.user_id,
                    at: now,
                })],
            )
            .await?;
        }
        Ok(())
    }
}
