//! Passwords: what a new one must be, and argon2id hashing off the async runtime (a hash
//! takes tens of milliseconds of CPU by design).

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use std::{
    num::NonZero,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

/// Leave to run one argon2 hash, held until the hash is done.
#[derive(Debug)]
pub struct HashPermit {
    _held: OwnedSemaphorePermit,
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("the hashing thread failed: {0}")]
    Thread(#[from] tokio::task::JoinError),
}

/// One server's argon2 hashing. At most about two hashes per core run at once, so a flood of
/// sign-ins cannot fill the blocking thread pool and starve the rest of the server; and each
/// hash is counted, because it is work anyone can ask for before signing in and tests prove
/// it was not asked for.
#[derive(Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    computed: AtomicU64,
}

impl Default for Hasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, NonZero::get);
        Self {
            permits: Arc::new(Semaphore::new(2 * cores)),
            computed: AtomicU64::new(0),
        }
    }
}

impl Hasher {
    /// A permit now, or `None` when every one is taken: a sign-in then answers "busy" rather
    /// than queueing work an attacker can pile up.
    pub fn try_permit(&self) -> Option<HashPermit> {
        let held = self.permits.clone().try_acquire_owned().ok()?;
        Some(HashPermit { _held: held })
    }

    /// A permit, waiting for one: for hashes only a signed-in admin or an invitation's holder
    /// can ask for.
    pub async fn permit(&self) -> Result<HashPermit, HashError> {
        self.permits
            .clone()
            .acquire_owned()
            .await
            .map(|held| HashPermit { _held: held })
            .map_err(|_| HashError::Hash("the hashing permits are closed".to_owned()))
    }

    /// How many argon2 hashes this server has computed, new passwords and checks alike.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    /// The argon2id PHC string of `password`, with a fresh salt.
    pub async fn hash(&self, password: &NewPassword) -> Result<String, HashError> {
        let password = password.0.clone();
        let permit = self.permit().await?;
        self.computed.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let hashed = hash_now(&password);
            drop(permit);
            hashed
        })
        .await?
    }

    /// Whether `candidate` matches `stored`. With no stored hash (no such account) a hash is
    /// still checked, so the answer takes as long either way and does not reveal which
    /// accounts exist. `permit` is held until the hash is done, even if the caller stops
    /// waiting.
    pub async fn verify(
        &self,
        candidate: String,
        stored: Option<String>,
        permit: HashPermit,
    ) -> Result<bool, HashError> {
        self.computed.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
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
}

fn hash_now(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError::Hash(e.to_string()))
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
        let hasher = Hasher::default();
        let password: NewPassword = "a long enough passphrase".parse().unwrap();
        let stored = hasher.hash(&password).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        let check = |candidate: &'static str, stored: Option<String>| {
            let hasher = &hasher;
            async move {
                let permit = hasher.permit().await.unwrap();
                hasher
                    .verify(candidate.into(), stored, permit)
                    .await
                    .unwrap()
            }
        };
        assert!(check("a long enough passphrase", Some(stored.clone())).await);
        assert!(!check("a long enough passphrasf", Some(stored)).await);
        assert!(!check("anything", None).await);
        assert_eq!(hasher.computed(), 4);
    }

    #[tokio::test]
    async fn hashing_is_refused_when_every_permit_is_taken() {
        let hasher = Hasher::default();
        let mut held = Vec::new();
        while let Some(permit) = hasher.try_permit() {
            held.push(permit);
        }
        let cores = std::thread::available_parallelism().map_or(1, NonZero::get);
        assert_eq!(held.len(), 2 * cores);
        assert!(hasher.try_permit().is_none());
        drop(held.pop());
        assert!(
            hasher.try_permit().is_some(),
            "a permit returns when its hash is done"
        );
    }
}
