//! Provisioned JT/T 808 terminals: which terminal number speaks for which unit, and whether
//! it has registered.
//!
//! A unit's terminal is provisioned by the port file (`terminal_id` of a unit) or by
//! `guomen device add`, which wins over the port file and is kept in the `terminals`
//! documents (one per unit). Registration (0x0100) issues an auth code only once per
//! provisioning: its SHA-256 goes to the `terminal_auth` documents (one per terminal), and
//! a terminal already registered gets no new code until `guomen device reset`. Everything is
//! read from the store on each registration and authentication, so a provisioning written by
//! the CLI takes effect on a running station.

use guomen_store::{Change, Projection};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::event::{Event, TerminalProvisioned, TerminalRef};
use crate::{Station, StationError, StationResult};

/// One document per unit: its provisioned terminal.
pub const TERMINALS: &str = "terminals";
/// One document per registered terminal: the hash of its auth code.
pub const TERMINAL_AUTH: &str = "terminal_auth";

/// What `guomen device add` provisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provisioning {
    pub unit_id: String,
    /// The terminal number of the JT/T 808 header (12 digits in the 2013 edition).
    pub terminal_id: String,
    pub manufacturer: String,
    pub model: String,
    pub plate: String,
}

/// A provisioned terminal and its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    pub unit_id: String,
    /// As provisioned (the header may pad it with zeros).
    pub terminal_id: String,
}

/// The answer to a 0x0100 registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// First registration: the auth code, shown once.
    Issued { terminal: Provisioned, code: String },
    /// Registered before (and not reset): no code.
    AlreadyRegistered,
    /// No unit has this terminal.
    Unknown,
}

/// JT/T 808-2019 pads terminal numbers to 20 digits and 2013 to 12: leading zeros do not count.
fn same_number(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    !a.is_empty() && a == b
}

fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// Equal-time comparison of two hex digests.
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn check_field(what: &str, v: &str) -> StationResult<String> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 64 || v.chars().any(char::is_control) {
        return Err(StationError::unprocessable(format!(
            "`{what}` must have 1 to 64 printable characters"
        )));
    }
    Ok(v.to_owned())
}

/// Registrations are decided one at a time, so two terminals racing for the same number
/// cannot both be issued a code.
static REGISTRATIONS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Station {
    /// Every unit's provisioned terminal: the `terminals` documents over the port file.
    pub async fn provisioned_terminals(&self) -> StationResult<Vec<Provisioned>> {
        let docs = self.store.docs(TERMINALS).await?;
        let mut out = Vec::new();
        for unit in &self.port.units {
            let doc = docs.iter().find(|d| d.id == unit.id);
            let terminal = match doc {
                Some(d) => d.body["terminal_id"].as_str().map(str::to_owned),
                None => unit.terminal_id.clone(),
            };
            if let Some(terminal_id) = terminal {
                out.push(Provisioned {
                    unit_id: unit.id.clone(),
                    terminal_id,
                });
            }
        }
        Ok(out)
    }

    /// The provisioned terminal a header's terminal number names, if any.
    pub async fn provisioned_terminal(&self, number: &str) -> StationResult<Option<Provisioned>> {
        Ok(self
            .provisioned_terminals()
            .await?
            .into_iter()
            .find(|p| p.terminal_id == number || same_number(&p.terminal_id, number)))
    }

    /// Gives the engine the provisioned terminals (at start-up, after the replay).
    pub async fn apply_provisioning(&self) -> StationResult<()> {
        for p in self.provisioned_terminals().await? {
            self.ops.set_terminal(&p.unit_id, &p.terminal_id);
        }
        Ok(())
    }

    /// Provisions (or re-provisions) a unit's terminal. Its registration starts over: the
    /// terminal registers once more and is given a new auth code.
    pub async fn provision_terminal(&self, p: Provisioning, actor: &str) -> StationResult<()> {
        if self.port.unit(&p.unit_id).is_none() {
            return Err(StationError::not_found(format!(
                "no unit `{}` in the port",
                p.unit_id
            )));
        }
        let terminal_id = p.terminal_id.trim().to_owned();
        if !(1..=20).contains(&terminal_id.len())
            || !terminal_id.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(StationError::unprocessable(format!(
                "`terminal-id` must be the header's terminal number (12 digits), not {:?}",
                p.terminal_id.chars().take(40).collect::<String>()
            )));
        }
        let p = Provisioning {
            terminal_id,
            manufacturer: check_field("manufacturer", &p.manufacturer)?,
            model: check_field("model", &p.model)?,
            plate: check_field("plate", &p.plate)?,
            unit_id: p.unit_id,
        };
        let all = self.provisioned_terminals().await?;
        if let Some(other) = all
            .iter()
            .find(|o| o.unit_id != p.unit_id && same_number(&o.terminal_id, &p.terminal_id))
        {
            return Err(StationError::conflict(format!(
                "terminal {} is unit `{}`'s",
                p.terminal_id, other.unit_id
            )));
        }
        let mut changes = Vec::new();
        let event = Event::TerminalProvisioned(TerminalProvisioned {
            unit_id: p.unit_id.clone(),
            terminal_id: p.terminal_id.clone(),
            manufacturer: p.manufacturer.clone(),
            model: p.model.clone(),
            plate: p.plate.clone(),
        });
        let mut provisioned =
            Change::event(event.to_new(actor, self.now())).with(Projection::PutDoc {
                collection: TERMINALS.into(),
                id: p.unit_id.clone(),
                body: json!({
                    "terminal_id": p.terminal_id,
                    "manufacturer": p.manufacturer,
                    "model": p.model,
                    "plate": p.plate,
                }),
            });
        // The unit's old terminal and the new number both register afresh.
        let old = all.iter().find(|o| o.unit_id == p.unit_id);
        for t in old
            .map(|o| o.terminal_id.clone())
            .into_iter()
            .chain([p.terminal_id.clone()])
        {
            if self.store.doc(TERMINAL_AUTH, &t).await?.is_some() {
                provisioned = provisioned.with(Projection::DeleteDoc {
                    collection: TERMINAL_AUTH.into(),
                    id: t,
                });
            }
        }
        changes.push(provisioned);
        self.append(changes).await?;
        self.ops.set_terminal(&p.unit_id, &p.terminal_id);
        Ok(())
    }

    /// A 0x0100 registration from a header's terminal number.
    pub async fn register_terminal(&self, number: &str) -> StationResult<Registration> {
        let _one_at_a_time = REGISTRATIONS.lock().await;
        let Some(terminal) = self.provisioned_terminal(number).await? else {
            return Ok(Registration::Unknown);
        };
        if self
            .store
            .doc(TERMINAL_AUTH, &terminal.terminal_id)
            .await?
            .is_some()
        {
            return Ok(Registration::AlreadyRegistered);
        }
        let mut raw = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let code = hex::encode(raw);
        let event = Event::TerminalRegistered(TerminalRef {
            unit_id: terminal.unit_id.clone(),
            terminal_id: terminal.terminal_id.clone(),
        });
        let actor = format!("terminal:{}", terminal.terminal_id);
        let change = Change::event(event.to_new(&actor, self.now())).with(Projection::PutDoc {
            collection: TERMINAL_AUTH.into(),
            id: terminal.terminal_id.clone(),
            body: json!({"unit_id": terminal.unit_id, "code_sha256": code_hash(&code)}),
        });
        self.append(vec![change]).await?;
        Ok(Registration::Issued { terminal, code })
    }

    /// A 0x0102 authentication: the provisioned terminal when `code` is the one it was given.
    pub async fn authenticate_terminal(
        &self,
        number: &str,
        code: &str,
    ) -> StationResult<Option<Provisioned>> {
        let Some(terminal) = self.provisioned_terminal(number).await? else {
            return Ok(None);
        };
        let Some(doc) = self.store.doc(TERMINAL_AUTH, &terminal.terminal_id).await? else {
            return Ok(None);
        };
        let want = doc.body["code_sha256"].as_str().unwrap_or_default();
        if want.is_empty() || !same_digest(&code_hash(code), want) {
            return Ok(None);
        }
        // A provisioning written by another process reaches the engine here.
        self.ops
            .set_terminal(&terminal.unit_id, &terminal.terminal_id);
        Ok(Some(terminal))
    }

    /// Forgets a terminal's registration: it may register again and get a new code.
    pub async fn reset_terminal(&self, number: &str, actor: &str) -> StationResult<Provisioned> {
        let Some(terminal) = self.provisioned_terminal(number).await? else {
            return Err(StationError::not_found(format!(
                "terminal {number} is not provisioned"
            )));
        };
        let event = Event::TerminalReset(TerminalRef {
            unit_id: terminal.unit_id.clone(),
            terminal_id: terminal.terminal_id.clone(),
        });
        let mut change = Change::event(event.to_new(actor, self.now()));
        if self
            .store
            .doc(TERMINAL_AUTH, &terminal.terminal_id)
            .await?
            .is_some()
        {
            change = change.with(Projection::DeleteDoc {
                collection: TERMINAL_AUTH.into(),
                id: terminal.terminal_id.clone(),
            });
        }
        self.append(vec![change]).await?;
        Ok(terminal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_without_padding_and_digests_in_full() {
        assert!(same_number("014790000101", "00000000014790000101"));
        assert!(!same_number("014790000101", "014790000102"));
        assert!(!same_number("000", "0"));
        let h = code_hash("abc");
        assert!(same_digest(&h, &code_hash("abc")));
        assert!(!same_digest(&h, &code_hash("abd")));
        assert!(!same_digest(&h, &h[..10]));
    }
}
