//! Evidence a third party can check without trusting the company: one append-only Merkle tree
//! (RFC 6962 hashing) over every consent event, published revision, inventory activation and
//! audit entry, signed checkpoints of it, and the proofs that tie a record to a checkpoint.
//! `docs/evidence.md` specifies the leaves, checkpoints and proofs.

#[cfg(feature = "ssr")]
pub mod ssr;
