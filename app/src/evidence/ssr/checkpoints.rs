//! Signed checkpoints: the tree's size and root as a C2SP `tlog-checkpoint` body, signed as a
//! C2SP signed note with the log's Ed25519 key, at most one per size and kept forever.

use super::{EvidenceError, tree};
use crate::{clock::Timestamp, db::Db};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Serialize;
use signed_note::{Note, Signer, StandardSigner, StandardVerifier, Verifier, VerifierList};
use sqlx::Row;
use std::{fmt, sync::Arc, time::Duration};
use tlog_tiles::{Checkpoint, Hash};

/// The name under which a generated key is kept in `server_secrets`.
const KEY_SECRET: &str = "log_signing_key";

/// The log's signing key, with the public key and origin (the log's name in every checkpoint)
/// that follow from it.
#[derive(Clone)]
pub struct LogKey {
    signer: StandardSigner,
    public_key: String,
}

impl fmt::Debug for LogKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogKey")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl LogKey {
    /// A key in the signed-note form `PRIVATE+KEY+<origin>+<key id>+<base64>`, as
    /// `charter log keygen` prints it.
    pub fn parse(private_key: &str) -> Result<Self, EvidenceError> {
        let private_key = private_key.trim();
        let signer = StandardSigner::new(private_key).map_err(|error| {
            EvidenceError::Key(format!("not a signed-note private key: {error}"))
        })?;
        // `PRIVATE+KEY+<name>+<id>+<base64>`: the name has no '+', the base64 may.
        let seed = private_key
            .splitn(5, '+')
            .nth(4)
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes.get(1..)?).ok())
            .ok_or_else(|| EvidenceError::Key("not an Ed25519 key".to_owned()))?;
        let verifying = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        let public_key = signed_note::new_ed25519_verifier_key(signer.name(), &verifying);
        Ok(LogKey { signer, public_key })
    }

    /// A new key for the log named `origin`, in the form [`LogKey::parse`] reads.
    pub fn generate(origin: &str) -> Result<String, EvidenceError> {
        if !signed_note::is_key_name_valid(origin) {
            return Err(EvidenceError::Key(format!(
                "{origin:?} cannot name a log: it must be non-empty, without spaces or '+'"
            )));
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|error| EvidenceError::Key(error.to_string()))?;
        let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
        let public = [&[1u8][..], signing.verifying_key().as_bytes()].concat();
        let private = [&[1u8][..], &seed[..]].concat();
        Ok(format!(
            "PRIVATE+KEY+{origin}+{:08x}+{}",
            signed_note::key_id(origin, &public),
            STANDARD.encode(private)
        ))
    }

    /// The key generated on first start and kept in the database, so that every instance
    /// sharing it signs alike. `origin` names the log only when the key is generated; after
    /// that the kept key's name stands.
    pub async fn load_or_create(db: &Db, origin: &str) -> Result<Self, EvidenceError> {
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(KEY_SECRET)
        .bind(Self::generate(origin)?)
        .bind(Timestamp::now().as_millis())
        .execute(db.writer())
        .await?;
        let stored: String = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(KEY_SECRET)
            .fetch_one(db.writer())
            .await?;
        Self::parse(&stored)
    }

    /// The log's name: the first line of every checkpoint, and the key's name.
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// The public key in the signed-note verifier form `<origin>+<key id>+<base64>`.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The checkpoint of the tree of `size` leaves with root `root`, signed.
    pub fn sign(&self, size: u64, root: Hash) -> Result<String, EvidenceError> {
        let body = Checkpoint::new(self.origin(), size, root, "")
            .map_err(|error| EvidenceError::Key(error.to_string()))?
            .to_bytes();
        let mut note =
            Note::new(&body, &[]).map_err(|error| EvidenceError::Key(error.to_string()))?;
        note.add_sigs(&[&self.signer])
            .map_err(|error| EvidenceError::Key(error.to_string()))?;
        String::from_utf8(note.to_bytes()).map_err(|error| EvidenceError::Key(error.to_string()))
    }

    /// Reads a signed checkpoint, checking that this key signed it.
    pub fn open(&self, note: &str) -> Result<Checkpoint, CheckpointError> {
        open(&self.public_key, note)
    }
}

/// Why a checkpoint was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint is not a signed note: {0}")]
    Malformed(String),
    #[error("the checkpoint is not signed by this log's key ({0})")]
    NotSigned(String),
    #[error("the checkpoint names the log {found:?}, not {expected:?}")]
    OtherLog { expected: String, found: String },
}

/// Reads a signed checkpoint whose signature by `public_key` verifies.
pub fn open(public_key: &str, note: &str) -> Result<Checkpoint, CheckpointError> {
    let verifier = StandardVerifier::new(public_key)
        .map_err(|error| CheckpointError::NotSigned(error.to_string()))?;
    let origin = verifier.name().to_owned();
    let note = Note::from_bytes(note.as_bytes())
        .map_err(|error| CheckpointError::Malformed(error.to_string()))?;
    note.verify(&VerifierList::new(vec![Box::new(verifier)]))
        .map_err(|error| CheckpointError::NotSigned(error.to_string()))?;
    let checkpoint = Checkpoint::from_bytes(note.text())
        .map_err(|error| CheckpointError::Malformed(error.to_string()))?;
    if checkpoint.origin() != origin {
        return Err(CheckpointError::OtherLog {
            expected: origin,
            found: checkpoint.origin().to_owned(),
        });
    }
    Ok(checkpoint)
}

/// A checkpoint as kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignedCheckpoint {
    pub size: u64,
    pub signed_at: Timestamp,
    /// The signed note, exactly as served.
    pub note: String,
}

/// Signs a checkpoint of the tree as it is now, unless one of that size exists (then nothing
/// is written; a checkpoint is never replaced). Instances sharing a database may race here:
/// the first to insert a size keeps it.
pub async fn checkpoint_now(
    db: &Db,
    key: &LogKey,
) -> Result<Option<SignedCheckpoint>, EvidenceError> {
    let mut conn = db.reader().acquire().await?;
    let size = tree::size(&mut conn).await?;
    if latest(db).await?.is_some_and(|latest| latest.size >= size) {
        return Ok(None);
    }
    let root = tree::root(&mut conn, size).await?;
    drop(conn);
    let checkpoint = SignedCheckpoint {
        size,
        signed_at: Timestamp::now(),
        note: key.sign(size, root)?,
    };
    let inserted = sqlx::query(
        "INSERT INTO log_checkpoints (tree_size, note, signed_at) VALUES ($1, $2, $3)
         ON CONFLICT (tree_size) DO NOTHING",
    )
    .bind(tree::to_i64(size)?)
    .bind(&checkpoint.note)
    .bind(checkpoint.signed_at.as_millis())
    .execute(db.writer())
    .await?
    .rows_affected();
    Ok((inserted == 1).then_some(checkpoint))
}

/// The newest checkpoint, if any was signed.
pub async fn latest(db: &Db) -> Result<Option<SignedCheckpoint>, EvidenceError> {
    let row = sqlx::query(
        "SELECT tree_size, note, signed_at FROM log_checkpoints ORDER BY tree_size DESC LIMIT 1",
    )
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The checkpoint of exactly `size` leaves.
pub async fn of_size(db: &Db, size: u64) -> Result<Option<SignedCheckpoint>, EvidenceError> {
    let row =
        sqlx::query("SELECT tree_size, note, signed_at FROM log_checkpoints WHERE tree_size = $1")
            .bind(tree::to_i64(size)?)
            .fetch_optional(db.reader())
            .await?;
    row.as_ref().map(from_row).transpose()
}

/// Checkpoints of sizes above `after`, smallest first, at most `limit`.
pub async fn list(
    db: &Db,
    after: Option<u64>,
    limit: i64,
) -> Result<Vec<SignedCheckpoint>, EvidenceError> {
    let after = after.map(tree::to_i64).transpose()?.unwrap_or(-1);
    let rows = sqlx::query(
        "SELECT tree_size, note, signed_at FROM log_checkpoints WHERE tree_size > $1
         ORDER BY tree_size LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(from_row).collect()
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<SignedCheckpoint, EvidenceError> {
    Ok(SignedCheckpoint {
        size: tree::to_u64(row.try_get("tree_size")?)?,
        signed_at: Timestamp::from_millis(row.try_get("signed_at")?),
        note: row.try_get("note")?,
    })
}

/// Signs a checkpoint every `interval` while leaves arrive, off the request path.
#[derive(Clone, Debug)]
pub struct Checkpointer {
    pub db: Db,
    pub key: Arc<LogKey>,
    pub interval: Duration,
    /// Told of every checkpoint this process signed (the witnesses' mail, say).
    pub signed: Option<tokio::sync::mpsc::Sender<SignedCheckpoint>>,
}

impl Checkpointer {
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            // The first after one interval, so a start alone signs nothing new.
            let mut ticks = tokio::time::interval_at(
                tokio::time::Instant::now() + self.interval,
                self.interval,
            );
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match checkpoint_now(&self.db, &self.key).await {
                    Ok(Some(checkpoint)) => {
                        tracing::debug!(size = checkpoint.size, "evidence checkpoint signed");
                        if let Some(signed) = &self.signed
                            && signed.try_send(checkpoint).is_err()
                        {
                            tracing::warn!("a checkpoint was not passed on: its receiver lags");
                        }
                    }
                    Ok(None) => {}
                    Err(error) => tracing::error!(%error, "evidence checkpoint not signed"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_signs_checkpoints_that_its_public_key_opens() {
        let key = LogKey::parse(&LogKey::generate("legal.example.com/log").unwrap()).unwrap();
        assert_eq!(key.origin(), "legal.example.com/log");
        assert!(key.public_key().starts_with("legal.example.com/log+"));
        let root = tlog_tiles::record_hash(b"leaf");
        let note = key.sign(1, root).unwrap();
        let body = format!("legal.example.com/log\n1\n{}\n\n", STANDARD.encode(root.0));
        assert!(note.starts_with(&body), "{note}");
        assert!(note.contains("\u{2014} legal.example.com/log "), "{note}");
        let checkpoint = key.open(&note).unwrap();
        assert_eq!((checkpoint.size(), *checkpoint.hash()), (1, root));

        let tampered = note.replacen("\n1\n", "\n2\n", 1);
        assert!(matches!(
            key.open(&tampered),
            Err(CheckpointError::NotSigned(_))
        ));
        let other = LogKey::parse(&LogKey::generate("legal.example.com/log").unwrap()).unwrap();
        assert!(other.open(&note).is_err());
        assert!(LogKey::parse("PRIVATE+KEY+x+00000000+AAAA").is_err());
        assert!(LogKey::generate("has space").is_err());
    }
}
