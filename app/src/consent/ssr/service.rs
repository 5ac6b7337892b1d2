//! Applying a visitor's choice: one path for every entry point (banner form, hydrated banner,
//! settings page, JSON API), from the submission to the recorded event and the cookies to set.

use super::{
    Banner, CONSENT_COOKIE, ConsentCookie, ConsentLog, NewEvent, Place, RecordError, Recorded,
    SigningKey, Standing, Submission, SubmissionError, action, banner_text, refused, resolve,
};
use crate::{
    clock::Timestamp,
    consent::{Choices, ConsentLifetime, SubjectId},
    db::{Db, decode_error},
    i18n::Locale,
    inventory::{
        Inventory,
        ssr::{ActiveCache, ActiveConfiguration, active},
    },
    network::{RequestSource, WriteLimiter},
};
use axum::http::HeaderMap;
use std::{
    collections::{BTreeMap, HashMap},
    net::SocketAddr,
    sync::{Arc, Mutex},
};

/// Everything consent handling needs, shared by every request.
#[derive(Clone, Debug)]
pub struct ConsentService {
    pub log: ConsentLog,
    pub configuration: ActiveCache,
    pub banners: BannerCache,
    pub key: SigningKey,
    pub lifetime: ConsentLifetime,
    /// Whether cookies get `Secure` (the site is served over HTTPS).
    pub secure_cookies: bool,
    /// The registrable domain the consent cookies are scoped to, so one choice holds on every
    /// site of the company's domain; `None` (host-only) for an address or a single label.
    pub cookie_domain: Option<String>,
}

/// The registrable domain of `base_url`'s host (`legal.example.com` → `example.com`), which
/// the consent cookies are scoped to.
pub fn cookie_domain(base_url: &str) -> Option<String> {
    let url = url::Url::parse(base_url).ok()?;
    let Some(url::Host::Domain(host)) = url.host() else {
        return None;
    };
    if !host.contains('.') {
        return None;
    }
    psl::domain_str(host).map(str::to_owned)
}

/// The readable cookie that mirrors a visitor's choice for the company's sites, so their code
/// knows it synchronously at page load: never the subject, never the signature.
pub const CHOICES_COOKIE: &str = "charter_choices";

/// The mirror's value: `_v=` the configuration version's first 16 digits, each category as
/// `key=1` or `key=0`, and `_g=1` while only a GPC opt-out is recorded. (Category keys start
/// with a letter.)
pub fn mirror(cookie: &ConsentCookie) -> String {
    let mut value = format!("_v={}", cookie.version.get(..16).unwrap_or(&cookie.version));
    for (key, allowed) in &cookie.choices {
        value.push_str(&format!("&{key}={}", u8::from(*allowed)));
    }
    if cookie.gpc_only {
        value.push_str("&_g=1");
    }
    value
}

/// Banners by configuration version and locale. Every visitor is shown the same text until the
/// inventory changes, and formatting it was the costliest step of recording a choice.
#[derive(Clone, Debug, Default)]
pub struct BannerCache(Arc<Mutex<HashMap<BannerKey, Arc<Banner>>>>);

/// A configuration version and a locale.
type BannerKey = (String, Locale);

impl BannerCache {
    pub fn get(&self, configuration: &ActiveConfiguration, locale: Locale) -> Arc<Banner> {
        let key = (configuration.version.clone(), locale);
        if let Some(banner) = self
            .0
            .lock()
            .ok()
            .and_then(|banners| banners.get(&key).cloned())
        {
            return banner;
        }
        let banner = Arc::new(Banner::new(banner_text(&configuration.inventory, locale)));
        if let Ok(mut banners) = self.0.lock() {
            banners.insert(key, banner.clone());
        }
        banner
    }
}

/// The request's part in an event: what it carried and where it came from.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// The `charter_consent` cookie's value, if the request sent one.
    pub cookie: Option<String>,
    pub source: RequestSource,
    /// The request carried `Sec-GPC: 1` (Global Privacy Control).
    pub gpc: bool,
}

/// The header an embedded banner on a site of another registrable domain sends its signed
/// choice in: the browser keeps no cookie of Charter's for such a site.
pub const CONSENT_HEADER: &str = "charter-consent";

impl Origin {
    /// What an HTTP request tells about where a choice comes from.
    pub fn of(headers: &HeaderMap, peer: SocketAddr) -> Origin {
        Origin {
            cookie: consent_cookie(headers)
                .or_else(|| {
                    headers
                        .get(CONSENT_HEADER)
                        .and_then(|value| value.to_str().ok())
                        .filter(|value| value.len() <= 4096)
                })
                .map(str::to_owned),
            source: RequestSource::of(headers, peer),
            gpc: headers
                .get("sec-gpc")
                .is_some_and(|value| value.as_bytes().trim_ascii() == b"1"),
        }
    }
}

/// What a page shows of a visitor's trusted consent cookie: the configuration it is about,
/// whether it has run out and whether it holds only a GPC opt-out; never the choice itself.
/// Every visitor who holds the same is shown the same page, so the page cache keys by it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HeldChoice {
    pub version: String,
    pub expired: bool,
    pub gpc_only: bool,
}

/// The `charter_consent` value among a request's cookies.
pub fn consent_cookie(headers: &HeaderMap) -> Option<&str> {
    crate::cookies::cookie(headers, CONSENT_COOKIE)
}

/// A form's ticked categories as a full choice: every optional category of the inventory in
/// force, refused unless ticked. Ticked keys the inventory does not know are kept, so
/// resolving the submission names them.
pub async fn ticked_choices(
    db: &Db,
    ticked: impl IntoIterator<Item = String>,
) -> Result<BTreeMap<String, bool>, ApplyError> {
    let configuration = active(db).await?.ok_or(ApplyError::NoInventory)?;
    let mut choices: BTreeMap<String, bool> = configuration
        .inventory
        .optional()
        .map(|category| (category.key.to_string(), false))
        .collect();
    for key in ticked {
        choices.insert(key, true);
    }
    Ok(choices)
}

/// A choice applied: the event (new, or the first one recorded with the same idempotency key)
/// and the `Set-Cookie` values the response must carry.
#[derive(Clone, Debug)]
pub struct Applied {
    pub recorded: Recorded,
    pub choices: Choices,
    /// What the consent cookie set by this response says.
    pub cookie: ConsentCookie,
    pub set_cookies: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Submission(#[from] SubmissionError),
    #[error("no cookie inventory is in force")]
    NoInventory,
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("cannot draw a random subject id")]
    Random,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl ConsentService {
    /// The cookie's content if its signature is valid, whatever its age or configuration.
    pub fn verified(&self, cookie: Option<&str>) -> Option<ConsentCookie> {
        cookie.and_then(|value| ConsentCookie::verify(value, &self.key))
    }

    /// What a page shows of the visitor who sent `cookie`, without asking which configuration
    /// is in force: `None` for no trusted cookie, which a page shows as no choice.
    pub fn held_choice(&self, cookie: Option<&str>) -> Option<HeldChoice> {
        let cookie = self.verified(cookie)?;
        let gpc_only = cookie.gpc_only;
        let version = cookie.version.clone();
        let standing = Standing::of(Some(cookie), &version, self.lifetime, Timestamp::now());
        Some(HeldChoice {
            expired: matches!(standing, Standing::Expired(_)),
            gpc_only,
            version,
        })
    }

    /// Where the visitor who sent `cookie` stands with the configuration `active_version`.
    pub fn standing(&self, cookie: Option<&str>, active_version: &str) -> Standing {
        Standing::of(
            self.verified(cookie),
            active_version,
            self.lifetime,
            Timestamp::now(),
        )
    }

    pub async fn apply(
        &self,
        db: &Db,
        origin: &Origin,
        submission: &Submission,
    ) -> Result<Applied, ApplyError> {
        let configuration = self
            .configuration
            .get(db, &submission.configuration_version)
            .await?
            .ok_or(ApplyError::NoInventory)?;
        let choices = resolve(&configuration.inventory, &configuration.version, submission)?;
        let standing = self.standing(origin.cookie.as_deref(), &configuration.version);
        let previous = standing.chosen();
        let (subject, subject_is_new) = match standing.kept_subject() {
            Some(subject) => (subject.clone(), false),
            None => (SubjectId::random().map_err(|_| ApplyError::Random)?, true),
        };
        let event = NewEvent {
            subject,
            action: action(previous.map(|cookie| &cookie.choices), &choices),
            choices,
            method: submission.method,
            configuration_version: configuration.version.clone(),
            banner: self.banners.get(&configuration, submission.locale),
            locale: submission.locale,
            user_agent: origin.source.user_agent.clone(),
            ip_prefix: origin.source.ip_prefix.clone(),
            idempotency_key: submission.idempotency_key.clone(),
            subject_is_new,
            place: submission.place.clone(),
            gpc: origin.gpc,
            lifetime: self.lifetime,
        };
        self.recorded(event, &configuration.inventory, false).await
    }

    /// Records a Global Privacy Control opt-out once per subject: for a visitor who has not
    /// chosen (the cookie it sets marks the opt-out as recorded), and for one whose choice
    /// still allows a category that sells or shares data (the signal overrides it; the
    /// categories stay refused from then on, so it is recorded once). `None` when there is
    /// nothing to record, and when the visitor's network has spent its budget of public writes
    /// (page views cost nothing else, so a stranger could otherwise fill the log): the page is
    /// still served, and its banner asks.
    pub async fn record_gpc(
        &self,
        db: &Db,
        origin: &Origin,
        locale: crate::i18n::Locale,
        place: Place,
        writes: &WriteLimiter,
    ) -> Result<Option<Applied>, ApplyError> {
        if !origin.gpc {
            return Ok(None);
        }
        let configuration = active(db).await?.ok_or(ApplyError::NoInventory)?;
        let standing = self.standing(origin.cookie.as_deref(), &configuration.version);
        let (subject, choices, subject_is_new, gpc_only) = match &standing {
            Standing::Chosen(cookie)
                if super::allows_sale_or_sharing(&configuration.inventory, &cookie.choices) =>
            {
                let mut choices = cookie.choices.clone();
                choices.extend(super::gpc_choices(&configuration.inventory));
                (cookie.subject.clone(), choices, false, false)
            }
            _ if standing.subject().is_some() => return Ok(None),
            _ => match standing.kept_subject() {
                Some(subject) => (
                    subject.clone(),
                    super::gpc_choices(&configuration.inventory),
                    false,
                    true,
                ),
                None => (
                    SubjectId::random().map_err(|_| ApplyError::Random)?,
                    super::gpc_choices(&configuration.inventory),
                    true,
                    true,
                ),
            },
        };
        if writes.check(&origin.source.ip_prefix).is_err() {
            tracing::warn!(network = %origin.source.ip_prefix, "GPC opt-out not recorded: rate-limited");
            return Ok(None);
        }
        let event = NewEvent {
            subject,
            action: crate::consent::Action::GpcOptOut,
            choices,
            method: crate::consent::Method::Gpc,
            configuration_version: configuration.version.clone(),
            banner: self.banners.get(&configuration, locale),
            locale,
            user_agent: origin.source.user_agent.clone(),
            ip_prefix: origin.source.ip_prefix.clone(),
            idempotency_key: crate::consent::IdempotencyKey::random()
                .map_err(|_| ApplyError::Random)?,
            subject_is_new,
            place,
            gpc: true,
            lifetime: self.lifetime,
        };
        self.recorded(event, &configuration.inventory, gpc_only)
            .await
            .map(Some)
    }

    /// Records `event` and builds the cookies that answer it.
    async fn recorded(
        &self,
        event: NewEvent,
        inventory: &Inventory,
        gpc_only: bool,
    ) -> Result<Applied, ApplyError> {
        let recorded = match self.log.record(event).await {
            Ok(recorded) => recorded,
            Err(RecordError::Outdated { current }) => {
                self.configuration.forget();
                return Err(SubmissionError::Outdated { current }.into());
            }
            Err(RecordError::KeyReused) => return Err(SubmissionError::KeyReused.into()),
            Err(error) => return Err(error.into()),
        };
        // A retry answers with what the first request recorded, so the cookie matches it.
        let choices: Choices =
            serde_json::from_value(recorded.event.choices.clone()).unwrap_or_default();
        let cookie = ConsentCookie {
            subject: recorded
                .event
                .subject
                .parse()
                .map_err(|e| ApplyError::Database(decode_error("subject_id", e)))?,
            version: recorded.event.configuration_version.clone(),
            choices: choices.clone(),
            at: recorded.event.recorded_at,
            gpc_only,
        };
        let set_cookies = self.cookies(&cookie, inventory);
        Ok(Applied {
            recorded,
            choices,
            cookie,
            set_cookies,
        })
    }

    /// The signed consent cookie and its readable mirror, both for the company's registrable
    /// domain, and an expired copy of every inventory cookie in a refused category, on this
    /// host and on that domain (where `Domain=` cookies such as `_ga` live), so a refusal or
    /// withdrawal takes effect in the same response.
    fn cookies(&self, cookie: &ConsentCookie, inventory: &Inventory) -> Vec<String> {
        let max_age = self.lifetime.days() * 24 * 60 * 60;
        // The signed cookie outlives the choice (whose age the server checks) by one more
        // lifetime, within the 400 days browsers keep a cookie at most, so the visitor asked
        // again after it expired keeps their subject and their receipts.
        let kept_for = (2 * self.lifetime.days()).min(400) * 24 * 60 * 60;
        let scoped = |builder: crate::cookies::CookieBuilder<'static>| match &self.cookie_domain {
            Some(domain) => builder.domain(domain.clone()),
            None => builder,
        };
        let consent = crate::cookies::site_cookie(
            CONSENT_COOKIE,
            cookie.sign(&self.key),
            Some(kept_for),
            crate::cookies::SameSite::Lax,
        )
        .http_only(true)
        .secure(self.secure_cookies);
        let mirror = crate::cookies::site_cookie(
            CHOICES_COOKIE,
            mirror(cookie),
            Some(max_age),
            crate::cookies::SameSite::Lax,
        )
        .secure(self.secure_cookies);
        let mut cookies = vec![
            scoped(consent).build().to_string(),
            scoped(mirror).build().to_string(),
        ];
        if self.cookie_domain.is_some() {
            // A host-only consent cookie from before the domain was known would shadow the
            // domain's.
            cookies.push(crate::cookies::removal(
                CONSENT_COOKIE.to_owned(),
                self.secure_cookies,
                None,
            ));
        }
        for key in refused(&cookie.choices) {
            let Some(category) = inventory.category(key.as_str()) else {
                continue;
            };
            for name in category.services.iter().flat_map(|s| &s.cookies) {
                cookies.push(crate::cookies::removal(
                    name.to_string(),
                    self.secure_cookies,
                    None,
                ));
                if let Some(domain) = &self.cookie_domain {
                    cookies.push(crate::cookies::removal(
                        name.to_string(),
                        self.secure_cookies,
                        Some(domain),
                    ));
                }
            }
        }
        cookies
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_domain_is_the_registrable_domain_of_a_named_host() {
        for (base_url, domain) in [
            ("https://legal.example.com", Some("example.com")),
            ("https://example.com", Some("example.com")),
            ("https://legal.example.co.uk/", Some("example.co.uk")),
            ("http://legal.charter.test:3000", Some("charter.test")),
            ("http://127.0.0.1:3000", None),
            ("http://[::1]:3000", None),
            ("http://localhost:3000", None),
        ] {
            assert_eq!(cookie_domain(base_url).as_deref(), domain, "{base_url}");
        }
    }

    #[test]
    fn the_mirror_names_the_version_and_each_choice_but_no_subject() {
        let cookie = ConsentCookie {
            subject: SubjectId::random().expect("random"),
            version: "0123456789abcdef".repeat(4),
            choices: [
                ("analytics".parse().expect("key"), true),
                ("marketing".parse().expect("key"), false),
            ]
            .into(),
            at: Timestamp::from_millis(0),
            gpc_only: false,
        };
        assert_eq!(
            mirror(&cookie),
            "_v=0123456789abcdef&analytics=1&marketing=0"
        );
        let gpc = ConsentCookie {
            gpc_only: true,
            ..cookie.clone()
        };
        assert!(mirror(&gpc).ends_with("&_g=1"));
        assert!(!mirror(&cookie).contains(cookie.subject.as_str()));
    }
}
