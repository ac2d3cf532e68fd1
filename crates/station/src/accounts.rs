//! The users and tokens tables against the journal. Every account change is journaled in the
//! same append as its projection, so replaying the `user.*` and `token.*` events must give the
//! tables exactly; a row written by SQL behind the station's back (a token for a known hash,
//! a role raised, a revoked token revived) shows up as a difference.
//!
//! Password hashes are not compared: they are never journaled.

use std::collections::BTreeMap;

use guomen_domain::{Grade, Role, Scopes};

use crate::event::Event;
use crate::{Station, StationResult};

const KINDS: [&str; 5] = [
    "user.created",
    "user.role_changed",
    "user.disabled",
    "token.issued",
    "token.revoked",
];

#[derive(Debug, Clone, PartialEq)]
struct JournaledUser {
    name: String,
    role: Role,
    agency: Option<String>,
    organisation: Option<String>,
    scopes: Scopes,
    grade: Option<Grade>,
    disabled: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct JournaledToken {
    user_id: String,
    label: String,
    /// Empty for tokens issued before the hash was journaled.
    hash: String,
    revoked: bool,
}

/// Where the tables and the journal disagree, one line each, naming the row and the field.
pub type AccountDiffs = Vec<String>;

impl Station {
    /// Replays the account events and compares them with the users and tokens tables.
    pub async fn check_accounts(&self) -> StationResult<AccountDiffs> {
        let mut users: BTreeMap<String, JournaledUser> = BTreeMap::new();
        let mut tokens: BTreeMap<String, JournaledToken> = BTreeMap::new();
        let mut diffs = Vec::new();
        let mut after = 0;
        loop {
            let rows = self.store.journal(after, 1000, Some(&KINDS)).await?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            for row in rows {
                let event = match Event::from_journal(&row.kind, &row.payload) {
                    Ok(e) => e,
                    Err(e) => {
                        diffs.push(format!("journal seq {}: does not read: {e}", row.seq));
                        continue;
                    }
                };
                match event {
                    Event::UserCreated(u) => {
                        users.insert(
                            u.user_id,
                            JournaledUser {
                                name: u.name,
                                role: u.role,
                                agency: u.agency,
                                organisation: u.organisation,
                                scopes: u.scopes,
                                grade: u.grade,
                                disabled: false,
                            },
                        );
                    }
                    Event::UserRoleChanged(c) => {
                        if let Some(u) = users.get_mut(&c.user_id) {
                            u.role = c.to;
                        }
                    }
                    Event::UserDisabled(r) => {
                        if let Some(u) = users.get_mut(&r.user_id) {
                            u.disabled = true;
                        }
                    }
                    Event::TokenIssued(t) => {
                        tokens.insert(
                            t.token_id,
                            JournaledToken {
                                user_id: t.user_id,
                                label: t.label,
                                hash: t.hash,
                                revoked: false,
                            },
                        );
                    }
                    Event::TokenRevoked(t) => {
                        if let Some(j) = tokens.get_mut(&t.token_id) {
                            j.revoked = true;
                        }
                    }
                    _ => {}
                }
            }
        }

        let table_users = self.store.users().await?;
        for u in &table_users {
            let Some(j) = users.remove(&u.id) else {
                diffs.push(format!(
                    "user `{}` ({}, role {}) is in the users table but was never journaled",
                    u.name, u.id, u.role
                ));
                continue;
            };
            let mut field = |what: &str, table: String, journal: String| {
                if table != journal {
                    diffs.push(format!(
                        "user `{}` ({}): {what} is {table} in the table, {journal} in the journal",
                        u.name, u.id
                    ));
                }
            };
            field("name", u.name.clone(), j.name);
            field("role", u.role.to_string(), j.role.to_string());
            field(
                "agency",
                format!("{:?}", u.agency),
                format!("{:?}", j.agency),
            );
            field(
                "organisation",
                format!("{:?}", u.organisation),
                format!("{:?}", j.organisation),
            );
            field(
                "scopes",
                format!("[{}]", u.scopes),
                format!("[{}]", j.scopes),
            );
            let grade = |g: Option<Grade>| g.map_or("none", Grade::as_str).to_owned();
            field("grade", grade(u.grade), grade(j.grade));
            field("disabled", u.disabled.to_string(), j.disabled.to_string());
        }
        for (id, j) in users {
            diffs.push(format!(
                "user `{}` ({id}) is journaled but missing from the users table",
                j.name
            ));
        }

        let names: BTreeMap<&str, &str> = table_users
            .iter()
            .map(|u| (u.id.as_str(), u.name.as_str()))
            .collect();
        let name_of = |id: &str| names.get(id).copied().unwrap_or("?").to_owned();
        for t in self.store.tokens().await? {
            let Some(j) = tokens.remove(&t.id) else {
                diffs.push(format!(
                    "token {} (user `{}`, label {:?}) is in the tokens table but was never journaled",
                    t.id,
                    name_of(&t.user_id),
                    t.label
                ));
                continue;
            };
            let mut field = |what: &str, table: &str, journal: &str| {
                if table != journal {
                    diffs.push(format!(
                        "token {} (user `{}`): {what} is {table} in the table, {journal} in the journal",
                        t.id,
                        name_of(&t.user_id)
                    ));
                }
            };
            field("user", &t.user_id, &j.user_id);
            field(
                "label",
                &format!("{:?}", t.label),
                &format!("{:?}", j.label),
            );
            if !j.hash.is_empty() {
                field("hash", &t.hash, &j.hash);
            }
            field("revoked", &t.revoked.to_string(), &j.revoked.to_string());
        }
        for (id, j) in tokens {
            diffs.push(format!(
                "token {id} (user `{}`) is journaled but missing from the tokens table",
                name_of(&j.user_id)
            ));
        }
        Ok(diffs)
    }
}
