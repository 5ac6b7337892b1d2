//! The log's server side: the tree in the database, the leaves' encodings, signed
//! checkpoints, verification, and the public endpoints.

pub mod backfill;
pub mod bundle;
pub mod checkpoints;
pub mod http;
pub mod leaf;
pub mod tree;
pub mod verify;

pub use checkpoints::{Checkpointer, LogKey};
pub use leaf::{Leaf, LeafKind};

/// What can go wrong reading or extending the log.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The stored tree lacks a hash it must have, or a proof could not be built from it.
    #[error("the evidence log's stored tree is inconsistent: {0}")]
    Tree(String),
    #[error("the evidence log's signing key is unusable: {0}")]
    Key(String),
}

impl From<tlog_tiles::Error> for EvidenceError {
    fn from(error: tlog_tiles::Error) -> Self {
        EvidenceError::Tree(error.to_string())
    }
}

impl From<EvidenceError> for sqlx::Error {
    fn from(error: EvidenceError) -> Self {
        match error {
            EvidenceError::Database(error) => error,
            other => sqlx::Error::Protocol(other.to_string()),
        }
    }
}
