//! Passwords: what a new one must be, and argon2id hashing off the async runtime (a hash
//! takes tens of milliseconds of CPU by design).

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use std::sync::OnceLock;

/// A password a person chose that meets the policy: 12 to 256 characters, not one character
/// repeated, and not one of the passwords every guessing list starts with.
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("the password is too short: use at least 12 characters")]
    TooShort,
    #[error("the password is too long: use at most 256 characters")]
    TooLong,
    #[error("the password is too easy to guess (a common password); choose another")]
    Common,
}

/// Common passwords of 12 characters or more, lower-cased.
const COMMON: &str = include_str!("common_passwords.txt");

impl std::str::FromStr for NewPassword {
    type Err = WeakPassword;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let length = text.chars().count();
        if length < 12 {
            return Err(WeakPassword::TooShort);
        }
        if length > 256 {
            return Err(WeakPassword::TooLong);
        }
        let lower = text.to_lowercase();
        let mut chars = lower.chars();
        let first = chars.next();
        let repeated = chars.all(|c| Some(c) == first);
        if repeated || COMMON.lines().any(|common| common == lower) {
            return Err(WeakPassword::Common);
        }
        Ok(NewPassword(text.to_owned()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("the hashing thread failed: {0}")]
    Thread(#[from] tokio::task::JoinError),
}

/// The argon2id PHC string of `password`, with a fresh salt.
pub async fn hash(password: &NewPassword) -> Result<String, HashError> {
    let password = password.0.clone();
    tokio::task::spawn_blocking(move || hash_now(&password)).await?
}

fn hash_now(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError::Hash(e.to_string()))
}

/// Whether `candidate` matches `stored`. With no stored hash (no such account) a hash is
/// still checked, so the answer takes as long either way and does not reveal which accounts
/// exist.
pub async fn verify(candidate: String, stored: Option<String>) -> Result<bool, HashError> {
    tokio::task::spawn_blocking(move || {
        let Some(stored) = stored.or_else(|| decoy().map(str::to_owned)) else {
            return false;
        };
        PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .map_err(HashError::from)
}

/// A hash of a random password, checked when the account does not exist.
fn decoy() -> Option<&'static str> {
    static DECOY: OnceLock<Option<String>> = OnceLock::new();
    DECOY
        .get_or_init(|| {
            let mut random = [0u8; 16];
            getrandom::fill(&mut random).ok()?;
            hash_now(&hex::encode(random)).ok()
        })
        .as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_refuses_short_common_and_repeated_passwords() {
        assert_eq!(
            "short".parse::<NewPassword>().unwrap_err(),
            WeakPassword::TooShort
        );
        assert_eq!(
            "Password1234".parse::<NewPassword>().unwrap_err(),
            WeakPassword::Common
        );
        assert_eq!(
            "aaaaaaaaaaaaaaaa".parse::<NewPassword>().unwrap_err(),
            WeakPassword::Common
        );
        assert_eq!(
            "x".repeat(257).parse::<NewPassword>().unwrap_err(),
            WeakPassword::TooLong
        );
        assert!("correct horse battery".parse::<NewPassword>().is_ok());
        for common in COMMON.lines() {
            assert!(
                common.chars().count() >= 12,
                "{common} is below the minimum anyway"
            );
        }
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let password: NewPassword = "a long enough passphrase".parse().unwrap();
        let stored = hash(&password).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            verify("a long enough passphrase".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("a long enough passphrasf".into(), Some(stored))
                .await
                .unwrap()
        );
        assert!(!verify("anything".into(), None).await.unwrap());
    }
}
