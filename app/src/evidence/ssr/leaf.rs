//! The leaves' canonical encodings: one JSON object per record, without whitespace, its keys
//! in the order of the structs below (`docs/evidence.md` lists them), opening with the format
//! version `v` and the record's `type`. The leaf hash is computed over these exact bytes, which
//! the log stores, so a verifier never re-encodes anything.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The encodings' version, the `v` of every leaf.
pub const LEAF_VERSION: u8 = 1;

/// What a leaf records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LeafKind {
    ConsentEvent,
    Revision,
    InventoryActivation,
    Audit,
}

impl LeafKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LeafKind::ConsentEvent => "consent-event",
            LeafKind::Revision => "revision",
            LeafKind::InventoryActivation => "inventory-activation",
            LeafKind::Audit => "audit",
        }
    }
}

impl std::str::FromStr for LeafKind {
    type Err = String;

    fn from_str(kind: &str) -> Result<Self, Self::Err> {
        [
            LeafKind::ConsentEvent,
            LeafKind::Revision,
            LeafKind::InventoryActivation,
            LeafKind::Audit,
        ]
        .into_iter()
        .find(|known| known.as_str() == kind)
        .ok_or_else(|| format!("{kind:?} is not a kind of leaf"))
    }
}

/// One record as the log keeps it: which row it is, and its encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    pub kind: LeafKind,
    /// The id of the recorded row in its own table.
    pub source_id: i64,
    pub bytes: String,
}

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    v: u8,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    fields: &'a T,
}

fn encode<T: Serialize>(kind: LeafKind, source_id: i64, fields: &T) -> Leaf {
    let tagged = Tagged {
        v: LEAF_VERSION,
        kind: kind.as_str(),
        fields,
    };
    Leaf {
        kind,
        source_id,
        // Plain structs of strings, numbers and JSON values always serialise.
        bytes: serde_json::to_string(&tagged).unwrap_or_default(),
    }
}

/// A policy revision in force when a choice was made: its id and the SHA-256 of its Markdown,
/// so the event commits to the very text, not only to a row that could be swapped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LinkedRevision {
    pub id: i64,
    pub sha256: String,
}

/// A consent event's fields. The IP prefix and user agent appear only as salted commitments
/// (see [`commitment`]), so deleting the raw values and the salt leaves every proof intact.
#[derive(Clone, Debug, Serialize)]
pub struct ConsentEventFields<'a> {
    pub id: i64,
    pub subject: &'a str,
    pub action: &'a str,
    pub choices: &'a serde_json::Value,
    pub method: &'a str,
    pub configuration: &'a str,
    pub banner_sha256: &'a str,
    pub revisions: &'a [LinkedRevision],
    pub locale: &'a str,
    pub recorded_at: i64,
    pub site: &'a str,
    pub page: &'a str,
    pub ip_prefix_commitment: String,
    pub user_agent_commitment: String,
    /// Whether the request carried `Sec-GPC: 1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpc: Option<bool>,
    /// How long the choice holds, and until when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<i64>,
    /// The Charter release that recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charter: Option<&'a str>,
    /// The event's hash in the consent table's own chain.
    pub chain_hash: &'a str,
}

pub fn consent_event(fields: &ConsentEventFields<'_>) -> Leaf {
    encode(LeafKind::ConsentEvent, fields.id, fields)
}

#[derive(Clone, Debug, Serialize)]
pub struct RevisionFields<'a> {
    pub id: i64,
    pub document: &'a str,
    pub locale: &'a str,
    pub number: i64,
    pub source_sha256: &'a str,
    pub published_at: i64,
    pub effective_at: i64,
    pub class: &'a str,
    pub summary: &'a str,
    pub author: &'a str,
}

pub fn revision(fields: &RevisionFields<'_>) -> Leaf {
    encode(LeafKind::Revision, fields.id, fields)
}

/// A cookie inventory put in force; `version` is the SHA-256 of the inventory's canonical
/// JSON, which commits to every category, service and text.
#[derive(Clone, Debug, Serialize)]
pub struct InventoryActivationFields<'a> {
    pub id: i64,
    pub version: &'a str,
    pub activated_at: i64,
}

pub fn inventory_activation(fields: &InventoryActivationFields<'_>) -> Leaf {
    encode(LeafKind::InventoryActivation, fields.id, fields)
}

/// An audit entry, without the actor's address and user agent (personal data the log could
/// never forget).
#[derive(Clone, Debug, Serialize)]
pub struct AuditFields<'a> {
    pub id: i64,
    pub at: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub object: &'a str,
    pub detail: &'a str,
}

pub fn audit(fields: &AuditFields<'_>) -> Leaf {
    encode(LeafKind::Audit, fields.id, fields)
}

/// Sixteen random bytes, hex: the salt of one event's commitments.
pub fn new_salt() -> Result<String, getrandom::Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)?;
    Ok(hex::encode(salt))
}

/// The commitment to one field's value: hex SHA-256 of the salt's 16 bytes, the field's name,
/// a zero byte and the value. Without the salt it reveals nothing of a short value such as an
/// IP prefix; with it, anyone can check the value.
pub fn commitment(salt_hex: &str, field: &str, value: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(hex::decode(salt_hex).unwrap_or_default());
    hasher.update(field.as_bytes());
    hasher.update([0u8]);
    hasher.update(value.as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leaf_is_compact_json_opening_with_its_version_and_type() {
        let leaf = audit(&AuditFields {
            id: 3,
            at: 1_764_000_000_000,
            actor: "ada@example.com",
            action: "revision_published",
            object: "privacy/en",
            detail: "r2 \"quoted\"",
        });
        assert_eq!(leaf.kind, LeafKind::Audit);
        assert_eq!(leaf.source_id, 3);
        assert_eq!(
            leaf.bytes,
            r#"{"v":1,"type":"audit","id":3,"at":1764000000000,"actor":"ada@example.com","action":"revision_published","object":"privacy/en","detail":"r2 \"quoted\""}"#
        );
    }

    #[test]
    fn a_commitment_binds_salt_field_and_value() {
        let salt = "00112233445566778899aabbccddeeff";
        let expected = {
            let mut bytes = hex::decode(salt).unwrap();
            bytes.extend_from_slice(b"ip_prefix\x00203.0.113.0/24");
            hex::encode(Sha256::digest(&bytes))
        };
        assert_eq!(commitment(salt, "ip_prefix", "203.0.113.0/24"), expected);
        assert_ne!(commitment(salt, "user_agent", "203.0.113.0/24"), expected);
        assert_ne!(
            commitment(
                "ffffffffffffffffffffffffffffffff",
                "ip_prefix",
                "203.0.113.0/24"
            ),
            expected
        );
        assert_eq!(new_salt().unwrap().len(), 32);
    }
}
