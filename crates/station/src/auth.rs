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
    /// An inspector's grade: an auxiliary's refuse or detain waits for an officer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<guomen_domain::Grade>,
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

    /// Checks and counts an attempt in one step, before any password is hashed: either the
    /// seconds to wait (nothing counted) or the failures these keys now stand at. A correct
    /// password clears the count afterwards ([`LoginThrottle::succeeded`]), so concurrent
    /// guesses cannot all slip past the check while the first ones are still hashing.
    pub fn attempt(&self, keys: &[&str]) -> Result<u32, u64> {
        let map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| map.get(*k))
            .filter_map(|(failures, last)| {
                let until = *last + Self::delay_for(*failures);
                until
                    .checked_duration_since(Instant::now())
                    .map(|d| d.as_secs() + 1)
            })
            .max();
        drop(map);
        match wait {
            Some(w) => Err(w),
            None => Ok(self.failed(keys)),
        }
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

    /// Restarts the delay of counted keys from now: a wrong password is known only once the
    /// hash is done, and the wait runs from the answer, not from the attempt.
    pub fn touch(&self, keys: &[&str]) {
        let mut map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for k in keys {
            if let Some(e) = map.get_mut(*k) {
                e.1 = Instant::now();
            }
        }
    }

    pub fn succeeded(&self, keys: &[&str]) {
        let mut map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for k in keys {
            map.remove(*k);
        }
    }
}

/// Password hashes that may run at once: one per core (at least two), each 19 MiB.
pub fn hash_slot_count() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 16)
}

/// Failed logins counted per user and minute. The first refusal of a user in a minute is
/// journaled at once (an administrator sees an attack begin); the rest of that minute become
/// one event when the minute is over.
#[derive(Debug, Default)]
pub struct FailedLogins {
    state: Mutex<HashMap<String, Pending>>,
}

#[derive(Debug)]
struct Pending {
    minute: i64,
    client: String,
    consecutive: u32,
    /// Attempts of `minute` not journaled yet.
    unjournaled: u32,
}

/// Users tracked at once; past it everything pending is journaled and forgotten, so a spray
/// of invented names cannot grow the map without bound.
const FAILED_LOGINS_MAX_USERS: usize = 10_000;

fn minute_start(minute: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(minute * 60, 0)
}

fn event_of(user: &str, p: &Pending, attempts: u32) -> LoginFailed {
    LoginFailed {
        username: user.to_owned(),
        client: p.client.clone(),
        consecutive_failures: p.consecutive,
        attempts,
        minute: minute_start(p.minute),
    }
}

impl FailedLogins {
    /// Counts a refusal; returns the events to journal now.
    pub fn note(
        &self,
        user: &str,
        client: &str,
        consecutive: u32,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<LoginFailed> {
        let minute = now.timestamp().div_euclid(60);
        let mut map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        if map.len() >= FAILED_LOGINS_MAX_USERS && !map.contains_key(user) {
            for (u, p) in map.drain() {
                if p.unjournaled > 0 {
                    out.push(event_of(&u, &p, p.unjournaled));
                }
            }
        }
        match map.get_mut(user) {
            Some(p) if p.minute == minute => {
                p.unjournaled += 1;
                p.consecutive = p.consecutive.max(consecutive);
            }
            other => {
                if let Some(p) = other
                    && p.unjournaled > 0
                {
                    out.push(event_of(user, p, p.unjournaled));
                }
                let p = Pending {
                    minute,
                    client: client.to_owned(),
                    consecutive,
                    unjournaled: 0,
                };
                out.push(event_of(user, &p, 1));
                map.insert(user.to_owned(), p);
            }
        }
        out
    }

    /// The pending counts of minutes before `now`'s (all of them when `all`), as events;
    /// users with nothing pending whose minute is over are forgotten.
    pub fn take_due(&self, now: chrono::DateTime<chrono::Utc>, all: bool) -> Vec<LoginFailed> {
        let minute = now.timestamp().div_euclid(60);
        let mut map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        map.retain(|u, p| {
            let over = p.minute < minute;
            if (over || all) && p.unjournaled > 0 {
                out.push(event_of(u, p, p.unjournaled));
                p.unjournaled = 0;
            }
            !over
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_logins_are_journaled_once_per_user_and_minute_then_summed() {
        let f = FailedLogins::default();
        let t0 = chrono::DateTime::from_timestamp(600, 0).unwrap();
        let first = f.note("bao", "10.0.0.9", 1, t0);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].attempts, 1);
        for i in 0..299 {
            assert!(f.note("bao", "10.0.0.9", i + 2, t0).is_empty());
        }
        // Nothing is due while the minute lasts, unless the station stops.
        assert!(f.take_due(t0, false).is_empty());
        let later = t0 + chrono::Duration::seconds(61);
        let rest = f.take_due(later, false);
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].attempts, 299);
        assert_eq!(rest[0].consecutive_failures, 300);
        assert!(f.take_due(later, true).is_empty());
        // A new minute starts a new count, journaled at once again.
        assert_eq!(f.note("bao", "10.0.0.9", 1, later).len(), 1);
        assert!(f.note("bao", "10.0.0.9", 1, later).is_empty());
        assert_eq!(f.take_due(later, true)[0].attempts, 1);
    }

    #[tokio::test]
    async fn a_login_that_finds_every_hash_slot_taken_is_refused_at_once_as_busy() {
        let dir = tempfile::tempdir().unwrap();
        let target = crate::store::StoreTarget::Sqlite(dir.path().to_owned());
        let st = crate::store::open_station(&target).await.unwrap();
        let all = st
            .hash_slots
            .clone()
            .acquire_many_owned(hash_slot_count() as u32)
            .await
            .unwrap();
        let started = Instant::now();
        let err = st
            .login("nobody", "whatever-it-is".into(), "10.0.0.1")
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_millis(500));
        match err {
            StationError::Refused {
                refusal: crate::Refusal::Busy { retry_after_s },
                ..
            } => assert!(retry_after_s >= 1),
            other => panic!("{other:?}"),
        }
        drop(all);
        // With a free slot the same attempt is hashed and answered as a wrong password.
        let err = st
            .login("nobody", "whatever-it-is".into(), "10.0.0.2")
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            StationError::Refused {
                refusal: crate::Refusal::Unauthenticated,
                ..
            }
        ));
        st.close().await;
    }

    #[test]
    fn throttle_counts_before_hashing_so_concurrent_guesses_stop_at_the_free_ones() {
        let t = LoginThrottle::default();
        let admitted = (0..300)
            .filter(|_| t.attempt(&["user:a", "ip:x"]).is_ok())
            .count();
        assert_eq!(admitted as u32, LoginThrottle::FREE_FAILURES);
    }

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
            grade: user.grade,
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
            || user.grade != who.grade
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
    /// the journal). Attempts are throttled per name and per client and counted before the
    /// password is hashed; hashing runs behind a bounded semaphore (busy → refused at once);
    /// failures are journaled per user and minute ([`FailedLogins`]).
    pub async fn login(
        &self,
        name: &str,
        password: String,
        client: &str,
    ) -> StationResult<LoggedIn> {
        let name = name.trim().to_owned();
        let shown: String = name.chars().take(64).collect();
        let user_key = format!("user:{shown}");
        let ip_key = format!("ip:{client}");
        let keys = [user_key.as_str(), ip_key.as_str()];
        let failures = match self.throttle.attempt(&keys) {
            Ok(f) => f,
            Err(wait) => {
                self.login_refused(&shown, client, 0).await?;
                return Err(StationError::too_many_requests(
                    format!("too many failed logins; try again in {wait} s"),
                    wait,
                ));
            }
        };
        // Each Argon2 hash takes 19 MiB and tens of milliseconds of a core: only a few run at
        // once, and a login that finds no free slot is refused now rather than queued.
        let Ok(slot) = self.hash_slots.clone().try_acquire_owned() else {
            // Still an attempt: it stays counted, so a flood reaches the throttle as fast as
            // a slow guesser would, and it is journaled with the others.
            self.login_refused(&shown, client, failures).await?;
            return Err(StationError::busy(
                "too many logins at once; try again in a second",
                1,
            ));
        };
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
        let ok = tokio::task::spawn_blocking(move || {
            let ok = verify_password(&password, &hash);
            drop(slot);
            ok
        })
        .await
        .unwrap_or(false);
        let Some(user) = user.filter(|_| ok) else {
            self.throttle.touch(&keys);
            self.login_refused(&shown, client, failures).await?;
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
                grade: user.grade,
                token_id: record.id,
            },
        })
    }

    /// Counts a refused login; journals it when it is the user's first this minute.
    async fn login_refused(&self, user: &str, client: &str, failures: u32) -> StationResult<()> {
        let now = self.now();
        let due = self.failed_logins.note(user, client, failures, now);
        if !due.is_empty() {
            let events: Vec<Event> = due.into_iter().map(Event::LoginFailed).collect();
            self.record(crate::SYSTEM, &events).await?;
        }
        Ok(())
    }

    /// Journals the failed logins counted but not yet journaled: those of minutes that are
    /// over, or all of them when `all` (at shutdown).
    pub async fn flush_failed_logins(&self, all: bool) -> StationResult<usize> {
        let due = self.failed_logins.take_due(self.now(), all);
        let n = due.len();
        if n > 0 {
            let events: Vec<Event> = due.into_iter().map(Event::LoginFailed).collect();
            self.record(crate::SYSTEM, &events).await?;
        }
        Ok(n)
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
