//! Configuration: one typed struct, layered from built-in defaults, then an optional TOML file
//! (`charter.toml`), then environment variables. Every value is parsed into a type that can only
//! hold a valid setting, so a bad value stops start-up with the setting's name and the problem.

use app::{
    consent::{
        ConsentLifetime,
        ssr::{BatchLimit, SigningKey},
    },
    db::DatabaseUrl,
    evidence::ssr::LogKey,
    network::{ForwardedHeader, TrustedProxies, WritesPerMinute},
};
use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
    value::{Dict, Value},
};
use lettre::{Address, message::Mailbox};
use serde::{Deserialize, Deserializer};
use std::{fmt, net::SocketAddr, path::Path, time::Duration};
use tracing_subscriber::EnvFilter;
use url::Url;

/// Every setting: its key in `charter.toml`, its environment variable, its default and what it
/// does. `charter --help` prints this table, and the README documents the same.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "addr",
        env: "CHARTER_ADDR",
        default: Some("127.0.0.1:3000"),
        help: "Address and port to listen on",
    },
    Setting {
        key: "database_url",
        env: "DATABASE_URL",
        default: Some("sqlite:data/charter.db"),
        help: "sqlite:PATH (file created if missing) or postgres://USER@HOST/DB",
    },
    Setting {
        key: "base_url",
        env: "CHARTER_BASE_URL",
        default: None,
        help: "Public URL of this site, used in links and emails (default: http://<addr>)",
    },
    Setting {
        key: "organisation",
        env: "CHARTER_ORGANISATION",
        default: Some("Example Ltd"),
        help: "Name of the organisation whose policies these are",
    },
    Setting {
        key: "demo",
        env: "CHARTER_DEMO",
        default: Some("false"),
        help: "Load demo content into an empty database (true/false, 1/0)",
    },
    Setting {
        key: "demo_site_addr",
        env: "CHARTER_DEMO_SITE_ADDR",
        default: None,
        help: "With demo content, also serve a demo company site at this address, e.g. 127.0.0.1:3001: another origin whose page embeds the consent banner and gates a script and a video on it (default: none)",
    },
    Setting {
        key: "demo_site_url",
        env: "CHARTER_DEMO_SITE_URL",
        default: None,
        help: "The demo company site's public origin, registered as a site (default: http://<demo_site_addr>)",
    },
    Setting {
        key: "log",
        env: "CHARTER_LOG",
        default: Some("info,sqlx=warn"),
        help: "Log filter (tracing EnvFilter syntax)",
    },
    Setting {
        key: "consent_lifetime_months",
        env: "CHARTER_CONSENT_LIFETIME_MONTHS",
        default: Some("6"),
        help: "Months a cookie choice holds before the visitor is asked again (1-13)",
    },
    Setting {
        key: "consent_secret",
        env: "CHARTER_CONSENT_SECRET",
        default: None,
        help: "Key that signs consent cookies, 32+ characters (default: generated once, kept in the database)",
    },
    Setting {
        key: "consent_batch_limit",
        env: "CHARTER_CONSENT_BATCH_LIMIT",
        default: Some("256"),
        help: "Most consent events committed in one transaction (1-1024; 1 commits each alone)",
    },
    Setting {
        key: "log_key",
        env: "CHARTER_LOG_KEY",
        default: None,
        help: "Ed25519 key that signs the evidence log's checkpoints, as `charter log keygen` prints it (default: generated once, kept in the database)",
    },
    Setting {
        key: "checkpoint_seconds",
        env: "CHARTER_CHECKPOINT_SECONDS",
        default: Some("60"),
        help: "Seconds between signed checkpoints of the evidence log while records arrive (1-60)",
    },
    Setting {
        key: "log_witnesses",
        env: "CHARTER_LOG_WITNESSES",
        default: None,
        help: "Email addresses every signed checkpoint is mailed to, comma-separated (default: none)",
    },
    Setting {
        key: "log_witness_minutes",
        env: "CHARTER_LOG_WITNESS_MINUTES",
        default: Some("60"),
        help: "Least minutes between two checkpoints mailed to the witnesses (1-10080)",
    },
    Setting {
        key: "notice_worker",
        env: "CHARTER_NOTICE_WORKER",
        default: Some("true"),
        help: "Deliver queued change notices from this process (true/false); instances can share the work",
    },
    Setting {
        key: "smtp_url",
        env: "CHARTER_SMTP_URL",
        default: None,
        help: "SMTP server for notices: smtp://HOST:PORT (plain; ?tls=required for STARTTLS) or smtps://USER:PASS@HOST:465 (default: write .eml files to outbox_dir)",
    },
    Setting {
        key: "smtp_from",
        env: "CHARTER_SMTP_FROM",
        default: None,
        help: "Sender of notices, e.g. \"Example Ltd <legal@example.com>\" (default: organisation <notices@base_url host>)",
    },
    Setting {
        key: "smtp_rate",
        env: "CHARTER_SMTP_RATE",
        default: Some("10"),
        help: "Most notices sent per second (0.01-10000)",
    },
    Setting {
        key: "smtp_retry",
        env: "CHARTER_SMTP_RETRY",
        default: Some("60"),
        help: "Seconds before the first retry of a notice the server deferred; doubles per attempt up to an hour (1-3600)",
    },
    Setting {
        key: "notice_lease",
        env: "CHARTER_NOTICE_LEASE",
        default: Some("300"),
        help: "Seconds a worker holds the notices it claimed; a crashed worker's are sent by another after this (2-3600)",
    },
    Setting {
        key: "outbox_dir",
        env: "CHARTER_OUTBOX_DIR",
        default: Some("data/outbox"),
        help: "Where notices are written as .eml files when no SMTP server is set",
    },
    Setting {
        key: "trusted_proxies",
        env: "CHARTER_TRUSTED_PROXIES",
        default: None,
        help: "Load balancers and proxies whose forwarding header names the client: addresses or networks, e.g. \"10.0.0.0/8, 192.0.2.7\" (default: none, the TCP peer is the client)",
    },
    Setting {
        key: "forwarded_header",
        env: "CHARTER_FORWARDED_HEADER",
        default: Some("x-forwarded-for"),
        help: "The header the trusted proxies write the client into: x-forwarded-for or forwarded (RFC 7239)",
    },
    Setting {
        key: "public_writes_per_minute",
        env: "CHARTER_PUBLIC_WRITES_PER_MINUTE",
        default: Some("60"),
        help: "Consent choices, sign-ins and subscription requests one client network (/24, /48) may send per minute before 429 (1-1000000)",
    },
    Setting {
        key: "shutdown_timeout",
        env: "CHARTER_SHUTDOWN_TIMEOUT",
        default: Some("10"),
        help: "Seconds to let in-flight requests finish on SIGTERM/Ctrl-C (1-300)",
    },
    Setting {
        key: "header_timeout",
        env: "CHARTER_HEADER_TIMEOUT",
        default: Some("10"),
        help: "Seconds a client may take to send a request's headers, or leave a connection idle, before it is closed (1-300)",
    },
    Setting {
        key: "request_timeout",
        env: "CHARTER_REQUEST_TIMEOUT",
        default: Some("30"),
        help: "Seconds a request may take, its body included, before it is answered 408 (1-300)",
    },
    Setting {
        key: "image_hosts",
        env: "CHARTER_IMAGE_HOSTS",
        default: Some(""),
        help: "Hosts besides this site's own that policies may show images from, comma-separated, e.g. cdn.example.com (default: none)",
    },
];

/// The file read when `--config`/`CHARTER_CONFIG` names none; it is optional.
pub const DEFAULT_CONFIG_FILE: &str = "charter.toml";

pub struct Setting {
    pub key: &'static str,
    pub env: &'static str,
    /// `None` when the default is derived from other settings.
    pub default: Option<&'static str>,
    pub help: &'static str,
}

/// The settings table as shown by `charter --help`.
pub fn settings_help() -> String {
    let mut help = String::from(
        "Settings (charter.toml key / environment variable, default): environment variables \
         override the file, which overrides the defaults.\n",
    );
    for setting in SETTINGS {
        help.push_str(&format!(
            "\n  {:<17} {:<25} {}\n",
            setting.key, setting.env, setting.help
        ));
        if let Some(default) = setting.default {
            help.push_str(&format!("  {:<17} {:<25} default: {default}\n", "", ""));
        }
    }
    help
}

#[derive(Clone, Debug, Deserialize)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: DatabaseUrl,
    /// `None` means "derived from `addr`"; see [`Config::base_url`].
    base_url: Option<BaseUrl>,
    pub organisation: Organisation,
    #[serde(deserialize_with = "flag")]
    pub demo: bool,
    pub demo_site_addr: Option<SocketAddr>,
    pub demo_site_url: Option<BaseUrl>,
    pub log: LogFilter,
    pub shutdown_timeout: ShutdownTimeout,
    pub consent_lifetime_months: ConsentLifetime,
    pub consent_secret: Option<ConsentSecret>,
    pub consent_batch_limit: BatchLimit,
    pub log_key: Option<LogSigningKey>,
    pub checkpoint_seconds: CheckpointInterval,
    #[serde(default)]
    pub log_witnesses: WitnessList,
    pub log_witness_minutes: WitnessInterval,
    #[serde(deserialize_with = "flag")]
    pub notice_worker: bool,
    pub smtp_url: Option<SmtpUrl>,
    smtp_from: Option<SmtpFrom>,
    pub smtp_rate: SmtpRate,
    pub smtp_retry: RetryDelay,
    pub notice_lease: NoticeLease,
    pub outbox_dir: std::path::PathBuf,
    #[serde(default)]
    pub trusted_proxies: TrustedProxies,
    pub forwarded_header: ForwardedHeader,
    pub public_writes_per_minute: WritesPerMinute,
    pub header_timeout: HttpTimeout,
    pub request_timeout: HttpTimeout,
    #[serde(default)]
    pub image_hosts: ImageHostList,
}

/// The defaults layer, from [`SETTINGS`], parsed the way environment values are.
fn defaults() -> Dict {
    SETTINGS
        .iter()
        .filter_map(|setting| {
            let value = setting.default?.parse::<Value>().ok()?;
            Some((setting.key.to_owned(), value))
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the configuration file {0} does not exist")]
    MissingFile(String),
    #[error("{}", describe(.0))]
    Invalid(Box<figment::Error>),
}

impl Config {
    /// Reads the layers. `file` is an explicitly requested configuration file, which must exist;
    /// without one, `charter.toml` is read if present.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::from_figment(Self::figment(file)?)
    }

    pub fn figment(file: Option<&Path>) -> Result<Figment, ConfigError> {
        let path = match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError::MissingFile(path.display().to_string()));
            }
            Some(path) => path.to_path_buf(),
            None => DEFAULT_CONFIG_FILE.into(),
        };
        Ok(Figment::from(Serialized::defaults(defaults()))
            .merge(Toml::file(path))
            .merge(Env::prefixed("CHARTER_").ignore(&["config"]))
            .merge(Env::raw().only(&["DATABASE_URL"])))
    }

    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        figment
            .extract()
            .map_err(|e| ConfigError::Invalid(Box::new(e)))
    }

    /// The public URL of the site: as configured, or `http://` + the listen address.
    pub fn base_url(&self) -> BaseUrl {
        self.base_url_at(self.addr)
    }

    /// The public URL once the server listens on `bound`, which differs from the configured
    /// address when that asks for any free port (`:0`).
    pub fn base_url_at(&self, bound: SocketAddr) -> BaseUrl {
        self.base_url
            .clone()
            .unwrap_or_else(|| BaseUrl(format!("http://{bound}")))
    }

    /// The sender of notices: as configured, or the organisation at `notices@` the site's host.
    pub fn smtp_from(&self) -> Mailbox {
        if let Some(from) = &self.smtp_from {
            return from.0.clone();
        }
        let host = Url::parse(self.base_url().as_str())
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned());
        let address = format!("notices@{host}")
            .parse()
            .unwrap_or_else(|_| Address::new("notices", "localhost").expect("a valid address"));
        Mailbox::new(Some(self.organisation.as_str().to_owned()), address)
    }
}

/// Names the setting (environment variable or file key) and says what is wrong with it.
fn describe(error: &figment::Error) -> String {
    error
        .clone()
        .into_iter()
        .map(|error| {
            let key = error.path.join(".");
            let setting = SETTINGS.iter().find(|s| s.key == key);
            let source = match &error.metadata {
                Some(meta) if meta.name.contains("environment") => setting
                    .map(|s| format!("environment variable {}", s.env))
                    .unwrap_or_else(|| format!("environment variable for `{key}`")),
                Some(meta) => match &meta.source {
                    Some(source) => format!("`{key}` in {source}"),
                    None => format!("`{key}` in {}", meta.name),
                },
                None => format!("`{key}`"),
            };
            format!("invalid setting {source}: {}", error.kind)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Accepts the spellings people use for yes and no, so `CHARTER_DEMO=1` works.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    match Flag::deserialize(deserializer)? {
        Flag::Bool(value) => Ok(value),
        Flag::Int(1) => Ok(true),
        Flag::Int(0) => Ok(false),
        Flag::Text(text) => match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" | "" => Ok(false),
            _ => Err(serde::de::Error::custom(format!(
                "`{text}` is not a yes/no value; use true or false (or 1 or 0)"
            ))),
        },
        Flag::Int(other) => Err(serde::de::Error::custom(format!(
            "`{other}` is not a yes/no value; use true or false (or 1 or 0)"
        ))),
    }
}

/// An absolute `http` or `https` URL without query or fragment, kept without a trailing slash so
/// paths can be appended.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct BaseUrl(String);

impl BaseUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BaseUrl {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let url = Url::parse(raw.trim()).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("`{raw}` must start with http:// or https://"));
        }
        if url.host().is_none() {
            return Err(format!("`{raw}` has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("`{raw}` must not have a query or fragment"));
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The organisation's display name: 1 to 200 characters, surrounding space trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Organisation(String);

impl Organisation {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Organisation {
    type Error = &'static str;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        let name = name.trim();
        match name.chars().count() {
            0 => Err("the organisation name must not be empty"),
            1..=200 => Ok(Self(name.to_owned())),
            _ => Err("the organisation name must have at most 200 characters"),
        }
    }
}

/// A log filter that `tracing_subscriber::EnvFilter` accepts.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "String")]
pub struct LogFilter(String);

impl LogFilter {
    pub fn to_env_filter(&self) -> EnvFilter {
        // Validated on construction, so this parse succeeds.
        EnvFilter::try_new(&self.0).unwrap_or_else(|_| EnvFilter::new("info"))
    }
}

impl TryFrom<String> for LogFilter {
    type Error = String;

    fn try_from(filter: String) -> Result<Self, Self::Error> {
        EnvFilter::try_new(&filter).map_err(|e| format!("`{filter}` is not a log filter: {e}"))?;
        Ok(Self(filter))
    }
}

/// The consent cookies' signing key, when the operator sets one: at least 32 characters.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct ConsentSecret(SigningKey);

impl ConsentSecret {
    pub fn key(&self) -> SigningKey {
        self.0.clone()
    }
}

impl fmt::Debug for ConsentSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsentSecret(…)")
    }
}

impl TryFrom<String> for ConsentSecret {
    type Error = String;

    fn try_from(secret: String) -> Result<Self, Self::Error> {
        SigningKey::new(secret.into_bytes())
            .map(ConsentSecret)
            .map_err(|_| "a consent secret needs at least 32 characters".to_owned())
    }
}

/// The evidence log's signing key, when the operator sets one. Its Debug prints only the
/// public key.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "String")]
pub struct LogSigningKey(LogKey);

impl LogSigningKey {
    pub fn key(&self) -> LogKey {
        self.0.clone()
    }
}

impl TryFrom<String> for LogSigningKey {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        LogKey::parse(&key)
            .map(LogSigningKey)
            .map_err(|error| format!("{error}; `charter log keygen` prints a new one"))
    }
}

/// An SMTP server in lettre's URL form, checked by lettre at start-up. Its password never
/// appears in logs.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct SmtpUrl(String);

impl SmtpUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Url::parse(&self.0) {
            Ok(mut url) => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("…"));
                }
                write!(f, "SmtpUrl({url})")
            }
            Err(_) => f.write_str("SmtpUrl(…)"),
        }
    }
}

impl TryFrom<String> for SmtpUrl {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let raw = raw.trim().to_owned();
        let scheme = raw.split_once("://").map(|(scheme, _)| scheme);
        if !matches!(scheme, Some("smtp" | "smtps")) {
            return Err("an SMTP URL starts with smtp:// or smtps://".to_owned());
        }
        lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&raw)
            .map_err(|e| format!("not a usable SMTP URL: {e}"))?;
        Ok(Self(raw))
    }
}

/// The `From` of notices: an address, optionally with a display name.
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "String")]
pub struct SmtpFrom(Mailbox);

impl TryFrom<String> for SmtpFrom {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        raw.trim()
            .parse()
            .map(Self)
            .map_err(|e| format!("`{raw}` is not an email address: {e}"))
    }
}

/// Messages per second the notice worker may send: more than 0, at most 10,000.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(try_from = "f64")]
pub struct SmtpRate(f64);

impl SmtpRate {
    pub fn per_second(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for SmtpRate {
    type Error = String;

    fn try_from(rate: f64) -> Result<Self, Self::Error> {
        if (0.01..=10_000.0).contains(&rate) {
            Ok(Self(rate))
        } else {
            Err(format!(
                "{rate} is out of range; use 0.01 to 10000 messages per second"
            ))
        }
    }
}

/// A number of seconds from `MIN` to `MAX`, as the duration settings take them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u64")]
pub struct Seconds<const MIN: u64, const MAX: u64>(Duration);

impl<const MIN: u64, const MAX: u64> Seconds<MIN, MAX> {
    pub fn duration(self) -> Duration {
        self.0
    }
}

impl<const MIN: u64, const MAX: u64> TryFrom<u64> for Seconds<MIN, MAX> {
    type Error = String;

    fn try_from(secs: u64) -> Result<Self, Self::Error> {
        if (MIN..=MAX).contains(&secs) {
            Ok(Self(Duration::from_secs(secs)))
        } else {
            Err(format!(
                "{secs} is out of range; use {MIN} to {MAX} seconds"
            ))
        }
    }
}

/// The wait before the first retry of a deferred notice.
pub type RetryDelay = Seconds<1, 3600>;
/// How long a worker owns the notices it claimed.
pub type NoticeLease = Seconds<2, 3600>;
/// How often the evidence log's checkpoint is signed while records arrive.
pub type CheckpointInterval = Seconds<1, 60>;
/// The least time between two checkpoints mailed to the witnesses, in minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u64")]
pub struct WitnessInterval(Duration);

impl WitnessInterval {
    pub fn duration(self) -> Duration {
        self.0
    }
}

impl TryFrom<u64> for WitnessInterval {
    type Error = String;

    fn try_from(minutes: u64) -> Result<Self, Self::Error> {
        if (1..=10080).contains(&minutes) {
            Ok(Self(Duration::from_secs(minutes * 60)))
        } else {
            Err(format!(
                "{minutes} is out of range; use 1 to 10080 minutes (a week)"
            ))
        }
    }
}

/// How long a graceful shutdown may take.
pub type ShutdownTimeout = Seconds<1, 300>;
/// How long a client may take over part of a request.
pub type HttpTimeout = Seconds<1, 300>;

/// Host names (or IP addresses), lowercased: a comma-separated list, or a TOML array.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "ListValue")]
pub struct ImageHostList(Vec<String>);

/// A list setting: a comma-separated list in a variable, or a TOML array.
#[derive(Deserialize)]
#[serde(untagged)]
enum ListValue {
    List(Vec<String>),
    Text(String),
}

impl ListValue {
    fn items(self) -> Vec<String> {
        let items = match self {
            ListValue::List(items) => items,
            ListValue::Text(text) => text.split(',').map(str::to_owned).collect(),
        };
        items
            .into_iter()
            .map(|item| item.trim().to_owned())
            .filter(|item| !item.is_empty())
            .collect()
    }
}

/// The addresses every signed checkpoint of the evidence log is mailed to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "ListValue")]
pub struct WitnessList(Vec<Mailbox>);

impl WitnessList {
    pub fn addresses(&self) -> &[Mailbox] {
        &self.0
    }
}

impl TryFrom<ListValue> for WitnessList {
    type Error = String;

    fn try_from(value: ListValue) -> Result<Self, Self::Error> {
        value
            .items()
            .iter()
            .map(|address| {
                address
                    .parse::<Mailbox>()
                    .map_err(|_| format!("`{address}` is not an email address"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl ImageHostList {
    pub fn hosts(&self) -> &[String] {
        &self.0
    }
}

impl TryFrom<ListValue> for ImageHostList {
    type Error = String;

    fn try_from(value: ListValue) -> Result<Self, Self::Error> {
        value
            .items()
            .iter()
            .map(|name| match url::Host::parse(name) {
                Ok(host) => Ok(host.to_string()),
                Err(_) => Err(format!(
                    "`{name}` is not a host name; give names like cdn.example.com, without https:// or a path"
                )),
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

#[cfg(test)]
// `figment::Jail` closures must return `figment::Error`, which is large; only tests use it.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    fn load() -> Result<Config, String> {
        Config::load(None).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_need_no_configuration() {
        Jail::expect_with(|_| {
            let config = load().expect("defaults are valid");
            assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
            assert_eq!(config.database_url.as_str(), "sqlite:data/charter.db");
            assert_eq!(config.base_url().as_str(), "http://127.0.0.1:3000");
            assert!(!config.demo);
            assert_eq!(config.shutdown_timeout.duration(), Duration::from_secs(10));
            assert_eq!(config.consent_batch_limit, BatchLimit::default());
            assert!(config.smtp_url.is_none());
            assert_eq!(
                config.smtp_from().to_string(),
                "Example Ltd <notices@127.0.0.1>"
            );
            assert_eq!(config.outbox_dir, Path::new("data/outbox"));
            assert_eq!(config.header_timeout.duration(), Duration::from_secs(10));
            assert_eq!(config.request_timeout.duration(), Duration::from_secs(30));
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "charter.toml",
                r#"
                addr = "127.0.0.1:4000"
                organisation = "From File Ltd"
                base_url = "https://legal.example.com/"
                "#,
            )?;
            jail.set_env("CHARTER_ADDR", "0.0.0.0:5000");
            jail.set_env("CHARTER_DEMO", "1");
            jail.set_env("DATABASE_URL", "postgres://postgres@127.0.0.1/charter");
            let config = load().expect("valid");
            assert_eq!(config.addr.to_string(), "0.0.0.0:5000");
            assert_eq!(config.organisation.as_str(), "From File Ltd");
            assert_eq!(config.base_url().as_str(), "https://legal.example.com");
            assert!(config.demo);
            assert_eq!(config.database_url.backend(), app::db::Backend::Postgres);
            Ok(())
        });
    }

    #[test]
    fn bad_values_name_the_setting() {
        let cases = [
            (
                "CHARTER_ADDR",
                "localhost",
                "environment variable CHARTER_ADDR",
            ),
            (
                "DATABASE_URL",
                "mysql://x",
                "environment variable DATABASE_URL",
            ),
            (
                "CHARTER_BASE_URL",
                "ftp://x",
                "environment variable CHARTER_BASE_URL",
            ),
            ("CHARTER_DEMO", "maybe", "environment variable CHARTER_DEMO"),
            (
                "CHARTER_SHUTDOWN_TIMEOUT",
                "0",
                "environment variable CHARTER_SHUTDOWN_TIMEOUT",
            ),
            (
                "CHARTER_ORGANISATION",
                " ",
                "environment variable CHARTER_ORGANISATION",
            ),
            ("CHARTER_LOG", "info,[", "environment variable CHARTER_LOG"),
            (
                "CHARTER_CONSENT_LIFETIME_MONTHS",
                "14",
                "a choice may hold 1 to 13 months",
            ),
            (
                "CHARTER_CONSENT_SECRET",
                "too short",
                "at least 32 characters",
            ),
            ("CHARTER_CONSENT_BATCH_LIMIT", "0", "1 to 1024 events"),
            ("CHARTER_SMTP_URL", "http://mail", "smtp:// or smtps://"),
            (
                "CHARTER_SMTP_FROM",
                "not an address",
                "not an email address",
            ),
            ("CHARTER_SMTP_RATE", "0", "0.01 to 10000"),
            ("CHARTER_SMTP_RETRY", "0", "1 to 3600 seconds"),
            ("CHARTER_NOTICE_LEASE", "1", "2 to 3600 seconds"),
            ("CHARTER_HEADER_TIMEOUT", "0", "1 to 300 seconds"),
            ("CHARTER_REQUEST_TIMEOUT", "301", "1 to 300 seconds"),
            (
                "CHARTER_IMAGE_HOSTS",
                "cdn.example.com, https://img.example/",
                "`https://img.example/` is not a host name",
            ),
        ];
        for (variable, value, expected) in cases {
            Jail::expect_with(|jail| {
                jail.set_env(variable, value);
                let error = load().expect_err(variable);
                assert!(error.contains(expected), "{variable}: {error}");
                Ok(())
            });
        }
    }

    #[test]
    fn bad_file_values_name_the_file_and_key() {
        Jail::expect_with(|jail| {
            jail.create_file("charter.toml", "shutdown_timeout = 9000")?;
            let error = load().expect_err("out of range");
            assert!(error.contains("`shutdown_timeout` in"), "{error}");
            assert!(error.contains("charter.toml"), "{error}");
            assert!(error.contains("1 to 300"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn smtp_settings_are_read_and_the_password_is_never_shown() {
        Jail::expect_with(|jail| {
            jail.set_env(
                "CHARTER_SMTP_URL",
                "smtps://notices:s3cret@mail.example.com:465",
            );
            jail.set_env("CHARTER_SMTP_FROM", "Legal <legal@example.com>");
            jail.set_env("CHARTER_SMTP_RATE", "2.5");
            let config = load().expect("valid");
            let url = config.smtp_url.clone().expect("set");
            assert_eq!(url.as_str(), "smtps://notices:s3cret@mail.example.com:465");
            assert!(!format!("{config:?}").contains("s3cret"));
            assert_eq!(config.smtp_from().to_string(), "Legal <legal@example.com>");
            assert_eq!(config.smtp_rate.per_second(), 2.5);
            Ok(())
        });
    }

    #[test]
    fn image_hosts_are_a_list_of_names() {
        Jail::expect_with(|jail| {
            assert!(load().expect("defaults").image_hosts.hosts().is_empty());
            jail.set_env("CHARTER_IMAGE_HOSTS", " CDN.example.com, ,img.example ");
            let config = load().expect("valid");
            assert_eq!(
                config.image_hosts.hosts(),
                ["cdn.example.com", "img.example"]
            );
            jail.clear_env();
            jail.create_file("charter.toml", r#"image_hosts = ["cdn.example.com"]"#)?;
            assert_eq!(
                load().expect("valid").image_hosts.hosts(),
                ["cdn.example.com"]
            );
            Ok(())
        });
    }

    #[test]
    fn witnesses_and_the_log_key_are_checked() {
        Jail::expect_with(|jail| {
            let config = load().expect("defaults");
            assert!(config.log_witnesses.addresses().is_empty());
            assert!(config.log_key.is_none());
            assert_eq!(
                config.checkpoint_seconds.duration(),
                Duration::from_secs(60)
            );
            jail.set_env(
                "CHARTER_LOG_WITNESSES",
                "audit@example.org, Monitor <m@example.net>",
            );
            assert_eq!(load().expect("valid").log_witnesses.addresses().len(), 2);
            jail.set_env("CHARTER_LOG_WITNESSES", "audit@example.org, nobody");
            assert!(
                load()
                    .unwrap_err()
                    .to_string()
                    .contains("`nobody` is not an email address")
            );
            jail.clear_env();
            jail.set_env("CHARTER_LOG_KEY", "PRIVATE+KEY+x+00000000+AAAA");
            assert!(
                load()
                    .unwrap_err()
                    .to_string()
                    .contains("charter log keygen")
            );
            jail.set_env(
                "CHARTER_LOG_KEY",
                LogKey::generate("legal.example.com/log").expect("a key"),
            );
            let key = load().expect("valid").log_key.expect("a key").key();
            assert_eq!(key.origin(), "legal.example.com/log");
            jail.clear_env();
            jail.set_env("CHARTER_CHECKPOINT_SECONDS", "61");
            assert!(load().is_err());
            jail.clear_env();
            assert_eq!(
                load().expect("defaults").log_witness_minutes.duration(),
                Duration::from_secs(3600)
            );
            jail.set_env("CHARTER_LOG_WITNESS_MINUTES", "0");
            assert!(
                load()
                    .unwrap_err()
                    .to_string()
                    .contains("1 to 10080 minutes")
            );
            Ok(())
        });
    }

    #[test]
    fn an_explicit_config_file_must_exist() {
        Jail::expect_with(|_| {
            let error = Config::load(Some(Path::new("missing.toml"))).unwrap_err();
            assert!(matches!(error, ConfigError::MissingFile(_)));
            Ok(())
        });
    }

    #[test]
    fn every_setting_is_in_the_help() {
        let help = settings_help();
        for setting in SETTINGS {
            assert!(help.contains(setting.env), "{}", setting.env);
        }
    }
}
