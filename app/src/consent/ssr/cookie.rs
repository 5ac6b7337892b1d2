//! The consent cookie: whose choice, about which configuration, when; signed with HMAC-SHA256
//! so the server can trust what it gets back. Also the random ids and the address truncation
//! the records use.

use crate::{
    clock::Timestamp,
    consent::{Choices, IdempotencyKey, SubjectId},
    db::{Db, decode_error},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The strictly necessary cookie that holds a visitor's signed choice.
pub const CONSENT_COOKIE: &str = "charter_consent";

impl SubjectId {
    /// A fresh subject id: 128 bits from the operating system's random source.
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        Ok(SubjectId(hex::encode(bytes)))
    }
}

impl IdempotencyKey {
    /// A fresh key, for forms the server renders.
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        Ok(IdempotencyKey(hex::encode(bytes)))
    }
}

/// The key that signs consent cookies: at least 32 bytes, never printed, and wiped from memory
/// when dropped.
#[derive(Clone, Debug)]
pub struct SigningKey(SecretSlice<u8>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the consent signing key must have at least 32 bytes")]
pub struct ShortKey;

impl SigningKey {
    pub fn new(bytes: Vec<u8>) -> Result<Self, ShortKey> {
        if bytes.len() < 32 {
            return Err(ShortKey);
        }
        Ok(SigningKey(bytes.into()))
    }

    /// The key generated on first start and kept in the database, so that every instance
    /// sharing it signs alike.
    pub async fn load_or_create(db: &Db) -> Result<Self, sqlx::Error> {
        const NAME: &str = "consent_signing_key";
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| decode_error("random key", e))?;
        sqlx::query(
            "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(NAME)
        .bind(hex::encode(fresh))
        .bind(Timestamp::now().as_millis())
        .execute(db.writer())
        .await?;
        let stored: String = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(NAME)
            .fetch_one(db.writer())
            .await?;
        let bytes = hex::decode(stored).map_err(|e| decode_error("consent_signing_key", e))?;
        SigningKey::new(bytes).map_err(|e| decode_error("consent_signing_key", e))
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }
}

/// What the consent cookie says: whose choice, about which configuration, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentCookie {
    #[serde(rename = "s")]
    pub subject: SubjectId,
    #[serde(rename = "v")]
    pub version: String,
    #[serde(rename = "c")]
    pub choices: Choices,
    #[serde(rename = "t")]
    pub at: Timestamp,
    /// Only the Global Privacy Control opt-out is recorded: the visitor has not chosen yet.
    #[serde(rename = "g", default, skip_serializing_if = "std::ops::Not::not")]
    pub gpc_only: bool,
}

impl ConsentCookie {
    /// `payload.signature`, both URL-safe base64.
    pub fn sign(&self, key: &SigningKey) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default());
        let mut mac = key.mac();
        mac.update(payload.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{payload}.{signature}")
    }

    /// The cookie's content if `value` carries a valid signature; anything else (missing
    /// signature, wrong key, altered payload, bad encoding) is `None`.
    pub fn verify(value: &str, key: &SigningKey) -> Option<ConsentCookie> {
        let (payload, signature) = value.split_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = key.mac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::new(vec![7; 32]).unwrap()
    }

    fn cookie() -> ConsentCookie {
        ConsentCookie {
            subject: SubjectId::random().unwrap(),
            version: "a".repeat(64),
            choices: [("analytics".parse().unwrap(), true)].into(),
            at: Timestamp::from_millis(1_700_000_000_000),
            gpc_only: false,
        }
    }

    #[test]
    fn a_signed_cookie_verifies_and_nothing_else_does() {
        let cookie = cookie();
        let value = cookie.sign(&key());
        assert_eq!(ConsentCookie::verify(&value, &key()), Some(cookie));
        let other_key = SigningKey::new(vec![8; 32]).unwrap();
        assert_eq!(ConsentCookie::verify(&value, &other_key), None);
        let (payload, signature) = value.split_once('.').unwrap();
        assert_eq!(ConsentCookie::verify(payload, &key()), None);
        let mut tampered = payload.as_bytes().to_vec();
        tampered[5] ^= 1;
        let tampered = format!("{}.{signature}", String::from_utf8_lossy(&tampered));
        assert_eq!(ConsentCookie::verify(&tampered, &key()), None);
        for junk in ["", ".", "abc.def", "%%%.%%%"] {
            assert_eq!(ConsentCookie::verify(junk, &key()), None);
        }
    }

    #[test]
    fn short_keys_are_refused() {
        assert_eq!(SigningKey::new(vec![1; 31]).err(), Some(ShortKey));
    }

    #[test]
    fn subject_ids_and_idempotency_keys_parse() {
        let id = SubjectId::random().unwrap();
        assert_eq!(id.as_str().parse::<SubjectId>(), Ok(id.clone()));
        assert!("ABC".parse::<SubjectId>().is_err());
        assert!(
            "0123456789ABCDEF0123456789abcdef"
                .parse::<SubjectId>()
                .is_err()
        );
        assert!("retry-key-1".parse::<IdempotencyKey>().is_ok());
        assert!("short".parse::<IdempotencyKey>().is_err());
        assert!("has space in it".parse::<IdempotencyKey>().is_err());
    }
}
