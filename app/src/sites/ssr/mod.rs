//! The registry of sites: its queries, a short-lived copy every request checks against, and
//! the CORS answers the consent API gives the registered origins (and only them).

pub mod http;

use super::ConsentModel;
use crate::{
    audit::{
        AuditAction,
        ssr::{Actor, record},
    },
    clock::Timestamp,
    db::{Db, decode_error},
    http::HttpError,
    state::AppState,
};
use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::{
    str::FromStr,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

/// A registered origin: `scheme://host[:port]` (http or https, no path), where the host may be
/// `*.domain` for every subdomain of `domain` (not the domain itself, and never a public
/// suffix such as `*.co.uk`). Held in the form browsers send in `Origin`: lowercase, without
/// the scheme's default port.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SiteOrigin(String);

crate::newtypes::string_newtype!(SiteOrigin);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a site origin: write scheme://host[:port] with http or https and nothing \
     after the host, e.g. https://www.example.com or https://*.example.com"
)]
pub struct BadSiteOrigin(pub String);

/// The parts of an origin, as compared.
struct Parts<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
}

fn parts(origin: &str) -> Option<Parts<'_>> {
    let (scheme, rest) = origin.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        // An IPv6 literal's colons are inside brackets.
        Some((host, port)) if !port.contains(']') => (host, Some(port.parse().ok()?)),
        _ => (rest, None),
    };
    Some(Parts { scheme, host, port })
}

impl FromStr for SiteOrigin {
    type Err = BadSiteOrigin;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadSiteOrigin(text.chars().take(200).collect());
        let text = text.trim().trim_end_matches('/');
        if text.len() > 253 + 20 || text.chars().any(|c| c.is_whitespace()) {
            return Err(bad());
        }
        let (wildcard, plain) = match text.split_once("://*.") {
            Some((scheme, rest)) => (true, format!("{scheme}://{rest}")),
            None => (false, text.to_owned()),
        };
        let url = url::Url::parse(&plain).map_err(|_| bad())?;
        let serialised = url.origin().ascii_serialization();
        // Anything the origin leaves out (a path, a query, credentials) was not an origin.
        if !matches!(url.scheme(), "http" | "https")
            || !plain.eq_ignore_ascii_case(&serialised)
                && !plain.eq_ignore_ascii_case(&format!("{serialised}:{}", default_port(&url)))
        {
            return Err(bad());
        }
        if !wildcard {
            return Ok(SiteOrigin(serialised));
        }
        let Some(url::Host::Domain(domain)) = url.host() else {
            return Err(bad());
        };
        if !domain.contains('.') || psl::suffix_str(domain) == Some(domain) {
            return Err(bad());
        }
        Ok(SiteOrigin(serialised.replacen("://", "://*.", 1)))
    }
}

fn default_port(url: &url::Url) -> u16 {
    if url.scheme() == "https" { 443 } else { 80 }
}

impl SiteOrigin {
    /// Whether the browser origin `origin` (an `Origin` header's value) is this site's.
    pub fn matches(&self, origin: &str) -> bool {
        let (Some(site), Some(asked)) = (parts(&self.0), parts(origin)) else {
            return false;
        };
        if site.scheme != asked.scheme || site.port != asked.port {
            return false;
        }
        match site.host.strip_prefix("*.") {
            Some(domain) => asked
                .host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
            None => site.host == asked.host,
        }
    }
}

/// A registered site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub id: i64,
    pub origin: SiteOrigin,
    pub model: ConsentModel,
    pub created_at: Timestamp,
    pub created_by: String,
}

/// The most sites one installation registers: the list is checked on every embedded request.
pub const MAX_SITES: i64 = 200;

pub async fn list(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
) -> Result<Vec<Site>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, origin, model, created_at, created_by FROM consent_sites ORDER BY origin",
    )
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|row| {
            let origin: String = row.try_get("origin")?;
            let model: String = row.try_get("model")?;
            Ok(Site {
                id: row.try_get("id")?,
                origin: origin.parse().map_err(|e| decode_error("origin", e))?,
                model: model.parse().map_err(|e| decode_error("model", e))?,
                created_at: Timestamp::from_millis(row.try_get("created_at")?),
                created_by: row.try_get("created_by")?,
            })
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{0} is registered already")]
    AlreadyRegistered(SiteOrigin),
    #[error("{MAX_SITES} sites are registered, the most Charter keeps; remove one first")]
    TooMany,
    #[error("no site has the id {0}")]
    NotFound(i64),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Registers `origin`, and records who did.
pub async fn add(
    db: &Db,
    actor: &Actor,
    origin: &SiteOrigin,
    model: ConsentModel,
) -> Result<(), SiteError> {
    let mut tx = db.begin_write().await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consent_sites")
        .fetch_one(&mut *tx)
        .await?;
    if count >= MAX_SITES {
        return Err(SiteError::TooMany);
    }
    let inserted = sqlx::query(
        "INSERT INTO consent_sites (origin, model, created_at, created_by)
         VALUES ($1, $2, $3, $4) ON CONFLICT (origin) DO NOTHING",
    )
    .bind(origin.as_str())
    .bind(model.as_str())
    .bind(Timestamp::now().as_millis())
    .bind(&actor.name)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(SiteError::AlreadyRegistered(origin.clone()));
    }
    record(
        &mut tx,
        actor,
        AuditAction::SiteAdded,
        origin.as_str(),
        model.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the site `id`; its events stay, naming its origin. Returns the origin removed.
pub async fn remove(db: &Db, actor: &Actor, id: i64) -> Result<SiteOrigin, SiteError> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query("DELETE FROM consent_sites WHERE id = $1 RETURNING origin, model")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(SiteError::NotFound(id))?;
    let origin: String = row.try_get("origin")?;
    let model: String = row.try_get("model")?;
    record(&mut tx, actor, AuditAction::SiteRemoved, &origin, &model).await?;
    tx.commit().await?;
    origin
        .parse()
        .map_err(|e| SiteError::Database(decode_error("origin", e)))
}

/// A copy of the registry, read again once it is a few seconds old, so a site another
/// instance registered is served within that time, and a burst of embedded requests costs
/// one query.
#[derive(Debug, Default)]
pub struct SiteRegistry(RwLock<Option<(Instant, Arc<Vec<Site>>)>>);

impl SiteRegistry {
    const FRESH_FOR: Duration = Duration::from_secs(5);

    /// The registered site whose origin `origin` is, if any.
    pub async fn find(&self, db: &Db, origin: &str) -> Result<Option<Site>, sqlx::Error> {
        let sites = self.sites(db).await?;
        Ok(sites
            .iter()
            .find(|site| site.origin.matches(origin))
            .cloned())
    }

    async fn sites(&self, db: &Db) -> Result<Arc<Vec<Site>>, sqlx::Error> {
        let kept = self.0.read().ok().and_then(|kept| kept.clone());
        if let Some((loaded, sites)) = kept
            && loaded.elapsed() < Self::FRESH_FOR
        {
            return Ok(sites);
        }
        let sites = Arc::new(list(db.reader()).await?);
        if let Ok(mut kept) = self.0.write() {
            *kept = Some((Instant::now(), sites.clone()));
        }
        Ok(sites)
    }

    /// Reads the registry again on the next request (after a change made here).
    pub fn forget(&self) {
        if let Ok(mut kept) = self.0.write() {
            *kept = None;
        }
    }
}

/// Marks a request from a registered site's page, with the origin it came from (the page's,
/// not the pattern it matched).
#[derive(Clone, Debug)]
pub struct RegisteredSite {
    pub origin: String,
    pub site: Site,
}

/// The paths a registered site's pages may call.
fn embeddable(path: &str) -> bool {
    path == "/api/consent" || path.starts_with("/api/consent/")
}

/// CORS for the consent API: a request whose `Origin` is a registered site is let through and
/// answered with that origin allowed (credentials included, so the consent cookie travels);
/// one from any other origin is refused with 403 and a message, preflight included. Requests
/// from Charter's own pages and from clients that are not browsers (no `Origin`) pass as they
/// are. (tower-http's CORS layer only leaves the headers out for an unknown origin, and a
/// caller must be told why.)
pub async fn cors(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let Some(origin) = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
    else {
        return next.run(request).await;
    };
    let own = url::Url::parse(&state.site.base_url).map(|url| url.origin());
    if !embeddable(path) || own.is_ok_and(|own| crate::http::names_origin(&origin, &own)) {
        return next.run(request).await;
    }
    let site = match state.sites.find(&state.db, &origin).await {
        Ok(site) => site,
        Err(error) => return HttpError::internal(&error).into_json_response(),
    };
    let Some(site) = site else {
        tracing::warn!(%origin, path, "consent API request from an unregistered origin refused");
        let shown: String = origin.chars().take(200).collect();
        return HttpError::UnregisteredOrigin(shown).into_json_response();
    };
    let Ok(allowed) = HeaderValue::from_str(&origin) else {
        return HttpError::UnregisteredOrigin(String::new()).into_json_response();
    };
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, charter-consent"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        response
    } else {
        request
            .extensions_mut()
            .insert(RegisteredSite { origin, site });
        next.run(request).await
    };
    allow(response.headers_mut(), allowed);
    response
}

fn allow(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_parse_into_the_form_browsers_send() {
        for (written, held) in [
            ("https://www.example.com", "https://www.example.com"),
            ("HTTPS://WWW.Example.com/", "https://www.example.com"),
            ("https://www.example.com:443", "https://www.example.com"),
            ("http://127.0.0.1:3001", "http://127.0.0.1:3001"),
            ("https://*.example.com", "https://*.example.com"),
            ("http://[::1]:8080", "http://[::1]:8080"),
        ] {
            assert_eq!(
                written.parse::<SiteOrigin>().map(|o| o.to_string()),
                Ok(held.to_owned()),
                "{written}"
            );
        }
        for bad in [
            "",
            "www.example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://example.com?q=1",
            "https://user@example.com",
            "https://*.com",
            "https://*.co.uk",
            "https://*.127.0.0.1",
            "https://exa mple.com",
            "null",
        ] {
            assert!(bad.parse::<SiteOrigin>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_wildcard_matches_subdomains_only_and_ports_must_agree() {
        let wildcard: SiteOrigin = "https://*.example.com".parse().unwrap();
        assert!(wildcard.matches("https://docs.example.com"));
        assert!(wildcard.matches("https://a.b.example.com"));
        assert!(!wildcard.matches("https://example.com"));
        assert!(!wildcard.matches("https://badexample.com"));
        assert!(!wildcard.matches("http://docs.example.com"));
        assert!(!wildcard.matches("https://docs.example.com:8443"));
        let exact: SiteOrigin = "http://127.0.0.1:3001".parse().unwrap();
        assert!(exact.matches("http://127.0.0.1:3001"));
        assert!(!exact.matches("http://127.0.0.1:3002"));
        assert!(!exact.matches("null"));
    }
}
