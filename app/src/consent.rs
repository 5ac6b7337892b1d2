//! Consent: a visitor's choice per cookie category, the signed cookie that remembers it, and the
//! append-only, hash-chained log of every grant, refusal, change and withdrawal that proves it.

use crate::{inventory::CategoryKey, newtypes::string_newtype};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, str::FromStr};

/// The visitor's decision per optional category: `true` allowed, `false` refused.
pub type Choices = BTreeMap<CategoryKey, bool>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Grant,
    Deny,
    Update,
    Withdraw,
    Expire,
    GpcOptOut,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Grant => "grant",
            Action::Deny => "deny",
            Action::Update => "update",
            Action::Withdraw => "withdraw",
            Action::Expire => "expire",
            Action::GpcOptOut => "gpc_opt_out",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    AcceptAll,
    RejectAll,
    Custom,
    SettingsPage,
    Gpc,
    Api,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::AcceptAll => "accept_all",
            Method::RejectAll => "reject_all",
            Method::Custom => "custom",
            Method::SettingsPage => "settings_page",
            Method::Gpc => "gpc",
            Method::Api => "api",
        }
    }
}

macro_rules! parse_by_name {
    ($type:ty, $what:literal, [$($variant:expr),*]) => {
        impl FromStr for $type {
            type Err = UnknownName;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                [$($variant),*]
                    .into_iter()
                    .find(|v| v.as_str() == name)
                    .ok_or_else(|| UnknownName { what: $what, name: name.to_owned() })
            }
        }
    };
}

parse_by_name!(
    Action,
    "action",
    [
        Action::Grant,
        Action::Deny,
        Action::Update,
        Action::Withdraw,
        Action::Expire,
        Action::GpcOptOut
    ]
);
parse_by_name!(
    Method,
    "method",
    [
        Method::AcceptAll,
        Method::RejectAll,
        Method::Custom,
        Method::SettingsPage,
        Method::Gpc,
        Method::Api
    ]
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}`")]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
}

/// A consent subject: the random 128-bit id in a visitor's consent cookie, as 32 hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SubjectId(String);

string_newtype!(SubjectId);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a subject id is 32 lowercase hexadecimal digits")]
pub struct BadSubjectId;

impl FromStr for SubjectId {
    type Err = BadSubjectId;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        let valid = id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| SubjectId(id.to_owned())).ok_or(BadSubjectId)
    }
}

/// A client's key for one intended event: a retry with the same key records nothing new.
/// 8 to 64 ASCII letters, digits, `-` or `_` (a UUID fits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

string_newtype!(IdempotencyKey);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an idempotency key is 8 to 64 letters, digits, `-` or `_`")]
pub struct BadIdempotencyKey;

impl FromStr for IdempotencyKey {
    type Err = BadIdempotencyKey;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        let valid = (8..=64).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid
            .then(|| IdempotencyKey(key.to_owned()))
            .ok_or(BadIdempotencyKey)
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{Action, Choices, IdempotencyKey, Method, SubjectId};
    use crate::{
        clock::Timestamp,
        db::{Backend, Db, decode_error},
        i18n::Locale,
    };
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use hmac::{Hmac, Mac};
    use serde::{Deserialize, Serialize};
    use sha2::{Digest, Sha256};
    use sqlx::{Row, any::AnyRow};
    use std::{collections::HashMap, net::IpAddr};
    use tokio::sync::{mpsc, oneshot};

    /// The strictly necessary cookie that holds a visitor's signed choice.
    pub const CONSENT_COOKIE: &str = "charter_consent";
    /// The hash a chain starts from.
    pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
    /// How many queued events one transaction commits at most.
    const MAX_BATCH: usize = 256;

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

    /// The key that signs consent cookies: at least 32 bytes.
    #[derive(Clone)]
    pub struct SigningKey(Vec<u8>);

    impl std::fmt::Debug for SigningKey {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("SigningKey(…)")
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("the consent signing key must have at least 32 bytes")]
    pub struct ShortKey;

    impl SigningKey {
        pub fn new(bytes: Vec<u8>) -> Result<Self, ShortKey> {
            if bytes.len() < 32 {
                return Err(ShortKey);
            }
            Ok(SigningKey(bytes))
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
            let stored: String =
                sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
                    .bind(NAME)
                    .fetch_one(db.writer())
                    .await?;
            let bytes = hex::decode(stored).map_err(|e| decode_error("consent_signing_key", e))?;
            SigningKey::new(bytes).map_err(|e| decode_error("consent_signing_key", e))
        }

        fn mac(&self) -> Hmac<Sha256> {
            // HMAC accepts keys of any length, so this cannot fail.
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
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

    /// The client's network rather than its address: the IPv4 /24 or the IPv6 /48.
    pub fn ip_prefix(ip: IpAddr) -> String {
        match ip {
            IpAddr::V4(v4) => {
                let [a, b, c, _] = v4.octets();
                format!("{a}.{b}.{c}.0/24")
            }
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ip_prefix(IpAddr::V4(v4)),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
                }
            },
        }
    }

    /// An event to record. The server stamps the time and chains it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct NewEvent {
        pub subject: SubjectId,
        pub action: Action,
        pub choices: Choices,
        pub method: Method,
        pub configuration_version: String,
        /// The exact banner text shown; stored once by its SHA-256.
        pub banner_text: String,
        pub revisions: Vec<i64>,
        pub locale: Locale,
        pub user_agent: String,
        pub ip_prefix: String,
        pub idempotency_key: IdempotencyKey,
    }

    /// A recorded event, as stored.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    pub struct Event {
        pub id: i64,
        pub subject: String,
        pub action: String,
        pub choices: serde_json::Value,
        pub method: String,
        pub configuration_version: String,
        pub banner_sha256: String,
        pub revisions: serde_json::Value,
        pub locale: String,
        pub recorded_at: Timestamp,
        pub user_agent: String,
        pub ip_prefix: String,
        pub idempotency_key: String,
        pub prev_hash: String,
        pub hash: String,
    }

    /// The outcome of [`ConsentLog::record`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Recorded {
        pub event: Event,
        /// The idempotency key had been used: this is the first event recorded with it, and
        /// nothing new was written.
        pub replayed: bool,
    }

    #[derive(Debug, Clone, thiserror::Error)]
    pub enum RecordError {
        #[error("the consent log is not running")]
        Stopped,
        #[error("the consent event could not be stored: {0}")]
        Database(String),
    }

    /// The columns hashed into the chain, in order.
    const EVENT_COLUMNS: &str = "id, subject_id, action, choices, method, configuration_version, \
                                 banner_sha256, revisions, locale, recorded_at, user_agent, \
                                 ip_prefix, idempotency_key, prev_hash, hash";

    /// SHA-256 over the previous hash and the event's fields, as a JSON array (unambiguous
    /// whatever the fields contain).
    fn chain_hash(event: &Event) -> String {
        let fields = serde_json::json!([
            event.prev_hash,
            event.subject,
            event.action,
            event.choices,
            event.method,
            event.configuration_version,
            event.banner_sha256,
            event.revisions,
            event.locale,
            event.recorded_at.as_millis(),
            event.user_agent,
            event.ip_prefix,
            event.idempotency_key,
        ]);
        hex::encode(Sha256::digest(fields.to_string().as_bytes()))
    }

    fn event_from_row(row: &AnyRow) -> Result<Event, sqlx::Error> {
        let json = |column: &str| -> Result<serde_json::Value, sqlx::Error> {
            let text: String = row.try_get(column)?;
            serde_json::from_str(&text).map_err(|e| decode_error(column, e))
        };
        Ok(Event {
            id: row.try_get("id")?,
            subject: row.try_get("subject_id")?,
            action: row.try_get("action")?,
            choices: json("choices")?,
            method: row.try_get("method")?,
            configuration_version: row.try_get("configuration_version")?,
            banner_sha256: row.try_get("banner_sha256")?,
            revisions: json("revisions")?,
            locale: row.try_get("locale")?,
            recorded_at: Timestamp::from_millis(row.try_get("recorded_at")?),
            user_agent: row.try_get("user_agent")?,
            ip_prefix: row.try_get("ip_prefix")?,
            idempotency_key: row.try_get("idempotency_key")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        })
    }

    type Reply = oneshot::Sender<Result<Recorded, RecordError>>;

    /// The one writer of consent events. Requests queue their events; the writer commits
    /// whatever has queued in one transaction (group commit) and answers each request only
    /// after its transaction committed, so an acknowledged event is durable without paying a
    /// commit per request.
    #[derive(Clone, Debug)]
    pub struct ConsentLog {
        queue: mpsc::Sender<(NewEvent, Reply)>,
    }

    impl ConsentLog {
        pub fn start(db: Db) -> Self {
            let (queue, requests) = mpsc::channel(4 * MAX_BATCH);
            tokio::spawn(write_batches(db, requests));
            ConsentLog { queue }
        }

        pub async fn record(&self, event: NewEvent) -> Result<Recorded, RecordError> {
            let (reply, answer) = oneshot::channel();
            self.queue
                .send((event, reply))
                .await
                .map_err(|_| RecordError::Stopped)?;
            answer.await.map_err(|_| RecordError::Stopped)?
        }
    }

    async fn write_batches(db: Db, mut requests: mpsc::Receiver<(NewEvent, Reply)>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while requests.recv_many(&mut batch, MAX_BATCH).await > 0 {
            match commit_batch(&db, &batch).await {
                Ok(results) => {
                    for ((_, reply), result) in batch.drain(..).zip(results) {
                        let _ = reply.send(Ok(result));
                    }
                }
                Err(error) => {
                    tracing::error!(%error, events = batch.len(), "consent events not stored");
                    for (_, reply) in batch.drain(..) {
                        let _ = reply.send(Err(RecordError::Database(error.to_string())));
                    }
                }
            }
        }
    }

    async fn commit_batch(
        db: &Db,
        batch: &[(NewEvent, Reply)],
    ) -> Result<Vec<Recorded>, sqlx::Error> {
        let mut tx = db.writer().begin().await?;
        if db.backend() == Backend::Postgres {
            // Instances sharing the database take turns to extend the one chain.
            sqlx::query("SELECT pg_advisory_xact_lock(7269736)")
                .execute(&mut *tx)
                .await?;
        }
        let mut prev_hash: String =
            sqlx::query_scalar("SELECT hash FROM consent_events ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or_else(|| GENESIS.to_owned());
        let mut in_batch: HashMap<&str, Event> = HashMap::new();
        let mut results = Vec::with_capacity(batch.len());
        for (new, _) in batch {
            let key = new.idempotency_key.as_str();
            if let Some(first) = in_batch.get(key) {
                results.push(Recorded {
                    event: first.clone(),
                    replayed: true,
                });
                continue;
            }
            let existing = sqlx::query(&format!(
                "SELECT {EVENT_COLUMNS} FROM consent_events WHERE idempotency_key = $1"
            ))
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = existing {
                results.push(Recorded {
                    event: event_from_row(&row)?,
                    replayed: true,
                });
                continue;
            }
            let banner_sha256 = hex::encode(Sha256::digest(new.banner_text.as_bytes()));
            sqlx::query(
                "INSERT INTO consent_banners (sha256, configuration_version, locale, text)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&banner_sha256)
            .bind(&new.configuration_version)
            .bind(new.locale.as_str())
            .bind(&new.banner_text)
            .execute(&mut *tx)
            .await?;
            let mut event = Event {
                id: 0,
                subject: new.subject.to_string(),
                action: new.action.as_str().to_owned(),
                choices: serde_json::to_value(&new.choices).unwrap_or_default(),
                method: new.method.as_str().to_owned(),
                configuration_version: new.configuration_version.clone(),
                banner_sha256,
                revisions: serde_json::to_value(&new.revisions).unwrap_or_default(),
                locale: new.locale.as_str().to_owned(),
                recorded_at: Timestamp::now(),
                user_agent: new.user_agent.clone(),
                ip_prefix: new.ip_prefix.clone(),
                idempotency_key: key.to_owned(),
                prev_hash: prev_hash.clone(),
                hash: String::new(),
            };
            event.hash = chain_hash(&event);
            event.id = sqlx::query_scalar(
                "INSERT INTO consent_events (subject_id, action, choices, method,
                     configuration_version, banner_sha256, revisions, locale, recorded_at,
                     user_agent, ip_prefix, idempotency_key, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                 RETURNING id",
            )
            .bind(&event.subject)
            .bind(&event.action)
            .bind(event.choices.to_string())
            .bind(&event.method)
            .bind(&event.configuration_version)
            .bind(&event.banner_sha256)
            .bind(event.revisions.to_string())
            .bind(&event.locale)
            .bind(event.recorded_at.as_millis())
            .bind(&event.user_agent)
            .bind(&event.ip_prefix)
            .bind(&event.idempotency_key)
            .bind(&event.prev_hash)
            .bind(&event.hash)
            .fetch_one(&mut *tx)
            .await?;
            prev_hash = event.hash.clone();
            in_batch.insert(key, event.clone());
            results.push(Recorded {
                event,
                replayed: false,
            });
        }
        tx.commit().await?;
        Ok(results)
    }

    /// What re-walking the chain found.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum ChainReport {
        Intact {
            events: u64,
        },
        /// The first event whose stored hashes do not follow from its content and its
        /// predecessor: rewritten, inserted, or following a removed event.
        Broken {
            id: i64,
            reason: String,
        },
    }

    /// Re-walks the whole log in order, a page at a time, recomputing every hash.
    pub async fn verify_chain(db: &Db) -> Result<ChainReport, sqlx::Error> {
        const PAGE: i64 = 1000;
        let mut expected_prev = GENESIS.to_owned();
        let mut last_id = 0i64;
        let mut events = 0u64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {EVENT_COLUMNS} FROM consent_events WHERE id > $1 ORDER BY id LIMIT $2"
            ))
            .bind(last_id)
            .bind(PAGE)
            .fetch_all(db.reader())
            .await?;
            if rows.is_empty() {
                return Ok(ChainReport::Intact { events });
            }
            for row in &rows {
                let event = event_from_row(row)?;
                if event.prev_hash != expected_prev {
                    return Ok(ChainReport::Broken {
                        id: event.id,
                        reason: "its previous hash is not the hash of the event before it"
                            .to_owned(),
                    });
                }
                if chain_hash(&event) != event.hash {
                    return Ok(ChainReport::Broken {
                        id: event.id,
                        reason: "its content does not match its hash".to_owned(),
                    });
                }
                expected_prev = event.hash;
                last_id = event.id;
                events += 1;
            }
        }
    }

    /// A subject's events, oldest first.
    pub async fn events_of(db: &Db, subject: &SubjectId) -> Result<Vec<Event>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM consent_events WHERE subject_id = $1 ORDER BY id"
        ))
        .bind(subject.as_str())
        .fetch_all(db.reader())
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::net::{Ipv4Addr, Ipv6Addr};

        fn key() -> SigningKey {
            SigningKey::new(vec![7; 32]).unwrap()
        }

        fn cookie() -> ConsentCookie {
            ConsentCookie {
                subject: SubjectId::random().unwrap(),
                version: "a".repeat(64),
                choices: [("analytics".parse().unwrap(), true)].into(),
                at: Timestamp::from_millis(1_700_000_000_000),
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
        fn addresses_are_truncated() {
            assert_eq!(
                ip_prefix(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 77))),
                "203.0.113.0/24"
            );
            assert_eq!(
                ip_prefix("2001:db8:85a3:8d3:1319:8a2e:370:7348".parse().unwrap()),
                "2001:db8:85a3::/48"
            );
            assert_eq!(
                ip_prefix(IpAddr::V6(Ipv4Addr::new(198, 51, 100, 9).to_ipv6_mapped())),
                "198.51.100.0/24"
            );
            assert_eq!(ip_prefix(IpAddr::V6(Ipv6Addr::LOCALHOST)), "0:0:0::/48");
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_methods_round_trip() {
        for action in [Action::Grant, Action::GpcOptOut, Action::Withdraw] {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
        }
        for method in [Method::AcceptAll, Method::SettingsPage, Method::Api] {
            assert_eq!(method.as_str().parse::<Method>(), Ok(method));
        }
        assert!("maybe".parse::<Action>().is_err());
    }
}
