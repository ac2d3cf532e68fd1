//! Anchors: signed checkpoints of the journal kept outside the database.
//!
//! The hash chain alone cannot tell a truncated tail from a journal that simply ended, nor an
//! edit whose author re-hashed every later event. An anchor is the chain head (seq and hash)
//! at a moment, signed with the station's Ed25519 key and written to a file elsewhere (or
//! shipped to the national centre). Verifying against an anchor fails when the journal no
//! longer reaches the anchor's seq (truncated) or holds a different hash there (rewritten).

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::{Station, StationError, StationResult};

const DOMAIN: &str = "guomen-anchor-v1";

/// A signed checkpoint of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// The port (station) the journal belongs to.
    pub station: String,
    pub seq: u64,
    pub head_hash: String,
    /// When the checkpoint was signed (wall time: it attests the moment, not the port day).
    pub time: DateTime<Utc>,
    /// Ed25519 signature over the fields above, hex.
    pub signature: String,
}

impl Anchor {
    fn message(station: &str, seq: u64, head_hash: &str, time: DateTime<Utc>) -> Vec<u8> {
        let mut m = Vec::new();
        for part in [
            DOMAIN.as_bytes(),
            station.as_bytes(),
            &seq.to_be_bytes(),
            head_hash.as_bytes(),
            time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .as_bytes(),
        ] {
            m.extend_from_slice(&(part.len() as u64).to_be_bytes());
            m.extend_from_slice(part);
        }
        m
    }

    /// Signs a checkpoint.
    pub fn sign(
        key: &SigningKey,
        station: &str,
        seq: u64,
        head_hash: &str,
        time: DateTime<Utc>,
    ) -> Anchor {
        let sig = key.sign(&Self::message(station, seq, head_hash, time));
        Anchor {
            station: station.to_owned(),
            seq,
            head_hash: head_hash.to_owned(),
            time,
            signature: hex::encode(sig.to_bytes()),
        }
    }

    /// Whether the signature is the key's over these fields.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        let Ok(bytes) = hex::decode(&self.signature) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&bytes) else {
            return false;
        };
        key.verify(
            &Self::message(&self.station, self.seq, &self.head_hash, self.time),
            &sig,
        )
        .is_ok()
    }
}

/// A signing key from its 32-byte seed in hex (the key file's content).
pub fn signing_key_from_hex(text: &str) -> Result<SigningKey, String> {
    let bytes = hex::decode(text.trim()).map_err(|e| format!("not hex: {e}"))?;
    let seed: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "an Ed25519 key is 32 bytes (64 hex digits)".to_owned())?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A public key from its 32 bytes in hex (the `.pub` file's content).
pub fn verifying_key_from_hex(text: &str) -> Result<VerifyingKey, String> {
    let bytes = hex::decode(text.trim()).map_err(|e| format!("not hex: {e}"))?;
    let raw: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "an Ed25519 public key is 32 bytes (64 hex digits)".to_owned())?;
    VerifyingKey::from_bytes(&raw).map_err(|e| format!("not a public key: {e}"))
}

/// A new random key, from the operating system's generator.
pub fn new_signing_key() -> SigningKey {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    SigningKey::from_bytes(&seed)
}

/// The anchor key at `path`, created (with its public half in `path.pub`) when missing.
/// The private key file is readable by its owner only.
pub fn load_or_create_key(path: &std::path::Path) -> anyhow::Result<SigningKey> {
    use anyhow::Context as _;
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the key {}", path.display()))?;
        return signing_key_from_hex(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    }
    let key = new_signing_key();
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o
        .open(path)
        .with_context(|| format!("cannot create the key {}", path.display()))?;
    std::io::Write::write_all(&mut f, hex::encode(key.to_bytes()).as_bytes())?;
    let public = format!("{}.pub", path.display());
    std::fs::write(&public, hex::encode(key.verifying_key().to_bytes()))
        .with_context(|| format!("cannot write {public}"))?;
    Ok(key)
}

/// Writes `anchor` as `DIR/anchor-SEQ.json` and `DIR/latest.json`.
pub fn write_to_dir(dir: &std::path::Path, anchor: &Anchor) -> anyhow::Result<std::path::PathBuf> {
    use anyhow::Context as _;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let text = serde_json::to_string_pretty(anchor)? + "\n";
    let path = dir.join(format!("anchor-{:012}.json", anchor.seq));
    std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::write(dir.join("latest.json"), &text)?;
    Ok(path)
}

/// What checking the journal against an anchor found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AnchorCheck {
    /// The journal reaches the anchor's seq with the same hash there.
    Holds { seq: u64 },
    /// The anchor's signature does not verify with the public key given.
    BadSignature,
    /// The anchor belongs to another station.
    OtherStation { anchor: String, journal: String },
    /// The journal ends before the anchor's seq: its tail was cut.
    Truncated {
        first_missing_seq: u64,
        anchor_seq: u64,
    },
    /// The journal holds a different hash at the anchor's seq: an event at or before it was
    /// changed and the chain re-hashed.
    Rewritten { seq: u64 },
}

impl Station {
    /// Signs the current head of the journal (`None` on an empty journal).
    pub async fn anchor(&self, key: &SigningKey) -> StationResult<Option<Anchor>> {
        let Some((seq, hash)) = self.store.head().await? else {
            return Ok(None);
        };
        Ok(Some(Anchor::sign(
            key,
            self.port.id(),
            seq,
            &hash,
            Utc::now(),
        )))
    }

    /// Checks the journal against a signed anchor (the chain itself is checked by
    /// [`Station::verify_journal`]).
    pub async fn check_anchor(
        &self,
        anchor: &Anchor,
        key: &VerifyingKey,
    ) -> StationResult<AnchorCheck> {
        if !anchor.signed_by(key) {
            return Ok(AnchorCheck::BadSignature);
        }
        if anchor.station != self.port.id() {
            return Ok(AnchorCheck::OtherStation {
                anchor: anchor.station.clone(),
                journal: self.port.id().to_owned(),
            });
        }
        if anchor.seq == 0 {
            return Err(StationError::unprocessable(
                "an anchor names seq 1 or later",
            ));
        }
        let row = self.store.journal(anchor.seq - 1, 1, None).await?;
        match row.first() {
            Some(r) if r.seq == anchor.seq && r.hash == anchor.head_hash => {
                Ok(AnchorCheck::Holds { seq: anchor.seq })
            }
            Some(r) if r.seq == anchor.seq => Ok(AnchorCheck::Rewritten { seq: anchor.seq }),
            _ => {
                let head = self.store.head().await?.map_or(0, |(s, _)| s);
                Ok(AnchorCheck::Truncated {
                    first_missing_seq: head + 1,
                    anchor_seq: anchor.seq,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchor_verifies_with_its_key_only_and_any_change_breaks_it() {
        let key = new_signing_key();
        let t = DateTime::parse_from_rfc3339("2026-12-06T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = Anchor::sign(&key, "erenhot", 42, &"ab".repeat(32), t);
        assert!(a.signed_by(&key.verifying_key()));
        assert!(!a.signed_by(&new_signing_key().verifying_key()));
        for changed in [
            Anchor {
                seq: 41,
                ..a.clone()
            },
            Anchor {
                head_hash: "cd".repeat(32),
                ..a.clone()
            },
            Anchor {
                station: "manzhouli".into(),
                ..a.clone()
            },
            Anchor {
                time: t + chrono::Duration::seconds(1),
                ..a.clone()
            },
            Anchor {
                signature: "00".into(),
                ..a.clone()
            },
        ] {
            assert!(!changed.signed_by(&key.verifying_key()), "{changed:?}");
        }
    }

    #[test]
    fn keys_read_back_from_hex_and_bad_files_are_errors() {
        let key = new_signing_key();
        let back = signing_key_from_hex(&hex::encode(key.to_bytes())).unwrap();
        assert_eq!(back.verifying_key(), key.verifying_key());
        let public = verifying_key_from_hex(&hex::encode(key.verifying_key().to_bytes())).unwrap();
        assert_eq!(public, key.verifying_key());
        assert!(signing_key_from_hex("zz").is_err());
        assert!(signing_key_from_hex("abcd").is_err());
        assert!(verifying_key_from_hex("").is_err());
    }
}
